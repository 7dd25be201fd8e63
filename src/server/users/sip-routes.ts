import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import { expectedVersion, sendEtag } from '../http/etag.ts';
import { notFound, Problem } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { findDomain } from '../tenancy/domain-record.ts';
import { generateSecret } from '../sip-accounts/digest.ts';
import { sipPatch, sipView } from '../sip-accounts/schema.ts';
import { changeUser, readUser } from './commands.ts';

const tags = ['sip'];
const userParams = z.object({ domain: z.string(), id: z.string() });

/** A user's SIP account: written as part of the user (one version, one audit entry, one change). */
export function userSipRoutes(router: Router, { db, passwords, cipher, crm }: Deps): void {
  const guards = { passwords, cipher, crm };
  const base = '/api/v1/domains/:domain/users/:id/sip';

  router.get(base, {
    config: { access: { permission: 'users:read', self: 'profile:read' } },
    schema: { tags, summary: "The user's SIP account", params: userParams, response: { 200: sipView } },
    handler: async (request) => {
      const user = await readUser(db, domainOf(request), request.params.id, { deleted: false });
      if (!user.sip) throw notFound('SIP account');
      return user.sip;
    },
  });

  router.put(base, {
    config: { access: { permission: 'users:update' } },
    schema: {
      tags,
      summary: 'Create or change the SIP account',
      description:
        'Fields given change; a new account starts from the defaults. A secret is generated, and answered once, whenever one is needed (new account, new username, realm changed) and none is given.',
      params: userParams,
      body: sipPatch,
      response: { 200: sipView },
    },
    handler: async (request, reply) => {
      const user = await changeUser(db, actorOf(request), domainOf(request), request.params.id, { sip: request.body }, expectedVersion(request), guards);
      sendEtag(reply, user.version);
      if (!user.sip) throw new Error('a written SIP account reads back');
      return user.sip;
    },
  });

  router.delete(base, {
    config: { access: { permission: 'users:update' } },
    schema: { tags, summary: 'Remove the SIP account, freeing its extensions', params: userParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const user = await readUser(db, domain, request.params.id, { deleted: false });
      if (!user.sip) throw notFound('SIP account');
      await changeUser(db, actorOf(request), domain, user.id, { sip: null }, expectedVersion(request), guards);
      return reply.code(204).send(null);
    },
  });

  router.post(`${base}/secret`, {
    config: { access: { permission: 'users:update' } },
    schema: {
      tags,
      summary: 'Generate a new SIP secret',
      description:
        "The answer is the only place the secret is ever shown. Every phone provisioned with the old secret stops registering, so this is the telephony administrator's act; the console's browser phone needs no secret (GET /api/v1/me/softphone).",
      params: userParams,
      response: { 200: z.object({ username: z.string(), realm: z.string(), secret: z.string() }) },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const before = await readUser(db, domain, request.params.id, { deleted: false });
      if (!before.sip) throw notFound('SIP account');
      const secret = generateSecret();
      const user = await changeUser(db, actorOf(request), domain, before.id, { sip: { secret } }, expectedVersion(request), guards);
      return { username: user.sip?.username ?? before.sip.username, realm: domain.realm ?? domain.name, secret };
    },
  });

  router.get('/api/v1/me/softphone', {
    config: { access: { permission: 'profile:read' } },
    schema: {
      tags,
      summary: "Where the signed-in user's browser phone registers",
      description:
        "The browser phone opens the WebSocket `/sip` (subprotocol sip) from a page of this site, carrying the session cookie, and sends REGISTER for `uri` without credentials: the registrar binds the session's own account while the session lives (within the account's auth ACL), beside the account's other phones. No secret is issued and the account's own is never changed; when the session ends, the connection is closed and its contacts removed.",
      response: { 200: z.object({ uri: z.string(), username: z.string(), extension: z.string().nullable(), realm: z.string(), websocket: z.string() }) },
    },
    handler: async (request) => {
      const actor = actorOf(request);
      const domain = await findDomain(db, actor.domainName);
      if (!domain) throw new Problem(401, 'auth.not_authenticated', 'Sign in first');
      const user = await readUser(db, domain, actor.id);
      if (!user.sip) throw new Problem(404, 'sip.no_account', 'You have no SIP account; an administrator gives you one in your user card (Telephony)');
      const realm = domain.realm ?? domain.name;
      return { uri: `sip:${user.sip.username}@${realm}`, username: user.sip.username, extension: user.sip.extension, realm, websocket: '/sip' };
    },
  });
}

import { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import { diff } from '../audit/rules.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { expectedVersion, sendEtag } from '../http/etag.ts';
import { decodeCursor, encodeCursor, limitSchema, pageSchema, toPage } from '../http/paging.ts';
import { conflict, notFound, Problem } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { findDomain } from '../tenancy/domain-record.ts';
import { changeUser, readUser } from '../users/commands.ts';
import { touchUser } from '../users/store.ts';
import { generateSecret } from './digest.ts';
import { addDesk, deskHistory, listDesks, removeDesk, signInToDesk } from './desks.ts';
import { hotDeskCreate, hotDeskView, signInView, sipPatch, sipSettings, sipView } from './schema.ts';
import { lowestFreeExtensions, signOutOfDesk, sipSettingsOf } from './store.ts';

const tags = ['sip'];
const domainParams = z.object({ domain: z.string() });
const userParams = z.object({ domain: z.string(), id: z.string() });

export function sipRoutes(router: Router, { db, passwords, cipher }: Deps): void {
  const guards = { passwords, cipher };
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
      description: "The answer is the only place the secret is ever shown. Every phone provisioned with the old secret stops registering, so this is the telephony administrator's act; the console's browser phone needs no secret (GET /api/v1/me/softphone).",
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

  router.post(`${base}/sign-in`, {
    config: { access: { permission: 'users:update', self: 'profile:update' } },
    schema: {
      tags,
      summary: 'Sign a hot-desking user in to a desk',
      description: 'To the desk given, or to the lowest free one. A user at another desk leaves it.',
      params: userParams,
      body: z.strictObject({ extension: z.string().regex(/^[0-9]{1,15}$/).optional() }).default({}),
      response: { 200: z.object({ extension: z.string() }) },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const actor = actorOf(request);
      const user = await readUser(db, domain, request.params.id, { deleted: false });
      if (user.sip?.assignment !== 'dynamic') throw conflict('sip.not_hot_desking', 'Only a user with a dynamic (hot-desking) SIP account signs in to desks');
      const by = actor.id === user.id ? 'self' : actor.login;
      const extension = await db
        .transaction()
        .execute(async (trx) => {
          const desk = await signInToDesk(trx, domain.id, user.id, request.body.extension, by);
          await touchUser(trx, user.id);
          await recordAudit(trx, { domainId: domain.id, actor, action: 'desk.signed_in', target: { type: 'user', id: user.id, name: user.login }, changes: { desk: { from: user.sip?.desk ?? null, to: desk } } });
          return desk;
        })
        .catch((error: unknown) => {
          if ((error as { code?: string }).code === '23505' || String((error as { code?: string }).code).startsWith('SQLITE_CONSTRAINT')) {
            throw conflict('desk.occupied', 'Somebody signed in to that desk a moment ago');
          }
          throw error;
        });
      return { extension };
    },
  });

  router.post(`${base}/sign-out`, {
    config: { access: { permission: 'users:update', self: 'profile:update' } },
    schema: { tags, summary: 'Sign a hot-desking user out of their desk', params: userParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const actor = actorOf(request);
      const user = await readUser(db, domain, request.params.id, { deleted: false });
      await db.transaction().execute(async (trx) => {
        const desk = await signOutOfDesk(trx, user.id, actor.id === user.id ? 'self' : actor.login);
        if (!desk) throw conflict('desk.not_signed_in', `${user.login} is not signed in to a desk`);
        await touchUser(trx, user.id);
        await recordAudit(trx, { domainId: domain.id, actor, action: 'desk.signed_out', target: { type: 'user', id: user.id, name: user.login }, changes: { desk: { from: desk, to: null } } });
      });
      return reply.code(204).send(null);
    },
  });

  router.get(`${base}/sign-ins`, {
    config: { access: { permission: 'users:read', self: 'profile:read' } },
    schema: {
      tags,
      summary: 'Hot-desk sign-in history, newest first',
      params: userParams,
      querystring: z.strictObject({ limit: limitSchema, cursor: z.string().max(1000).optional() }),
      response: { 200: pageSchema(signInView) },
    },
    handler: async (request) => {
      const user = await readUser(db, domainOf(request), request.params.id);
      const { limit, cursor } = request.query;
      const rows = await deskHistory(db, user.id, cursor ? decodeCursor(cursor)[1] : undefined, limit);
      return toPage(rows, limit, (r) => ({ extension: r.extension, signedInAt: r.signed_in_at, signedOutAt: r.signed_out_at, signedOutBy: r.signed_out_by }), (r) => encodeCursor(r.signed_in_at, r.id));
    },
  });

  router.get('/api/v1/domains/:domain/extensions/free', {
    config: { access: { permission: 'users:read' } },
    schema: {
      tags,
      summary: "The lowest free extensions of the domain's range",
      params: domainParams,
      querystring: z.strictObject({ count: z.coerce.number().int().min(1).max(100).default(10) }),
      response: { 200: z.object({ range: z.object({ from: z.string(), to: z.string() }), extensions: z.array(z.string()) }) },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const range = sipSettingsOf(domain).extensionRange;
      return { range, extensions: await lowestFreeExtensions(db, domain.id, range, request.query.count) };
    },
  });

  router.get('/api/v1/domains/:domain/sip-settings', {
    config: { access: { permission: 'users:read' } },
    schema: { tags, summary: "The domain's SIP settings", params: domainParams, response: { 200: sipSettings } },
    handler: async (request) => sipSettingsOf(domainOf(request)),
  });

  router.put('/api/v1/domains/:domain/sip-settings', {
    config: { access: { permission: 'telephony:manage' } },
    schema: { tags, summary: "Replace the domain's SIP settings (absent fields take their defaults)", params: domainParams, body: sipSettings, response: { 200: sipSettings } },
    handler: async (request) => {
      const domain = domainOf(request);
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('domains').set({ sip_settings: JSON.stringify(request.body), updated_at: new Date().toISOString() }).where('id', '=', domain.id).execute();
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: 'sip_settings.updated', target: { type: 'domain', id: domain.name, name: domain.name }, changes: diff(sipSettingsOf(domain), request.body) });
      });
      return request.body;
    },
  });

  router.get('/api/v1/domains/:domain/hot-desks', {
    config: { access: { permission: 'users:read' } },
    schema: { tags, summary: "The domain's hot desks and who sits at each", params: domainParams, response: { 200: z.object({ items: z.array(hotDeskView) }) } },
    handler: async (request) => ({ items: await listDesks(db, domainOf(request).id) }),
  });

  router.post('/api/v1/domains/:domain/hot-desks', {
    config: { access: { permission: 'telephony:manage' } },
    schema: { tags, summary: 'Add a hot desk: an extension hot-desking users sign in to', params: domainParams, body: hotDeskCreate, response: { 201: hotDeskView } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const { extension, description = null } = request.body;
      await db.transaction().execute(async (trx) => {
        await addDesk(trx, domain.id, extension, description);
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: 'desk.created', target: { type: 'desk', id: extension, name: extension }, changes: diff(null, { extension, description }) });
      });
      return reply.code(201).send({ extension, description, occupiedBy: null });
    },
  });

  router.delete('/api/v1/domains/:domain/hot-desks/:extension', {
    config: { access: { permission: 'telephony:manage' } },
    schema: { tags, summary: 'Remove a hot desk nobody is signed in to', params: z.object({ domain: z.string(), extension: z.string() }), response: { 204: z.null() } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const { extension } = request.params;
      await db.transaction().execute(async (trx) => {
        await removeDesk(trx, domain.id, extension);
        await recordAudit(trx, { domainId: domain.id, actor: actorOf(request), action: 'desk.deleted', target: { type: 'desk', id: extension, name: extension }, changes: {} });
      });
      return reply.code(204).send(null);
    },
  });
}

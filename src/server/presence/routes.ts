import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import { decodeCursor, encodeCursor, limitSchema, pageSchema, toPage } from '../http/paging.ts';
import type { Deps, Router } from '../deps.ts';
import { changeCc, reportedAgent, setStatus } from './commands.ts';
import { summarize } from './rules.ts';
import { historyEntry, offerReport, presenceQuery, presenceSummary, presenceView, statusChange } from './schema.ts';
import { directoryMembers, directoryTotals, loginsOf, presenceSubject, skillLevels, statusHistory, userInDirectory } from './store.ts';

const tags = ['presence'];
const domainParams = z.object({ domain: z.string() });
const userParams = z.object({ domain: z.string(), id: z.string() });
const listedPresence = presenceView.extend({ login: z.string() });

export function presenceRoutes(router: Router, { db, presence }: Deps): void {
  router.get('/api/v1/domains/:domain/presence', {
    config: { access: { permission: 'users:read' } },
    schema: {
      tags,
      summary: 'Live state of the users that have any: online, CC, registration, status, readiness',
      description: 'Users never seen online, in CC or registered are offline in every dimension and not listed.',
      params: domainParams,
      querystring: presenceQuery,
      response: { 200: z.object({ items: z.array(listedPresence) }) },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const q = request.query;
      const views = [...(await presence.views(domain.id)).values()].filter(
        (v) =>
          (q.online === undefined || v.online === q.online) &&
          (q.cc === undefined || v.cc.loggedIn === q.cc) &&
          (q.registered === undefined || v.registration.registered === q.registered) &&
          (q.status === undefined || v.status.value === q.status) &&
          (q.ready === undefined || v.agent.ready === q.ready),
      );
      const logins = await loginsOf(
        db,
        domain.id,
        views.map((v) => v.userId),
      );
      return {
        items: views
          .flatMap((v) => (logins.has(v.userId) ? [{ ...v, login: logins.get(v.userId) as string }] : []))
          .sort((a, b) => a.login.localeCompare(b.login)),
      };
    },
  });

  router.get('/api/v1/domains/:domain/presence/summary', {
    config: { access: { permission: 'users:read' } },
    schema: {
      tags,
      summary: 'Counts for the dashboard: agents by status, breaks by reason, users online and registered',
      description: 'Counted by the server over every user of the domain (deleted users left out), so it answers the same for 50 users or 50,000.',
      params: domainParams,
      response: { 200: presenceSummary },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const live = [...(await presence.views(domain.id)).values()].filter(
        (v) => v.online || v.cc.loggedIn || v.registration.registered || v.status.value !== 'offline',
      );
      const members = await directoryMembers(
        db,
        domain.id,
        live.map((v) => v.userId),
      );
      const views = live.flatMap((view) => (members.has(view.userId) ? [{ view, agent: members.get(view.userId) === true }] : []));
      return summarize(views, await directoryTotals(db, domain.id));
    },
  });

  router.get('/api/v1/domains/:domain/users/:id/presence', {
    config: { access: { permission: 'users:read', self: 'profile:read' } },
    schema: { tags, summary: "The user's live state", params: userParams, response: { 200: presenceView } },
    handler: async (request) => {
      const domain = domainOf(request);
      const user = await presenceSubject(db, domain.id, request.params.id);
      return presence.view(domain.id, user.id);
    },
  });

  router.put('/api/v1/domains/:domain/users/:id/status', {
    config: { access: { permission: 'users:force-status', self: 'profile:update' } },
    schema: {
      tags,
      summary: 'Set a status: available, break (with a pause reason of the catalog) or dnd',
      description: 'Users set their own; setting somebody else\'s ("force status") needs users:force-status and is recorded as by an administrator.',
      params: userParams,
      body: statusChange,
      response: { 200: presenceView },
    },
    handler: async (request) => {
      const state = await setStatus(db, presence, actorOf(request), domainOf(request), request.params.id, request.body);
      return presence.view(state.domainId, state.userId);
    },
  });

  for (const action of ['login', 'logout'] as const) {
    router.post(`/api/v1/domains/:domain/users/:id/cc/${action}`, {
      config: { access: { permission: 'users:force-status', self: 'profile:update' } },
      schema: {
        tags,
        summary: action === 'login' ? 'Log an agent in to contact-center mode' : 'Log an agent out of contact-center mode',
        params: userParams,
        response: { 200: presenceView },
      },
      handler: async (request) => {
        const state = await changeCc(db, presence, actorOf(request), domainOf(request), request.params.id, action);
        return presence.view(state.domainId, state.userId);
      },
    });
  }

  router.get('/api/v1/domains/:domain/users/:id/status-history', {
    config: { access: { permission: 'users:read', self: 'profile:read' } },
    schema: {
      tags,
      summary: 'Status, CC, registration and online changes, newest first',
      params: userParams,
      querystring: z.strictObject({
        dimension: z.enum(['status', 'cc', 'registration', 'online']).optional(),
        limit: limitSchema,
        cursor: z.string().max(1000).optional(),
      }),
      response: { 200: pageSchema(historyEntry) },
    },
    handler: async (request) => {
      const user = await userInDirectory(db, domainOf(request).id, request.params.id);
      await presence.flushHistory();
      const { dimension, limit, cursor } = request.query;
      const rows = await statusHistory(db, user.id, dimension, cursor ? String(decodeCursor(cursor)[1]) : undefined, limit);
      return toPage(
        rows,
        limit,
        ({ id: _id, ...entry }) => entry,
        (row) => encodeCursor(row.at, row.id),
      );
    },
  });

  router.post('/api/v1/domains/:domain/agents/:id/offers', {
    config: { access: { permission: 'agents:report' } },
    schema: {
      tags,
      summary: "Report a call offer to the agent, or the offer's outcome",
      description:
        "`offered` when the agent's phone starts ringing; then `answered`, `no-answer`, `rejected` or `busy`. The agent's delays, wrap-up and maxNoAnswer apply.",
      params: userParams,
      body: offerReport,
      response: { 200: presenceView },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const user = await reportedAgent(db, domain, request.params.id);
      await presence.report(domain.id, user.id, request.body.callId, request.body.outcome, user.agent);
      return presence.view(domain.id, user.id);
    },
  });

  router.post('/api/v1/domains/:domain/agents/:id/calls/:callId/ended', {
    config: { access: { permission: 'agents:report' } },
    schema: {
      tags,
      summary: "Report the end of the agent's call: wrap-up starts",
      params: userParams.extend({ callId: z.string().max(200) }),
      response: { 200: presenceView },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const user = await reportedAgent(db, domain, request.params.id);
      await presence.callEnded(domain.id, user.id, request.params.callId, user.agent);
      return presence.view(domain.id, user.id);
    },
  });

  router.get('/api/v1/domains/:domain/agents/ready', {
    config: { access: { permission: 'users:read' } },
    schema: {
      tags,
      summary: 'Agents who can take a call now, best skill level first, then longest idle',
      params: domainParams,
      querystring: z.strictObject({ skill: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
      response: {
        200: z.object({ items: z.array(z.object({ id: z.string(), login: z.string(), level: z.number().int().nullable(), idleSince: z.string() })) }),
      },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const views = [...(await presence.views(domain.id)).values()].filter((v) => v.agent.ready);
      if (views.length === 0) return { items: [] };
      const levels = await skillLevels(
        db,
        domain.id,
        views.map((v) => v.userId),
        request.query.skill,
      );
      const items = views
        .filter((v) => levels.has(v.userId))
        .map((v) => ({ id: v.userId, login: levels.get(v.userId)?.login as string, level: levels.get(v.userId)?.level ?? null, idleSince: v.agent.idleSince }))
        .sort((a, b) => (b.level ?? -1) - (a.level ?? -1) || a.idleSince.localeCompare(b.idleSince));
      return { items: items.slice(0, request.query.limit) };
    },
  });
}

import { z } from 'zod';
import { actorOf, domainOf, type Actor } from '../http/access.ts';
import { decodeCursor, encodeCursor, limitSchema, pageSchema, toPage } from '../http/paging.ts';
import { conflict, invalid } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { unlicensedCapabilities } from '../licenses/store.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import { readUser } from '../users/commands.ts';
import type { UserView } from '../users/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import type { Db } from '../db/schema.ts';
import { summarize, type By } from './rules.ts';
import { historyEntry, offerReport, presenceQuery, presenceSummary, presenceView, statusChange } from './schema.ts';
import { lookupsOf } from '../users/lookups.ts';

const tags = ['presence'];
const domainParams = z.object({ domain: z.string() });
const userParams = z.object({ domain: z.string(), id: z.string() });
const listedPresence = presenceView.extend({ login: z.string() });

const byOf = (actor: Actor, userId: string): By => (actor.id === userId ? 'self' : 'administrator');

export function presenceRoutes(router: Router, { db, presence }: Deps): void {
  const liveUser = async (domain: DomainRecord, id: string) => readUser(db, domain, id, { deleted: false });

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
      const logins = await loginsOf(db, domain.id, views.map((v) => v.userId));
      return { items: views.flatMap((v) => (logins.has(v.userId) ? [{ ...v, login: logins.get(v.userId) as string }] : [])).sort((a, b) => a.login.localeCompare(b.login)) };
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
      const live = [...(await presence.views(domain.id)).values()].filter((v) => v.online || v.cc.loggedIn || v.registration.registered || v.status.value !== 'offline');
      const members = await directoryMembers(db, domain.id, live.map((v) => v.userId));
      const views = live.flatMap((view) => (members.has(view.userId) ? [{ view, agent: members.get(view.userId) === true }] : []));
      return summarize(views, await directoryTotals(db, domain.id));
    },
  });

  router.get('/api/v1/domains/:domain/users/:id/presence', {
    config: { access: { permission: 'users:read', self: 'profile:read' } },
    schema: { tags, summary: "The user's live state", params: userParams, response: { 200: presenceView } },
    handler: async (request) => {
      const domain = domainOf(request);
      const user = await liveUser(domain, request.params.id);
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
      const domain = domainOf(request);
      const actor = actorOf(request);
      const user = await liveUser(domain, request.params.id);
      const { status } = request.body;
      let reason = request.body.reason ?? null;
      let maxDuration: number | null = null;
      if (reason !== null) {
        if (status !== 'break') throw invalid([{ path: 'body/reason', code: 'status.reason_without_break', message: 'Only a break has a reason' }]);
        const row = await db.selectFrom('pause_reasons').select(['name', 'max_duration']).where('domain_id', '=', domain.id).where('name_key', '=', nameKey(reason)).executeTakeFirst();
        if (!row) throw invalid([{ path: 'body/reason', code: 'pause_reason.unknown', message: `No pause reason named ${JSON.stringify(reason)} in this domain` }]);
        maxDuration = row.max_duration;
        reason = row.name;
      }
      const state = await presence.setStatus(domain.id, user.id, status, reason, maxDuration, byOf(actor, user.id), actor.login);
      return presence.view(state.domainId, state.userId);
    },
  });

  for (const action of ['login', 'logout'] as const) {
    router.post(`/api/v1/domains/:domain/users/:id/cc/${action}`, {
      config: { access: { permission: 'users:force-status', self: 'profile:update' } },
      schema: { tags, summary: action === 'login' ? 'Log an agent in to contact-center mode' : 'Log an agent out of contact-center mode', params: userParams, response: { 200: presenceView } },
      handler: async (request) => {
        const domain = domainOf(request);
        const actor = actorOf(request);
        const user = await liveUser(domain, request.params.id);
        if (action === 'login') await assertMayWork(db, domain, user);
        const by = byOf(actor, user.id);
        await (action === 'login' ? presence.ccLogin(domain.id, user.id, by, actor.login) : presence.ccLogout(domain.id, user.id, by, actor.login));
        return presence.view(domain.id, user.id);
      },
    });
  }

  router.get('/api/v1/domains/:domain/users/:id/status-history', {
    config: { access: { permission: 'users:read', self: 'profile:read' } },
    schema: {
      tags,
      summary: 'Status, CC, registration and online changes, newest first',
      params: userParams,
      querystring: z.strictObject({ dimension: z.enum(['status', 'cc', 'registration', 'online']).optional(), limit: limitSchema, cursor: z.string().max(1000).optional() }),
      response: { 200: pageSchema(historyEntry) },
    },
    handler: async (request) => {
      const user = await readUser(db, domainOf(request), request.params.id);
      await presence.flushHistory();
      const { dimension, limit, cursor } = request.query;
      let query = db.selectFrom('status_history').select(['id', 'dimension', 'value', 'reason', 'by', 'actor', 'at']).where('user_id', '=', user.id).orderBy('id', 'desc').limit(limit + 1);
      if (dimension) query = query.where('dimension', '=', dimension);
      if (cursor) query = query.where('id', '<', decodeCursor(cursor)[1]);
      return toPage(await query.execute(), limit, ({ id: _id, ...entry }) => entry, (row) => encodeCursor(row.at, row.id));
    },
  });

  router.post('/api/v1/domains/:domain/agents/:id/offers', {
    config: { access: { permission: 'agents:report' } },
    schema: {
      tags,
      summary: "Report a call offer to the agent, or the offer's outcome",
      description: '`offered` when the agent\'s phone starts ringing; then `answered`, `no-answer`, `rejected` or `busy`. The agent\'s delays, wrap-up and maxNoAnswer apply.',
      params: userParams,
      body: offerReport,
      response: { 200: presenceView },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const user = await agentOf(domain, request.params.id);
      await presence.report(domain.id, user.id, request.body.callId, request.body.outcome, user.agent);
      return presence.view(domain.id, user.id);
    },
  });

  router.post('/api/v1/domains/:domain/agents/:id/calls/:callId/ended', {
    config: { access: { permission: 'agents:report' } },
    schema: { tags, summary: "Report the end of the agent's call: wrap-up starts", params: userParams.extend({ callId: z.string().max(200) }), response: { 200: presenceView } },
    handler: async (request) => {
      const domain = domainOf(request);
      const user = await agentOf(domain, request.params.id);
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
      response: { 200: z.object({ items: z.array(z.object({ id: z.string(), login: z.string(), level: z.number().int().nullable(), idleSince: z.string() })) }) },
    },
    handler: async (request) => {
      const domain = domainOf(request);
      const views = [...(await presence.views(domain.id)).values()].filter((v) => v.agent.ready);
      if (views.length === 0) return { items: [] };
      const levels = await skillLevels(db, domain.id, views.map((v) => v.userId), request.query.skill);
      const items = views
        .filter((v) => levels.has(v.userId))
        .map((v) => ({ id: v.userId, login: levels.get(v.userId)?.login as string, level: levels.get(v.userId)?.level ?? null, idleSince: v.agent.idleSince }))
        .sort((a, b) => (b.level ?? -1) - (a.level ?? -1) || a.idleSince.localeCompare(b.idleSince));
      return { items: items.slice(0, request.query.limit) };
    },
  });

  async function agentOf(domain: DomainRecord, id: string): Promise<UserView> {
    const user = await liveUser(domain, id);
    if (!user.agent.enabled) throw conflict('agent.not_enabled', `${user.login} is not an agent`);
    return user;
  }
}

/** Only an enabled agent works in CC mode, and where the domain licenses agents, only with a live license. */
async function assertMayWork(db: Db, domain: DomainRecord, user: UserView) {
  if (!user.agent.enabled) throw conflict('agent.not_enabled', `${user.login} is not an agent; enable the agent profile first`);
  const { missing, productNames } = await unlicensedCapabilities(lookupsOf(db, domain.id), user.id, ['agent']);
  if (missing.length) throw conflict('license.required', `${user.login} holds no live license for agents (${productNames('agent')})`);
}

/** Of these users, those still in the directory, each with whether it is an enabled agent. */
async function directoryMembers(db: Db, domainId: string, ids: string[]) {
  const members = new Map<string, boolean>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('users as u')
      .leftJoin('agents as a', 'a.user_id', 'u.id')
      .select(['u.id', 'a.enabled'])
      .where('u.domain_id', '=', domainId)
      .where('u.deleted_at', 'is', null)
      .where('u.id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) members.set(r.id, r.enabled === 1);
  }
  return members;
}

/** How many users and enabled agents the domain has (deleted ones left out). */
async function directoryTotals(db: Db, domainId: string) {
  const users = await db.selectFrom('users').select((eb) => eb.fn.countAll<string | number>().as('n')).where('domain_id', '=', domainId).where('deleted_at', 'is', null).executeTakeFirstOrThrow();
  const agents = await db
    .selectFrom('users as u')
    .innerJoin('agents as a', 'a.user_id', 'u.id')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('u.domain_id', '=', domainId)
    .where('u.deleted_at', 'is', null)
    .where('a.enabled', '=', 1)
    .executeTakeFirstOrThrow();
  return { users: Number(users.n), agents: Number(agents.n) };
}

async function loginsOf(db: Db, domainId: string, ids: string[]) {
  const logins = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db.selectFrom('users').select(['id', 'login']).where('domain_id', '=', domainId).where('deleted_at', 'is', null).where('id', 'in', ids.slice(i, i + 500)).execute();
    for (const r of rows) logins.set(r.id, r.login);
  }
  return logins;
}

/** Enabled agents among `ids` with their level in the skill (all-skills members at level 0), or all of them without a skill. */
async function skillLevels(db: Db, domainId: string, ids: string[], skill: string | undefined) {
  const levels = new Map<string, { login: string; level: number | null }>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const query = db
      .selectFrom('agents as a')
      .innerJoin('users as u', 'u.id', 'a.user_id')
      .select(['u.id', 'u.login', 'a.all_skills'])
      .where('a.enabled', '=', 1)
      .where('u.domain_id', '=', domainId)
      .where('u.active', '=', 1)
      .where('u.deleted_at', 'is', null)
      .where('u.id', 'in', chunk);
    if (!skill) {
      for (const r of await query.execute()) levels.set(r.id, { login: r.login, level: null });
      continue;
    }
    const key = nameKey(skill);
    const withLevel = await query
      .leftJoin('agent_skills as s', (join) => join.onRef('s.user_id', '=', 'a.user_id').on('s.skill_id', 'in', db.selectFrom('skills').select('id').where('domain_id', '=', domainId).where('name_key', '=', key)))
      .select('s.level')
      .execute();
    for (const r of withLevel) if (r.level !== null || r.all_skills === 1) levels.set(r.id, { login: r.login, level: r.level ?? 0 });
  }
  return levels;
}

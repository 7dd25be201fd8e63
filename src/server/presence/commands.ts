import { agentOfUser } from '../agents/store.ts';
import type { AgentView } from '../agents/schema.ts';
import type { Db } from '../db/schema.ts';
import { conflict, invalid } from '../http/problem.ts';
import { licenseLookupsOf, unlicensedCapabilities } from '../licenses/store.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import type { PresenceEngine } from './engine.ts';
import type { By } from './rules.ts';
import type { StatusChange } from './schema.ts';
import { pauseReasonNamed, presenceSubject } from './store.ts';

/** Who changes a live state: the user itself, or somebody forcing it (recorded as an administrator). */
export interface PresenceActor {
  id: string;
  login: string;
}

const byOf = (actor: PresenceActor, userId: string): By => (actor.id === userId ? 'self' : 'administrator');

/** Sets available, dnd, or a break with a reason of the domain's catalog (its maximum duration with it). */
export async function setStatus(db: Db, presence: PresenceEngine, actor: PresenceActor, domain: DomainRecord, id: string, change: StatusChange) {
  const user = await presenceSubject(db, domain.id, id);
  const { status } = change;
  let reason = change.reason ?? null;
  let maxDuration: number | null = null;
  if (reason !== null) {
    if (status !== 'break') throw invalid([{ path: 'body/reason', code: 'status.reason_without_break', message: 'Only a break has a reason' }]);
    const row = await pauseReasonNamed(db, domain.id, reason);
    if (!row) throw invalid([{ path: 'body/reason', code: 'pause_reason.unknown', message: `No pause reason named ${JSON.stringify(reason)} in this domain` }]);
    maxDuration = row.max_duration;
    reason = row.name;
  }
  return presence.setStatus(domain.id, user.id, status, reason, maxDuration, byOf(actor, user.id), actor.login);
}

/** Logs an agent in to contact-center mode (an enabled agent, licensed where the domain licenses agents) or out of it. */
export async function changeCc(db: Db, presence: PresenceEngine, actor: PresenceActor, domain: DomainRecord, id: string, action: 'login' | 'logout') {
  const user = await presenceSubject(db, domain.id, id);
  const by = byOf(actor, user.id);
  if (action === 'logout') return presence.ccLogout(domain.id, user.id, by, actor.login);
  const agent = await agentOfUser(db, domain, user.id);
  if (!agent.enabled) throw conflict('agent.not_enabled', `${user.login} is not an agent; enable the agent profile first`);
  const { missing, productNames } = await unlicensedCapabilities(licenseLookupsOf(db, domain.id), user.id, ['agent']);
  if (missing.length) throw conflict('license.required', `${user.login} holds no live license for agents (${productNames('agent')})`);
  return presence.ccLogin(domain.id, user.id, by, actor.login);
}

/** The enabled agent a telephony engine reports about, with the timers its report applies. */
export async function reportedAgent(db: Db, domain: DomainRecord, id: string): Promise<{ id: string; agent: AgentView }> {
  const user = await presenceSubject(db, domain.id, id);
  const agent = await agentOfUser(db, domain, user.id);
  if (!agent.enabled) throw conflict('agent.not_enabled', `${user.login} is not an agent`);
  return { id: user.id, agent };
}

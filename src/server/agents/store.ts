import type { Db } from '../db/schema.ts';
import type { DomainRecord } from '../domains/store.ts';
import type { FieldProblem } from '../http/problem.ts';
import { nameKey } from '../roles/store.ts';
import { effectiveAgent, noAgent, type AgentOverrides, type StoredAgent } from './rules.ts';
import { agentDefaults, defaultAgentDefaults, type AgentDefaults, type AgentView } from './schema.ts';

const parsedDefaults = new Map<string, AgentDefaults>();

/** The domain's agent defaults, parsed once per stored text. */
export function agentDefaultsOf(domain: Pick<DomainRecord, 'agent_defaults'>): AgentDefaults {
  const text = domain.agent_defaults;
  if (!text) return defaultAgentDefaults;
  let defaults = parsedDefaults.get(text);
  if (!defaults) {
    if (parsedDefaults.size > 1000) parsedDefaults.clear();
    defaults = agentDefaults.parse(JSON.parse(text));
    parsedDefaults.set(text, defaults);
  }
  return defaults;
}

/** The answered agent profiles of users, by id; a user never made an agent gets the blank profile. */
export async function readAgents(db: Db, domain: DomainRecord, userIds: string[]): Promise<Map<string, AgentView>> {
  const defaults = agentDefaultsOf(domain);
  const rows = userIds.length ? await db.selectFrom('agents').select(['user_id', 'enabled', 'all_tags', 'all_skills', 'overrides']).where('user_id', 'in', userIds).execute() : [];
  const skills = rows.length
    ? await db
        .selectFrom('agent_skills as a')
        .innerJoin('skills as s', 's.id', 'a.skill_id')
        .select(['a.user_id', 's.name', 's.name_key', 'a.level'])
        .where('a.user_id', 'in', rows.map((r) => r.user_id))
        .orderBy('s.name_key')
        .execute()
    : [];
  const stored = new Map<string, StoredAgent>(
    rows.map((r) => [
      r.user_id,
      {
        enabled: r.enabled === 1,
        allTags: r.all_tags === 1,
        allSkills: r.all_skills === 1,
        overrides: JSON.parse(r.overrides) as AgentOverrides,
        skills: skills.filter((s) => s.user_id === r.user_id).map((s) => ({ skill: s.name, level: s.level })),
      },
    ]),
  );
  return new Map(userIds.map((id) => [id, effectiveAgent(stored.get(id) ?? noAgent, defaults)]));
}

/** The catalog ids of an agent's skills, writing the catalog's spelling back; unknown skills are problems. */
export async function resolveSkills(db: Db, domainId: string, skills: StoredAgent['skills'], problems: FieldProblem[]) {
  const keys = skills.map((s) => nameKey(s.skill));
  const rows = keys.length ? await db.selectFrom('skills').select(['id', 'name', 'name_key']).where('domain_id', '=', domainId).where('name_key', 'in', keys).execute() : [];
  const byKey = new Map(rows.map((r) => [r.name_key, r]));
  const resolved = skills.flatMap((s, index) => {
    const row = byKey.get(nameKey(s.skill));
    if (row) return [{ skill_id: row.id, name: row.name, level: s.level }];
    problems.push({ path: `agent/skills/${index}/skill`, code: 'skill.unknown', message: `No skill named ${JSON.stringify(s.skill)} in this domain; add it to the domain's skills first` });
    return [];
  });
  return resolved;
}

export async function writeAgent(db: Db, domainId: string, userId: string, agent: StoredAgent, skillIds: { skill_id: string; level: number }[]): Promise<void> {
  const columns = { enabled: agent.enabled ? 1 : 0, all_tags: agent.allTags ? 1 : 0, all_skills: agent.allSkills ? 1 : 0, overrides: JSON.stringify(agent.overrides) };
  const updated = await db.updateTable('agents').set(columns).where('user_id', '=', userId).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) await db.insertInto('agents').values({ user_id: userId, domain_id: domainId, ...columns }).execute();
  await db.deleteFrom('agent_skills').where('user_id', '=', userId).execute();
  if (skillIds.length) await db.insertInto('agent_skills').values(skillIds.map((s) => ({ user_id: userId, skill_id: s.skill_id, level: s.level }))).execute();
}

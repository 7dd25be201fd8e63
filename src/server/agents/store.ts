import type { Db } from '../db/schema.ts';
import { settingsParser } from '../settings/rules.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import type { FieldProblem } from '../http/problem.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import { effectiveAgent, noAgent, type AgentOverrides, type StoredAgent } from './rules.ts';
import { agentDefaults, defaultAgentDefaults, type AgentDefaults, type AgentView } from './schema.ts';
import type { Lookups } from '../tenancy/lookups.ts';

const parseAgentDefaults = settingsParser(agentDefaults, defaultAgentDefaults);

/** The domain's agent defaults, from its record. */
export const agentDefaultsOf = (domain: Pick<DomainRecord, 'agent_defaults'>): AgentDefaults => parseAgentDefaults(domain.agent_defaults);

/** An agent profile as answered, from its row (all null for a user never made an agent) and its skills. */
export function agentViewOf(
  row: { enabled: number | null; all_tags: number | null; all_skills: number | null; overrides: string | null },
  skills: { skill: string; level: number }[],
  domain: DomainRecord,
): AgentView {
  const stored: StoredAgent =
    row.overrides === null
      ? noAgent
      : {
          enabled: row.enabled === 1,
          allTags: row.all_tags === 1,
          allSkills: row.all_skills === 1,
          overrides: JSON.parse(row.overrides) as AgentOverrides,
          skills,
        };
  return effectiveAgent(stored, agentDefaultsOf(domain));
}

/** A user's agent profile as it works now (the domain's defaults where it sets none). */
export async function agentOfUser(db: Db, domain: DomainRecord, userId: string): Promise<AgentView> {
  const row = (await db.selectFrom('agents').select(['enabled', 'all_tags', 'all_skills', 'overrides']).where('user_id', '=', userId).executeTakeFirst()) ?? {
    enabled: null,
    all_tags: null,
    all_skills: null,
    overrides: null,
  };
  const skills = await db
    .selectFrom('agent_skills as a')
    .innerJoin('skills as k', 'k.id', 'a.skill_id')
    .select(['k.name as skill', 'a.level'])
    .where('a.user_id', '=', userId)
    .execute();
  return agentViewOf(
    row,
    skills.sort((a, b) => a.skill.toLowerCase().localeCompare(b.skill.toLowerCase())),
    domain,
  );
}

/** The catalog ids of an agent's skills, writing the catalog's spelling back; unknown skills are problems. */
export async function resolveSkills(lookups: Lookups, skills: StoredAgent['skills'], problems: FieldProblem[]) {
  const rows = await lookups.catalog(
    'skills',
    skills.map((s) => nameKey(s.skill)),
  );
  const byKey = new Map(rows.map((r) => [r.name_key, r]));
  const resolved = skills.flatMap((s, index) => {
    const row = byKey.get(nameKey(s.skill));
    if (row) return [{ skill_id: row.id, name: row.name, level: s.level }];
    problems.push({
      path: `agent/skills/${index}/skill`,
      code: 'skill.unknown',
      message: `No skill named ${JSON.stringify(s.skill)} in this domain; add it to the domain's skills first`,
    });
    return [];
  });
  return resolved;
}

export const agentColumns = (agent: StoredAgent) => ({
  enabled: agent.enabled ? 1 : 0,
  all_tags: agent.allTags ? 1 : 0,
  all_skills: agent.allSkills ? 1 : 0,
  overrides: JSON.stringify(agent.overrides),
});

export async function writeAgent(db: Db, domainId: string, userId: string, agent: StoredAgent, skillIds: { skill_id: string; level: number }[]): Promise<void> {
  const columns = agentColumns(agent);
  const updated = await db.updateTable('agents').set(columns).where('user_id', '=', userId).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0)
    await db
      .insertInto('agents')
      .values({ user_id: userId, domain_id: domainId, ...columns })
      .execute();
  await db.deleteFrom('agent_skills').where('user_id', '=', userId).execute();
  if (skillIds.length)
    await db
      .insertInto('agent_skills')
      .values(skillIds.map((s) => ({ user_id: userId, skill_id: s.skill_id, level: s.level })))
      .execute();
}

import type { AgentDefaults, AgentPatch, AgentView } from './schema.ts';

/** The settings an agent may take from the domain or set itself. */
export const overridableSettings = [
  'callTimeout',
  'wrapUpTime',
  'maxNoAnswer',
  'busyDelay',
  'rejectDelay',
  'noAnswerDelay',
  'autoDial',
  'assignLeads',
  'clientLanguages',
] as const;
const predictiveSettings = ['enabled', 'dialRatio', 'maxAbandonRate', 'maxAttempts'] as const;

type Predictive = AgentDefaults['personalPredictiveQueue'];
/** What an agent sets itself; everything else follows the domain defaults. */
export type AgentOverrides = Partial<Omit<AgentDefaults, 'personalPredictiveQueue'>> & { personalPredictiveQueue?: Partial<Predictive> };

export interface StoredAgent {
  enabled: boolean;
  allTags: boolean;
  allSkills: boolean;
  skills: { skill: string; level: number }[];
  overrides: AgentOverrides;
}

export const noAgent: StoredAgent = { enabled: false, allTags: false, allSkills: false, skills: [], overrides: {} };

/** The agent as it works: its own settings over the domain's defaults, and which ones are inherited. */
export function effectiveAgent(agent: StoredAgent, defaults: AgentDefaults): AgentView {
  // Loops, not Object.fromEntries over closures: an import works out several of these a row.
  const inherited: string[] = [];
  const view: Record<string, unknown> = { enabled: agent.enabled, skills: agent.skills, allTags: agent.allTags, allSkills: agent.allSkills };
  for (const key of overridableSettings) {
    const own = agent.overrides[key];
    if (own === undefined) inherited.push(key);
    view[key] = own ?? defaults[key];
  }
  const ownQueue = agent.overrides.personalPredictiveQueue ?? {};
  const queue: Record<string, unknown> = {};
  for (const key of predictiveSettings) {
    if (ownQueue[key] === undefined) inherited.push(`personalPredictiveQueue.${key}`);
    queue[key] = ownQueue[key] ?? defaults.personalPredictiveQueue[key];
  }
  view.personalPredictiveQueue = queue;
  view.inherited = inherited;
  return view as unknown as AgentView;
}

/** The own settings behind an effective view: those not marked inherited. */
export function overridesOf(view: AgentView): AgentOverrides {
  const inherited = new Set(view.inherited);
  const overrides: AgentOverrides = {};
  for (const key of overridableSettings) if (!inherited.has(key)) (overrides as Record<string, unknown>)[key] = view[key];
  const queue: Partial<Predictive> = {};
  for (const key of predictiveSettings)
    if (!inherited.has(`personalPredictiveQueue.${key}`)) (queue as Record<string, unknown>)[key] = view.personalPredictiveQueue[key];
  if (Object.keys(queue).length) overrides.personalPredictiveQueue = queue;
  return overrides;
}

/** The agent a change produces: given fields replace, null returns a setting to the domain default. */
export function applyAgentPatch(before: StoredAgent, patch: AgentPatch): StoredAgent {
  const overrides: AgentOverrides = { ...before.overrides, personalPredictiveQueue: { ...before.overrides.personalPredictiveQueue } };
  for (const key of overridableSettings) {
    const value = patch[key];
    if (value === null) delete overrides[key];
    else if (value !== undefined) (overrides as Record<string, unknown>)[key] = value;
  }
  const queuePatch = patch.personalPredictiveQueue;
  if (queuePatch === null) overrides.personalPredictiveQueue = {};
  for (const key of predictiveSettings) {
    const value = queuePatch?.[key];
    if (value === null) delete overrides.personalPredictiveQueue?.[key];
    else if (value !== undefined) (overrides.personalPredictiveQueue as Record<string, unknown>)[key] = value;
  }
  if (Object.keys(overrides.personalPredictiveQueue ?? {}).length === 0) delete overrides.personalPredictiveQueue;
  return {
    enabled: patch.enabled ?? before.enabled,
    allTags: patch.allTags ?? before.allTags,
    allSkills: patch.allSkills ?? before.allSkills,
    skills: patch.skills ?? before.skills,
    overrides,
  };
}

/** The stored agent behind an effective view. */
export const storedAgentOf = (view: AgentView): StoredAgent => ({
  enabled: view.enabled,
  allTags: view.allTags,
  allSkills: view.allSkills,
  skills: view.skills,
  overrides: overridesOf(view),
});

/** Capabilities, in license terms, that the agent's settings use. */
export function agentCapabilities(agent: AgentView): ('agent' | 'dialer')[] {
  if (!agent.enabled) return [];
  const dialing = agent.autoDial !== 'off' || agent.personalPredictiveQueue.enabled;
  return dialing ? ['agent', 'dialer'] : ['agent'];
}

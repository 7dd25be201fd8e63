import { z } from 'zod';
import { tag } from '../catalogs/schema.ts';
import { language } from '../identifiers/language.ts';

const seconds = (max: number) => z.number().int().min(0).max(max);

/** The languages an agent speaks to clients (not the console's language): the main one first. */
const clientLanguages = z
  .array(language)
  .max(10)
  .refine((list) => new Set(list.map((l) => l.toLowerCase())).size === list.length, 'Languages repeat');

/** Settings an agent follows from the domain unless it sets its own (null: back to the default). */
export const agentDefaults = z.strictObject({
  callTimeout: z.number().int().min(5).max(600).default(20).describe('Seconds an offered call rings the agent'),
  wrapUpTime: seconds(3600).default(10).describe('Seconds after a call before the next offer'),
  maxNoAnswer: z.number().int().min(0).max(100).default(0).describe('Unanswered offers in a row before the agent goes on break; 0: never'),
  busyDelay: seconds(3600).default(90).describe('Seconds to wait after the agent was busy'),
  rejectDelay: seconds(3600).default(90).describe('Seconds to wait after the agent rejected an offer'),
  noAnswerDelay: seconds(3600).default(30).describe('Seconds to wait after the agent did not answer'),
  autoDial: z.enum(['off', 'preview', 'progressive', 'predictive']).default('off'),
  personalPredictiveQueue: z
    .strictObject({
      enabled: z.boolean().default(false),
      dialRatio: z.number().min(1).max(5).default(1.5).describe('Lines dialled per idle agent'),
      maxAbandonRate: z.number().min(0).max(100).default(3).describe('Percent of answered calls that may find no agent'),
      maxAttempts: z.number().int().min(1).max(20).default(3).describe('Attempts per lead'),
    })
    .default({ enabled: false, dialRatio: 1.5, maxAbandonRate: 3, maxAttempts: 3 }),
  assignLeads: z.boolean().default(false).describe('Leads are assigned to this agent personally'),
  clientLanguages: clientLanguages.default([]).describe('Languages the agent speaks to clients, BCP 47, the main one first (not the language of the console)'),
});

export type AgentDefaults = z.infer<typeof agentDefaults>;
export const defaultAgentDefaults: AgentDefaults = agentDefaults.parse({});

const skillLevel = z.strictObject({ skill: tag, level: z.number().int().min(0).max(100) });

const skillList = z
  .array(skillLevel)
  .max(200)
  .refine((list) => new Set(list.map((s) => s.skill.toLowerCase())).size === list.length, 'Skills repeat');

const predictiveOverrides = z.strictObject({
  enabled: z.boolean().nullable(),
  dialRatio: z.number().min(1).max(5).nullable(),
  maxAbandonRate: z.number().min(0).max(100).nullable(),
  maxAttempts: z.number().int().min(1).max(20).nullable(),
});

/** In a PATCH: only the fields given change; null puts a setting back on the domain default. */
export const agentPatch = z.strictObject({
  enabled: z.boolean().optional().describe('The user works as an agent (needs a license with the agent capability where the domain has one)'),
  skills: skillList.optional(),
  allTags: z.boolean().optional().describe('Member of every tag of the domain, also those added later'),
  allSkills: z.boolean().optional().describe('Member of every skill of the domain, also those added later'),
  callTimeout: z.number().int().min(5).max(600).nullable().optional(),
  wrapUpTime: seconds(3600).nullable().optional(),
  maxNoAnswer: z.number().int().min(0).max(100).nullable().optional(),
  busyDelay: seconds(3600).nullable().optional(),
  rejectDelay: seconds(3600).nullable().optional(),
  noAnswerDelay: seconds(3600).nullable().optional(),
  autoDial: z.enum(['off', 'preview', 'progressive', 'predictive']).nullable().optional(),
  personalPredictiveQueue: predictiveOverrides.partial().nullable().optional(),
  assignLeads: z.boolean().nullable().optional(),
  clientLanguages: clientLanguages.nullable().optional(),
});

/** Written in full (create, PUT): absent settings follow the domain defaults. */
export const agentInput = agentPatch.extend({
  enabled: z.boolean().default(false),
  skills: skillList.default([]),
  allTags: z.boolean().default(false),
  allSkills: z.boolean().default(false),
});

export const agentView = agentDefaults.extend({
  enabled: z.boolean(),
  skills: z.array(z.object({ skill: z.string(), level: z.number().int() })),
  allTags: z.boolean(),
  allSkills: z.boolean(),
  personalPredictiveQueue: z.object({ enabled: z.boolean(), dialRatio: z.number(), maxAbandonRate: z.number(), maxAttempts: z.number().int() }),
  clientLanguages: z.array(z.string()),
  inherited: z.array(z.string()).describe('Settings that follow the domain defaults'),
});

export type AgentPatch = z.infer<typeof agentPatch>;
export type AgentView = z.infer<typeof agentView>;

import { z } from 'zod';

const by = z.enum(['self', 'administrator', 'system']);

/** A user's live state as the API and the events show it. */
export const presenceView = z.object({
  userId: z.string(),
  online: z.boolean().describe('At least one open event connection'),
  connections: z.number().int(),
  cc: z.object({ loggedIn: z.boolean(), since: z.string(), by }),
  status: z.object({
    value: z.enum(['available', 'break', 'dnd', 'offline']),
    reason: z.string().nullable().describe('The pause reason of a break'),
    since: z.string(),
    by,
    actor: z.string().nullable().describe('Who set it, when an administrator did'),
    maxDuration: z.number().int().nullable(),
    overdue: z.boolean().describe('A pause past its maximum duration'),
  }),
  registration: z.object({
    registered: z.boolean(),
    contacts: z.array(
      z.object({
        uri: z.string(),
        userAgent: z.string().nullable(),
        source: z.string(),
        transport: z.string(),
        expiresAt: z.string(),
        registeredAt: z.string(),
      }),
    ),
  }),
  agent: z.object({
    phase: z.enum(['idle', 'offered', 'on-call', 'wrap-up', 'paused-after-offer']),
    until: z.string().nullable(),
    ready: z.boolean(),
    noAnswers: z.number().int(),
    idleSince: z.string(),
  }),
});

export const statusChange = z.strictObject({
  status: z.enum(['available', 'break', 'dnd']),
  reason: z.string().trim().min(1).max(64).optional().describe("A pause reason of the domain's catalog (for break)"),
});
export type StatusChange = z.infer<typeof statusChange>;

export const presenceQuery = z.strictObject({
  online: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  cc: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  registered: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  status: z.enum(['available', 'break', 'dnd', 'offline']).optional(),
  ready: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

/** The dashboard's figures, counted by the server so that they hold for any number of users. */
export const presenceSummary = z.object({
  agents: z
    .object({
      total: z.number().int().describe('Enabled agents (not deleted)'),
      inCc: z.number().int().describe('Agents logged in to contact-center mode'),
      available: z.number().int(),
      break: z.number().int(),
      dnd: z.number().int(),
      offline: z.number().int().describe('Agents in none of the other statuses'),
    })
    .describe('Agents by status: those in contact-center mode by theirs, the others offline (as the user list filters them)'),
  breaks: z.array(z.object({ reason: z.string().nullable(), count: z.number().int() })).describe('Agents on break by pause reason, most first'),
  users: z.object({
    total: z.number().int().describe('Users (not deleted)'),
    online: z.number().int(),
    registered: z.number().int().describe('Users with at least one registered SIP contact'),
  }),
});

export const offerReport = z.strictObject({
  callId: z.string().min(1).max(200),
  outcome: z.enum(['offered', 'answered', 'no-answer', 'rejected', 'busy']),
});

export const historyEntry = z.object({
  dimension: z.string(),
  value: z.string(),
  reason: z.string().nullable(),
  by: z.string(),
  actor: z.string().nullable(),
  at: z.string(),
});

export type PresenceView = z.infer<typeof presenceView>;

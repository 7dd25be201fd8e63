import { z } from 'zod';
import { agentInput } from '../agents/schema.ts';
import { bothEndsAreExtensions, extension, sipInput } from '../sip-accounts/schema.ts';

export const MAX_RANGE = 10_000;

export const rangeInput = z
  .strictObject({
    from: extension,
    to: extension,
    namePattern: z.string().trim().min(1).max(100).default('Agent {n}').describe('First name of each user; {n} is its number'),
    onConflict: z
      .enum(['fail', 'skip'])
      .default('fail')
      .describe('Numbers already taken as logins, extensions or SIP usernames: refuse the whole range, or leave them out'),
    webPasswords: z
      .boolean()
      .default(false)
      .describe('Give each user a generated web password too, to be changed at the first sign-in (hashing takes about a second per hundred users a core)'),
    template: z
      .strictObject({
        roles: z.array(z.string().max(64)).min(1).max(100).default(['agent']),
        groups: z.array(z.string().max(64)).max(200).default([]),
        tags: z.array(z.string().max(64)).max(100).default([]),
        licenses: z.array(z.string().max(64)).max(20).default([]),
        agent: agentInput.optional(),
        sip: sipInput.pick({ connection: true, customUri: true, stun: true, authAcl: true }).partial().default({}),
      })
      .default({ roles: ['agent'], groups: [], tags: [], licenses: [], sip: {} }),
  })
  .refine((r) => r.from.length === r.to.length, { path: ['to'], message: 'from and to have the same number of digits', when: bothEndsAreExtensions })
  .refine((r) => BigInt(r.from) <= BigInt(r.to), {
    path: ['to'],
    message: "The range ends before it starts: 'to' must not be below 'from'",
    when: bothEndsAreExtensions,
  })
  .refine((r) => BigInt(r.to) - BigInt(r.from) < BigInt(MAX_RANGE), {
    path: ['to'],
    message: `At most ${MAX_RANGE} users a call`,
    when: bothEndsAreExtensions,
  });

export const rangeResult = z.object({
  bulkId: z.string(),
  created: z
    .array(
      z.object({ id: z.string(), login: z.string(), extension: z.string(), sipUsername: z.string(), sipSecret: z.string(), password: z.string().optional() }),
    )
    .describe('Secrets are shown only here'),
  skipped: z.array(z.object({ number: z.string(), reason: z.string() })),
});

export type RangeInput = z.infer<typeof rangeInput>;

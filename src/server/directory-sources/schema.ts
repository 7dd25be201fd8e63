import { z } from 'zod';
import { catalogName } from '../roles/schema.ts';
import { mappedFields, presetNames, urlProblem } from './rules.ts';

const name = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'Latin letters, digits, dots, underscores and hyphens, starting with a letter or digit');

const url = z
  .string()
  .max(2000)
  .superRefine((text, context) => {
    const problem = urlProblem(text);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  })
  .describe('ldap://host[:port] or ldaps://host[:port]; nothing after the port');

const dn = z.string().trim().min(1).max(1000);
const attribute = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'An LDAP attribute name such as mail or sAMAccountName')
  .nullable();

const fieldMapping = Object.fromEntries(mappedFields.map((field) => [field, attribute.optional()])) as Record<
  (typeof mappedFields)[number],
  z.ZodOptional<typeof attribute>
>;

export const attributeMapping = z
  .strictObject(fieldMapping)
  .describe(
    "Switchboard field → directory attribute, over the preset's (null: not taken from the directory). A field taken from the directory is the source's: read-only elsewhere.",
  );

export const groupMapping = z.strictObject({
  groupDn: dn.describe('The directory group, by its DN'),
  groups: z.array(catalogName).max(50).default([]).describe('Switchboard groups its members are in'),
  roles: z.array(catalogName).max(50).default([]).describe('Roles its members hold'),
});

const membership = z
  .enum(['memberOf', 'groupOfNames'])
  .describe('memberOf: the user entry names its groups (Active Directory); groupOfNames: each group entry names its members (OpenLDAP)');

const schedule = z
  .number()
  .int()
  .min(5)
  .max(7 * 24 * 60)
  .nullable()
  .describe('Minutes between scheduled syncs; null: only when asked');

export const directorySourceCreate = z.strictObject({
  name,
  url,
  startTls: z.boolean().default(false).describe('Upgrade an ldap:// connection with StartTLS before binding'),
  bindDn: dn.describe('The service account the sync binds as'),
  bindPassword: z.string().min(1).max(256).describe('Write-only; sealed at rest'),
  baseDn: dn.describe('Where users are searched, with everything below it'),
  userFilter: z.string().trim().min(3).max(2000).optional().describe("An LDAP filter; the preset's when absent"),
  preset: z.enum(presetNames),
  attributes: attributeMapping.default({}),
  membership: membership.optional().describe("The preset's when absent"),
  groupMappings: z.array(groupMapping).max(200).default([]),
  defaultRoles: z.array(catalogName).min(1).max(20).default(['agent']).describe('Roles every synced user holds'),
  scheduleMinutes: schedule.default(null),
});

export const directorySourceUpdate = z.strictObject({
  name: name.optional(),
  url: url.optional(),
  startTls: z.boolean().optional(),
  bindDn: dn.optional(),
  bindPassword: z.string().min(1).max(256).optional(),
  baseDn: dn.optional(),
  userFilter: z.string().trim().min(3).max(2000).optional(),
  preset: z.enum(presetNames).optional(),
  attributes: attributeMapping.optional(),
  membership: membership.optional(),
  groupMappings: z.array(groupMapping).max(200).optional(),
  defaultRoles: z.array(catalogName).min(1).max(20).optional(),
  scheduleMinutes: schedule.optional(),
});

const counts = {
  entries: z.number().int().describe('Users found in the directory'),
  created: z.number().int(),
  changed: z.number().int(),
  deactivated: z.number().int().describe('Users of the source no longer in the directory: deactivated, never deleted'),
  unchanged: z.number().int(),
  problems: z.number().int().describe('Entries left out'),
};

export const lastSyncView = z.object({ at: z.string(), by: z.string(), dryRun: z.boolean(), ...counts });

export const directorySourceView = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  startTls: z.boolean(),
  bindDn: z.string(),
  bindPasswordSet: z.literal(true),
  baseDn: z.string(),
  userFilter: z.string(),
  preset: z.enum(presetNames),
  attributes: z
    .object(
      Object.fromEntries(mappedFields.map((field) => [field, z.string().nullable()])) as Record<(typeof mappedFields)[number], z.ZodNullable<z.ZodString>>,
    )
    .describe('The whole mapping: the preset with the changes made to it'),
  membership,
  groupMappings: z.array(z.object({ groupDn: z.string(), groups: z.array(z.string()), roles: z.array(z.string()) })),
  defaultRoles: z.array(z.string()),
  ownedFields: z.array(z.string()).describe('The user fields the source owns: read-only for its users, except through a sync'),
  scheduleMinutes: z.number().int().nullable(),
  nextSyncAt: z.string().nullable(),
  lastSync: lastSyncView.nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const SAMPLES_KEPT = 100;

export const syncReport = z.object({
  dryRun: z.boolean(),
  written: z.boolean().describe('Whether the sync is in the directory: false for a dry run or a cancelled one'),
  ...counts,
  samples: z
    .object({
      created: z.array(z.string()),
      changed: z.array(z.object({ login: z.string(), fields: z.array(z.string()) })),
      deactivated: z.array(z.string()),
    })
    .describe(`The first ${SAMPLES_KEPT} logins of each kind`),
  problemList: z.array(z.object({ dn: z.string(), code: z.string(), message: z.string() })).describe(`The first ${SAMPLES_KEPT}`),
  durationMs: z.number().int(),
});

export const syncQuery = z.strictObject({
  dryRun: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(false)
    .describe('Read the directory and report, write nothing'),
});

export const syncJobView = z.object({
  id: z.string(),
  kind: z.literal('directory.sync'),
  source: z.string(),
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  startedBy: z.string(),
  progress: z.object({ entries: z.number().int().describe('Directory entries read so far') }),
  result: syncReport.nullable(),
  error: z.object({ status: z.number().int(), code: z.string(), detail: z.string() }).nullable(),
});

export type DirectorySourceCreate = z.infer<typeof directorySourceCreate>;
export type DirectorySourceUpdate = z.infer<typeof directorySourceUpdate>;
export type DirectorySourceView = z.infer<typeof directorySourceView>;
export type GroupMapping = z.infer<typeof groupMapping>;
export type SyncReport = z.infer<typeof syncReport>;
export type SyncJobView = z.infer<typeof syncJobView>;
export type LastSync = z.infer<typeof lastSyncView>;

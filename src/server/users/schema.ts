import { z } from 'zod';
import { catalogName } from '../roles/schema.ts';
import { limitSchema } from '../http/paging.ts';
import { tag } from '../catalogs/schema.ts';
import { agentInput, agentPatch, agentView } from '../agents/schema.ts';
import { sipInput, sipPatch, sipView } from '../sip-accounts/schema.ts';
import { presenceView } from '../presence/schema.ts';
import { language } from '../identifiers/language.ts';
import { LOGIN_PATTERN } from '../identifiers/login.ts';
import { integrationsInput, integrationsView, securityInput, securityView } from './security-schema.ts';
import { externalIdFilter, externalIdList } from '../external-ids/schema.ts';

export const login = z
  .string()
  .regex(
    LOGIN_PATTERN,
    'Latin letters, digits, dots, underscores and hyphens; starts with a letter or digit; at most 64; optionally followed by @ and a domain (anna.nowak@contoso.com)',
  );

const isTimezone = (zone: string) => {
  if (/^[+-]/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

export const timezone = z.string().max(64).refine(isTimezone, 'Not an IANA time zone such as Europe/Warsaw');
export { language };

export const password = z.string().min(8, 'At least 8 characters').max(256, 'At most 256 characters');
const name = z.string().trim().max(100);
const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

/** What an identity provider keeps about the person (enterprise attributes, locale); its id of the user is among `externalIds`, as `scim`. */
const directoryFields = {
  employeeNumber: optionalText(100),
  department: optionalText(100),
  managerId: z.string().max(64).nullable().optional().describe("The id of the user's manager, a user of the same domain"),
  locale: z
    .string()
    .regex(/^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/, 'A locale such as en-US')
    .nullable()
    .optional()
    .describe('Where the user is, for formatting dates and numbers (not the console language)'),
};

const uniqueList = <T extends z.ZodType<string>>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .refine((list) => new Set(list.map((v) => v.toLowerCase())).size === list.length, 'Names repeat');

const fields = {
  login,
  email: z.email('Not an e-mail address').max(254).nullable().optional(),
  firstName: name.default(''),
  lastName: name.default(''),
  password: password.optional(),
  active: z.boolean().default(true),
  roles: uniqueList(catalogName, 100).min(1, 'A user holds at least one role'),
  groups: uniqueList(catalogName, 200).default([]),
  position: optionalText(100),
  workPhone: z
    .string()
    .trim()
    .regex(/^\+?[0-9][0-9 ().-]{0,31}$/, 'A phone number: digits, optionally with +, spaces, dots, dashes and brackets')
    .nullable()
    .optional(),
  timezone: timezone.nullable().optional(),
  language: language.nullable().optional(),
  description: optionalText(1000),
  tags: uniqueList(tag, 100).default([]),
  domainAdmin: z.boolean().default(false),
  platformAdmin: z.boolean().default(false),
  security: securityInput.optional(),
  integrations: integrationsInput.optional(),
  passwordChangeRequired: z.boolean().default(false).describe('The user must set a new password at the next sign-in'),
  ...directoryFields,
  externalIds: externalIdList.default([]),
  sip: sipInput.optional().describe('The SIP account; absent: none'),
  agent: agentInput.optional().describe('The agent profile; absent: not an agent'),
};

export const userCreate = z.strictObject(fields);

/** PATCH: every field optional, none defaulted, so an absent field stays as it is. */
export const userUpdate = z.strictObject({
  login: fields.login.optional(),
  email: fields.email,
  firstName: name.optional(),
  lastName: name.optional(),
  password: password.nullable().optional(),
  active: z.boolean().optional(),
  roles: fields.roles.optional(),
  groups: uniqueList(catalogName, 200).optional(),
  position: fields.position,
  workPhone: fields.workPhone,
  timezone: fields.timezone,
  language: fields.language,
  description: fields.description,
  tags: uniqueList(tag, 100).optional(),
  domainAdmin: z.boolean().optional(),
  platformAdmin: z.boolean().optional(),
  security: securityInput.optional(),
  integrations: integrationsInput.optional(),
  passwordChangeRequired: z.boolean().optional(),
  ...directoryFields,
  externalIds: externalIdList.optional().describe('Replaces the whole list: send every id the user keeps'),
  sip: sipPatch.nullable().optional().describe('Fields given change; null removes the account'),
  agent: agentPatch.optional(),
});

/** What a user may change of their own account; a new password needs the current one. */
export const profileUpdate = userUpdate
  .pick({ email: true, firstName: true, lastName: true, workPhone: true, timezone: true, language: true })
  .extend({ password: password.optional(), currentPassword: z.string().max(256).optional() })
  .refine((body) => body.password === undefined || body.currentPassword !== undefined, {
    path: ['currentPassword'],
    message: 'Give the current password to set a new one',
  });

export const userResponse = z.object({
  id: z.string(),
  domain: z.string(),
  login: z.string(),
  email: z.string().nullable(),
  firstName: z.string(),
  lastName: z.string(),
  hasPassword: z.boolean(),
  active: z.boolean(),
  roles: z.array(z.string()),
  groups: z.array(z.string()),
  position: z.string().nullable(),
  workPhone: z.string().nullable(),
  timezone: z.string().nullable(),
  language: z.string().nullable(),
  description: z.string().nullable(),
  tags: z.array(z.string()),
  licenses: z.array(z.string()).describe('Licenses held now (expired ones are not)'),
  domainAdmin: z.boolean(),
  platformAdmin: z.boolean(),
  security: securityView,
  integrations: integrationsView,
  passwordChangeRequired: z.boolean(),
  externalIds: z
    .array(z.object({ system: z.string(), id: z.string() }))
    .describe("The user's ids in other systems, by system name; `scim` is the identity provider's (SCIM `externalId`)"),
  employeeNumber: z.string().nullable(),
  department: z.string().nullable(),
  managerId: z.string().nullable(),
  locale: z.string().nullable(),
  sip: sipView.nullable(),
  agent: agentView,
  presence: presenceView.optional().describe('Live state: in the list only (online, CC, registration, status, readiness)'),
  directorySource: z
    .object({ id: z.string(), name: z.string(), ownedFields: z.array(z.string()) })
    .nullable()
    .describe('The LDAP or Active Directory source the user is synced from: the fields it owns change only there'),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  deletedAt: z
    .string()
    .nullable()
    .describe(
      'Set on a deleted user: read by id (or listed with `deleted=true`) it is answered, every write answers 404, and POST …/restore brings it back until `purgeAt`',
    ),
  purgeAt: z
    .string()
    .optional()
    .describe('A deleted user only: when it is removed for good (`deletedAt` + the retention period, SWITCHBOARD_PURGE_AFTER_DAYS)'),
});

export const sortFields = ['login', 'firstName', 'lastName', 'createdAt', 'updatedAt'] as const;
const sortValues = sortFields.flatMap((f) => [f, `-${f}`] as const);

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

export const userListQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  role: z.string().max(64).optional(),
  group: z.string().max(64).optional(),
  tag: z.string().max(64).optional(),
  license: z.string().max(64).optional().describe('Users holding this license now'),
  externalId: externalIdFilter.optional(),
  extension: z
    .string()
    .regex(/^[0-9]{1,15}$/)
    .optional()
    .describe('Users with this own or virtual extension, or signed in to this hot desk'),
  agent: flag.optional().describe('Agents (true) or not (false)'),
  skill: z.string().max(64).optional().describe('Agents with this skill, or member of all skills'),
  connection: z.enum(['webrtc', 'pbx', 'custom']).optional(),
  active: flag.optional(),
  status: z.enum(['available', 'break', 'dnd', 'offline']).optional().describe('Live: the status now (offline: not in CC)'),
  registered: flag.optional().describe('Live: a phone registered now, or none'),
  online: flag.optional().describe('Live: an open event stream now, or none'),
  deleted: flag.default(false),
  sort: z.enum(sortValues as [string, ...string[]]).default('login'),
  limit: limitSchema,
  cursor: z.string().max(1000).optional(),
});

export const userParams = z.object({ domain: z.string(), id: z.string() });

export type UserCreate = z.infer<typeof userCreate>;
export type UserUpdate = z.infer<typeof userUpdate>;
export type UserView = z.infer<typeof userResponse>;
export type UserListQuery = z.infer<typeof userListQuery>;

import type { UserView } from '../users/schema.ts';
import { withExternalId } from '../external-ids/rules.ts';
import type { ExternalId } from '../external-ids/schema.ts';
import { invalidValue } from './errors.ts';
import { ENTERPRISE_SCHEMA, SWITCHBOARD_SCHEMA, USER_SCHEMA, type ScimObject } from './schema.ts';
import { bool, isObject, list, object, text } from './values.ts';

/** Where a resource lives and what its groups are called by id, for the answer. */
export interface ResourceContext {
  base: string;
  groupIds: ReadonlyMap<string, string>;
}

export const weakEtag = (version: number | string) => `W/"${version}"`;

/** A user as SCIM answers it (RFC 7643 §4.1, the enterprise extension and ours). */
export function userResource(user: UserView, context: ResourceContext): ScimObject {
  const location = `${context.base}/Users/${user.id}`;
  const formatted = [user.firstName, user.lastName].filter(Boolean).join(' ');
  return {
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA, SWITCHBOARD_SCHEMA],
    id: user.id,
    ...scimExternalId(user.externalIds),
    userName: user.login,
    name: { givenName: user.firstName, familyName: user.lastName, formatted },
    displayName: formatted || user.login,
    emails: user.email ? [{ value: user.email, type: 'work', primary: true }] : [],
    phoneNumbers: user.workPhone ? [{ value: user.workPhone, type: 'work', primary: true }] : [],
    active: user.active,
    ...(user.position === null ? {} : { title: user.position }),
    ...(user.language === null ? {} : { preferredLanguage: user.language }),
    ...(user.locale === null ? {} : { locale: user.locale }),
    ...(user.timezone === null ? {} : { timezone: user.timezone }),
    groups: user.groups.flatMap((name) => {
      const id = context.groupIds.get(name.toLowerCase());
      return id ? [{ value: id, $ref: `${context.base}/Groups/${id}`, display: name, type: 'direct' }] : [];
    }),
    [ENTERPRISE_SCHEMA]: {
      ...(user.employeeNumber === null ? {} : { employeeNumber: user.employeeNumber }),
      ...(user.department === null ? {} : { department: user.department }),
      ...(user.managerId === null ? {} : { manager: { value: user.managerId, $ref: `${context.base}/Users/${user.managerId}` } }),
    },
    [SWITCHBOARD_SCHEMA]: {
      extension: user.sip?.extension ?? null,
      sipConnection: user.sip?.connection ?? null,
      agent: user.agent.enabled,
      skills: user.agent.skills.map((s) => ({ name: s.skill, level: s.level })),
      roles: user.roles,
    },
    meta: { resourceType: 'User', created: user.createdAt, lastModified: user.updatedAt, version: weakEtag(user.version), location },
  };
}

/**
 * SCIM's externalId is the user's id in the system `scim`, one of its external ids: the identity
 * provider sets and clears that one, and the ids of other systems (a CRM's) stay as they are.
 */
export const SCIM_SYSTEM = 'scim';

function scimExternalId(list: readonly ExternalId[]): { externalId?: string } {
  const entry = list.find((e) => e.system === SCIM_SYSTEM);
  return entry ? { externalId: entry.id } : {};
}

/** The fields of userFields with SCIM's externalId put among the external ids the user `kept`. */
export function withScimExternalId(fields: Record<string, unknown>, kept: readonly ExternalId[]): Record<string, unknown> {
  const { externalId, ...rest } = fields;
  const others = kept.filter((e) => e.system !== SCIM_SYSTEM);
  return { ...rest, externalIds: typeof externalId === 'string' && externalId !== '' ? withExternalId(others, SCIM_SYSTEM, externalId) : others };
}

/** The one value of a multi-valued attribute the directory keeps: the primary one, else the one of `type`, else the first. */
function chosen(values: unknown[], type: string, name: string): string | null {
  const entries = values.map((v) => (isObject(v) ? v : { value: v }));
  const pick = entries.find((e) => bool(e.primary, `${name}.primary`)) ?? entries.find((e) => e.type === type) ?? entries[0];
  return pick ? text(pick.value, `${name}.value`) : null;
}

/** preferredLanguage may be an Accept-Language list (RFC 7643 §4.1.2): its first tag. */
const firstLanguage = (value: string | null) => (value === null ? null : (value.split(',')[0]?.split(';')[0]?.trim() ?? null) || null);

function managerOf(value: unknown): string | null {
  if (isObject(value)) return text(value.value, 'manager.value');
  return text(value, 'manager');
}

/**
 * The directory's fields of a SCIM user (keys in lower case), as a create or a full replacement
 * writes them: core and enterprise attributes that are absent are cleared. Our extension's
 * attributes change only when its object is sent, so a provider that knows nothing of telephony
 * never removes a SIP account by replacing a user. Read-only attributes (id, groups, meta) are ignored.
 */
export function userFields(scim: ScimObject): Record<string, unknown> {
  const name = object(scim.name, 'name') ?? {};
  const displayName = text(scim.displayname, 'displayName')?.trim() ?? '';
  const given = text(name.givenname, 'name.givenName');
  const family = text(name.familyname, 'name.familyName');
  const split = given === null && family === null && displayName ? splitName(displayName) : { firstName: given ?? '', lastName: family ?? '' };
  const enterprise = object(scim[ENTERPRISE_SCHEMA.toLowerCase()], ENTERPRISE_SCHEMA) ?? {};
  const userName = text(scim.username, 'userName');
  if (!userName) throw invalidValue('userName is required');
  const password = text(scim.password, 'password');
  return {
    login: userName,
    ...split,
    email: chosen(list(scim.emails, 'emails'), 'work', 'emails'),
    workPhone: chosen(list(scim.phonenumbers, 'phoneNumbers'), 'work', 'phoneNumbers'),
    active: bool(scim.active, 'active') ?? true,
    position: text(scim.title, 'title'),
    language: firstLanguage(text(scim.preferredlanguage, 'preferredLanguage')),
    locale: text(scim.locale, 'locale'),
    timezone: text(scim.timezone, 'timezone'),
    externalId: text(scim.externalid, 'externalId'),
    employeeNumber: text(enterprise.employeenumber, 'employeeNumber'),
    department: text(enterprise.department, 'department'),
    managerId: managerOf(enterprise.manager),
    ...(password === null ? {} : { password }),
    ...telephonyFields(object(scim[SWITCHBOARD_SCHEMA.toLowerCase()], SWITCHBOARD_SCHEMA)),
  };
}

function splitName(displayName: string) {
  const at = displayName.lastIndexOf(' ');
  return at < 0 ? { firstName: displayName, lastName: '' } : { firstName: displayName.slice(0, at), lastName: displayName.slice(at + 1) };
}

/** Our extension's attributes that are present, as the directory's sip, agent and roles. */
function telephonyFields(extension: ScimObject | undefined): Record<string, unknown> {
  if (!extension) return {};
  const fields: Record<string, unknown> = {};
  const number = text(extension.extension, 'extension');
  const connection = text(extension.sipconnection, 'sipConnection');
  if (number !== null || connection !== null)
    fields.sip = { ...(number === null ? {} : { extension: number }), ...(connection === null ? {} : { connection }) };
  const agent = bool(extension.agent, 'agent');
  const skills =
    extension.skills === undefined
      ? undefined
      : list(extension.skills, 'skills').map((s) => {
          const skill = object(s, 'skills[]') ?? {};
          return { skill: text(skill.name, 'skills.name'), level: Number(skill.level ?? 0) };
        });
  if (agent !== undefined || skills !== undefined)
    fields.agent = { ...(agent === undefined ? {} : { enabled: agent }), ...(skills === undefined ? {} : { skills }) };
  if (extension.roles !== undefined) fields.roles = list(extension.roles, 'roles').map((r) => (isObject(r) ? r.value : r));
  return fields;
}

/** The SCIM name of a directory field, for the message of a refusal. */
export const scimNameOf: Record<string, string> = {
  login: 'userName',
  firstName: 'name.givenName',
  lastName: 'name.familyName',
  email: 'emails',
  workPhone: 'phoneNumbers',
  position: 'title',
  language: 'preferredLanguage',
  managerId: 'manager',
  externalIds: 'externalId',
  sip: 'extension',
  agent: 'skills',
};

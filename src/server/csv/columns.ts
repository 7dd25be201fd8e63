import type { UserView } from '../users/schema.ts';
import { externalIdsCell } from '../external-ids/rules.ts';

/**
 * The columns of a user in CSV, for export now and for import to read back: lists are joined
 * with `|`, skills as `name:level`, external ids as `system:id`, agent settings that follow the domain default are empty.
 */
export const userColumns: { name: string; value: (user: UserView) => string }[] = [
  { name: 'login', value: (u) => u.login },
  { name: 'email', value: (u) => u.email ?? '' },
  { name: 'firstName', value: (u) => u.firstName },
  { name: 'lastName', value: (u) => u.lastName },
  { name: 'active', value: (u) => String(u.active) },
  { name: 'roles', value: (u) => u.roles.join('|') },
  { name: 'groups', value: (u) => u.groups.join('|') },
  { name: 'tags', value: (u) => u.tags.join('|') },
  { name: 'licenses', value: (u) => u.licenses.join('|') },
  { name: 'position', value: (u) => u.position ?? '' },
  { name: 'workPhone', value: (u) => u.workPhone ?? '' },
  { name: 'timezone', value: (u) => u.timezone ?? '' },
  { name: 'language', value: (u) => u.language ?? '' },
  { name: 'description', value: (u) => u.description ?? '' },
  { name: 'externalIds', value: (u) => externalIdsCell(u.externalIds) },
  { name: 'domainAdmin', value: (u) => String(u.domainAdmin) },
  { name: 'extension', value: (u) => u.sip?.extension ?? '' },
  { name: 'sipUsername', value: (u) => u.sip?.username ?? '' },
  { name: 'assignment', value: (u) => u.sip?.assignment ?? '' },
  { name: 'connection', value: (u) => u.sip?.connection ?? '' },
  { name: 'customUri', value: (u) => u.sip?.customUri ?? '' },
  { name: 'authAcl', value: (u) => u.sip?.authAcl.join('|') ?? '' },
  { name: 'stun', value: (u) => (u.sip && !u.sip.inherited.includes('stun') ? String(u.sip.stun) : '') },
  { name: 'voicemail', value: (u) => (u.sip ? String(u.sip.voicemail.enabled) : '') },
  { name: 'callerIdName', value: (u) => u.sip?.callerId.name ?? '' },
  { name: 'callerIdNumber', value: (u) => u.sip?.callerId.number ?? '' },
  { name: 'callNumbers', value: (u) => u.sip?.callerId.callNumbers.join('|') ?? '' },
  { name: 'smsSenders', value: (u) => u.sip?.callerId.smsSenders.join('|') ?? '' },
  { name: 'virtualExtension', value: (u) => u.sip?.virtualExtension ?? '' },
  { name: 'agent', value: (u) => String(u.agent.enabled) },
  { name: 'skills', value: (u) => u.agent.skills.map((s) => `${s.skill}:${s.level}`).join('|') },
  { name: 'allTags', value: (u) => String(u.agent.allTags) },
  { name: 'allSkills', value: (u) => String(u.agent.allSkills) },
  ...(['callTimeout', 'wrapUpTime', 'maxNoAnswer', 'busyDelay', 'rejectDelay', 'noAnswerDelay', 'autoDial', 'assignLeads'] as const).map((key) => ({
    name: key,
    value: (u: UserView) => (u.agent.inherited.includes(key) ? '' : String(u.agent[key])),
  })),
];

/**
 * A cell a spreadsheet would run as a formula (starting with = + - @, tab or carriage return) gets
 * a leading apostrophe (OWASP's advice); import takes it off again.
 */
export const neutralised = (cell: string) => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell);

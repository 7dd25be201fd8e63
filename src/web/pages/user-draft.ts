import type { z } from 'zod';
import type { userResponse } from '../../server/users/schema.ts';

export type UserView = z.infer<typeof userResponse>;
/** The card's fields, shaped like the API's body, every value as the inputs hold it. */
export type Draft = Record<string, unknown> & { sip: Record<string, unknown> | null; agent: Record<string, unknown> };

export const agentTimers = ['callTimeout', 'wrapUpTime', 'maxNoAnswer', 'busyDelay', 'rejectDelay', 'noAnswerDelay'] as const;
export const predictiveSettings = ['enabled', 'dialRatio', 'maxAbandonRate', 'maxAttempts'] as const;

export const emptyDraft = (): Draft => ({
  login: '',
  email: '',
  firstName: '',
  lastName: '',
  password: '',
  active: true,
  roles: ['agent'],
  groups: [],
  tags: [],
  position: '',
  workPhone: '',
  timezone: '',
  language: '',
  description: '',
  domainAdmin: false,
  externalIds: [],
  sip: null,
  agent: { enabled: false, skills: [], allTags: false, allSkills: false, autoDial: null, assignLeads: false, clientLanguages: null },
  security: {
    twoFactor: 'none',
    requireTwoFactor: false,
    sessionTimeout: null,
    sessionMaxAge: null,
    maxSessions: null,
    sessionLimit: 'end-oldest',
    ipAllowList: [],
  },
  integrations: { oauthEmail: '', crmId: '', calDavToken: '' },
});

/** A user as the card edits it. Agent settings that follow the domain's defaults stay empty. */
export function draftOf(user: UserView): Draft {
  const inherited = new Set(user.agent.inherited);
  const own = (key: string) => (inherited.has(key) ? null : (user.agent as Record<string, unknown>)[key]);
  return {
    login: user.login,
    email: user.email ?? '',
    firstName: user.firstName,
    lastName: user.lastName,
    password: '',
    active: user.active,
    roles: user.roles,
    groups: user.groups,
    tags: user.tags,
    position: user.position ?? '',
    workPhone: user.workPhone ?? '',
    timezone: user.timezone ?? '',
    language: user.language ?? '',
    description: user.description ?? '',
    domainAdmin: user.domainAdmin,
    externalIds: user.externalIds,
    sip: user.sip && {
      extension: user.sip.extension ?? '',
      username: user.sip.username,
      secret: '',
      virtualExtension: user.sip.virtualExtension ?? '',
      assignment: user.sip.assignment,
      connection: user.sip.connection,
      customUri: user.sip.customUri ?? '',
      authAcl: user.sip.authAcl,
      stun: user.sip.inherited.includes('stun') ? null : user.sip.stun,
      voicemail: { enabled: user.sip.voicemail.enabled },
      callerId: {
        name: user.sip.callerId.name ?? '',
        number: user.sip.callerId.number ?? '',
        callNumbers: user.sip.callerId.callNumbers,
        smsSenders: user.sip.callerId.smsSenders,
      },
    },
    security: {
      twoFactor: user.security.twoFactor,
      requireTwoFactor: user.security.requireTwoFactor,
      sessionTimeout: user.security.sessionTimeout,
      sessionMaxAge: user.security.sessionMaxAge,
      maxSessions: user.security.maxSessions,
      sessionLimit: user.security.sessionLimit,
      ipAllowList: user.security.ipAllowList,
    },
    integrations: { oauthEmail: user.integrations.oauthEmail ?? '', crmId: user.integrations.crmId ?? '', calDavToken: '' },
    agent: {
      enabled: user.agent.enabled,
      skills: user.agent.skills,
      allTags: user.agent.allTags,
      allSkills: user.agent.allSkills,
      autoDial: own('autoDial'),
      assignLeads: user.agent.assignLeads,
      clientLanguages: own('clientLanguages'),
      personalPredictiveQueue: Object.fromEntries(
        predictiveSettings.map((key) => [key, inherited.has(`personalPredictiveQueue.${key}`) ? null : user.agent.personalPredictiveQueue[key]]),
      ),
      ...Object.fromEntries(agentTimers.map((key) => [key, own(key)])),
    },
  };
}

const blankToNull = (value: unknown) => (value === '' ? null : value);

/** What the API takes: empty text is "none" (null), or left out of a new user. */
export function bodyOf(draft: Draft, forCreate: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(draft)) {
    if (key === 'sip' || key === 'agent' || key === 'integrations' || key === 'security') continue;
    if (value === '' && (forCreate || key === 'password')) continue;
    body[key] = blankToNull(value);
  }
  // Two-factor authentication is enrolled by the user: the API takes only `none` (turning it off).
  const { twoFactor, ...security } = draft.security as Record<string, unknown>;
  body.security = twoFactor === 'none' ? { twoFactor, ...security } : security;
  if (draft.sip) {
    const { voicemail, callerId, secret, ...sip } = draft.sip as Record<string, unknown> & {
      voicemail: Record<string, unknown>;
      callerId: Record<string, unknown>;
    };
    body.sip = {
      ...Object.fromEntries(Object.entries(sip).map(([k, v]) => [k, blankToNull(v)])),
      // A SIP password is sent when typed; left empty, the API generates one (or keeps the current).
      ...(secret ? { secret } : {}),
      voicemail: Object.fromEntries(
        Object.entries(voicemail)
          .filter(([, v]) => v !== '')
          .map(([k, v]) => [k, v]),
      ),
      callerId: Object.fromEntries(Object.entries(callerId).map(([k, v]) => [k, blankToNull(v)])),
    };
  } else if (!forCreate) body.sip = null;
  const integrations = draft.integrations as Record<string, unknown>;
  // The CalDAV token is write-only: sent when typed, never blanked by an untouched field.
  body.integrations = Object.fromEntries(
    Object.entries(integrations)
      .filter(([k, v]) => !(k === 'calDavToken' && v === ''))
      .map(([k, v]) => [k, blankToNull(v)])
      .filter(([, v]) => !(forCreate && v === null)),
  );
  const { personalPredictiveQueue: queue, ...agent } = draft.agent as Record<string, unknown> & { personalPredictiveQueue?: Record<string, unknown> };
  body.agent = Object.fromEntries(
    Object.entries(agent)
      .map(([k, v]) => [k, blankToNull(v)])
      .filter(([, v]) => !(forCreate && v === null)),
  );
  // Settings that follow the domain's default are left out; all following it is the queue's null.
  const ownQueue = Object.fromEntries(Object.entries(queue ?? {}).filter(([, v]) => v !== null && v !== ''));
  if (Object.keys(ownQueue).length) (body.agent as Record<string, unknown>).personalPredictiveQueue = ownQueue;
  else if (!forCreate) (body.agent as Record<string, unknown>).personalPredictiveQueue = null;
  return body;
}

/** A change: only what differs from the user as read. */
export function patchOf(before: Draft, after: Draft): Record<string, unknown> {
  const was = bodyOf(before, false);
  const now = bodyOf(after, false);
  return Object.fromEntries(Object.entries(now).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(was[key])));
}

/** Reads and writes a field of the draft by its API path (`sip/extension`). */
export const at = (draft: Draft, path: string): unknown =>
  path.split('/').reduce<unknown>((value, key) => (value as Record<string, unknown> | null)?.[key], draft);

export function withValue(draft: Draft, path: string, value: unknown): Draft {
  const [head, ...rest] = path.split('/') as [string, ...string[]];
  if (rest.length === 0) return { ...draft, [head]: value };
  return { ...draft, [head]: withValue((draft[head] ?? {}) as Draft, rest.join('/'), value) } as Draft;
}

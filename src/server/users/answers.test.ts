import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSerializer } from '../http/serializer.ts';
import { pageSchema } from '../http/paging.ts';
import type { PresenceView } from '../presence/schema.ts';
import { listedUserJson, userPageJson } from './answers.ts';
import { userResponse, type UserView } from './schema.ts';

const agent: UserView = userResponse.parse({
  id: '01a22f6f-7558-7000-a3f9-8125f91443b6',
  domain: 'default',
  login: 'jan.kowalski.1',
  email: 'jan.kowalski.1@contact-center.example',
  firstName: 'Jan',
  lastName: 'Kowalski',
  hasPassword: false,
  active: true,
  roles: ['agent'],
  groups: ['Support'],
  position: 'Agent',
  workPhone: null,
  timezone: 'Europe/Warsaw',
  language: 'pl',
  description: null,
  tags: ['night'],
  licenses: [],
  domainAdmin: false,
  platformAdmin: false,
  security: {
    twoFactor: 'none',
    requireTwoFactor: false,
    sessionTimeout: null,
    sessionMaxAge: null,
    maxSessions: null,
    sessionLimit: 'end-oldest',
    ipAllowList: [],
  },
  integrations: { oauthEmail: null, calDavTokenSet: false, crmId: null },
  passwordChangeRequired: false,
  externalIds: [],
  employeeNumber: null,
  department: null,
  managerId: null,
  locale: null,
  sip: {
    extension: '100001',
    username: '100001',
    secretStatus: 'current',
    assignment: 'static',
    desk: null,
    connection: 'webrtc',
    customUri: null,
    authAcl: [],
    stun: true,
    iceServers: [],
    voicemail: { enabled: true, pinSet: false },
    callerId: { name: 'Jan Kowalski', number: null, callNumbers: [], smsSenders: [] },
    virtualExtension: null,
    inherited: ['stun'],
  },
  agent: {
    enabled: true,
    skills: [{ skill: 'Polish', level: 1 }],
    allTags: false,
    allSkills: false,
    callTimeout: 20,
    wrapUpTime: 20,
    maxNoAnswer: 0,
    busyDelay: 90,
    rejectDelay: 90,
    noAnswerDelay: 30,
    autoDial: 'off',
    assignLeads: false,
    clientLanguages: [],
    personalPredictiveQueue: { enabled: false, dialRatio: 1.5, maxAbandonRate: 3, maxAttempts: 3 },
    inherited: ['callTimeout'],
  },
  directorySource: null,
  version: 1,
  createdAt: '2026-12-01T02:29:23.416Z',
  updatedAt: '2026-12-01T02:29:23.416Z',
  deletedAt: null,
});

/** A deleted user synced from LDAP, with no SIP account, session limits and a description that reads like JSON. */
const synced = {
  ...agent,
  id: '01a22f6f-7558-7000-a3f9-8125f91443b7',
  description: 'Moved: ,"directorySource":{"presence":1}} \u2028 "quoted"',
  sip: null,
  security: { ...agent.security, sessionTimeout: 900, sessionMaxAge: 3600, maxSessions: 2 },
  directorySource: { id: 'd1', name: 'Head office "AD"', ownedFields: ['email', 'firstName'] },
  deletedAt: '2026-11-30T10:00:00.000Z',
  purgeAt: '2026-12-30T10:00:00.000Z',
};

const presenceOf = (userId: string, onBreak: boolean): PresenceView => ({
  userId,
  online: onBreak,
  connections: onBreak ? 1 : 0,
  cc: { loggedIn: onBreak, since: '2026-12-01T08:00:00.000Z', by: 'self' },
  status: {
    value: onBreak ? 'break' : 'offline',
    reason: onBreak ? 'Lunch' : null,
    since: '2026-12-01T08:00:00.000Z',
    by: 'administrator',
    actor: onBreak ? 'supervisor' : null,
    maxDuration: onBreak ? 1800 : null,
    overdue: false,
  },
  registration: {
    registered: onBreak,
    contacts: onBreak
      ? [
          {
            uri: 'sip:100001@10.0.0.5',
            userAgent: null,
            source: '10.0.0.5:5060',
            transport: 'udp',
            expiresAt: '2026-12-01T09:00:00.000Z',
            registeredAt: '2026-12-01T08:00:00.000Z',
          },
        ]
      : [],
  },
  agent: { phase: 'idle', until: null, ready: false, noAnswers: 0, idleSince: '2026-12-01T08:00:00.000Z' },
});

describe("The users list's JSON, put together from parts serialized in a reader thread", () => {
  const page = compileSerializer(pageSchema(userResponse));

  it('is the JSON the page schema writes, byte for byte', () => {
    const users = [agent, synced];
    const presence = [presenceOf(agent.id, false), presenceOf(synced.id, true)];
    for (const nextCursor of ['WyJqYW4iLCIwMSJd', null]) {
      const joined = userPageJson(users.map(listedUserJson), presence, nextCursor);
      assert.equal(joined, page({ items: users.map((user, i) => ({ ...user, presence: presence[i] })), nextCursor }));
      assert.deepEqual(JSON.parse(joined).items[1].presence, presence[1]);
    }
  });

  it('answers an empty page', () => {
    assert.equal(userPageJson([], [], null), '{"items":[],"nextCursor":null}');
  });
});

import { describe, expect, it } from 'vitest';
import { userCreate, userUpdate } from '../../server/users/schema.ts';
import { bodyOf, emptyDraft, patchOf, withValue, type Draft } from './user-draft.ts';

const filled = (): Draft => ({
  ...withValue(withValue(emptyDraft(), 'login', 'anna'), 'email', ''),
  sip: {
    extension: '1001',
    assignment: 'static',
    connection: 'webrtc',
    customUri: '',
    authAcl: [],
    stun: null,
    voicemail: { enabled: false },
    callerId: { name: '', number: '' },
  },
});

describe('what the user card sends', () => {
  it('leaves empty fields out of a new user, and keeps what was typed', () => {
    const body = bodyOf(filled(), true);
    expect(body.login).toBe('anna');
    expect('email' in body).toBe(false);
    expect('password' in body).toBe(false);
    expect(body.sip).toMatchObject({ extension: '1001', customUri: null, callerId: { name: null, number: null } });
    expect(body.agent).toEqual({ enabled: false, skills: [], allTags: false, allSkills: false, assignLeads: false });
  });

  it('sends only what changed, and an emptied field as null', () => {
    const before = { ...filled(), email: 'anna@example.com', position: 'Agent' };
    const after = withValue(withValue(before, 'position', ''), 'sip/extension', '1002');
    expect(patchOf(before, after)).toEqual({
      position: null,
      sip: {
        extension: '1002',
        assignment: 'static',
        connection: 'webrtc',
        customUri: null,
        authAcl: [],
        stun: null,
        voicemail: { enabled: false },
        callerId: { name: null, number: null },
      },
    });
    expect(patchOf(before, before)).toEqual({});
  });

  it('sends only the predictive queue settings the user has of their own', () => {
    const draft = withValue(
      withValue(filled(), 'agent/personalPredictiveQueue', { enabled: null, dialRatio: 2.5, maxAbandonRate: null, maxAttempts: '' }),
      'agent/enabled',
      true,
    );
    expect((bodyOf(draft, true).agent as Record<string, unknown>).personalPredictiveQueue).toEqual({ dialRatio: 2.5 });
    const following = withValue(draft, 'agent/personalPredictiveQueue', { enabled: null, dialRatio: null, maxAbandonRate: null, maxAttempts: null });
    expect((bodyOf(following, false).agent as Record<string, unknown>).personalPredictiveQueue).toBeNull();
  });

  it('sets a nested field without touching the rest', () => {
    const draft = withValue(filled(), 'sip/voicemail/enabled', true);
    expect(draft.sip?.voicemail).toEqual({ enabled: true });
    expect(draft.sip?.extension).toBe('1001');
  });
});

describe('the card fields the manuals name', () => {
  const parsed = (body: Record<string, unknown>, creating: boolean) => (creating ? userCreate : userUpdate).safeParse(body);

  it('sends a SIP password only when one is typed, with the SIP username and virtual extension, as the API takes it', () => {
    const typed = withValue(withValue(withValue(filled(), 'sip/secret', 'Typed-Secret-2024'), 'sip/username', 'anna-desk'), 'sip/virtualExtension', '5001');
    const body = bodyOf(typed, true);
    expect(body.sip).toMatchObject({ secret: 'Typed-Secret-2024', username: 'anna-desk', virtualExtension: '5001' });
    expect(parsed(body, true).success).toBe(true);
    const untyped = bodyOf(withValue(withValue(filled(), 'sip/username', ''), 'sip/virtualExtension', ''), true).sip as Record<string, unknown>;
    expect('secret' in untyped).toBe(false);
    expect(untyped.username).toBeNull();
    expect(untyped.virtualExtension).toBeNull();
  });

  it('never writes an enrolled two-factor type back, and turns it off when chosen', () => {
    const enrolled = withValue(filled(), 'security/twoFactor', 'totp');
    expect(patchOf(enrolled, withValue(enrolled, 'security/sessionMaxAge', 3600))).toEqual({
      security: { requireTwoFactor: false, sessionTimeout: null, sessionMaxAge: 3600, maxSessions: null, sessionLimit: 'end-oldest', ipAllowList: [] },
    });
    const off = patchOf(enrolled, withValue(enrolled, 'security/twoFactor', 'none'));
    expect((off.security as Record<string, unknown>).twoFactor).toBe('none');
    expect(parsed(off, false).success).toBe(true);
    const required = patchOf(filled(), withValue(withValue(filled(), 'security/requireTwoFactor', true), 'security/sessionLimit', 'deny-new'));
    expect(required.security).toMatchObject({ requireTwoFactor: true, sessionLimit: 'deny-new' });
    expect(parsed(required, false).success).toBe(true);
  });

  it('keeps the languages spoken to clients, or follows the domain when none are given', () => {
    const speaking = withValue(filled(), 'agent/clientLanguages', ['pl', 'en-GB']);
    expect((bodyOf(speaking, true).agent as Record<string, unknown>).clientLanguages).toEqual(['pl', 'en-GB']);
    expect(parsed(bodyOf(speaking, true), true).success).toBe(true);
    expect(patchOf(speaking, filled()).agent).toMatchObject({ clientLanguages: null });
    expect(parsed(patchOf(speaking, filled()), false).success).toBe(true);
  });
});

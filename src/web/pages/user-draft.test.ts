import { describe, expect, it } from 'vitest';
import { bodyOf, emptyDraft, patchOf, withValue, type Draft } from './user-draft.ts';

const filled = (): Draft => ({ ...withValue(withValue(emptyDraft(), 'login', 'anna'), 'email', ''), sip: { extension: '1001', assignment: 'static', connection: 'webrtc', customUri: '', authAcl: [], stun: null, voicemail: { enabled: false }, callerId: { name: '', number: '' } } });

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
    expect(patchOf(before, after)).toEqual({ position: null, sip: { extension: '1002', assignment: 'static', connection: 'webrtc', customUri: null, authAcl: [], stun: null, voicemail: { enabled: false }, callerId: { name: null, number: null } } });
    expect(patchOf(before, before)).toEqual({});
  });

  it('sends only the predictive queue settings the user has of their own', () => {
    const draft = withValue(withValue(filled(), 'agent/personalPredictiveQueue', { enabled: null, dialRatio: 2.5, maxAbandonRate: null, maxAttempts: '' }), 'agent/enabled', true);
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

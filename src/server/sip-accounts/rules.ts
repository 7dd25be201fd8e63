import type { FieldProblem } from '../http/problem.ts';
import { sipInput, type SecretStatus, type SipPatch, type SipSettings, type SipView } from './schema.ts';

/** A SIP account as stored, without secrets and without what is derived from the domain. */
export interface StoredSip {
  extension: string | null;
  /** null until defaulted: the extension, or the login of a hot-desking account. */
  username: string | null;
  assignment: 'static' | 'dynamic';
  connection: 'webrtc' | 'pbx' | 'custom';
  customUri: string | null;
  authAcl: string[];
  stun: boolean | null;
  voicemail: { enabled: boolean; pinSet: boolean };
  callerId: SipView['callerId'];
  virtualExtension: string | null;
}

const { secret: _secret, voicemail: _voicemail, ...blank } = sipInput.parse({});
const newAccount: StoredSip = { ...blank, voicemail: { enabled: false, pinSet: false } };

/** The account a change produces; absent fields keep their values, a new account starts from the defaults. */
export function applySipPatch(before: StoredSip | null, patch: SipPatch): StoredSip {
  const base = before ?? newAccount;
  const { secret: _s, voicemail, callerId, ...fields } = patch;
  const next: StoredSip = { ...base };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  // A username that was the extension follows it when the extension changes.
  if (before && patch.username === undefined && patch.extension !== undefined && before.username === before.extension) next.username = null;
  if (next.assignment === 'dynamic' && patch.extension === undefined && before?.assignment === 'static') next.extension = null;
  next.voicemail = {
    enabled: voicemail?.enabled ?? base.voicemail.enabled,
    pinSet: voicemail?.pin === undefined ? base.voicemail.pinSet : voicemail.pin !== null,
  };
  next.callerId = { ...base.callerId, ...Object.fromEntries(Object.entries(callerId ?? {}).filter(([, v]) => v !== undefined)) };
  return next;
}

/** What is wrong with an account whatever the rest of the directory holds. */
export function sipProblems(sip: StoredSip, pin: string | null | undefined): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (sip.connection === 'custom' && !sip.customUri)
    problems.push({ path: 'sip/customUri', code: 'sip.custom_uri_required', message: 'A custom connection needs the sip: or sips: URI calls go to' });
  if (sip.assignment === 'dynamic' && sip.extension !== null) {
    problems.push({
      path: 'sip/extension',
      code: 'sip.dynamic_has_no_extension',
      message: 'A hot-desking (dynamic) account has no extension of its own; it signs in to a hot desk',
    });
  }
  if (sip.virtualExtension !== null && sip.virtualExtension === sip.extension) {
    problems.push({ path: 'sip/virtualExtension', code: 'sip.virtual_is_own', message: "The virtual extension is the account's own extension" });
  }
  const weakness = pin ? pinWeakness(pin, [sip.extension, sip.virtualExtension]) : undefined;
  if (weakness) problems.push({ path: 'sip/voicemail/pin', code: 'sip.pin_trivial', message: `The PIN is ${weakness}; choose one that is harder to guess` });
  return problems;
}

const commonPins = new Set(['2580', '0852', '1004', '2000', '6969', '1122', '5683', '2468', '1357', '0007', '1998', '1999', '2001']);

/** Why a voicemail/DISA PIN is too easy to guess, if it is. */
export function pinWeakness(pin: string, ownNumbers: (string | null)[]): string | undefined {
  if (/^(\d)\1+$/.test(pin)) return 'one digit repeated';
  const steps = [...pin].slice(1).map((digit, i) => (Number(digit) - Number(pin[i]) + 10) % 10);
  if (steps.every((s) => s === 1) || steps.every((s) => s === 9)) return 'a run of consecutive digits';
  for (let size = 2; size <= pin.length / 2; size += 1) {
    if (pin.length % size === 0 && pin === pin.slice(0, size).repeat(pin.length / size)) return 'a repeated pattern';
  }
  if (ownNumbers.some((n) => n !== null && (n === pin || [...n].reverse().join('') === pin))) return 'the extension';
  if (commonPins.has(pin)) return 'one of the most common PINs';
  return undefined;
}

/** The account as answered: its own choices over the domain's settings. */
export function effectiveSip(
  sip: StoredSip & { username: string },
  settings: SipSettings,
  extra: { secretStatus: SecretStatus; desk: string | null },
): SipView {
  const stun = sip.stun ?? settings.stun;
  return {
    extension: sip.extension,
    username: sip.username,
    secretStatus: extra.secretStatus,
    assignment: sip.assignment,
    desk: extra.desk,
    connection: sip.connection,
    customUri: sip.customUri,
    authAcl: sip.authAcl,
    stun,
    iceServers: stun ? [...settings.stunServers, ...settings.turnServers] : [],
    voicemail: sip.voicemail,
    callerId: sip.callerId,
    virtualExtension: sip.virtualExtension,
    inherited: sip.stun === null ? ['stun'] : [],
  };
}

/** The stored account behind an answered one. */
export const storedSipOf = (view: SipView): StoredSip & { username: string } => ({
  extension: view.extension,
  username: view.username,
  assignment: view.assignment,
  connection: view.connection,
  customUri: view.customUri,
  authAcl: view.authAcl,
  stun: view.inherited.includes('stun') ? null : view.stun,
  voicemail: view.voicemail,
  callerId: view.callerId,
  virtualExtension: view.virtualExtension,
});

/**
 * The lowest free numbers of a range, given the taken ones in it sorted ascending.
 * Numbers keep the range's width, so 0100–0199 answers 0100, not 100.
 */
export function freeInRange(range: { from: string; to: string }, takenSorted: bigint[], count: number, after?: bigint): string[] {
  const free: string[] = [];
  const last = BigInt(range.to);
  let candidate = after !== undefined && after >= BigInt(range.from) ? after + 1n : BigInt(range.from);
  let i = 0;
  while (free.length < count && candidate <= last) {
    while (i < takenSorted.length && (takenSorted[i] as bigint) < candidate) i += 1;
    if (takenSorted[i] !== candidate) free.push(candidate.toString().padStart(range.from.length, '0'));
    candidate += 1n;
  }
  return free;
}

import { sipUsernameOf } from '../identifiers/login.ts';
import { agentCapabilities, applyAgentPatch, effectiveAgent, noAgent, storedAgentOf, type StoredAgent } from '../agents/rules.ts';
import type { AgentPatch, AgentView } from '../agents/schema.ts';
import { agentDefaultsOf, resolveSkills, writeAgent } from '../agents/store.ts';
import { hashPassword } from '../passwords/hashing.ts';
import type { Db } from '../db/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { conflict, invalid, type FieldProblem } from '../http/problem.ts';
import { unlicensedCapabilities } from '../licenses/store.ts';
import { generateSecret, sipDigests, secretStatusOf, type SipDigests } from '../sip-accounts/digest.ts';
import { applySipPatch, effectiveSip, pinWeakness, sipProblems, storedSipOf } from '../sip-accounts/rules.ts';
import type { SipPatch, SipView } from '../sip-accounts/schema.ts';
import { removeSipAccount, resolvePresentation, sipSettingsOf, writeSipAccount, type SipWrite } from '../sip-accounts/store.ts';
import { lookupsOf } from './lookups.ts';
import { type Lookups } from '../tenancy/lookups.ts';

/** What makes a user a telephony user: its SIP account and its agent profile. */
export interface Telephony {
  sip: SipView | null;
  agent: AgentView;
}

export interface TelephonyChange {
  sip?: SipPatch | null;
  agent?: AgentPatch;
  /**
   * Digests brought from another system (the import's, never the API's): kept as they are
   * instead of a secret, so the phones keep registering with the password they have.
   */
  sipDigests?: SipDigests;
}

/** Checked and hashed, ready to be written in the user's transaction. */
export interface PreparedTelephony {
  state: Telephony;
  /** undefined: the account stays as it is; null: it goes. */
  sip?: SipWrite | null;
  agent?: { stored: StoredAgent; skills: { skill_id: string; level: number }[] };
  /** A secret made here: answered once, with the write. */
  generatedSecret?: string;
  secretsChanged: string[];
  /** Picks the extension from the range; run it first in the writing transaction. */
  allocate?: (trx: Db, lookups?: Lookups) => Promise<void>;
}

export const blankTelephony = (domain: DomainRecord): Telephony => ({ sip: null, agent: effectiveAgent(noAgent, agentDefaultsOf(domain)) });

/**
 * Applies a change to a user's telephony: every rule checked (400 listing each problem, 409 for
 * numbers and names others hold), the extension allocated, the secret generated and digested.
 */
export async function prepareTelephony(
  lookups: Lookups,
  domain: DomainRecord,
  user: { id: string | null; login: string },
  before: Telephony,
  change: TelephonyChange,
  /** Licenses the user gets in the same write (range creation), counted as held. */
  granted: string[] = [],
): Promise<PreparedTelephony> {
  const problems: FieldProblem[] = [];
  /** Numbers and names others hold (409), found even beside other problems, so all are told at once. */
  const conflicts: FieldProblem[] = [];
  const prepared: PreparedTelephony = { state: { ...before }, secretsChanged: [] };
  if (change.agent !== undefined) {
    const stored = applyAgentPatch(storedAgentOf(before.agent), change.agent);
    const skills = await resolveSkills(lookups, stored.skills, problems);
    stored.skills = skills.map((s) => ({ skill: s.name, level: s.level }));
    prepared.agent = { stored, skills };
    prepared.state.agent = effectiveAgent(stored, agentDefaultsOf(domain));
  }
  if (change.sip === null) {
    prepared.sip = before.sip ? null : undefined;
    prepared.state.sip = null;
  } else if (change.sip !== undefined) {
    await prepareSip(lookups, domain, user, before.sip, change.sip, change.sipDigests, prepared, problems, conflicts);
  }
  if (problems.length) throw invalid([...problems, ...conflicts]);
  if (conflicts.length)
    throw conflict(
      conflicts.some((c) => c.code !== 'sip.range_exhausted') ? 'sip.taken' : 'sip.range_exhausted',
      conflicts.map((c) => c.message).join('; '),
      conflicts,
    );
  await assertLicensed(lookups, user.id, before, prepared.state, granted);
  return prepared;
}

async function prepareSip(
  lookups: Lookups,
  domain: DomainRecord,
  user: { id: string | null; login: string },
  before: SipView | null,
  patch: SipPatch,
  carried: SipDigests | undefined,
  prepared: PreparedTelephony,
  problems: FieldProblem[],
  conflicts: FieldProblem[],
) {
  const settings = sipSettingsOf(domain);
  const draft = applySipPatch(before && storedSipOf(before), patch);
  const allocating = draft.assignment === 'static' && draft.extension === null;
  if (allocating && !(await lookups.hasFreeExtension(settings.extensionRange))) conflicts.push(rangeExhaustedAt(settings.extensionRange));
  const pin = patch.voicemail?.pin;
  problems.push(...sipProblems(draft, pin));
  const presentation = await resolvePresentation(lookups, draft.callerId);
  problems.push(...presentation.problems);
  const knownUsername = draft.username ?? (allocating ? null : (draft.extension ?? sipUsernameOf(user.login)));
  const weakSecret = secretWeakness(patch.secret, [knownUsername, draft.extension]);
  if (weakSecret) problems.push(weakSecret);

  // Numbers already refused for themselves are not looked up: one problem each is enough.
  const refused = new Set(problems.map((p) => p.path));
  const numbers = [draft.extension, draft.virtualExtension].filter((n): n is string => n !== null);
  const taken = await lookups.extensionsHeld(numbers, user.id);
  conflicts.push(
    ...taken
      .map((t) => ({
        path: t.number === draft.extension ? 'sip/extension' : 'sip/virtualExtension',
        code: 'sip.extension_taken',
        message: `${t.number} is already ${t.kind === 'desk' ? 'a hot desk' : "another user's extension"} in this domain`,
      }))
      .filter((c) => !refused.has(c.path)),
  );
  // A username that is the extension is not told again when the extension is taken: one fix mends both.
  const usernameIsTakenExtension = draft.username === null && conflicts.some((c) => c.path === 'sip/extension' && c.code === 'sip.extension_taken');
  if (knownUsername && !usernameIsTakenExtension && (await lookups.usernameHeld(knownUsername, user.id))) conflicts.push(usernameClash(knownUsername));
  if (problems.length || conflicts.length) return;
  const pinHash = pin === undefined ? {} : { pinHash: pin === null ? null : await hashPassword(pin) };

  /** Completes the account once its extension is known: username, secret, digests, answer. */
  const settle = (extension: string | null) => {
    const account = { ...draft, extension: draft.extension ?? extension, username: '' };
    account.username = draft.username ?? (account.assignment === 'static' && account.extension ? account.extension : sipUsernameOf(user.login));
    const secret =
      carried !== undefined
        ? undefined
        : (patch.secret ?? (!before || before.username !== account.username || before.secretStatus === 'renew' ? generateSecret() : undefined));
    const weak = secretWeakness(patch.secret, [account.username, account.extension]);
    if (weak) throw invalid([weak]);
    const realm = domain.realm ?? domain.name;
    const digests = carried ?? (secret === undefined ? undefined : sipDigests(account.username, realm, domain.name, secret));
    prepared.sip = { account, presentation: presentation.entries, ...(digests ? { digests: { ...digests, realm } } : {}), ...pinHash };
    prepared.generatedSecret = secret !== undefined && patch.secret === undefined ? secret : undefined;
    prepared.secretsChanged = [...(digests ? ['sipSecret'] : []), ...(pin !== undefined ? ['voicemailPin'] : [])];
    const secretStatus = digests ? secretStatusOf({ hasSha256: digests.ha1_sha256 !== '', realmMatches: true }) : (before?.secretStatus ?? 'current');
    prepared.state.sip = effectiveSip(account, settings, { secretStatus, desk: account.assignment === 'dynamic' ? (before?.desk ?? null) : null });
  };
  if (!allocating) return settle(null);
  // Picked inside the writing transaction, with the domain locked, so parallel writers line up
  // for the lowest free numbers instead of all trying the same one.
  prepared.allocate = async (trx, inTransaction = lookupsOf(trx, domain.id)) => {
    const free = await inTransaction.takeFreeExtension(settings.extensionRange);
    if (!free) throw rangeExhausted(settings.extensionRange);
    const weakness = pin ? pinWeakness(pin, [free]) : undefined;
    if (weakness)
      throw invalid([{ path: 'sip/voicemail/pin', code: 'sip.pin_trivial', message: `The PIN is ${weakness}; choose one that is harder to guess` }]);
    settle(free);
    const username = prepared.sip?.account.username ?? free;
    if (await inTransaction.usernameHeld(username, user.id)) throw conflict('sip.taken', usernameClash(username).message, [usernameClash(username)]);
  };
}

const secretWeakness = (secret: string | undefined, names: (string | null)[]): FieldProblem | undefined =>
  secret && names.some((n) => n && secret.toLowerCase().includes(n.toLowerCase()))
    ? { path: 'sip/secret', code: 'sip.secret_weak', message: 'The secret contains the username or the extension' }
    : undefined;

const rangeExhaustedAt = (range: { from: string; to: string }): FieldProblem => ({
  path: 'sip/extension',
  code: 'sip.range_exhausted',
  message: `No free extension is left in ${range.from}–${range.to}; widen the domain's range or give one`,
});
const rangeExhausted = (range: { from: string; to: string }) => conflict('sip.range_exhausted', rangeExhaustedAt(range).message, [rangeExhaustedAt(range)]);
const usernameClash = (username: string): FieldProblem => ({
  path: 'sip/username',
  code: 'sip.username_taken',
  message: `The SIP username ${username} is already taken in this domain`,
});

/** License capabilities a user's telephony uses. */
export const capabilitiesOf = (telephony: Telephony): string[] => [
  ...agentCapabilities(telephony.agent),
  ...(telephony.sip?.connection === 'webrtc' ? ['webrtc'] : []),
];

/**
 * A capability the domain licenses (some product of it names the capability) may be taken up
 * only by a holder of a live license for it. Only capabilities the change newly uses are checked,
 * so an expired license does not block unrelated edits.
 */
async function assertLicensed(lookups: Lookups, userId: string | null, before: Telephony, after: Telephony, granted: string[]) {
  const previously = new Set(capabilitiesOf(before));
  const wanted = capabilitiesOf(after).filter((c) => !previously.has(c));
  const { missing, productNames: names } = await unlicensedCapabilities(lookups, userId, wanted, { granted });
  if (missing.length === 0) return;
  throw conflict(
    'license.required',
    missing.map((c) => `Using ${c} needs a license with the ${c} capability (${names(c)})`).join('; '),
    missing.map((c) => ({
      path: c === 'webrtc' ? 'sip/connection' : c === 'agent' ? 'agent/enabled' : 'agent/autoDial',
      code: 'license.required',
      message: `Needs a live license with the ${c} capability: ${names(c)}`,
    })),
  );
}

/** Writes what was prepared, in the caller's transaction. */
export async function writeTelephony(db: Db, domainId: string, userId: string, prepared: PreparedTelephony): Promise<void> {
  if (prepared.sip === null) await removeSipAccount(db, userId);
  else if (prepared.sip) await writeSipAccount(db, domainId, userId, prepared.sip);
  if (prepared.agent) await writeAgent(db, domainId, userId, prepared.agent.stored, prepared.agent.skills);
}

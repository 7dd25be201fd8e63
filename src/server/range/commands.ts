import { numberedAtTheEnd } from '../changes/store.ts';
import { sql } from 'kysely';
import { z } from 'zod';
import { agentInput } from '../agents/schema.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import { diff, MASK } from '../audit/rules.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import type { Db } from '../db/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { conflict, invalid, Problem } from '../http/problem.ts';
import { isExpired } from '../licenses/store.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import { generateSecret, sipDigests } from '../sip-accounts/digest.ts';
import { bothEndsAreExtensions, extension, sipInput } from '../sip-accounts/schema.ts';
import { prepareUser, type Requester } from '../users/commands.ts';
import { hashPassword } from '../passwords/hashing.ts';
import { generatePassword } from '../setup/bootstrap.ts';
import type { Safeguards } from '../users/safeguards.ts';
import { writeNewUsers } from '../users/new-users.ts';

export const MAX_RANGE = 10_000;

export const rangeInput = z
  .strictObject({
    from: extension,
    to: extension,
    namePattern: z.string().trim().min(1).max(100).default('Agent {n}').describe('First name of each user; {n} is its number'),
    onConflict: z.enum(['fail', 'skip']).default('fail').describe('Numbers already taken as logins, extensions or SIP usernames: refuse the whole range, or leave them out'),
    webPasswords: z.boolean().default(false).describe('Give each user a generated web password too, to be changed at the first sign-in (hashing takes about a second per hundred users a core)'),
    template: z
      .strictObject({
        roles: z.array(z.string().max(64)).min(1).max(100).default(['agent']),
        groups: z.array(z.string().max(64)).max(200).default([]),
        tags: z.array(z.string().max(64)).max(100).default([]),
        licenses: z.array(z.string().max(64)).max(20).default([]),
        agent: agentInput.optional(),
        sip: sipInput.pick({ connection: true, customUri: true, stun: true, authAcl: true }).partial().default({}),
      })
      .default({ roles: ['agent'], groups: [], tags: [], licenses: [], sip: {} }),
  })
  .refine((r) => r.from.length === r.to.length, { path: ['to'], message: 'from and to have the same number of digits', when: bothEndsAreExtensions })
  .refine((r) => BigInt(r.from) <= BigInt(r.to), { path: ['to'], message: "The range ends before it starts: 'to' must not be below 'from'", when: bothEndsAreExtensions })
  .refine((r) => BigInt(r.to) - BigInt(r.from) < BigInt(MAX_RANGE), { path: ['to'], message: `At most ${MAX_RANGE} users a call`, when: bothEndsAreExtensions });

export const rangeResult = z.object({
  bulkId: z.string(),
  created: z.array(z.object({ id: z.string(), login: z.string(), extension: z.string(), sipUsername: z.string(), sipSecret: z.string(), password: z.string().optional() })).describe('Secrets are shown only here'),
  skipped: z.array(z.object({ number: z.string(), reason: z.string() })),
});

export type RangeInput = z.infer<typeof rangeInput>;

const numbersOf = (from: string, to: string) => {
  const list: string[] = [];
  for (let n = BigInt(from); n <= BigInt(to); n += 1n) list.push(n.toString().padStart(from.length, '0'));
  return list;
};

/** Rows a statement: large enough to amortise a round trip, small enough for PostgreSQL's 65,535 parameters. */
const CHUNK = 1000;
const chunked = <T>(list: T[]) => Array.from({ length: Math.ceil(list.length / CHUNK) }, (_, i) => list.slice(i * CHUNK, (i + 1) * CHUNK));

/** Numbers of the range already used as a login, an extension (own, virtual, desk) or a SIP username. */
async function takenNumbers(db: Db, domainId: string, numbers: string[]) {
  const taken = new Map<string, string>();
  for (const chunk of chunked(numbers)) {
    for (const r of await db.selectFrom('users').select('login_key').where('domain_id', '=', domainId).where('login_key', 'in', chunk).execute()) taken.set(r.login_key, 'a login');
    for (const r of await db.selectFrom('extensions').select('number').where('domain_id', '=', domainId).where('number', 'in', chunk).execute()) taken.set(r.number, 'an extension');
    for (const r of await db.selectFrom('sip_accounts').select('username_key').where('domain_id', '=', domainId).where('username_key', 'in', chunk).execute()) taken.set(r.username_key, 'a SIP username');
  }
  return taken;
}

/**
 * Creates one user per number, each with the number as login, extension and SIP username and a
 * generated secret: the template is checked once like a user of its own, then every table is
 * written set-wise in one transaction (all or nothing).
 */
export async function createRange(db: Db, requester: Requester & AuditActor, domain: DomainRecord, input: RangeInput, guards: Safeguards) {
  const numbers = numbersOf(input.from, input.to);
  const taken = await takenNumbers(db, domain.id, numbers);
  const skipped = numbers.filter((n) => taken.has(n)).map((n) => ({ number: n, reason: `already ${taken.get(n)}` }));
  if (skipped.length && input.onConflict === 'fail') {
    throw conflict('range.taken', `${skipped.length} numbers of the range are taken (${skipped.slice(0, 5).map((s) => s.number).join(', ')}${skipped.length > 5 ? ', …' : ''})`, skipped.slice(0, 200).map((s) => ({ path: `numbers/${s.number}`, code: 'range.taken', message: `${s.number} is ${s.reason}` })));
  }
  const wanted = numbers.filter((n) => !taken.has(n));
  if (wanted.length === 0) return { bulkId: timeOrderedId(), created: [], skipped };
  const licenses = await licensesFor(db, domain.id, input.template.licenses, wanted.length);
  const { template } = input;
  const sample = wanted[0] as string;
  const name = (n: string) => input.namePattern.replaceAll('{n}', n);
  const prepared = await prepareUser(
    db,
    requester,
    domain,
    { login: sample, firstName: name(sample), lastName: '', roles: template.roles, groups: template.groups, tags: template.tags, active: true, domainAdmin: false, platformAdmin: false, passwordChangeRequired: false, sip: { ...sipInput.parse({}), ...template.sip, extension: sample }, agent: template.agent },
    guards,
    { grantedLicenses: licenses.map((l) => l.id) },
  ).catch(asTemplateProblem);
  const sip = prepared.telephony.sip;
  if (!sip) throw new Error('a range always makes SIP accounts');
  const realm = domain.realm ?? domain.name;
  const bulkId = timeOrderedId();
  const created = wanted.map((n) => ({ id: timeOrderedId(), login: n, extension: n, sipUsername: n, sipSecret: generateSecret(), ...(input.webPasswords ? { password: generatePassword() } : {}) }));
  // All at once: argon2 runs them on the thread pool, on every core.
  const hashes = await Promise.all(created.map((u) => (u.password ? hashPassword(u.password) : null)));

  const users = created.map((u, i) => ({
    id: u.id,
    licenseIds: licenses.map((l) => l.id),
    user: {
      ...prepared,
      secrets: { ...prepared.secrets, passwordHash: hashes[i] ?? null },
      secretsSet: hashes[i] ? ['password'] : [],
      state: { ...prepared.state, passwordChangeRequired: Boolean(hashes[i]), login: u.login, firstName: name(u.login), sip: prepared.state.sip && { ...prepared.state.sip, extension: u.extension, username: u.sipUsername } },
      telephony: { ...prepared.telephony, allocate: undefined, sip: { ...sip, account: { ...sip.account, extension: u.extension, username: u.sipUsername }, digests: { ...sipDigests(u.sipUsername, realm, domain.name, u.sipSecret), realm } } },
    },
  }));
  await db.transaction().execute((trx) => numberedAtTheEnd(trx, async () => {
    for (const license of licenses) {
      const seated = await trx.updateTable('licenses').set({ used: sql`used + ${created.length}` }).where('id', '=', license.id).where(sql<boolean>`used + ${created.length} <= seats`).executeTakeFirst();
      if (Number(seated.numUpdatedRows) !== 1) throw conflict('license.no_free_seats', `${license.name} has fewer than ${created.length} free seats`);
    }
    // Each user's entry names it and the operation; the template they share is recorded once, below.
    await writeNewUsers(trx, requester, domain, users, {
      auditChanges: (user) => ({
        extension: { from: null, to: user.state.sip?.extension ?? null },
        sipSecret: { from: null, to: MASK },
        ...(user.secretsSet.includes('password') ? { password: { from: null, to: MASK } } : {}),
        bulkOperation: { from: null, to: bulkId },
      }),
    });
    await recordAudit(trx, { domainId: domain.id, actor: requester, action: 'users.range_created', target: { type: 'bulk', id: bulkId, name: `${input.from}-${input.to}` }, changes: { ...diff(null, { ...prepared.state, login: null, firstName: input.namePattern, sip: prepared.state.sip && { ...prepared.state.sip, extension: null, username: null } }), count: { from: null, to: created.length } } });
  }));
  return { bulkId, created, skipped };
}

async function licensesFor(db: Db, domainId: string, names: string[], seats: number) {
  const rows = names.length ? await db.selectFrom('licenses').select(['id', 'name', 'name_key', 'seats', 'used', 'expires_at']).where('domain_id', '=', domainId).where('name_key', 'in', names.map(nameKey)).execute() : [];
  const problems = names.flatMap((n, index) => {
    const row = rows.find((r) => r.name_key === nameKey(n));
    if (!row) return [{ path: `template/licenses/${index}`, code: 'license.unknown', message: `No license named ${JSON.stringify(n)}` }];
    if (isExpired(row)) return [{ path: `template/licenses/${index}`, code: 'license.expired', message: `${row.name} has expired` }];
    if (row.seats - row.used < seats) return [{ path: `template/licenses/${index}`, code: 'license.no_free_seats', message: `${row.name} has ${row.seats - row.used} free seats, ${seats} are needed` }];
    return [];
  });
  if (problems.length) throw invalid(problems);
  return rows;
}

/** A problem with the template, said as one: paths start with `template/`. */
function asTemplateProblem(error: unknown): never {
  if (!(error instanceof Problem)) throw error;
  throw new Problem(error.status, error.code, `The template: ${error.detail}`, (error.errors ?? []).map((e) => ({ ...e, path: `template/${e.path}` })));
}

import { numberedAtTheEnd } from '../changes/store.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import { diff, MASK } from '../audit/rules.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import type { Db } from '../db/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { conflict, invalid, Problem, type FieldProblem } from '../http/problem.ts';
import { CRM_BATCH } from '../crm-gate/rules.ts';
import { passCrmGate } from '../users/crm-passage.ts';
import type { UserState } from '../users/store.ts';
import { isExpired } from '../licenses/store.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import { generateSecret, sipDigests } from '../sip-accounts/digest.ts';
import { sipInput } from '../sip-accounts/schema.ts';
import { prepareUser, type Requester } from '../users/commands.ts';
import { hashPassword } from '../passwords/hashing.ts';
import { generatePassword } from '../setup/bootstrap.ts';
import type { Safeguards } from '../users/safeguards.ts';
import { writeNewUsers } from '../users/new-users.ts';
import { numbersOf } from './rules.ts';
import type { RangeInput } from './schema.ts';
import { takeSeats } from '../licenses/store.ts';
import { licensesNamed, takenNumbers } from './store.ts';

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
    throw conflict(
      'range.taken',
      `${skipped.length} numbers of the range are taken (${skipped
        .slice(0, 5)
        .map((s) => s.number)
        .join(', ')}${skipped.length > 5 ? ', …' : ''})`,
      skipped.slice(0, 200).map((s) => ({ path: `numbers/${s.number}`, code: 'range.taken', message: `${s.number} is ${s.reason}` })),
    );
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
    {
      login: sample,
      firstName: name(sample),
      lastName: '',
      roles: template.roles,
      groups: template.groups,
      tags: template.tags,
      active: true,
      domainAdmin: false,
      platformAdmin: false,
      passwordChangeRequired: false,
      externalIds: [],
      sip: { ...sipInput.parse({}), ...template.sip, extension: sample },
      agent: template.agent,
    },
    guards,
    { grantedLicenses: licenses.map((l) => l.id) },
  ).catch(asTemplateProblem);
  const sip = prepared.telephony.sip;
  if (!sip) throw new Error('a range always makes SIP accounts');
  const realm = domain.realm ?? domain.name;
  const bulkId = timeOrderedId();
  const created = wanted.map((n) => ({
    id: timeOrderedId(),
    login: n,
    extension: n,
    sipUsername: n,
    sipSecret: generateSecret(),
    ...(input.webPasswords ? { password: generatePassword() } : {}),
  }));
  // All at once: argon2 runs them on the thread pool, on every core.
  const hashes = await Promise.all(created.map((u) => (u.password ? hashPassword(u.password) : null)));

  const users = created.map((u, i) => ({
    id: u.id,
    licenseIds: licenses.map((l) => l.id),
    user: {
      ...prepared,
      secrets: { ...prepared.secrets, passwordHash: hashes[i] ?? null },
      secretsSet: hashes[i] ? ['password'] : [],
      state: {
        ...prepared.state,
        passwordChangeRequired: Boolean(hashes[i]),
        login: u.login,
        firstName: name(u.login),
        sip: prepared.state.sip && { ...prepared.state.sip, extension: u.extension, username: u.sipUsername },
      },
      telephony: {
        ...prepared.telephony,
        allocate: undefined,
        sip: {
          ...sip,
          account: { ...sip.account, extension: u.extension, username: u.sipUsername },
          digests: { ...sipDigests(u.sipUsername, realm, domain.name, u.sipSecret), realm },
        },
      },
    },
  }));
  await passRange(db, guards, domain, users);
  await db.transaction().execute((trx) =>
    numberedAtTheEnd(trx, async () => {
      for (const license of licenses) {
        if (!(await takeSeats(trx, license.id, created.length)))
          throw conflict('license.no_free_seats', `${license.name} has fewer than ${created.length} free seats`);
      }
      // Each user's entry names it and the operation; the template they share is recorded once, below.
      await writeNewUsers(trx, requester, domain, users, {
        auditChanges: (user) => ({
          extension: { from: null, to: user.state.sip?.extension ?? null },
          sipSecret: { from: null, to: MASK },
          ...(user.state.externalIds.length ? { externalIds: { from: null, to: user.state.externalIds } } : {}),
          ...(user.secretsSet.includes('password') ? { password: { from: null, to: MASK } } : {}),
          bulkOperation: { from: null, to: bulkId },
        }),
      });
      await recordAudit(trx, {
        domainId: domain.id,
        actor: requester,
        action: 'users.range_created',
        target: { type: 'bulk', id: bulkId, name: `${input.from}-${input.to}` },
        changes: {
          ...diff(null, {
            ...prepared.state,
            login: null,
            firstName: input.namePattern,
            sip: prepared.state.sip && { ...prepared.state.sip, extension: null, username: null },
          }),
          count: { from: null, to: created.length },
        },
      });
    }),
  );
  return { bulkId, created, skipped };
}

/** The CRM gate, asked in batches before anything is written: one refusal or one id taken refuses the whole range. */
async function passRange(db: Db, guards: Safeguards, domain: DomainRecord, users: { user: { state: UserState } }[]) {
  const problems: FieldProblem[] = [];
  for (let start = 0; start < users.length; start += CRM_BATCH) {
    const batch = users.slice(start, start + CRM_BATCH).map((u) => ({ state: u.user.state, reason: 'user.create' as const }));
    const taken = await passCrmGate(db, guards, domain, batch).catch((error: unknown) => {
      if (!(error instanceof Problem) || start === 0) throw error;
      throw new Problem(
        error.status,
        error.code,
        error.detail,
        error.errors?.map((e) => ({ ...e, path: shifted(e.path, start) })),
        error.headers,
      );
    });
    problems.push(...taken.map((p) => ({ ...p, path: shifted(p.path, start) })));
  }
  if (problems.length) throw conflict('user.external_id_taken', `${problems.length} ids the CRM answered are held by other users`, problems.slice(0, 200));
}

/** `users/<i>` of a batch as the place in the whole range. */
const shifted = (path: string, start: number) => path.replace(/^users\/(\d+)/, (_, i: string) => `users/${Number(i) + start}`);

async function licensesFor(db: Db, domainId: string, names: string[], seats: number) {
  const rows = await licensesNamed(db, domainId, names);
  const problems = names.flatMap((n, index) => {
    const row = rows.find((r) => r.name_key === nameKey(n));
    if (!row) return [{ path: `template/licenses/${index}`, code: 'license.unknown', message: `No license named ${JSON.stringify(n)}` }];
    if (isExpired(row)) return [{ path: `template/licenses/${index}`, code: 'license.expired', message: `${row.name} has expired` }];
    if (row.seats - row.used < seats)
      return [
        {
          path: `template/licenses/${index}`,
          code: 'license.no_free_seats',
          message: `${row.name} has ${row.seats - row.used} free seats, ${seats} are needed`,
        },
      ];
    return [];
  });
  if (problems.length) throw invalid(problems);
  return rows;
}

/** A problem with the template, said as one: paths start with `template/`. */
function asTemplateProblem(error: unknown): never {
  if (!(error instanceof Problem)) throw error;
  throw new Problem(
    error.status,
    error.code,
    `The template: ${error.detail}`,
    (error.errors ?? []).map((e) => ({ ...e, path: `template/${e.path}` })),
  );
}

import { recordAudit, type AuditActor } from '../audit/store.ts';
import type { Db } from '../db/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { conflict, type FieldProblem } from '../http/problem.ts';
import { findLicense, isExpired, unlicensedCapabilities } from '../licenses/store.ts';
import { lookupsOf } from '../users/lookups.ts';
import type { UserView } from '../users/schema.ts';
import { capabilitiesOf } from '../users/telephony.ts';
import { grantSeats, licenseHolders, releaseSeats, touchUsers } from './store.ts';

interface Seats {
  license: { id: string; name: string };
  users: UserView[];
}

/** The seats a bulk edit hands out and takes back, every user checked before anything is written. */
export async function prepareLicenseEdit(db: Db, domain: DomainRecord, users: UserView[], add: string[] = [], remove: string[] = []) {
  const problems: FieldProblem[] = [];
  const holdersOf = (licenseId: string) =>
    licenseHolders(
      db,
      licenseId,
      users.map((u) => u.id),
    );
  const grants: Seats[] = [];
  for (const [index, name] of add.entries()) {
    const license = await findLicense(db, domain.id, name);
    const path = `add/licenses/${index}`;
    if (!license) problems.push({ path, code: 'license.unknown', message: `No license named ${JSON.stringify(name)}` });
    else if (isExpired(license)) problems.push({ path, code: 'license.expired', message: `${license.name} has expired` });
    else {
      const holders = await holdersOf(license.id);
      const needing = users.filter((u) => !holders.has(u.id));
      if (needing.length > license.seats - license.used)
        problems.push({
          path,
          code: 'license.no_free_seats',
          message: `${license.name} has ${license.seats - license.used} free seats, ${needing.length} are needed`,
        });
      else if (needing.length) grants.push({ license, users: needing });
    }
  }
  const releases: Seats[] = [];
  for (const [index, name] of remove.entries()) {
    const license = await findLicense(db, domain.id, name);
    if (!license) {
      problems.push({ path: `remove/licenses/${index}`, code: 'license.unknown', message: `No license named ${JSON.stringify(name)}` });
      continue;
    }
    const holders = await holdersOf(license.id);
    const holding = users.filter((u) => holders.has(u.id));
    for (const user of holding) {
      const capability = license.capability;
      if (
        capability &&
        capabilitiesOf(user).includes(capability) &&
        (await unlicensedCapabilities(lookupsOf(db, domain.id), user.id, [capability], { without: license.id })).missing.length
      ) {
        problems.push({
          path: `users/${user.id}/licenses`,
          code: 'license.capability_in_use',
          message: `${user.login} uses ${capability}, which ${license.name} covers; turn that off first`,
        });
      }
    }
    if (holding.length) releases.push({ license, users: holding });
  }
  return { problems, grants, releases, userIds: new Set([...grants, ...releases].flatMap((s) => s.users.map((u) => u.id))) };
}

export type LicenseEdit = Awaited<ReturnType<typeof prepareLicenseEdit>>;

/** Writes the seats set-wise in the caller's transaction, an audit entry per user and license. */
export async function writeLicenseEdit(trx: Db, actor: AuditActor, domain: DomainRecord, edit: LicenseEdit, bulkId: string) {
  const now = new Date().toISOString();
  const entry = (user: UserView, from: string | null, to: string | null) => ({
    domainId: domain.id,
    actor,
    action: from ? 'license.removed' : 'license.assigned',
    target: { type: 'user', id: user.id, name: user.login },
    changes: { licenses: { from, to }, bulkOperation: { from: null, to: bulkId } },
  });
  for (const { license, users } of edit.grants) {
    if (
      !(await grantSeats(
        trx,
        license.id,
        users.map((u) => u.id),
        now,
      ))
    )
      throw conflict('license.no_free_seats', `Seats of ${license.name} were taken a moment ago; nothing was changed`);
    for (let i = 0; i < users.length; i += 1000) await recordAudit(trx, ...users.slice(i, i + 1000).map((u) => entry(u, null, license.name)));
  }
  for (const { license, users } of edit.releases) {
    await releaseSeats(
      trx,
      license.id,
      users.map((u) => u.id),
    );
    for (let i = 0; i < users.length; i += 1000) await recordAudit(trx, ...users.slice(i, i + 1000).map((u) => entry(u, license.name, null)));
  }
  await touchUsers(trx, [...edit.userIds], now);
}

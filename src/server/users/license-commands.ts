import { recordAudit, type AuditActor } from '../audit/store.ts';
import { uniqueViolationAs } from '../db/errors.ts';
import type { Db } from '../db/schema.ts';
import { conflict, notFound } from '../http/problem.ts';
import { licenses } from '../licenses/commands.ts';
import { holds, isExpired, licenseLookupsOf, recordAssignment, releaseSeat, takeSeats, unlicensedCapabilities } from '../licenses/store.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { readUser } from './commands.ts';
import { findUserRow, touchUser } from './store.ts';
import { capabilitiesOf } from './telephony.ts';

/** Gives the user a seat of the license: a new version of the user, audited on it. */
export async function assignLicense(db: Db, actor: AuditActor, domain: DomainRecord, userId: string, name: string): Promise<void> {
  const license = await licenses.mustFind(db, domain.id, name);
  const user = await findUserRow(db, domain.id, userId);
  if (!user || user.deleted_at) throw notFound('User');
  if (isExpired(license)) throw conflict('license.expired', `The license ${license.name} expired at ${license.expires_at}`);
  const alreadyHeld = () => conflict('license.already_held', `${user.login} already holds ${license.name}`);
  await db
    .transaction()
    .execute(async (trx) => {
      if (await holds(trx, license.id, user.id)) throw alreadyHeld();
      if (!(await takeSeats(trx, license.id))) throw conflict('license.no_free_seats', `All ${license.seats} seats of ${license.name} are taken`);
      await recordAssignment(trx, license.id, user.id);
      await touchUser(trx, user.id);
      await recordAudit(trx, {
        domainId: domain.id,
        actor,
        action: 'license.assigned',
        target: { type: 'user', id: user.id, name: user.login },
        changes: { licenses: { from: null, to: license.name } },
      });
    })
    .catch(uniqueViolationAs(alreadyHeld));
}

/** Takes the license back, freeing the seat; refused while the user uses what only this license covers. */
export async function takeBackLicense(db: Db, actor: AuditActor, domain: DomainRecord, userId: string, name: string): Promise<void> {
  const license = await licenses.mustFind(db, domain.id, name);
  const user = await findUserRow(db, domain.id, userId);
  if (!user) throw notFound('User');
  const view = await readUser(db, domain, user.id);
  if (
    license.capability &&
    capabilitiesOf(view).includes(license.capability) &&
    (await unlicensedCapabilities(licenseLookupsOf(db, domain.id), user.id, [license.capability], { without: license.id })).missing.length > 0
  ) {
    throw conflict(
      'license.capability_in_use',
      `${user.login} uses ${license.capability} (${license.capability === 'webrtc' ? 'a WebRTC phone' : 'the agent profile'}), which this license covers; turn that off first`,
    );
  }
  await db.transaction().execute(async (trx) => {
    if (!(await releaseSeat(trx, license.id, user.id))) throw notFound(`${license.name} held by ${user.login}`);
    await touchUser(trx, user.id);
    await recordAudit(trx, {
      domainId: domain.id,
      actor,
      action: 'license.removed',
      target: { type: 'user', id: user.id, name: user.login },
      changes: { licenses: { from: license.name, to: null } },
    });
  });
}

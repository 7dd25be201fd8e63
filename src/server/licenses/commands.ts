import type { AuditActor } from '../audit/store.ts';
import { catalogOf } from '../catalogs/commands.ts';
import type { Db } from '../db/schema.ts';
import { conflict } from '../http/problem.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import type { LicenseCreate, LicenseUpdate } from './schema.ts';
import { insertLicense, toLicenseView, updateLicense, type LicenseRow } from './store.ts';

export const licenses = catalogOf<LicenseRow, ReturnType<typeof toLicenseView>>({
  table: 'licenses',
  code: 'license',
  noun: 'license',
  toView: (row) => toLicenseView(row),
});

export async function createLicense(db: Db, actor: AuditActor, domain: DomainRecord, input: LicenseCreate): Promise<LicenseRow> {
  await licenses.assertFree(db, domain.id, input.name);
  const { after } = await licenses.write(db, actor, domain, input.name, async (trx) => ({ before: null, after: await insertLicense(trx, domain.id, input) }));
  return after;
}

/** Seats never go below those in use. */
export async function changeLicense(db: Db, actor: AuditActor, domain: DomainRecord, name: string, change: LicenseUpdate): Promise<LicenseRow> {
  const license = await licenses.mustFind(db, domain.id, name);
  const next = {
    name: change.name ?? license.name,
    description: change.description === undefined ? license.description : change.description,
    seats: change.seats ?? license.seats,
    expires_at: change.expiresAt === undefined ? license.expires_at : change.expiresAt === null ? null : new Date(change.expiresAt).toISOString(),
    capability: change.capability === undefined ? license.capability : change.capability,
  };
  await licenses.assertFree(db, domain.id, next.name, license);
  const { after } = await licenses.write(db, actor, domain, next.name, async (trx) => {
    if (!(await updateLicense(trx, license, next))) {
      throw conflict('license.seats_in_use', `${license.used} seats are in use; take licenses back before lowering the seats below that`, [
        { path: 'seats', code: 'license.seats_in_use', message: `At least ${license.used}` },
      ]);
    }
    return { before: license, after: await licenses.mustFind(trx, domain.id, next.name) };
  });
  return after;
}

/** Only a license nobody holds is removed. */
export async function removeLicense(db: Db, actor: AuditActor, domain: DomainRecord, name: string): Promise<void> {
  const license = await licenses.mustFind(db, domain.id, name);
  await licenses.write(db, actor, domain, license.name, async (trx) => {
    const deleted = await trx.deleteFrom('licenses').where('id', '=', license.id).where('used', '=', 0).executeTakeFirst();
    if (Number(deleted.numDeletedRows) !== 1) throw conflict('license.in_use', 'Some users hold this license; take it back from them first');
    return { before: license, after: null };
  });
}

import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database, Db } from '../db/schema.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import type { LicenseCreate } from './schema.ts';
import type { Lookups } from '../tenancy/lookups.ts';

export type LicenseRow = Database['licenses'];

const columns = ['id', 'domain_id', 'name', 'name_key', 'description', 'seats', 'used', 'expires_at', 'capability', 'created_at', 'updated_at'] as const;

export const isExpired = (license: Pick<LicenseRow, 'expires_at'>, now = new Date()) => license.expires_at !== null && license.expires_at <= now.toISOString();

export const toLicenseView = (l: LicenseRow, now = new Date()) => ({
  name: l.name,
  description: l.description,
  kind: 'named' as const,
  seats: l.seats,
  used: l.used,
  free: Math.max(0, l.seats - l.used),
  expiresAt: l.expires_at,
  expired: isExpired(l, now),
  capability: l.capability,
  createdAt: l.created_at,
  updatedAt: l.updated_at,
});

export function findLicense(db: Db, domainId: string, name: string) {
  return db.selectFrom('licenses').select(columns).where('domain_id', '=', domainId).where('name_key', '=', nameKey(name)).executeTakeFirst();
}

export function listLicenses(db: Db, domainId: string, after: string | undefined, limit: number) {
  let query = db
    .selectFrom('licenses')
    .select(columns)
    .where('domain_id', '=', domainId)
    .orderBy('name_key')
    .limit(limit + 1);
  if (after !== undefined) query = query.where('name_key', '>', after);
  return query.execute();
}

export async function insertLicense(db: Db, domainId: string, input: LicenseCreate): Promise<LicenseRow> {
  const now = new Date().toISOString();
  const row: LicenseRow = {
    id: randomUUID(),
    domain_id: domainId,
    name: input.name,
    name_key: nameKey(input.name),
    description: input.description ?? null,
    seats: input.seats,
    used: 0,
    expires_at: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
    capability: input.capability ?? null,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('licenses').values(row).execute();
  return row;
}

/** Writes new fields; answers false when fewer seats than are in use were asked for (nothing written). */
export async function updateLicense(db: Db, license: LicenseRow, next: Pick<LicenseRow, 'name' | 'description' | 'seats' | 'expires_at' | 'capability'>) {
  const result = await db
    .updateTable('licenses')
    .set({ ...next, name_key: nameKey(next.name), updated_at: new Date().toISOString() })
    .where('id', '=', license.id)
    .where('used', '<=', next.seats)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Takes a seat if one is free: one conditional update, atomic on both engines (PostgreSQL
 * re-checks the condition on the row it waited for), so concurrent assignments never overshoot.
 */
/** Takes `count` seats of a license when it has them free: false (nothing taken) when it has not. */
export async function takeSeats(db: Db, licenseId: string, count = 1): Promise<boolean> {
  const seated = await db
    .updateTable('licenses')
    .set({ used: sql`used + ${count}` })
    .where('id', '=', licenseId)
    .where(sql<boolean>`used + ${count} <= seats`)
    .executeTakeFirst();
  return Number(seated.numUpdatedRows) === 1;
}

/** Gives back the seat of a holder; answers false when the user did not hold it. */
export async function releaseSeat(db: Db, licenseId: string, userId: string): Promise<boolean> {
  const deleted = await db.deleteFrom('license_assignments').where('license_id', '=', licenseId).where('user_id', '=', userId).executeTakeFirst();
  if (Number(deleted.numDeletedRows) !== 1) return false;
  await db
    .updateTable('licenses')
    .set({ used: sql`used - 1` })
    .where('id', '=', licenseId)
    .execute();
  return true;
}

export async function holds(db: Db, licenseId: string, userId: string): Promise<boolean> {
  return (
    (await db.selectFrom('license_assignments').select('user_id').where('license_id', '=', licenseId).where('user_id', '=', userId).executeTakeFirst()) !==
    undefined
  );
}

export async function recordAssignment(db: Db, licenseId: string, userId: string): Promise<void> {
  await db.insertInto('license_assignments').values({ license_id: licenseId, user_id: userId, assigned_at: new Date().toISOString() }).execute();
}

/** The license questions of the rules, asked of the database each time. */
export const licenseLookupsOf = (db: Db, domainId: string): Pick<Lookups, 'licenseProducts' | 'licensesHeld'> => ({
  licenseProducts: async (capabilities) =>
    capabilities.length
      ? db
          .selectFrom('licenses')
          .select(['id', 'name', 'capability', 'expires_at'])
          .where('domain_id', '=', domainId)
          .where('capability', 'in', capabilities)
          .execute()
      : [],
  licensesHeld: async (userId) =>
    (await db.selectFrom('license_assignments').select('license_id').where('user_id', '=', userId).execute()).map((r) => r.license_id),
});

/**
 * Of these capabilities, the ones the domain licenses (some product names them) for which the
 * user holds no live license. `granted` are license ids counted as held (given in the same write);
 * `without` is a license counted as not held (being taken back).
 */
export async function unlicensedCapabilities(
  lookups: Pick<Lookups, 'licenseProducts' | 'licensesHeld'>,
  userId: string | null,
  capabilities: string[],
  options: { granted?: string[]; without?: string } = {},
) {
  if (capabilities.length === 0) return { missing: [] as string[], productNames: (_: string) => '' };
  const products = await lookups.licenseProducts(capabilities);
  if (products.length === 0) return { missing: [] as string[], productNames: (_: string) => '' };
  const held = new Set(options.granted ?? []);
  if (userId) for (const id of await lookups.licensesHeld(userId)) held.add(id);
  if (options.without) held.delete(options.without);
  const of = (capability: string) => products.filter((p) => p.capability === capability);
  return {
    missing: capabilities.filter((c) => of(c).length > 0 && !of(c).some((p) => held.has(p.id) && !isExpired(p))),
    productNames: (capability: string) =>
      of(capability)
        .map((p) => p.name)
        .join(' or '),
  };
}

import type { Db } from '../db/schema.ts';
import { nameKey } from '../identifiers/normal-form.ts';

/** Rows a statement: large enough to amortise a round trip, small enough for PostgreSQL's 65,535 parameters. */
const CHUNK = 1000;
const chunked = <T>(list: T[]) => Array.from({ length: Math.ceil(list.length / CHUNK) }, (_, i) => list.slice(i * CHUNK, (i + 1) * CHUNK));

/** Numbers of the range already used as a login, an extension (own, virtual, desk) or a SIP username. */
export async function takenNumbers(db: Db, domainId: string, numbers: string[]) {
  const taken = new Map<string, string>();
  for (const chunk of chunked(numbers)) {
    for (const r of await db.selectFrom('users').select('login_key').where('domain_id', '=', domainId).where('login_key', 'in', chunk).execute())
      taken.set(r.login_key, 'a login');
    for (const r of await db.selectFrom('extensions').select('number').where('domain_id', '=', domainId).where('number', 'in', chunk).execute())
      taken.set(r.number, 'an extension');
    for (const r of await db.selectFrom('sip_accounts').select('username_key').where('domain_id', '=', domainId).where('username_key', 'in', chunk).execute())
      taken.set(r.username_key, 'a SIP username');
  }
  return taken;
}

/** The domain's licenses of these names (a template's), with their seats. */
export async function licensesNamed(db: Db, domainId: string, names: string[]) {
  return names.length
    ? await db
        .selectFrom('licenses')
        .select(['id', 'name', 'name_key', 'seats', 'used', 'expires_at'])
        .where('domain_id', '=', domainId)
        .where('name_key', 'in', names.map(nameKey))
        .execute()
    : [];
}

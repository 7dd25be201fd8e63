import type { Db } from '../db/schema.ts';
import { chunkCollisions, type ChunkKeys } from './store.ts';
import { lockDomain } from '../tenancy/domain-record.ts';
import { lowestFreeExtensions } from '../sip-accounts/store.ts';
import { markWritten, readAhead, readsAhead } from '../db/remote.ts';
import type { PreparedUser } from '../users/commands.ts';
import { lookupsOf } from '../users/lookups.ts';
import { type CatalogRow, type CatalogTable, type LicenseProduct, type Lookups, type NumberRow } from '../tenancy/lookups.ts';

/**
 * Lookups for an import, answered from memory: the domain's catalogs are fetched once per
 * import and kept; what rows may collide with is fetched once per chunk, and every row accepted
 * claims its login, e-mail, extensions and username, so later rows of the chunk see it. The
 * import runs in one transaction, so earlier chunks are in the database these queries read —
 * or, where a chunk is checked while the one before is written (import/worker.ts), in the claims
 * of the chunks the writer has not reached yet, which each chunk's look-ups add to what they read.
 */
export class ImportLookups implements Lookups {
  readonly #db: Lookups;
  readonly #catalogs = new Map<CatalogTable, Map<string, CatalogRow | null>>();
  readonly #numbers = new Map<string, NumberRow | null>();
  readonly #permissions = new Map<string, string[][]>();
  readonly #products = new Map<string, LicenseProduct[]>();
  #held = emptyClaims();
  /** What this chunk's rows took, and the chunks sent to be written whose writes may not have run yet. */
  #chunkClaims = emptyClaims();
  #unwritten: { mark: number; claims: Claims }[] = [];
  #free: string[] = [];
  #locked = false;
  readonly #externalIds = new Set<string>();

  /**
   * `readAhead`: a chunk's look-ups need not wait for the chunk before it to be written. Only for
   * imports that create: an update's changes (a new e-mail, say) are not claimed.
   */
  constructor(
    private readonly trx: Db,
    private readonly domainId: string,
    private readonly options: { readAhead?: boolean } = {},
  ) {
    this.#db = lookupsOf(trx, domainId);
  }

  /** Fetches what the chunk's rows may collide with, forgetting the previous chunk's. */
  async prefetch(keys: ChunkKeys, early?: EarlyCollisions): Promise<void> {
    const {
      value: { logins, emails, numbers, usernames },
      applied,
    } = await (early ?? this.#collisions(keys));
    this.#held = {
      logins: new Set(logins.map((r) => r.login_key)),
      emails: new Set(emails.map((r) => r.email_key as string)),
      extensions: new Map(numbers.map((r) => [r.number, r.kind])),
      usernames: new Map([...keys.usernames.map((u): [string, boolean] => [u, false]), ...usernames.map((r): [string, boolean] => [r.username_key, true])]),
    };
    this.#unwritten = this.#unwritten.filter((chunk) => chunk.mark > applied);
    for (const { claims } of this.#unwritten) addClaims(this.#held, claims);
    this.#free = [];
  }

  /**
   * Where reads go ahead of the queued writes (db/remote.ts), what a chunk's rows may collide with
   * is read as soon as the chunk is read, before the chunk before it is checked: `prefetch` adds
   * that chunk's claims then. Elsewhere a read must follow the writes before it: nothing early.
   */
  early(keys: ChunkKeys): EarlyCollisions | undefined {
    if (!this.options.readAhead || !readsAhead()) return undefined;
    const fetched = this.#collisions(keys);
    // Awaited by `prefetch`; a failure meanwhile is told there.
    fetched.catch(() => undefined);
    return fetched;
  }

  #collisions(keys: ChunkKeys): EarlyCollisions {
    return this.#read((db) => chunkCollisions(db, this.domainId, keys));
  }

  /** The chunk's writes are sent: its claims count until the writer has run them. */
  async chunkWritten(): Promise<void> {
    const marked = markWritten();
    if (marked) this.#unwritten.push({ mark: marked.mark, claims: this.#chunkClaims });
    this.#chunkClaims = emptyClaims();
    // No more than the chunk being written waits behind it: memory stays flat however long the file.
    await marked?.caughtUp;
  }

  #read<T>(read: (db: Db) => Promise<T>): Promise<{ value: T; applied: number }> {
    return this.options.readAhead ? readAhead(this.trx, read) : read(this.trx).then((value) => ({ value, applied: Infinity }));
  }

  /** A row accepted: what it holds is taken for the rows after it. */
  claim(user: PreparedUser): void {
    for (const claims of [this.#held, this.#chunkClaims]) {
      claims.logins.add(user.state.login.toLowerCase());
      if (user.state.email) claims.emails.add(user.state.email.toLowerCase());
      const account = user.telephony.sip?.account;
      if (account?.extension) claims.extensions.set(account.extension, 'user');
      if (account?.virtualExtension) claims.extensions.set(account.virtualExtension, 'virtual');
      if (account?.username) claims.usernames.set(account.username.toLowerCase(), true);
    }
    for (const entry of user.state.externalIds) this.#externalIds.add(`${entry.system}:${entry.id}`);
  }

  /** Asked of the database only for rows that carry ids; ids claimed by earlier rows of the import count as held. */
  async externalIdsHeld(list: readonly { system: string; id: string }[], exceptId: string | null) {
    const held = await this.#db.externalIdsHeld(list, exceptId);
    return [...held, ...list.filter((e) => this.#externalIds.has(`${e.system}:${e.id}`) && !held.some((h) => h.system === e.system && h.id === e.id))];
  }

  async catalog(table: CatalogTable, keys: string[]): Promise<CatalogRow[]> {
    const cache = this.#catalogs.get(table) ?? new Map<string, CatalogRow | null>();
    this.#catalogs.set(table, cache);
    const missing = keys.filter((k) => !cache.has(k));
    if (missing.length) {
      const rows = await this.#db.catalog(table, missing);
      for (const key of missing) cache.set(key, rows.find((r) => r.name_key === key) ?? null);
    }
    return [...new Set(keys)].map((k) => cache.get(k)).filter((r): r is CatalogRow => Boolean(r));
  }

  async permissionsOf(roleIds: string[], groupIds: string[]): Promise<string[][]> {
    const key = `${roleIds.join(',')}|${groupIds.join(',')}`;
    let lists = this.#permissions.get(key);
    if (!lists) this.#permissions.set(key, (lists = await this.#db.permissionsOf(roleIds, groupIds)));
    return lists;
  }

  /** Whether the domain or an earlier row of the chunk holds the login: answered from the prefetch, without a wait. */
  holdsLogin(key: string): boolean {
    return this.#held.logins.has(key);
  }

  async userHolding(column: 'login_key' | 'email_key', key: string, exceptId: string | null): Promise<boolean> {
    if (exceptId) return this.#db.userHolding(column, key, exceptId);
    return (column === 'login_key' ? this.#held.logins : this.#held.emails).has(key);
  }

  async numbers(values: string[]): Promise<NumberRow[]> {
    const missing = values.filter((v) => !this.#numbers.has(v));
    if (missing.length) {
      const rows = await this.#db.numbers(missing);
      for (const value of missing) this.#numbers.set(value, rows.find((r) => r.value === value) ?? null);
    }
    return values.map((v) => this.#numbers.get(v)).filter((r): r is NumberRow => Boolean(r));
  }

  async extensionsHeld(numbers: string[], userId: string | null) {
    if (userId) return this.#db.extensionsHeld(numbers, userId);
    return numbers.flatMap((number) => {
      const kind = this.#held.extensions.get(number);
      return kind ? [{ number, kind }] : [];
    });
  }

  async usernameHeld(username: string, userId: string | null): Promise<boolean> {
    const known = this.#held.usernames.get(username.toLowerCase());
    if (userId || known === undefined) return this.#db.usernameHeld(username, userId);
    return known;
  }

  async hasFreeExtension(range: { from: string; to: string }): Promise<boolean> {
    return (await this.#freeExtensions(range)).length > 0;
  }

  /** The lowest free extension, skipping the ones rows of this chunk gave themselves. */
  async takeFreeExtension(range: { from: string; to: string }): Promise<string | undefined> {
    const free = await this.#freeExtensions(range);
    const taken = free.shift();
    if (taken) for (const claims of [this.#held, this.#chunkClaims]) claims.extensions.set(taken, 'user');
    return taken;
  }

  async #freeExtensions(range: { from: string; to: string }) {
    this.#free = this.#free.filter((n) => !this.#held.extensions.has(n));
    if (this.#free.length === 0) {
      // Locked once, so creations elsewhere wait for the import instead of picking the same numbers.
      if (!this.#locked) await lockDomain(this.trx, this.domainId);
      this.#locked = true;
      // Read ahead of the chunks being written: their extensions are among the held ones.
      const { value: candidates } = await this.#read((db) => lowestFreeExtensions(db, this.domainId, range, 1000 + this.#held.extensions.size));
      this.#free = candidates.filter((n) => !this.#held.extensions.has(n));
    }
    return this.#free;
  }

  async licenseProducts(capabilities: string[]): Promise<LicenseProduct[]> {
    const key = capabilities.join(',');
    let products = this.#products.get(key);
    if (!products) this.#products.set(key, (products = await this.#db.licenseProducts(capabilities)));
    return products;
  }

  licensesHeld(userId: string): Promise<string[]> {
    return this.#db.licensesHeld(userId);
  }
}

/** What rows of the import hold: logins, e-mails, extensions (and their kind), SIP usernames (whether held). */
interface Claims {
  logins: Set<string>;
  emails: Set<string>;
  extensions: Map<string, string>;
  usernames: Map<string, boolean>;
}

const emptyClaims = (): Claims => ({ logins: new Set(), emails: new Set(), extensions: new Map(), usernames: new Map() });

function addClaims(to: Claims, from: Claims) {
  for (const login of from.logins) to.logins.add(login);
  for (const email of from.emails) to.emails.add(email);
  for (const [number, kind] of from.extensions) to.extensions.set(number, kind);
  for (const [username, held] of from.usernames) if (held) to.usernames.set(username, true);
}

type EarlyCollisions = Promise<{ value: Awaited<ReturnType<typeof chunkCollisions>>; applied: number }>;

import type { SignedIn } from './sessions/store.ts';
import { ReadCache } from './db/read-cache.ts';
import type { RegistrarAccount, RegistrarDomain } from './registrar/store.ts';

/** A user as answered: its version (the ETag) and its JSON, serialized once while cached. */
export interface SerializedUser {
  version: number;
  json: string;
}

/** The directory reads a process keeps for a moment: sign-ins by token, users by domain and id. */
export class DirectoryCache {
  readonly sessions: ReadCache<SignedIn>;
  readonly users: ReadCache<SerializedUser>;

  /** The registrar's look-ups: SIP accounts by domain and username, and domains by SIP host. */
  readonly sipAccounts: ReadCache<RegistrarAccount>;
  readonly sipHosts: ReadCache<Map<string, RegistrarDomain>>;

  constructor(ttlMs: number) {
    this.sessions = new ReadCache(ttlMs, 10_000, (_token, signedIn) => signedIn.actor.id);
    this.users = new ReadCache(ttlMs, 10_000, (key) => key.slice(key.indexOf('/') + 1));
    this.sipAccounts = new ReadCache(ttlMs, 200_000, (_key, account) => account.userId);
    this.sipHosts = new ReadCache(ttlMs);
  }

  /** Whatever it touched, nothing old is served again. */
  invalidateAll(): void {
    this.sessions.invalidateAll();
    this.users.invalidateAll();
    this.sipAccounts.invalidateAll();
    this.sipHosts.invalidateAll();
  }

  /**
   * A change of one user: its view, its sessions and its SIP account go, and nobody else's. Under a
   * steady stream of writes, emptying everything at each one left the registrar and the sign-in
   * checks reading the database for every request.
   */
  invalidateUser(userId: string): void {
    this.sessions.invalidateOwner(userId);
    this.users.invalidateOwner(userId);
    this.sipAccounts.invalidateOwner(userId);
  }

  /** A change recorded in the feed: a user's evicts that user; any other (a role, a group, the domain's settings) everything. */
  invalidateFor(resource: { type: string; id: string }): void {
    if (resource.type === 'user') this.invalidateUser(resource.id);
    else this.invalidateAll();
  }
}

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
    this.sessions = new ReadCache(ttlMs);
    this.users = new ReadCache(ttlMs);
    this.sipAccounts = new ReadCache(ttlMs, 200_000);
    this.sipHosts = new ReadCache(ttlMs);
  }

  /** Called after every change: whatever it touched, nothing old is served again. */
  invalidateAll(): void {
    this.sessions.invalidateAll();
    this.users.invalidateAll();
    this.sipAccounts.invalidateAll();
    this.sipHosts.invalidateAll();
  }
}

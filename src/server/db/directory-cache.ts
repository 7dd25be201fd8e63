import type { SignedIn } from '../auth/sessions.ts';
import type { UserView } from '../users/schema.ts';
import { ReadCache } from './read-cache.ts';

/** The directory reads a process keeps for a moment: sign-ins by token, users by domain and id. */
export class DirectoryCache {
  readonly sessions: ReadCache<SignedIn>;
  readonly users: ReadCache<UserView>;

  constructor(ttlMs: number) {
    this.sessions = new ReadCache(ttlMs);
    this.users = new ReadCache(ttlMs);
  }

  /** Called after every change: whatever it touched, nothing old is served again. */
  invalidateAll(): void {
    this.sessions.invalidateAll();
    this.users.invalidateAll();
  }
}

import type { Db } from '../db/schema.ts';
import { countChangesShownToUser, firstChange, lastChange, listChanges, listChangesShownToUser } from '../changes/store.ts';
import type { ChangeView } from '../changes/schema.ts';

/** Read and sent this many at a time: a resume holds one page, however much it replays. */
const PAGE = 500;

/** Whose directory changes a stream shows: every user's, or one user's own and the shared resources'. */
export type Audience = 'everyone' | { userId: string };

/**
 * The directory changes owed to a stream that last saw change `after`, as pages read one at a time;
 * null when they cannot be sent and the client re-reads instead: more than `replayMax` of what the
 * stream shows, or older than what the feed still holds. What it shows is counted before anything
 * is read, and the replay ends at the feed's last change when it began: what comes after arrives live.
 */
export async function replayOf(db: Db, domainId: string, after: number, audience: Audience, replayMax: number): Promise<AsyncIterable<ChangeView[]> | null> {
  const last = await lastChange(db, domainId);
  if (last > after) {
    const first = await firstChange(db, domainId);
    if (first === null || first > after + 1) return null;
    // The feed's numbers have no gaps: an administrator is owed exactly the difference.
    const owed = audience === 'everyone' ? last - after : await countChangesShownToUser(db, domainId, audience.userId, after, replayMax + 1);
    if (owed > replayMax) return null;
  }
  return pages(db, domainId, after, last, audience);
}

async function* pages(db: Db, domainId: string, after: number, last: number, audience: Audience): AsyncGenerator<ChangeView[]> {
  for (let cursor = after; cursor < last;) {
    const page =
      audience === 'everyone'
        ? (await listChanges(db, domainId, cursor, PAGE)).items
        : await listChangesShownToUser(db, domainId, audience.userId, cursor, PAGE);
    const owed = page.filter((change) => change.seq <= last);
    if (owed.length > 0) yield owed;
    if (page.length < PAGE || owed.length < page.length) return;
    cursor = page.at(-1)?.seq ?? last;
  }
}

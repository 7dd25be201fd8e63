import type { Db } from '../db/schema.ts';
import { listChanges } from '../changes/store.ts';
import type { ChangeView } from '../changes/schema.ts';

/** At most this many missed directory changes are sent on joining; past it the snapshot says to re-read. */
const REPLAY_MAX = 10_000;

/** The directory changes after `after`, or null when there are too many to send (the client re-reads). */
export async function changesAfter(db: Db, domainId: string, after: number): Promise<ChangeView[] | null> {
  const changes: ChangeView[] = [];
  for (let cursor: string | null = String(after); cursor !== null;) {
    const page = await listChanges(db, domainId, Number(cursor), 1000);
    changes.push(...page.items);
    if (changes.length > REPLAY_MAX) return null;
    cursor = page.nextCursor;
  }
  return changes;
}

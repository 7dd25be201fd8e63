import type { MigrationEntry, SourceItem } from '../entry.ts';

/**
 * What the file sources share in building an entry: a field a source does not know is left out
 * rather than carried as `undefined`, so an entry says only what the source said.
 */
/** Why a file, a line or an account could not be read, named by its origin. */
export type SourceProblem = Extract<SourceItem, { problem: unknown }>['problem'];

export function compactEntry(entry: MigrationEntry): MigrationEntry {
  const compacted = withoutUndefined(entry);
  compacted.sip = withoutUndefined(entry.sip);
  if (entry.voicemail) compacted.voicemail = withoutUndefined(entry.voicemail);
  if (entry.callerId) {
    const callerId = withoutUndefined(entry.callerId);
    if (Object.keys(callerId).length > 0) compacted.callerId = callerId;
    else delete compacted.callerId;
  }
  if (entry.authAcl?.length === 0) delete compacted.authAcl;
  if (entry.groups?.length === 0) delete compacted.groups;
  return compacted;
}

/** `Mary Ann Smith` → first `Mary Ann`, last `Smith`: the family name is the last word, as PBX name fields are written. */
export function splitFullName(name: string): { firstName?: string; lastName?: string } {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return {};
  if (words.length === 1) return { firstName: words[0] };
  return { firstName: words.slice(0, -1).join(' '), lastName: words.at(-1) };
}

export function isNumeric(value: string | undefined): value is string {
  return value !== undefined && /^\d+$/.test(value);
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

import type { MigrationEntry, SourceItem } from '../entry.ts';

/**
 * How the loose values a PBX keeps become entry fields, the same way for every source: one display
 * name into first and last name, comma lists into lists, and nothing said where the source says
 * nothing.
 */

/**
 * Splits the one display name a PBX keeps ("Piotr Jan Kowalski") into our first and last name: the
 * last word is the family name, as a second given name is far commoner in caller IDs than a
 * family name of several words.
 */
export function splitPersonName(name: string | null | undefined): { firstName?: string; lastName?: string } {
  const words = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return {};
  if (words.length === 1) return { firstName: words[0] };
  return { firstName: words.slice(0, -1).join(' '), lastName: words.at(-1) };
}

/** `"sales, support"` → `['sales', 'support']`; nothing when the list is empty. */
export function commaList(value: string | null | undefined): string[] | undefined {
  const items = (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

/** A voicemail notification address as a person's e-mail, when it names one address only. */
export const singleAddress = (value: string | undefined) => (value && !/[,;\s]/.test(value) ? value : undefined);

/** The object without its undefined properties, so an entry says only what the source knows. */
export function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** Why a file, a line or an account could not be read, named by its origin. */
export type SourceProblem = Extract<SourceItem, { problem: unknown }>['problem'];

/** The entry with the fields its source did not know left out, empty lists and objects included. */
export function compactEntry(entry: MigrationEntry): MigrationEntry {
  const compacted = definedOnly(entry) as MigrationEntry;
  compacted.sip = definedOnly(entry.sip);
  if (entry.voicemail) compacted.voicemail = definedOnly(entry.voicemail) as MigrationEntry['voicemail'];
  const callerId = entry.callerId && definedOnly(entry.callerId);
  if (callerId && Object.keys(callerId).length > 0) compacted.callerId = callerId;
  else delete compacted.callerId;
  if (entry.authAcl?.length === 0) delete compacted.authAcl;
  if (entry.groups?.length === 0) delete compacted.groups;
  return compacted;
}

export function isNumeric(value: string | undefined): value is string {
  return value !== undefined && /^\d+$/.test(value);
}

/**
 * How the loose values a PBX keeps become entry fields, the same way for every source: one display
 * name into first and last name, comma lists into lists, and nothing said where the source says
 * nothing.
 */

/**
 * Splits the one display name a PBX keeps ("Zofia Wójcik", "Jan van der Berg") into our first and
 * last name: the first word is the first name, the rest the last name, as people usually write
 * them in a caller ID.
 */
export function splitPersonName(name: string | null | undefined): { firstName?: string; lastName?: string } {
  const words = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return {};
  const [firstName, ...rest] = words;
  return rest.length > 0 ? { firstName, lastName: rest.join(' ') } : { firstName };
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

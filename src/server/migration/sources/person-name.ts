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

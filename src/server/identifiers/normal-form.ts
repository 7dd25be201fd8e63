/**
 * The one rule for identifiers — domain names, logins, e-mail addresses, SIP usernames: an
 * identifier is text in Unicode normalisation form NFKC, compared without regard to case by its
 * lower-case form. Text that NFKC would change (the Kelvin sign U+212A for K, full-width letters,
 * ligatures, decomposed accents) is refused where an identifier is stored and finds nobody where
 * one is looked up, so no second spelling ever reaches an account.
 */
export const isNormalIdentifier = (text: string) => text === text.normalize('NFKC');

/** The key an identifier is stored and looked up by; null for text not in normal form. */
export const identifierKey = (text: string): string | null => (isNormalIdentifier(text) ? text.toLowerCase() : null);

/** The key a catalog's names (roles, groups, tags, skills, licenses, pause reasons) are unique by. */
export const nameKey = (name: string) => name.toLowerCase();

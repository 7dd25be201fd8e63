import anyAscii from 'any-ascii';

const ASCII = /^\p{ASCII}*$/u;

/**
 * The text a user is found by, and the words of a search, in one folded form so that the two
 * compare as plain strings on both engines: every script in Latin letters and without diacritics
 * (any-ascii: `Łukasz` → `lukasz`, `Ольга` → `olga`, `Ｋｏｗａｌ` → `kowal`), lower case, single
 * spaces. The apostrophes and quotes a transliteration writes for a soft or hard sign (`Ol'ga`)
 * go, in the stored text and in a search alike, so that `olga` finds it; other punctuation stays,
 * since it separates the words of a login or an e-mail and a search may name it (`a_z`).
 */
export function foldForSearch(text: string): string {
  // Most logins, numbers and names are ASCII already, which any-ascii would copy a character at a time.
  return (ASCII.test(text) ? text : anyAscii(text)).toLowerCase().replace(/['"`]/g, '').replace(/\s+/g, ' ').trim();
}

/** Where a word starts inside search text: at its start or after one of these. */
export const WORD_SEPARATORS = [' ', '.', '_', '-', '@', '+'] as const;

const startsWordAt = (text: string, at: number) => at === 0 || (WORD_SEPARATORS as readonly string[]).includes(text[at - 1] as string);

/** Whether `part` occurs in `whole` where a word starts, so `whole` finds everything `part` would. */
function coveredBy(part: string, whole: string): boolean {
  for (let at = whole.indexOf(part); at !== -1; at = whole.indexOf(part, at + 1)) if (startsWordAt(whole, at)) return true;
  return false;
}

/**
 * A user's search text: login, e-mail, names and extensions, folded, separated by spaces. A field
 * that another one already holds at a word start (the login in `login@example.com`, a first name
 * in the e-mail) is left out: every infix and every word start it would match, the other matches,
 * and the text indexed per user is what an import pays for.
 */
export function searchTextOf(user: {
  login: string;
  email: string | null;
  firstName: string;
  lastName: string;
  extensions: (string | null | undefined)[];
}): string {
  const fields = [user.email, user.login, user.firstName, user.lastName, ...user.extensions]
    .flatMap((field) => (field ? [foldForSearch(field)] : []))
    .filter(Boolean);
  const byLength = [...new Set(fields)].sort((a, b) => b.length - a.length);
  const kept: string[] = [];
  for (const field of byLength) if (!kept.some((whole) => coveredBy(field, whole))) kept.push(field);
  return kept.join(' ');
}

/** The words of a search: folded, split at spaces, each once, at most five. */
export const searchWords = (q: string) => [...new Set(foldForSearch(q).split(' ').filter(Boolean))].slice(0, 5);

/** Words this short have no trigram: they match where a word of the search text starts. */
export const TRIGRAM = 3;

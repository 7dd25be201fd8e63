import i18n from 'i18next';
import type { z } from 'zod';

/**
 * Zod's own checks said as a person would ("At least 8 characters", "Required"), in the console's
 * language. Checks with a message of their schema keep it (translated by `inWords`); what this
 * does not know falls through to Zod's locale.
 */
export function validationWords(issue: z.core.$ZodRawIssue): string | undefined {
  const t = (key: string, values?: Record<string, unknown>) => String(i18n.t(`validation.${key}`, values));
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined || issue.input === null || issue.input === '') return t('required');
      return ['number', 'int', 'string', 'boolean', 'array', 'object'].includes(issue.expected) ? t(`types.${issue.expected}`) : undefined;
    case 'too_small': {
      const limit = Number(issue.minimum);
      if (issue.origin === 'string') return limit === 1 ? t('required') : t('atLeastCharacters', { limit });
      if (issue.origin === 'array' || issue.origin === 'set') return limit === 1 ? t('atLeastOne') : t('atLeastItems', { limit });
      return issue.inclusive === false ? t('above', { limit }) : t('atLeast', { limit });
    }
    case 'too_big': {
      const limit = Number(issue.maximum);
      if (issue.origin === 'string') return t('atMostCharacters', { limit });
      if (issue.origin === 'array' || issue.origin === 'set') return t('atMostItems', { limit });
      return issue.inclusive === false ? t('below', { limit }) : t('atMost', { limit });
    }
    case 'invalid_format':
      return issue.format === 'email' ? t('email') : t('format');
    case 'invalid_value':
      return t('oneOf', { values: issue.values.map(String).join(', ') });
    case 'unrecognized_keys':
      return t('unknownFields', { fields: issue.keys.join(', ') });
    case 'not_multiple_of':
      return t('multipleOf', { step: String(issue.divisor) });
    default:
      return undefined;
  }
}

/** The messages the API's schemas spell out themselves, in Polish. */
const polish: Record<string, string> = {
  'A user holds at least one role': 'Użytkownik ma co najmniej jedną rolę',
  'Algorithms repeat': 'Algorytmy się powtarzają',
  'An E.164 number or an alphanumeric sender ID of at most 11 characters': 'Numer E.164 albo alfanumeryczny nadawca SMS, najwyżej 11 znaków',
  'An IPv4 or IPv6 address or CIDR, such as 192.0.2.0/24 or 2001:db8::/32': 'Adres lub sieć (CIDR) IPv4 albo IPv6, np. 192.0.2.0/24 lub 2001:db8::/32',
  'At least 12 characters': 'Co najmniej 12 znaków',
  'At least 8 characters': 'Co najmniej 8 znaków',
  'At most 128 characters': 'Najwyżej 128 znaków',
  'At most 256 characters': 'Najwyżej 256 znaków',
  'Give the current password to set a new one': 'Podaj obecne hasło, aby ustawić nowe',
  'Languages repeat': 'Języki się powtarzają',
  'Names repeat': 'Nazwy się powtarzają',
  'Skills repeat': 'Umiejętności się powtarzają',
  'Values repeat': 'Wartości się powtarzają',
  'Ids repeat': 'Identyfikatory się powtarzają',
  'Not a BCP 47 language tag such as pl or en-GB': 'To nie jest kod języka BCP 47, np. pl lub en-GB',
  'Not an IANA time zone such as Europe/Warsaw': 'To nie jest strefa czasowa IANA, np. Europe/Warsaw',
  'Not an e-mail address': 'To nie jest adres e-mail',
  'Not a valid phone number in international form, such as +48 22 123 45 67': 'To nie jest numer telefonu w formie międzynarodowej, np. +48 22 123 45 67',
  'Printable ASCII without spaces': 'Drukowalne znaki ASCII bez spacji',
  '1 to 15 digits': 'Od 1 do 15 cyfr',
  '4 to 10 digits': 'Od 4 do 10 cyfr',
  'Latin letters, digits, dots, underscores and hyphens; at most 64': 'Litery łacińskie, cyfry, kropki, podkreślenia i łączniki; najwyżej 64',
  'Latin letters, digits, dots, underscores and hyphens; starts with a letter or digit; at most 64':
    'Litery łacińskie, cyfry, kropki, podkreślenia i łączniki; zaczyna się literą lub cyfrą; najwyżej 64',
  'A phone number: digits, optionally with +, spaces, dots, dashes and brackets':
    'Numer telefonu: cyfry, ewentualnie z +, spacjami, kropkami, łącznikami i nawiasami',
  'A sip: or sips: URI such as sip:trunk@pbx.example.com:5060': 'Adres URI sip: lub sips:, np. sip:trunk@pbx.example.com:5060',
  'Letters, digits, spaces, dots, underscores and hyphens, starting with a letter or digit':
    'Litery, cyfry, spacje, kropki, podkreślenia i łączniki; zaczyna się literą lub cyfrą',
  'Lower-case letters, digits, hyphens and dots, like a host name': 'Małe litery, cyfry, łączniki i kropki, jak nazwa hosta',
  'from and to have the same number of digits': "'Od' i 'do' mają tyle samo cyfr",
  "The range ends before it starts: 'to' must not be below 'from'": "Zakres kończy się, zanim się zaczyna: 'do' nie może być mniejsze niż 'od'",
  'Not a URL': 'To nie jest adres URL',
  'Only http and https URLs': 'Tylko adresy http i https',
  'No user name or password in the URL; authenticate the webhook by its signature':
    'Bez nazwy użytkownika i hasła w adresie URL; webhook uwierzytelnia się podpisem',
  'No fragment (#…) in the URL': 'Bez fragmentu (#…) w adresie URL',
  'An event type such as user.created, a resource with .* such as user.*, or *': 'Typ zdarzenia, np. user.created, zasób z .*, np. user.*, albo *',
  'Enrol in two-factor authentication with POST /api/v1/me/totp; here it can only be reset to none':
    'Uwierzytelnianie dwuskładnikowe włącza sam użytkownik; tu można je tylko wyłączyć',
};

/**
 * A problem's message in words of the console's language: a required field as "Login is
 * required" (with its label), the schemas' own messages translated.
 */
export function inWords(message: string, value: unknown, label?: string): string {
  const missing = value === undefined || value === null || value === '';
  if (missing) return label ? String(i18n.t('validation.requiredField', { field: label })) : String(i18n.t('validation.required'));
  if (i18n.language.startsWith('pl')) return polish[message] ?? message;
  return message;
}

/** A message from the API in the console's language where it is one of the schemas' own. */
export const translated = (message: string): string => (i18n.language.startsWith('pl') ? (polish[message] ?? message) : message);

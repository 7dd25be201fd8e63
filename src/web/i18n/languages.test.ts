import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { pl } from './pl.ts';

/** Every key path of a strings object, nested ones joined with dots. */
const keys = (strings: object, prefix = ''): string[] =>
  Object.entries(strings).flatMap(([key, value]) =>
    typeof value === 'object' && value !== null ? keys(value as object, `${prefix}${key}.`) : [`${prefix}${key}`],
  );

/** i18next's plural forms: `count_one`, `count_few`… are one string `count` in as many forms as the language has. */
const PLURAL = /_(zero|one|two|few|many|other)$/;
const baseOf = (key: string) => key.replace(PLURAL, '');
const textAt = (strings: object, key: string) => String(key.split('.').reduce<unknown>((v, p) => (v as Record<string, unknown>)[p], strings));

/** Each string (plural forms as one) with its placeholders. */
const placeholders = (strings: object) => {
  const found: Record<string, Set<string>> = {};
  for (const key of keys(strings)) for (const m of textAt(strings, key).matchAll(/\{\{(\w+)\}\}/g)) (found[baseOf(key)] ??= new Set()).add(m[1] as string);
  return Object.fromEntries(Object.entries(found).map(([k, v]) => [k, [...v].sort()]));
};

describe('the languages of the console', () => {
  it('has every English string in Polish too, with the same placeholders', () => {
    expect([...new Set(keys(pl).map(baseOf))].sort()).toEqual([...new Set(keys(en).map(baseOf))].sort());
    expect(placeholders(pl)).toEqual(placeholders(en));
  });

  it('gives every plural string exactly the forms of its language (English one/other, Polish one/few/many/other)', () => {
    for (const [language, strings] of [
      ['en', en],
      ['pl', pl],
    ] as const) {
      const forms = new Intl.PluralRules(language).resolvedOptions().pluralCategories.sort();
      const plural = keys(strings).filter((k) => PLURAL.test(k));
      for (const base of new Set(plural.map(baseOf))) {
        expect(
          plural
            .filter((k) => baseOf(k) === base)
            .map((k) => PLURAL.exec(k)?.[1])
            .sort(),
          `${language}: ${base}`,
        ).toEqual(forms);
      }
    }
  });
});

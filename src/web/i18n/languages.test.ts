import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { pl } from './pl.ts';

/** Every key path of a strings object, nested ones joined with dots. */
const keys = (strings: object, prefix = ''): string[] =>
  Object.entries(strings).flatMap(([key, value]) => (typeof value === 'object' && value !== null ? keys(value as object, `${prefix}${key}.`) : [`${prefix}${key}`]));

describe('the languages of the console', () => {
  it('has every English string in Polish too, with the same placeholders', () => {
    expect(keys(pl).sort()).toEqual(keys(en).sort());
    const placeholders = (strings: object) => Object.fromEntries(keys(strings).map((k) => [k, [...String(k.split('.').reduce<unknown>((v, p) => (v as Record<string, unknown>)[p], strings)).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort()]));
    expect(placeholders(pl)).toEqual(placeholders(en));
  });
});

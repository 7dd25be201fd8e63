import { invalidValue } from './errors.ts';
import type { ScimObject } from './schema.ts';

/** A copy with every object key in lower case: SCIM attribute names (and schema URNs) are case-insensitive. */
export function lowerKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toLowerCase(), lowerKeys(v)]));
}

export const isObject = (value: unknown): value is ScimObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Text of a string attribute: absent and null are null; numbers are taken as their digits (some providers send employee numbers so). */
export function text(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw invalidValue(`${name} must be a string`);
}

/** A boolean, also as the strings "True" and "False" Microsoft Entra ID sends. */
export function bool(value: unknown, name: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalidValue(`${name} must be true or false`);
}

export function list(value: unknown, name: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidValue(`${name} must be an array`);
  return value;
}

export function object(value: unknown, name: string): ScimObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw invalidValue(`${name} must be an object`);
  return value;
}

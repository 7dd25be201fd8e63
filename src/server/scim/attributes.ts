import { isObject } from './values.ts';
import type { ScimObject } from './schema.ts';

/** What `attributes` / `excludedAttributes` ask for (RFC 7644 §3.9), each name in lower case, with its schema URN if it had one. */
export interface Projection {
  attributes: string[];
  excluded: string[];
}

const ALWAYS = new Set(['id', 'schemas']);
const namesOf = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);

export const projectionOf = (query: { attributes?: string; excludedAttributes?: string }): Projection => ({
  attributes: namesOf(query.attributes),
  excluded: namesOf(query.excludedAttributes),
});

/** Whether the answer will carry this top-level attribute (so it is worth reading). */
export function wants(projection: Projection, attribute: string): boolean {
  const name = attribute.toLowerCase();
  if (projection.attributes.length) return projection.attributes.some((a) => a === name || a.startsWith(`${name}.`));
  return !projection.excluded.includes(name);
}

/** Splits `urn:…:User:employeeNumber` into the extension's URN and the attribute; a core name into itself. */
function split(name: string, extensions: string[]): { urn?: string; path: string } {
  const urn = extensions.find((u) => name.startsWith(`${u}:`));
  if (urn) return { urn, path: name.slice(urn.length + 1) };
  if (extensions.includes(name)) return { urn: name, path: '' };
  const core = name.match(/^urn:[^.]*:(user|group):(.+)$/i);
  return { path: core ? (core[2] as string) : name };
}

/** The resource as the projection asks: `id` and `schemas` always, the rest as named. */
export function project(resource: ScimObject, projection: Projection): ScimObject {
  if (!projection.attributes.length && !projection.excluded.length) return resource;
  const extensions = Object.keys(resource).filter((k) => k.startsWith('urn:'));
  const byLower = new Map(Object.keys(resource).map((k) => [k.toLowerCase(), k]));
  const extensionsLower = extensions.map((e) => e.toLowerCase());
  if (projection.attributes.length) {
    const out: ScimObject = {};
    for (const key of Object.keys(resource)) if (ALWAYS.has(key)) out[key] = resource[key];
    for (const name of projection.attributes) copy(resource, out, split(name, extensionsLower), byLower);
    return out;
  }
  const out = structuredClone(resource);
  for (const name of projection.excluded) remove(out, split(name, extensionsLower), byLower);
  return out;
}

function realKey(object: ScimObject, lower: string): string | undefined {
  return Object.keys(object).find((k) => k.toLowerCase() === lower);
}

function copy(from: ScimObject, to: ScimObject, { urn, path }: { urn?: string; path: string }, byLower: Map<string, string>) {
  const urnKey = urn ? byLower.get(urn) : undefined;
  if (urn && (!urnKey || !isObject(from[urnKey]))) return;
  if (urnKey && !path) return void (to[urnKey] = structuredClone(from[urnKey]));
  const source = (urnKey ? from[urnKey] : from) as ScimObject;
  const [top, sub] = path.split('.') as [string, string | undefined];
  const key = realKey(source, top);
  if (key === undefined) return;
  // The extension's object is made only for an attribute it has.
  const sink = urnKey ? (isObject(to[urnKey]) ? (to[urnKey] as ScimObject) : (to[urnKey] = {})) : to;
  if (!sub) return void (sink[key] = structuredClone(source[key]));
  const value = source[key];
  if (Array.isArray(value)) {
    sink[key] = value.map((item) => (isObject(item) ? pick(item, sub) : item));
  } else if (isObject(value)) sink[key] = { ...(isObject(sink[key]) ? (sink[key] as ScimObject) : {}), ...pick(value, sub) };
}

const pick = (item: ScimObject, sub: string): ScimObject => {
  const key = realKey(item, sub);
  return key === undefined ? {} : { [key]: item[key] };
};

function remove(out: ScimObject, { urn, path }: { urn?: string; path: string }, byLower: Map<string, string>) {
  let holder = out;
  if (urn) {
    const key = byLower.get(urn);
    if (!key) return;
    if (!path) return void delete out[key];
    if (!isObject(out[key])) return;
    holder = out[key] as ScimObject;
  }
  const [top, sub] = path.split('.') as [string, string | undefined];
  const key = realKey(holder, top);
  if (key === undefined || ALWAYS.has(key)) return;
  if (!sub) return void delete holder[key];
  const value = holder[key];
  const drop = (item: unknown) => {
    if (!isObject(item)) return item;
    const inner = realKey(item, sub);
    if (inner === undefined) return item;
    const { [inner]: _gone, ...rest } = item;
    return rest;
  };
  holder[key] = Array.isArray(value) ? value.map(drop) : drop(value);
}

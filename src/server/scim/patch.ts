import { invalidPath, invalidSyntax, invalidValue, mutability, noTarget } from './errors.ts';
import { parsePatchPath, type Filter } from './filter.ts';
import { matchesValue } from './filter-match.ts';
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, PATCH_SCHEMA, SWITCHBOARD_SCHEMA, USER_SCHEMA, type ScimObject } from './schema.ts';
import { isObject, lowerKeys } from './values.ts';

export interface PatchOperation {
  op: 'add' | 'replace' | 'remove';
  path?: string;
  value?: unknown;
}

const CORE = new Set([USER_SCHEMA, GROUP_SCHEMA].map((s) => s.toLowerCase()));
const EXTENSIONS = new Set([ENTERPRISE_SCHEMA, SWITCHBOARD_SCHEMA].map((s) => s.toLowerCase()));
/** Attributes that hold lists: an `add` appends to them (RFC 7644 §3.5.2.1). */
const MULTI_VALUED = new Set(['emails', 'phonenumbers', 'addresses', 'ims', 'photos', 'entitlements', 'x509certificates', 'members', 'skills', 'roles']);
/** Attributes no PATCH names: the server's own (RFC 7643 §3.1) and the read-only groups of a user. */
const READ_ONLY = new Set(['id', 'meta', 'groups']);

/** The operations of a PatchOp message (keys in lower case); operation names in any case (Microsoft Entra ID sends "Replace"). */
export function patchOperations(body: unknown): PatchOperation[] {
  const message = lowerKeys(body);
  if (!isObject(message)) throw invalidSyntax('Send a PatchOp message: {"schemas":["' + PATCH_SCHEMA + '"],"Operations":[…]}');
  const schemas = message.schemas;
  if (schemas !== undefined && !(Array.isArray(schemas) && schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_SCHEMA.toLowerCase())))
    throw invalidSyntax(`A PatchOp message names the schema ${PATCH_SCHEMA}`);
  const operations = message.operations;
  if (!Array.isArray(operations) || operations.length === 0) throw invalidSyntax('Operations must be a non-empty array');
  return operations.map((raw, index) => {
    if (!isObject(raw)) throw invalidSyntax(`Operations[${index}] must be an object`);
    const op = typeof raw.op === 'string' ? raw.op.toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw invalidSyntax(`Operations[${index}].op must be add, replace or remove`);
    if (raw.path !== undefined && (typeof raw.path !== 'string' || raw.path.trim() === '')) throw invalidPath(`Operations[${index}].path must be a path`);
    if (op !== 'remove' && raw.value === undefined) throw invalidValue(`Operations[${index}] (${op}) needs a value`);
    return { op, ...(raw.path === undefined ? {} : { path: raw.path }), ...(raw.value === undefined ? {} : { value: raw.value }) };
  });
}

/** The resource (keys in lower case) after the operations, each applied in order; the given one is left as it was. */
export function applyPatch(resource: ScimObject, operations: PatchOperation[]): ScimObject {
  const next = structuredClone(resource);
  for (const operation of operations) applyOne(next, operation);
  return next;
}

function applyOne(resource: ScimObject, operation: PatchOperation): void {
  if (operation.path === undefined) return applyWithoutPath(resource, operation);
  const parsed = parsePatchPath(operation.path);
  const { holder, key } = target(resource, parsed.path);
  if (READ_ONLY.has(key) && holder === resource) throw mutability(`${key} cannot be changed`);
  const sub = (parsed.path.subAttribute ?? parsed.subAttribute)?.toLowerCase();
  if (parsed.filter) return applyFiltered(holder, key, parsed.filter, parsed.path.subAttribute ? undefined : sub, operation);
  if (sub) return applySub(holder, key, sub, operation);
  setAttribute(holder, key, operation);
}

/** Without a path the value is an object of attributes, each added or replaced (Okta replaces so); keys may be paths themselves. */
function applyWithoutPath(resource: ScimObject, operation: PatchOperation): void {
  if (operation.op === 'remove') throw noTarget('A remove needs a path');
  if (!isObject(operation.value)) throw invalidValue(`A ${operation.op} without a path needs an object of attributes as its value`);
  for (const [key, value] of Object.entries(operation.value)) {
    if (key === 'schemas' || key === 'meta' || key === 'id') continue;
    if (EXTENSIONS.has(key) && isObject(value)) {
      const holder = extension(resource, key);
      for (const [inner, innerValue] of Object.entries(value)) setAttribute(holder, inner, { ...operation, value: innerValue });
    } else if (key.includes('.') || key.includes('[') || key.startsWith('urn:')) applyOne(resource, { ...operation, path: key, value });
    else {
      if (READ_ONLY.has(key)) throw mutability(`${key} cannot be changed`);
      setAttribute(resource, key, { ...operation, value });
    }
  }
}

function extension(resource: ScimObject, urn: string): ScimObject {
  const current = resource[urn];
  if (isObject(current)) return current;
  const created: ScimObject = {};
  resource[urn] = created;
  return created;
}

/** Which object holds the attribute a path names: the resource, or one of its extension objects. */
function target(resource: ScimObject, path: { schema?: string; attribute: string }): { holder: ScimObject; key: string } {
  const attribute = path.attribute.toLowerCase();
  const schema = path.schema?.toLowerCase();
  if (schema === undefined) return { holder: resource, key: attribute };
  if (EXTENSIONS.has(`${schema}:${attribute}`)) return { holder: resource, key: `${schema}:${attribute}` };
  if (CORE.has(schema)) return { holder: resource, key: attribute };
  if (EXTENSIONS.has(schema)) return { holder: extension(resource, schema), key: attribute };
  throw invalidPath(`Unknown schema ${path.schema}`);
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);
const identity = (item: unknown) => JSON.stringify(isObject(item) && item.value !== undefined ? item.value : item).toLowerCase();

function setAttribute(holder: ScimObject, key: string, operation: PatchOperation): void {
  const current = holder[key];
  const value = operation.value;
  if (operation.op === 'remove') {
    // A remove with values (Microsoft Entra ID removes members so) takes out those values only.
    if (Array.isArray(current) && value !== undefined) {
      const gone = new Set(asList(value).map(identity));
      holder[key] = current.filter((item) => !gone.has(identity(item)));
    } else delete holder[key];
    return;
  }
  if (MULTI_VALUED.has(key) || Array.isArray(current) || Array.isArray(value)) {
    const added = asList(value);
    const kept = operation.op === 'add' && Array.isArray(current) ? current : [];
    const known = new Set(kept.map(identity));
    holder[key] = withOnePrimary([...kept, ...added.filter((item) => !known.has(identity(item)))], added);
    return;
  }
  // A complex attribute's sub-attributes not given stay as they are, on add and on replace alike.
  holder[key] = isObject(value) && isObject(current) ? { ...current, ...value } : value;
}

/** A new primary value takes the mark off the others (RFC 7643 §2.4). */
function withOnePrimary(items: unknown[], added: unknown[]): unknown[] {
  const newPrimary = added.find((item) => isObject(item) && (item.primary === true || item.primary === 'True' || item.primary === 'true'));
  if (!newPrimary) return items;
  return items.map((item) => (isObject(item) && item !== newPrimary && item.primary !== undefined ? { ...item, primary: false } : item));
}

function applySub(holder: ScimObject, key: string, sub: string, operation: PatchOperation): void {
  const current = holder[key];
  if (Array.isArray(current)) {
    holder[key] = current.map((item) => (isObject(item) ? withSub(item, sub, operation) : item));
    return;
  }
  holder[key] = withSub(isObject(current) ? current : {}, sub, operation);
}

function withSub(item: ScimObject, sub: string, operation: PatchOperation): ScimObject {
  if (operation.op !== 'remove') return { ...item, [sub]: operation.value };
  const { [sub]: _gone, ...rest } = item;
  return rest;
}

/**
 * A value path (`emails[type eq "work"].value`): the matching values are changed or removed. An
 * add or replace that matches nothing adds the value its equality filter describes (Microsoft
 * Entra ID sets a first e-mail so); a replace whose filter describes none is noTarget.
 */
function applyFiltered(holder: ScimObject, key: string, filter: Filter, sub: string | undefined, operation: PatchOperation): void {
  const items = Array.isArray(holder[key]) ? (holder[key] as unknown[]) : [];
  const matches = new Set(items.filter((item) => matchesValue(item, { attribute: key }, filter)));
  if (operation.op === 'remove') {
    holder[key] = sub
      ? items.map((item) => (matches.has(item) && isObject(item) ? withSub(item, sub, operation) : item))
      : items.filter((item) => !matches.has(item));
    return;
  }
  if (matches.size === 0) {
    const seed = equalitySeed(filter);
    if (!seed) throw noTarget(`No value of ${key} matches the filter`);
    const value = sub ? { ...seed, [sub]: operation.value } : { ...seed, ...(isObject(operation.value) ? operation.value : { value: operation.value }) };
    holder[key] = [...items, value];
    return;
  }
  holder[key] = items.map((item) => {
    if (!matches.has(item) || !isObject(item)) return item;
    if (sub) return withSub(item, sub, operation);
    return isObject(operation.value) ? { ...item, ...operation.value } : item;
  });
}

/** The value an equality filter (`type eq "work" and primary eq true`) describes, or null for any other filter. */
function equalitySeed(filter: Filter): ScimObject | null {
  if (filter.kind === 'compare' && filter.op === 'eq' && !filter.path.subAttribute) return { [filter.path.attribute.toLowerCase()]: filter.value };
  if (filter.kind !== 'and') return null;
  const left = equalitySeed(filter.left);
  const right = equalitySeed(filter.right);
  return left && right ? { ...left, ...right } : null;
}

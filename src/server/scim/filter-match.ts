import type { AttributePath, CompareValue, Comparison, Filter } from './filter.ts';

/**
 * Whether a SCIM resource held in memory matches a filter (RFC 7644 §3.4.2.2): attribute names
 * compare case-insensitively, a multi-valued attribute matches when any of its values does, a
 * complex value without a named sub-attribute stands for its `value`, text compares
 * case-insensitively unless `caseExact` says otherwise, and two date-times compare as instants.
 * An attribute without a value matches no comparison, `ne` included (as SQL's `<>` on a null);
 * `not (… eq …)` asks for "anything but".
 * PATCH uses it to pick the values a path such as `members[value eq "…"]` names.
 *
 * The SQL translation (filter-sql.ts) answers the same; where they could differ they say why.
 */
export type CaseExact = (path: AttributePath) => boolean;

type Leaf = Extract<Filter, { kind: 'compare' | 'present' }>;

export function matchesFilter(resource: Record<string, unknown>, filter: Filter, caseExact: CaseExact = () => false): boolean {
  return evaluate(resource, filter, caseExact);
}

/** Whether one value of a multi-valued attribute (an e-mail, a member) matches the filter inside `[…]`. */
export function matchesValue(value: unknown, parent: AttributePath, filter: Filter, caseExact: CaseExact = () => false): boolean {
  switch (filter.kind) {
    case 'and':
      return matchesValue(value, parent, filter.left, caseExact) && matchesValue(value, parent, filter.right, caseExact);
    case 'or':
      return matchesValue(value, parent, filter.left, caseExact) || matchesValue(value, parent, filter.right, caseExact);
    case 'not':
      return !matchesValue(value, parent, filter.filter, caseExact);
    case 'valuePath':
      // Value filters do not nest (the parser refuses them); a hand-made tree's inner one matches nothing.
      return false;
    default: {
      const full = { ...parent, subAttribute: filter.path.attribute };
      return leafHolds(subValues(value, filter.path.attribute), filter, caseExact(full));
    }
  }
}

function evaluate(resource: Record<string, unknown>, filter: Filter, caseExact: CaseExact): boolean {
  switch (filter.kind) {
    case 'and':
      return evaluate(resource, filter.left, caseExact) && evaluate(resource, filter.right, caseExact);
    case 'or':
      return evaluate(resource, filter.left, caseExact) || evaluate(resource, filter.right, caseExact);
    case 'not':
      return !evaluate(resource, filter.filter, caseExact);
    case 'valuePath':
      return valuesOf(attributeOf(resource, filter.path)).some((value) => matchesValue(value, filter.path, filter.filter, caseExact));
    default:
      return leafHolds(leafValues(resource, filter.path), filter, caseExact(filter.path));
  }
}

/** The leaf's verdict over every value the attribute holds. */
export function leafHolds(values: unknown[], leaf: Leaf, exact: boolean): boolean {
  const present = values.some(isPresent);
  if (leaf.kind === 'present') return present;
  // `eq null` asks for absence (RFC 7643 §2.5: null and unassigned are the same).
  if (leaf.value === null) return leaf.op === 'eq' ? !present : leaf.op === 'ne' && present;
  const expected = leaf.value;
  return values.some((value) => compares(simpleOf(value), leaf.op, expected, exact));
}

/** RFC 7644: "pr" holds for a non-empty value, or a complex one with a non-empty node. */
function isPresent(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return false;
  if (Array.isArray(value)) return value.some(isPresent);
  if (typeof value === 'object') return Object.values(value).some(isPresent);
  return true;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** The instant a date-time text names, or undefined for other text. */
export function instantOf(text: string): number | undefined {
  if (!DATE_TIME.test(text)) return undefined;
  const instant = Date.parse(text);
  return Number.isNaN(instant) ? undefined : instant;
}

function compares(actual: unknown, op: Comparison, expected: Exclude<CompareValue, null>, exact: boolean): boolean {
  if (typeof expected === 'boolean') return typeof actual === 'boolean' && (op === 'eq' ? actual === expected : op === 'ne' && actual !== expected);
  if (typeof expected === 'number') return typeof actual === 'number' && ordered(actual, op, expected);
  if (typeof actual !== 'string') return false;
  const [left, right] = exact ? [actual, expected] : [actual.toLowerCase(), expected.toLowerCase()];
  if (op === 'co') return left.includes(right);
  if (op === 'sw') return left.startsWith(right);
  if (op === 'ew') return left.endsWith(right);
  const [since, until] = [instantOf(actual), instantOf(expected)];
  if (since !== undefined && until !== undefined) return ordered(since, op, until);
  return ordered(left, op, right);
}

function ordered<T extends string | number>(actual: T, op: Comparison, expected: T): boolean {
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'ne':
      return actual !== expected;
    case 'gt':
      return actual > expected;
    case 'ge':
      return actual >= expected;
    case 'lt':
      return actual < expected;
    case 'le':
      return actual <= expected;
    default:
      return false;
  }
}

/** A complex value compared as a whole stands for its `value` sub-attribute (`emails co "@x"`). */
const simpleOf = (value: unknown) => (isObject(value) ? propertyOf(value, 'value') : value);

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function propertyOf(object: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(object, name)) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

const valuesOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);

/** A value of a multi-valued attribute read by sub-attribute; a simple value (a tag) is its own `value`. */
function subValues(value: unknown, name: string): unknown[] {
  if (isObject(value)) return valuesOf(propertyOf(value, name));
  return name.toLowerCase() === 'value' ? valuesOf(value) : [];
}

/**
 * The attribute a path names: in the extension object its schema URN keys, else at the top (the
 * core schema's attributes; RFC 7644 §3.10 lets clients leave the core URN out). An extension's
 * attribute named without its URN is looked for in the extensions when the top has none.
 */
function attributeOf(resource: Record<string, unknown>, path: AttributePath): unknown {
  if (path.schema !== undefined) {
    const extension = propertyOf(resource, path.schema);
    return propertyOf(isObject(extension) ? extension : resource, path.attribute);
  }
  const top = propertyOf(resource, path.attribute);
  if (top !== undefined) return top;
  for (const [key, extension] of Object.entries(resource)) {
    if (key.includes(':') && isObject(extension)) {
      const found = propertyOf(extension, path.attribute);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function leafValues(resource: Record<string, unknown>, path: AttributePath): unknown[] {
  const values = valuesOf(attributeOf(resource, path));
  return path.subAttribute === undefined ? values : values.flatMap((value) => subValues(value, path.subAttribute as string));
}

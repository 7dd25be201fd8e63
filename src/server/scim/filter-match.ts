// TEMP stand-in for the scim-filter branch: only what scim-core needs until that branch is merged.
import type { AttributePath, Filter } from './filter.ts';

type Resource = Record<string, unknown>;

const field = (object: unknown, name: string): unknown => {
  if (typeof object !== 'object' || object === null) return undefined;
  const key = Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : (object as Resource)[key];
};

function valuesAt(resource: unknown, path: AttributePath): unknown[] {
  const base = path.schema ? field(resource, path.schema) : resource;
  const top = field(base, path.attribute) ?? (path.schema ? undefined : undefined);
  const list = Array.isArray(top) ? top : top === undefined ? [] : [top];
  return path.subAttribute ? list.flatMap((v) => valuesAt(v, { attribute: path.subAttribute as string })) : list;
}

const fold = (v: unknown, caseExact: boolean) => (typeof v === 'string' && !caseExact ? v.toLowerCase() : v);

function compare(op: string, actual: unknown, expected: unknown): boolean {
  switch (op) {
    case 'eq':
      return actual === expected;
    case 'ne':
      return actual !== expected;
    case 'co':
      return typeof actual === 'string' && actual.includes(String(expected));
    case 'sw':
      return typeof actual === 'string' && actual.startsWith(String(expected));
    case 'ew':
      return typeof actual === 'string' && actual.endsWith(String(expected));
    case 'gt':
      return (actual as number) > (expected as number);
    case 'ge':
      return (actual as number) >= (expected as number);
    case 'lt':
      return (actual as number) < (expected as number);
    default:
      return (actual as number) <= (expected as number);
  }
}

export function matchesFilter(resource: unknown, filter: Filter, caseExact = false): boolean {
  switch (filter.kind) {
    case 'and':
      return matchesFilter(resource, filter.left, caseExact) && matchesFilter(resource, filter.right, caseExact);
    case 'or':
      return matchesFilter(resource, filter.left, caseExact) || matchesFilter(resource, filter.right, caseExact);
    case 'not':
      return !matchesFilter(resource, filter.filter, caseExact);
    case 'present':
      return valuesAt(resource, filter.path).some((v) => v !== null && v !== '');
    case 'valuePath':
      return valuesAt(resource, filter.path).some((v) => matchesFilter(v, filter.filter, caseExact));
    case 'compare': {
      const values = valuesAt(resource, filter.path);
      if (filter.op === 'ne') return values.every((v) => compare('ne', fold(v, caseExact), fold(filter.value, caseExact)));
      return values.some((v) => compare(filter.op, fold(v, caseExact), fold(filter.value, caseExact)));
    }
  }
}

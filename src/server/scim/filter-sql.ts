import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { ScimFilterError, pathText, type AttributePath, type CompareValue, type Comparison, type Filter } from './filter.ts';
import { instantOf, leafHolds } from './filter-match.ts';

/**
 * A SCIM filter as a where-expression over the columns a resource is stored in, answering what
 * matchesFilter (filter-match.ts) answers for the resource those columns make, on SQLite and
 * PostgreSQL alike. Every comparison is false, never unknown, on a null column, so that `not`
 * means what it means in memory.
 *
 * Known differences from matchesFilter: lower() folds only ASCII letters on SQLite, so a
 * case-insensitive comparison of other letters in different case may miss there; ordering (`gt`…)
 * of text follows the column's collation, which is code-point order on SQLite and on a
 * PostgreSQL database made with the C collation.
 */

export type ColumnType = 'string' | 'boolean' | 'dateTime' | 'number';

export type ColumnTarget<DB, TB extends keyof DB> = {
  /** The column, qualified when the query joins (`users.email`). */
  column: string;
  type: ColumnType;
  caseExact?: boolean;
  /** An indexed normalized copy (users.login_key): `eq` compares it with the normalized value. */
  key?: { column: string; normalize: (value: string) => string };
  /**
   * For a multi-valued attribute kept in a table of its own: wraps the condition on the row
   * (`inner`) into a subquery (`exists (select 1 from user_emails where … and inner)`). Set on the
   * attribute (`emails`) it covers every sub-attribute, and a value filter `emails[…]` is one
   * subquery, so that both conditions hold for one e-mail.
   */
  exists?(eb: ExpressionBuilder<DB, TB>, inner: Expression<SqlBool>): Expression<SqlBool>;
};

/** An attribute every resource holds with the same value (`emails.type` is always `work`). */
export type ConstantTarget = { constant: string | number | boolean; type: ColumnType; caseExact?: boolean };

/**
 * Keys are lower-case `attribute` or `attribute.subattribute`; the URN stays in front
 * (`urn:…:attribute`) for schemas other than the own ones filterToWhere is given.
 */
export type ColumnMapping<DB = unknown, TB extends keyof DB = keyof DB> = Record<string, ColumnTarget<DB, TB> | ConstantTarget>;

export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

type Leaf = Extract<Filter, { kind: 'compare' | 'present' }>;
type Scope = { parent?: AttributePath; wrap: boolean };

const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;

/** The schemas whose URN a filter may write or leave out when no others are given. */
export const OWN_SCHEMAS = ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:core:2.0:Group', ENTERPRISE_USER];

export function filterToWhere<DB, TB extends keyof DB>(
  eb: ExpressionBuilder<DB, TB>,
  filter: Filter,
  mapping: ColumnMapping<NoInfer<DB>, NoInfer<TB>>,
  ownSchemas: readonly string[] = OWN_SCHEMAS,
): Expression<SqlBool> {
  const schemas = new Set(ownSchemas.map((schema) => schema.toLowerCase()));
  const keyOf = (path: AttributePath) => {
    const schema = path.schema === undefined || schemas.has(path.schema.toLowerCase()) ? '' : `${path.schema.toLowerCase()}:`;
    return `${schema}${path.attribute.toLowerCase()}${path.subAttribute === undefined ? '' : `.${path.subAttribute.toLowerCase()}`}`;
  };
  // Own keys only: `constructor` is no column.
  const mapped = (key: string) => (Object.hasOwn(mapping, key) ? mapping[key] : undefined);
  const entryOf = (path: AttributePath) => {
    const key = keyOf(path);
    const entry = mapped(key) ?? (path.subAttribute === undefined ? mapped(`${key}.value`) : undefined);
    if (!entry) throw new ScimFilterError(`cannot filter on ${pathText(path)}`);
    return entry;
  };
  const existsOf = (path: AttributePath) => {
    const entry = mapped(keyOf({ ...path, subAttribute: undefined }));
    return entry && 'exists' in entry ? entry.exists : undefined;
  };

  const translate = (node: Filter, scope: Scope): Expression<SqlBool> => {
    switch (node.kind) {
      case 'and':
      case 'or':
        return sql<SqlBool>`(${translate(node.left, scope)} ${sql.raw(node.kind)} ${translate(node.right, scope)})`;
      case 'not':
        return sql<SqlBool>`not (${translate(node.filter, scope)})`;
      case 'valuePath': {
        if (scope.parent) throw new ScimFilterError('value filters do not nest');
        const inner = translate(node.filter, { parent: node.path, wrap: false });
        const exists = existsOf(node.path);
        return exists ? exists(eb, inner) : inner;
      }
      default: {
        const path = scope.parent ? { ...scope.parent, subAttribute: node.path.attribute } : node.path;
        const entry = entryOf(path);
        const condition =
          'constant' in entry ? (leafHolds([entry.constant], node, entry.caseExact ?? false) ? TRUE : FALSE) : leafSql(node, entry, pathText(path));
        const exists = scope.wrap ? ('exists' in entry && entry.exists) || existsOf(path) : undefined;
        return exists ? exists(eb, condition) : condition;
      }
    }
  };
  return translate(filter, { wrap: true });
}

function leafSql<DB, TB extends keyof DB>(leaf: Leaf, target: ColumnTarget<DB, TB>, name: string): Expression<SqlBool> {
  const column = sql.ref(target.column);
  const present = target.type === 'string' ? sql<SqlBool>`(${column} is not null and ${column} <> '')` : sql<SqlBool>`${column} is not null`;
  if (leaf.kind === 'present') return present;
  if (leaf.value === null) {
    if (leaf.op === 'eq') return sql<SqlBool>`not (${present})`;
    return leaf.op === 'ne' ? present : FALSE;
  }
  const value = operand(leaf.op, leaf.value, target.type, name);
  if (leaf.op === 'eq' && target.key && typeof value === 'string') {
    const key = sql.ref(target.key.column);
    return sql<SqlBool>`(${key} is not null and ${key} = ${target.key.normalize(value)})`;
  }
  const textOp = ['co', 'sw', 'ew'].includes(leaf.op);
  const folded = (target.type === 'string' || (target.type === 'dateTime' && textOp)) && !target.caseExact;
  const compared = folded ? sql`lower(${column})` : column;
  const expected = folded ? String(value).toLowerCase() : value;
  const condition = textOp
    ? textMatch(leaf.op, compared, String(expected), !folded)
    : sql<SqlBool>`${compared} ${sql.raw(SQL_OPERATORS[leaf.op])} ${numberOperand(expected)}`;
  return sql<SqlBool>`(${column} is not null and ${condition})`;
}

const SQL_OPERATORS: Record<Comparison, string> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=', co: '', sw: '', ew: '' };

/** The comparison's value as the column holds it: booleans as 1/0, date-times as ISO 8601 UTC text. */
function operand(op: Comparison, value: Exclude<CompareValue, null>, type: ColumnType, name: string): string | number {
  const textOp = ['co', 'sw', 'ew'].includes(op);
  if (textOp && (type === 'boolean' || type === 'number')) throw new ScimFilterError(`${name} is no text: "${op}" cannot compare it`);
  if (type === 'boolean') {
    if (typeof value !== 'boolean') throw new ScimFilterError(`${name} is true or false: compare it with true or false`);
    return value ? 1 : 0;
  }
  if (type === 'number') {
    if (typeof value !== 'number') throw new ScimFilterError(`${name} is a number: compare it with a number`);
    return value;
  }
  if (typeof value !== 'string') throw new ScimFilterError(`${name} is text: compare it with a string in double quotes`);
  // PostgreSQL text cannot hold it, so no stored value has it either.
  if (value.includes('\u0000')) throw new ScimFilterError(`a value compared with ${name} cannot contain the NUL character`);
  if (type === 'dateTime' && !textOp) {
    const instant = instantOf(value);
    if (instant === undefined) throw new ScimFilterError(`${name} is a date-time: compare it with one such as "2026-11-30T12:00:00Z"`);
    return new Date(instant).toISOString();
  }
  return value;
}

/**
 * PostgreSQL types a parameter compared with an integer column as an integer, and refuses a
 * fraction or a number past 32 bits there; such numbers go as double precision (no index then).
 */
const numberOperand = (value: string | number) =>
  typeof value === 'number' && !(Number.isInteger(value) && Math.abs(value) <= 2 ** 31 - 1) ? sql`cast(${value} as double precision)` : value;

/** `%`, `_` and the escape character itself stand for themselves in the pattern. */
const likeLiteral = (text: string) => text.replace(/[!%_]/g, (c) => `!${c}`);

/**
 * co/sw/ew. Case-insensitive ones use LIKE on the lower-cased column; case-exact ones cannot,
 * since SQLite's LIKE ignores ASCII case, so they compare substrings, which both engines spell alike.
 */
function textMatch(op: string, column: Expression<unknown>, value: string, exact: boolean): Expression<SqlBool> {
  if (!exact) {
    const pattern = `${op === 'sw' ? '' : '%'}${likeLiteral(value)}${op === 'ew' ? '' : '%'}`;
    return sql<SqlBool>`${column} like ${pattern} escape '!'`;
  }
  if (value === '') return TRUE;
  const length = Array.from(value).length;
  if (op === 'sw') return sql<SqlBool>`substr(${column}, 1, ${length}) = ${value}`;
  if (op === 'ew') return sql<SqlBool>`substr(${column}, length(${column}) - ${length} + 1) = ${value}`;
  return sql<SqlBool>`replace(${column}, ${value}, '') <> ${column}`;
}

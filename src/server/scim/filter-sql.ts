// TEMP stand-in for the scim-filter branch: only what scim-core needs until that branch is merged.
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import { ScimFilterError, type Filter } from './filter.ts';

export interface ColumnMapping {
  [attribute: string]: {
    column: string;
    type: 'string' | 'boolean' | 'dateTime' | 'number';
    caseExact?: boolean;
    key?: { column: string; normalize: (value: string) => string };
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the stand-in filters any table
type Builder = ExpressionBuilder<any, any>;

export function filterToWhere(eb: Builder, filter: Filter, mapping: ColumnMapping): Expression<SqlBool> {
  switch (filter.kind) {
    case 'and':
      return eb.and([filterToWhere(eb, filter.left, mapping), filterToWhere(eb, filter.right, mapping)]);
    case 'or':
      return eb.or([filterToWhere(eb, filter.left, mapping), filterToWhere(eb, filter.right, mapping)]);
    case 'not':
      return eb.not(filterToWhere(eb, filter.filter, mapping));
    case 'compare': {
      const name = [filter.path.attribute, filter.path.subAttribute].filter(Boolean).join('.').toLowerCase();
      const target = mapping[name];
      if (!target || filter.op !== 'eq') throw new ScimFilterError(`The stand-in filters only eq on known attributes, not ${name} ${filter.op}`);
      if (filter.value === null) return eb(target.column, 'is', null);
      if (target.key && typeof filter.value === 'string') return eb(target.key.column, '=', target.key.normalize(filter.value));
      if (target.type === 'boolean') return eb(target.column, '=', filter.value ? 1 : 0);
      return eb(target.column, '=', filter.value);
    }
    default:
      throw new ScimFilterError(`The stand-in does not filter by ${filter.kind}`);
  }
}

import { randomUUID } from 'node:crypto';
import { diff } from '../audit/rules.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import { uniqueViolationAs } from '../db/errors.ts';
import type { CatalogTable, Db } from '../db/schema.ts';
import { conflict } from '../http/problem.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { entryCarried, namedRow, type NamedRow, type NamedTable } from './store.ts';
import { nameTaken, namedNotFound } from './rules.ts';

/**
 * One of the domain's named catalogs (roles, groups, tags, skills, pause reasons, licenses): its
 * entries are found by name regardless of case, a second entry of the same name is a conflict,
 * and every write is one transaction with its audit entry.
 */
export interface NamedCatalog<Row extends NamedRow, View extends object> {
  table: NamedTable;
  /** The entry in the words of codes and audit actions: `pause_reason` → pause_reason.exists, pause_reason.created. */
  code: string;
  /** The entry in the words of messages: "pause reason". */
  noun: string;
  toView(row: Row): View;
}

export function catalogOf<Row extends NamedRow, View extends object>(catalog: NamedCatalog<Row, View>) {
  const taken = (name: string) => nameTaken(catalog.code, catalog.noun, name);
  const find = (db: Db, domainId: string, name: string) => namedRow(db, catalog.table, domainId, name) as Promise<Row | undefined>;

  /** The entry of this name, or 404 naming it. */
  const mustFind = async (db: Db, domainId: string, name: string): Promise<Row> => {
    const row = await find(db, domainId, name);
    if (!row) throw namedNotFound(catalog.noun, name);
    return row;
  };

  /** Refuses a name another entry has (compared by name key): before the write, and again at its unique index. */
  const assertFree = async (db: Db, domainId: string, name: string, current?: Row): Promise<void> => {
    if (current && nameKey(name) === current.name_key) return;
    if (await find(db, domainId, name)) throw taken(name);
  };

  /**
   * A write of one entry: `change` runs in the transaction and answers the entry before and after
   * (null when created or deleted); the audit entry records what changed between them.
   */
  const write = async <T extends { before: Row | null; after: Row | null }>(
    db: Db,
    actor: AuditActor,
    domain: DomainRecord,
    name: string,
    change: (trx: Db) => Promise<T>,
  ): Promise<T> =>
    db
      .transaction()
      .execute(async (trx) => {
        const result = await change(trx);
        const entry = (result.after ?? result.before) as Row;
        const action = result.before === null ? 'created' : result.after === null ? 'deleted' : 'updated';
        await recordAudit(trx, {
          domainId: domain.id,
          actor,
          action: `${catalog.code}.${action}`,
          target: { type: catalog.code, id: entry.name, name: entry.name },
          changes: diff(result.before && catalog.toView(result.before), result.after && catalog.toView(result.after)),
        });
        return result;
      })
      .catch(uniqueViolationAs(() => taken(name)));

  return { find, mustFind, assertFree, taken, write };
}

/** Tags and skills: the two catalogs that are names with a description and nothing else. */
export type EntryKind = 'tags' | 'skills';
export interface EntryInput {
  name: string;
  description?: string | null;
}

export const toEntryView = (row: CatalogTable) => ({ name: row.name, description: row.description, createdAt: row.created_at, updatedAt: row.updated_at });
export const entries = {
  tags: catalogOf<CatalogTable, ReturnType<typeof toEntryView>>({ table: 'tags', code: 'tag', noun: 'tag', toView: toEntryView }),
  skills: catalogOf<CatalogTable, ReturnType<typeof toEntryView>>({ table: 'skills', code: 'skill', noun: 'skill', toView: toEntryView }),
};

export async function createEntry(db: Db, actor: AuditActor, domain: DomainRecord, kind: EntryKind, input: EntryInput): Promise<CatalogTable> {
  const catalog = entries[kind];
  await catalog.assertFree(db, domain.id, input.name);
  const now = new Date().toISOString();
  const row: CatalogTable = {
    id: randomUUID(),
    domain_id: domain.id,
    name: input.name,
    name_key: nameKey(input.name),
    description: input.description ?? null,
    created_at: now,
    updated_at: now,
  };
  await catalog.write(db, actor, domain, row.name, async (trx) => {
    await trx.insertInto(kind).values(row).execute();
    return { before: null, after: row };
  });
  return row;
}

export async function changeEntry(
  db: Db,
  actor: AuditActor,
  domain: DomainRecord,
  kind: EntryKind,
  name: string,
  change: Partial<EntryInput>,
): Promise<CatalogTable> {
  const catalog = entries[kind];
  const entry = await catalog.mustFind(db, domain.id, name);
  const newName = change.name ?? entry.name;
  await catalog.assertFree(db, domain.id, newName, entry);
  const next: CatalogTable = {
    ...entry,
    name: newName,
    name_key: nameKey(newName),
    description: change.description === undefined ? entry.description : change.description,
    updated_at: new Date().toISOString(),
  };
  await catalog.write(db, actor, domain, newName, async (trx) => {
    await trx
      .updateTable(kind)
      .set({ name: next.name, name_key: next.name_key, description: next.description, updated_at: next.updated_at })
      .where('id', '=', entry.id)
      .execute();
    // Users carry their tags by name: a renamed tag is renamed on them too.
    if (kind === 'tags' && next.name !== entry.name)
      await trx.updateTable('user_tags').set({ tag: next.name }).where('domain_id', '=', domain.id).where('tag', '=', entry.name).execute();
    return { before: entry, after: next };
  });
  return next;
}

export async function removeEntry(db: Db, actor: AuditActor, domain: DomainRecord, kind: EntryKind, name: string): Promise<void> {
  const catalog = entries[kind];
  const entry = await catalog.mustFind(db, domain.id, name);
  const one = catalog === entries.tags ? 'tag' : 'skill';
  await catalog.write(db, actor, domain, entry.name, async (trx) => {
    if (await entryCarried(trx, kind, domain.id, entry)) throw conflict(`${one}.in_use`, `Users carry the ${one} ${entry.name}; take it off them first`);
    await trx.deleteFrom(kind).where('id', '=', entry.id).execute();
    return { before: entry, after: null };
  });
}

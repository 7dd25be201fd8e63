import { z } from 'zod';
import { importQuery, type ImportQuery } from '../import/schema.ts';
import { sourcesOf } from './registry.ts';
import { tableName } from './sources/kamailio.ts';

const named = (names: string[], what: string) =>
  z
    .string()
    .refine((name) => names.includes(name), `One of: ${names.join(', ') || `none yet (no ${what} source is installed)`}`)
    .describe(`One of: ${names.join(', ')}`);

/** A migration from a PBX's database: which system, where its database is, which table. */
export const databaseMigration = z.strictObject({
  source: named(sourcesOf('database'), 'database'),
  url: z
    .string()
    .min(1)
    .max(2048)
    .describe("The PBX's database: postgres://user:password@host:5432/kamailio, mysql://… or mariadb://…. Write-only: never stored, logged or reported"),
  table: z.string().regex(tableName, 'A table name: Latin letters, digits and underscores, at most 63').optional().describe('Default: subscriber'),
});

/** The import's options a migration takes: a migration has no file encoding, delimiter or columns of its own. */
export const migrationQuery = importQuery.pick({ dryRun: true, mode: true, onExisting: true });

/** A migration from files: which system's they are, with the import's options. */
export const fileMigrationQuery = migrationQuery.extend({ source: named(sourcesOf('file'), 'file') });

export const asImportQuery = (query: z.infer<typeof migrationQuery>): ImportQuery => ({ ...query, report: 'json' });

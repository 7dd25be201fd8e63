import { Migrator, PostgresAdapter, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './schema.ts';
import { catalogs } from './migrations/2026-11-23-catalogs.ts';
import { directory } from './migrations/2026-11-23-directory.ts';
import { accountSecurity } from './migrations/2026-11-23-account-security.ts';
import { apiTokens } from './migrations/2026-11-23-api-tokens.ts';
import { licenses } from './migrations/2026-11-23-licenses.ts';
import { lockout } from './migrations/2026-11-23-lockout.ts';
import { passwordLifeCycle } from './migrations/2026-11-23-password-life-cycle.ts';
import { numbers } from './migrations/2026-11-23-numbers.ts';
import { passwords } from './migrations/2026-11-23-passwords.ts';
import { realm } from './migrations/2026-11-23-realm.ts';
import { telephony } from './migrations/2026-11-23-telephony.ts';
import { presence } from './migrations/2026-11-23-presence.ts';
import { sipSubscriber } from './migrations/2026-11-23-sip-subscriber.ts';
import { userTwoFactor } from './migrations/2026-11-24-user-two-factor.ts';
import { auditNames } from './migrations/2026-11-24-audit-names.ts';
import { changes } from './migrations/2026-11-30-changes.ts';
import { webhooks } from './migrations/2026-11-30-webhooks.ts';
import { changesBatchIndex } from './migrations/2026-11-30-changes-batch-index.ts';
import { search } from './migrations/2026-11-30-search.ts';
import { signInFile } from './migrations/2026-11-30-sign-in-file.ts';
import { directoryAttributes } from './migrations/2026-11-30-directory-attributes.ts';
import { directorySources } from './migrations/2026-11-30-directory-sources.ts';
import { identityProviders } from './migrations/2026-11-30-identity-providers.ts';
import { subscriberDigests } from './migrations/2026-11-30-subscriber-digests.ts';
import { externalIds } from './migrations/2026-11-30-external-ids.ts';
import { jobsAndLeases } from './migrations/2026-11-30-jobs-and-leases.ts';
import { searchWalkIndex } from './migrations/2026-11-30-search-walk-index.ts';
import { changesByResource } from './migrations/2026-11-30-changes-by-resource.ts';
import { changesNumberedAtCommit } from './migrations/2026-11-30-changes-numbered-at-commit.ts';
import { domainAdministratorsIndex } from './migrations/2026-12-01-domain-administrators-index.ts';
import { usersLeanIndexes } from './migrations/2026-12-01-users-lean-indexes.ts';
import { jobSecrets } from './migrations/2026-12-02-job-secrets.ts';

/**
 * Listed, not discovered: a reader finds every migration here, and the build needs no file globbing.
 * Kysely applies them in the order of their names, so the names must sort in the order listed.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-23.01-directory': directory,
  '2026-11-23.02-passwords': passwords,
  '2026-11-23.03-lockout': lockout,
  '2026-11-23.04-account-security': accountSecurity,
  '2026-11-23.05-password-life-cycle': passwordLifeCycle,
  '2026-11-23.06-api-tokens': apiTokens,
  '2026-11-23.07-licenses': licenses,
  '2026-11-23.08-catalogs': catalogs,
  '2026-11-23.09-realm': realm,
  '2026-11-23.10-numbers': numbers,
  '2026-11-23.11-telephony': telephony,
  '2026-11-23.12-presence': presence,
  '2026-11-23.13-sip-subscriber': sipSubscriber,
  '2026-11-24.01-user-two-factor': userTwoFactor,
  '2026-11-24.02-audit-names': auditNames,
  '2026-11-30.01-changes': changes,
  '2026-11-30.02-webhooks': webhooks,
  '2026-11-30.03-changes-batch-index': changesBatchIndex,
  '2026-11-30.04-search': search,
  '2026-11-30.05-sign-in-file': signInFile,
  '2026-11-30.06-directory-attributes': directoryAttributes,
  '2026-11-30.07-directory-sources': directorySources,
  '2026-11-30.08-identity-providers': identityProviders,
  '2026-11-30.09-subscriber-digests': subscriberDigests,
  '2026-11-30.10-external-ids': externalIds,
  '2026-11-30.11-jobs-and-leases': jobsAndLeases,
  '2026-11-30.12-search-walk-index': searchWalkIndex,
  '2026-11-30.13-changes-by-resource': changesByResource,
  '2026-11-30.14-changes-numbered-at-commit': changesNumberedAtCommit,
  '2026-12-01.15-domain-administrators-index': domainAdministratorsIndex,
  '2026-12-01.16-users-lean-indexes': usersLeanIndexes,
  '2026-12-02.17-job-secrets': jobSecrets,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider, migrationTableSchema: await postgresSchema(db) });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Applies the migrations up to and including `name`: the database an older release left (upgrade tests). */
export async function migrateUpTo(db: Db, name: string): Promise<void> {
  const migrator = new Migrator({ db, provider, migrationTableSchema: await postgresSchema(db) });
  const { error } = await migrator.migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/**
 * On PostgreSQL the migration bookkeeping goes into the schema the connection works in;
 * unqualified, Kysely would look for its tables across every schema of the database.
 */
async function postgresSchema(db: Db): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema;
}

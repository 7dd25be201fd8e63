import type { MigrationSource } from './entry.ts';
import { readAsteriskConfig } from './sources/asterisk-pjsip.ts';
import { readFreeswitchDirectory } from './sources/freeswitch-directory.ts';
import { readFusionPbx } from './sources/fusionpbx.ts';
import { readKamailioSubscribers } from './sources/kamailio.ts';
import { readWebitelExport } from './sources/webitel.ts';

/** A source read over a database URL (the PBX's own database). */
export interface DatabaseSource {
  kind: 'database';
  /** `realm`: the SIP realm of the domain moved into, for sources holding several (FusionPBX's domains). */
  read: (url: string, options: { table?: string; realm: string }) => MigrationSource;
}

/** A source read from files: a folder, a file, or a `.tar.gz` of them, uploaded. */
export interface FileSource {
  kind: 'file';
  read: (path: string) => MigrationSource;
}

/**
 * Every system Switchboard moves users in from, by the name the API, the CLI and the console
 * use. Each maps to its reader in sources/.
 */
export const migrationSources: Record<string, DatabaseSource | FileSource> = {
  kamailio: { kind: 'database', read: (url, options) => readKamailioSubscribers(url, options) },
  // OpenSIPS keeps the same subscriber table (auth_db) as Kamailio.
  opensips: { kind: 'database', read: (url, options) => readKamailioSubscribers(url, options) },
  // A FusionPBX holds a domain per tenant: the one of the same name as the realm moves in.
  fusionpbx: { kind: 'database', read: (url, options) => readFusionPbx(url, { domain: options.realm }) },
  freeswitch: { kind: 'file', read: (path) => readFreeswitchDirectory(path) },
  asterisk: { kind: 'file', read: (path) => readAsteriskConfig(path) },
  webitel: { kind: 'file', read: (path) => readWebitelExport(path) },
};

export const sourcesOf = (kind: 'database' | 'file') => Object.keys(migrationSources).filter((name) => migrationSources[name]?.kind === kind);

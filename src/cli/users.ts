import { stringify } from 'csv-stringify/sync';
import { Command, Option } from 'commander';
import { exportRows } from '../server/export/export.ts';
import { appendFileSync, writeFileSync } from 'node:fs';
import { importUsers } from '../server/import/commands.ts';
import { csvReader, openReader } from '../server/import/records.ts';
import { importQuery, type GeneratedSecret, type ImportReport } from '../server/import/schema.ts';
import { migrationReader } from '../server/migration/records.ts';
import { migrationSources } from '../server/migration/registry.ts';
import { createRange } from '../server/range/commands.ts';
import { rangeInput } from '../server/range/schema.ts';
import { systemRequester } from '../server/setup/bootstrap.ts';
import { findDomain } from '../server/tenancy/domain-record.ts';
import { Problem } from '../server/http/problem.ts';
import type { Db } from '../server/db/schema.ts';
import { safeguardsFor } from '../server/users/safeguards.ts';
import { progressBar } from './progress.ts';
import { withStorage } from './storage.ts';

async function domainNamed(db: Db, name: string) {
  const domain = await findDomain(db, name);
  if (!domain) throw new Error(`no domain named ${name}`);
  return domain;
}

/** A refusal as the API would give it, one problem a line. */
const explain = (error: unknown): never => {
  if (!(error instanceof Problem)) throw error;
  throw new Error([error.detail, ...(error.errors ?? []).map((e) => `  ${e.path}: ${e.message}`)].join('\n'));
};

const importCommand = () =>
  new Command('import')
    .description("Import users from a CSV file (the API's import: same columns, aliases and checks)")
    .argument('<file>', 'the CSV file')
    .requiredOption('--domain <name>', 'the domain to import into')
    .option('--dry-run', 'check everything, write nothing')
    .addOption(new Option('--mode <mode>', 'atomic: every row or none; partial: the valid rows').choices(['atomic', 'partial']).default('atomic'))
    .addOption(new Option('--on-existing <what>', 'a login that exists already').choices(['fail', 'skip', 'update']).default('fail'))
    .addOption(new Option('--encoding <encoding>', 'detected when absent').choices(['utf-8', 'windows-1250', 'windows-1251']))
    .option('--secrets <file>', 'write the SIP secrets the import generates (rows without one) to this CSV file, readable by you alone')
    .action(async (file: string, options: { domain: string; dryRun?: boolean; mode: string; onExisting: string; encoding?: string; secrets?: string }) => {
      await withStorage(async ({ db }, config) => {
        const query = importQuery.parse({
          dryRun: String(Boolean(options.dryRun)),
          mode: options.mode,
          onExisting: options.onExisting,
          encoding: options.encoding,
        });
        const bar = progressBar(process.stderr);
        const secrets = options.secrets;
        const onSecrets = secretsFile(secrets);
        const source = await openReader(csvReader(file, query));
        const report = await importUsers(db, systemRequester, await domainNamed(db, options.domain), source, query, safeguardsFor(db, config), {
          onProgress: bar.update,
          onSecrets,
        });
        if (secrets && !report.written) writeFileSync(secrets, 'login,extension,sipUsername,sipSecret\n');
        bar.end();
        tell(report, Boolean(secrets), `${report.rows} rows (${report.encoding}, "${report.delimiter}")`);
      });
    });

/** The report as the import and the migration print it: problems to stderr, the counts to stdout. */
function tell(report: ImportReport, secretsKept: boolean, what: string) {
  if (!secretsKept && report.generatedSecrets)
    process.stderr.write(
      `${report.generatedSecrets} SIP secrets were generated and not kept; give --secrets FILE to keep them, or make new ones with POST …/users/{id}/sip/secret\n`,
    );
  for (const p of report.problems)
    process.stderr.write(`${p.origin ?? `row ${p.row}`}, ${p.column}${p.value ? ` (${JSON.stringify(p.value)})` : ''}: ${p.message}\n`);
  if (report.problemCount > report.problems.length) process.stderr.write(`… and ${report.problemCount - report.problems.length} more problems\n`);
  if (report.unknownColumns.length) process.stderr.write(`columns not imported: ${report.unknownColumns.join(', ')}\n`);
  const refused = report.mode === 'atomic' && report.problemCount > 0;
  process.stdout.write(
    `${what}: ${refused ? 'nothing imported' : `${report.created} created, ${report.updated} updated, ${report.skippedCount} skipped`}${report.dryRun ? ' (dry run: nothing written)' : ''}, ${report.problemCount} problems\n`,
  );
  if (report.problemCount) process.exitCode = 2;
}

/** A file of generated SIP secrets, readable by its owner alone, and what appends to it. */
function secretsFile(path: string | undefined) {
  if (path) writeFileSync(path, 'login,extension,sipUsername,sipSecret\n', { mode: 0o600 });
  return async (list: GeneratedSecret[]) =>
    void (path && appendFileSync(path, stringify(list.map((s) => [s.login, s.extension ?? '', s.sipUsername, s.sipSecret]))));
}

const migrateCommand = () =>
  new Command('migrate')
    .description("Move users in from a running PBX, keeping its SIP digests so every phone keeps its password (the API's migration: same checks and report)")
    .addOption(new Option('--from <system>', 'the system to read').choices(Object.keys(migrationSources)).makeOptionMandatory())
    .option('--url <url>', 'its database: postgres://…, mysql://… or mariadb://… (Kamailio, OpenSIPS; FusionPBX on PostgreSQL)')
    .option('--table <name>', 'the subscriber table (Kamailio, OpenSIPS)', 'subscriber')
    .option('--file <path>', 'its configuration: a folder, a file or a .tar.gz (FreeSWITCH, Asterisk, Webitel)')
    .requiredOption('--domain <name>', 'the domain to move the users into')
    .option('--dry-run', 'check everything, write nothing')
    .addOption(new Option('--mode <mode>', 'atomic: every entry or none; partial: the valid entries').choices(['atomic', 'partial']).default('atomic'))
    .addOption(new Option('--on-existing <what>', 'a login that exists already').choices(['fail', 'skip', 'update']).default('fail'))
    .option('--secrets <file>', 'write the SIP secrets generated for entries that had none to this CSV file, readable by you alone')
    .action(
      async (options: {
        from: string;
        url?: string;
        table: string;
        file?: string;
        domain: string;
        dryRun?: boolean;
        mode: string;
        onExisting: string;
        secrets?: string;
      }) => {
        const kind = migrationSources[options.from]?.kind;
        if (kind === 'database' && !options.url) throw new Error(`--from ${options.from} reads a database: give --url`);
        if (kind === 'file' && !options.file) throw new Error(`--from ${options.from} reads files: give --file`);
        await withStorage(async ({ db }, config) => {
          const query = importQuery.parse({ dryRun: String(Boolean(options.dryRun)), mode: options.mode, onExisting: options.onExisting });
          const domain = await domainNamed(db, options.domain);
          const source = await openReader(
            migrationReader({
              source: options.from,
              ...(kind === 'database' ? { url: options.url, table: options.table } : { path: options.file }),
              domain: { name: domain.name, realm: domain.realm },
            }),
          );
          const bar = progressBar(process.stderr);
          const onSecrets = secretsFile(options.secrets);
          const report = await importUsers(db, systemRequester, domain, source, query, safeguardsFor(db, config), { onProgress: bar.update, onSecrets }).catch(
            explain,
          );
          if (options.secrets && !report.written) writeFileSync(options.secrets, 'login,extension,sipUsername,sipSecret\n');
          bar.end();
          tell(report, Boolean(options.secrets), `${report.rows} entries from ${options.from}`);
        });
      },
    );

const exportCommand = () =>
  new Command('export')
    .description('Write the users of a domain as CSV to standard output (no secrets)')
    .requiredOption('--domain <name>', 'the domain')
    .action(async (options: { domain: string }) => {
      await withStorage(async ({ db }) => {
        for await (const row of exportRows(db, await domainNamed(db, options.domain), { deleted: false, sort: 'login' }))
          process.stdout.write(stringify([row]));
      });
    });

const rangeCommand = () =>
  new Command('range')
    .description('Create one user per number (login, extension and SIP username = the number); prints their SIP secrets as CSV, once')
    .requiredOption('--domain <name>', 'the domain')
    .requiredOption('--from <number>', 'first number')
    .requiredOption('--to <number>', 'last number')
    .option('--name <pattern>', 'first name of each user; {n} is its number', 'Agent {n}')
    .option('--role <name...>', 'roles of every user', ['agent'])
    .option('--skip-taken', 'leave out numbers already taken instead of refusing the range')
    .option('--web-passwords', 'give each user a generated web password too (printed once; changed at the first sign-in)')
    .action(async (options: { domain: string; from: string; to: string; name: string; role: string[]; skipTaken?: boolean; webPasswords?: boolean }) => {
      await withStorage(async ({ db }, config) => {
        const input = rangeInput.safeParse({
          from: options.from,
          to: options.to,
          namePattern: options.name,
          onConflict: options.skipTaken ? 'skip' : 'fail',
          webPasswords: Boolean(options.webPasswords),
          template: { roles: options.role },
        });
        if (!input.success) throw new Error(input.error.issues.map((i) => `${i.path.join('/')}: ${i.message}`).join('\n'));
        const result = await createRange(db, systemRequester, await domainNamed(db, options.domain), input.data, safeguardsFor(db, config)).catch(explain);
        const passwords = options.webPasswords ? ['password'] : [];
        process.stdout.write(
          stringify([
            ['login', 'extension', 'sipUsername', 'sipSecret', ...passwords],
            ...result.created.map((u) => [u.login, u.extension, u.sipUsername, u.sipSecret, ...(u.password ? [u.password] : [])]),
          ]),
        );
        process.stderr.write(
          `${result.created.length} created${result.skipped.length ? `, ${result.skipped.length} skipped (${result.skipped.map((s) => s.number).join(', ')})` : ''}\n`,
        );
      });
    });

export const usersCommand = () =>
  new Command('users')
    .description('Bulk work on users: import, migration from a PBX, export, range creation')
    .addCommand(importCommand())
    .addCommand(migrateCommand())
    .addCommand(exportCommand())
    .addCommand(rangeCommand());

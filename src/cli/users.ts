import { stringify } from 'csv-stringify/sync';
import { Command, Option } from 'commander';
import { exportRows } from '../server/export/export.ts';
import { appendFileSync, writeFileSync } from 'node:fs';
import { importUsers } from '../server/import/commands.ts';
import { csvReader, openReader } from '../server/import/records.ts';
import { importQuery, type GeneratedSecret } from '../server/import/schema.ts';
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
        if (secrets) writeFileSync(secrets, 'login,extension,sipUsername,sipSecret\n', { mode: 0o600 });
        const onSecrets = async (list: GeneratedSecret[]) =>
          void (secrets && appendFileSync(secrets, stringify(list.map((s) => [s.login, s.extension ?? '', s.sipUsername, s.sipSecret]))));
        const source = await openReader(csvReader(file, query));
        const report = await importUsers(db, systemRequester, await domainNamed(db, options.domain), source, query, safeguardsFor(db, config), {
          onProgress: bar.update,
          onSecrets,
        });
        if (secrets && !report.written) writeFileSync(secrets, 'login,extension,sipUsername,sipSecret\n');
        if (!secrets && report.generatedSecrets)
          process.stderr.write(
            `${report.generatedSecrets} SIP secrets were generated and not kept; give --secrets FILE to keep them, or make new ones with POST …/users/{id}/sip/secret\n`,
          );
        bar.end();
        for (const p of report.problems) process.stderr.write(`row ${p.row}, ${p.column}${p.value ? ` (${JSON.stringify(p.value)})` : ''}: ${p.message}\n`);
        if (report.problemCount > report.problems.length) process.stderr.write(`… and ${report.problemCount - report.problems.length} more problems\n`);
        if (report.unknownColumns.length) process.stderr.write(`columns not imported: ${report.unknownColumns.join(', ')}\n`);
        const refused = report.mode === 'atomic' && report.problemCount > 0;
        process.stdout.write(
          `${report.rows} rows (${report.encoding}, "${report.delimiter}"): ${refused ? 'nothing imported' : `${report.created} created, ${report.updated} updated, ${report.skippedCount} skipped`}${report.dryRun ? ' (dry run: nothing written)' : ''}, ${report.problemCount} problems\n`,
        );
        if (report.problemCount) process.exitCode = 2;
      });
    });

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
    .description('Bulk work on users: import, export, range creation')
    .addCommand(importCommand())
    .addCommand(exportCommand())
    .addCommand(rangeCommand());

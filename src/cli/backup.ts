import { Command } from 'commander';
import { backUp, restore } from '../server/backups/commands.ts';
import { loadConfig } from '../server/config.ts';

const print = (lines: string[]) => void process.stdout.write(lines.map((line) => `${line}\n`).join(''));

export const backupCommand = () =>
  new Command('backup')
    .description(
      'Write a consistent backup of the configured database to FILE while the service runs: SQLite by its online backup, ' +
        'PostgreSQL by pg_dump. The secret key is not in it: keep it with the backup (see README, Backups).',
    )
    .argument('<file>', 'the backup to write (a gzip-compressed tar)')
    .action(async (file: string) => print(await backUp(loadConfig(), file)));

export const restoreCommand = () =>
  new Command('restore')
    .description(
      'Restore a backup onto the configured database, then bring it up to date. Stop the service first. ' +
        'A database that has tables is replaced only with --force; a restore that fails leaves the database as it was.',
    )
    .argument('<file>', 'a backup written by switchboard backup')
    .option('--force', 'replace a database that is not empty')
    .action(async (file: string, options: { force?: boolean }) => print(await restore(loadConfig(), file, Boolean(options.force))));

#!/usr/bin/env node
import './thread-pool.ts';
import { Command } from 'commander';
import { adminCommand } from './admin.ts';
import { backupCommand, restoreCommand } from './backup.ts';
import { migrateCommand } from './migrate.ts';
import { purgeCommand } from './purge.ts';
import { secretsCommand } from './secrets.ts';
import { serveCommand } from './serve.ts';
import { usersCommand } from './users.ts';

const program = new Command('switchboard')
  .description('The user directory of a contact center. Configured by SWITCHBOARD_* environment variables (see README).')
  .addCommand(serveCommand(), { isDefault: true })
  .addCommand(migrateCommand())
  .addCommand(adminCommand())
  .addCommand(purgeCommand())
  .addCommand(secretsCommand())
  .addCommand(usersCommand())
  .addCommand(backupCommand())
  .addCommand(restoreCommand());

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`switchboard: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

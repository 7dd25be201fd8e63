import { Command, InvalidArgumentError } from 'commander';
import { purgeDeletedUsers } from '../server/users/purge.ts';
import { withStorage } from './storage.ts';

const days = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number of days');
  return n;
};

export const purgeCommand = () =>
  new Command('purge')
    .description('Remove for good the users deleted longer ago than the retention period')
    .option('--after-days <days>', 'retention period (default: SWITCHBOARD_PURGE_AFTER_DAYS, 30)', days)
    .action(async (options: { afterDays?: number }) => {
      await withStorage(async ({ db }, config) => {
        const purged = await purgeDeletedUsers(db, options.afterDays ?? config.purgeAfterDays);
        process.stdout.write(`purged ${purged} user(s)\n`);
      });
    });

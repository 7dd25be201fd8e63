import { Command } from 'commander';
import { loadConfig } from '../server/config.ts';
import { connect } from '../server/db/connect.ts';
import { migrateToLatest } from '../server/db/migrate.ts';

export const migrateCommand = () =>
  new Command('migrate').description('Bring the database schema up to date and exit').action(async () => {
    const storage = connect(loadConfig().databaseUrl);
    try {
      const applied = await migrateToLatest(storage.db);
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'the database is up to date\n');
    } finally {
      await storage.close();
    }
  });

import { loadConfig } from '../server/config.ts';
import { connect, type Storage } from '../server/db/connect.ts';
import { migrateToLatest } from '../server/db/migrate.ts';

/** Opens the configured database, brought up to date, for one command; closes it afterwards. */
export async function withStorage<T>(work: (storage: Storage, config: ReturnType<typeof loadConfig>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const storage = connect(config.databaseUrl);
  try {
    await migrateToLatest(storage.db);
    return await work(storage, config);
  } finally {
    await storage.close();
  }
}

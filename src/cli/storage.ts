import { loadConfig } from '../server/config.ts';
import { connect, type Storage } from '../server/db/connect.ts';
import { migrateToLatest } from '../server/db/migrate.ts';

/** Opens the configured database, brought up to date, for one command; closes it afterwards. */
export async function withStorage<T>(work: (storage: Storage, config: ReturnType<typeof loadConfig>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  // A command makes its long writes in a process of its own: it takes only the directory's lock, so
  // a service on the same SQLite file keeps signing users in meanwhile (db/sign-in-file.ts).
  const storage = connect(config.databaseUrl, { longWriter: true });
  try {
    await migrateToLatest(storage.db);
    return await work(storage, config);
  } finally {
    await storage.close();
  }
}

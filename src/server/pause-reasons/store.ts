import type { Database, Db } from '../db/schema.ts';

export type PauseReasonRow = Database['pause_reasons'];

export const toPauseReasonView = (r: PauseReasonRow) => ({ name: r.name, description: r.description, maxDuration: r.max_duration });

/** Every pause reason of the domain, in name order (a catalog of a few dozen at most). */
export const listPauseReasons = (db: Db, domainId: string) =>
  db.selectFrom('pause_reasons').selectAll().where('domain_id', '=', domainId).orderBy('name_key').execute();

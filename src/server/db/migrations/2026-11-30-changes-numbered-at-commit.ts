import { PostgresAdapter, sql, type Kysely, type Migration } from 'kysely';

/**
 * PostgreSQL: a write's change entry is numbered as its transaction commits, by a deferred
 * trigger, not by the write itself. Numbering locks the domain's counter until the commit; taken
 * by the write, the lock was held across its last round trips, each a wait for the process's event
 * loop, so under load every writer of the domain queued behind the slowest process. Entries
 * written already numbered (a long write's, a bulk operation's) are left as they are.
 */
export const changesNumberedAtCommit: Migration = {
  async up(db: Kysely<any>) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`create function changes__number() returns trigger language plpgsql as $$
      declare numbered bigint;
      begin
        insert into change_counters (domain_id, last_seq) values (new.domain_id, 1)
          on conflict (domain_id) do update set last_seq = change_counters.last_seq + 1
          returning last_seq into numbered;
        update changes set seq = numbered where id = new.id;
        return null;
      end $$`.execute(db);
    await sql`create constraint trigger changes__number after insert on changes
      deferrable initially deferred for each row when (new.seq is null) execute function changes__number()`.execute(db);
  },
  async down(db: Kysely<any>) {
    if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
    await sql`drop trigger changes__number on changes`.execute(db);
    await sql`drop function changes__number()`.execute(db);
  },
};

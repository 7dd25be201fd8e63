import type { Db, JobsTable } from '../db/schema.ts';

/** How long a finished job is kept to be read, with its report. */
export const JOB_KEPT_MS = 60 * 60 * 1000;

export type JobRow = Omit<JobsTable, 'report' | 'secrets' | 'owner' | 'cancel_requested_at'>;

const viewColumns = [
  'id',
  'domain_id',
  'kind',
  'source',
  'state',
  'started_by',
  'started_at',
  'finished_at',
  'progress',
  'result',
  'error',
  'heartbeat_at',
] as const;

export async function insertJob(db: Db, row: JobRow & { owner: string }): Promise<void> {
  await db.insertInto('jobs').values(row).execute();
}

export async function writeProgress(db: Db, id: string, progress: string): Promise<void> {
  await db.updateTable('jobs').set({ progress }).where('id', '=', id).where('state', '=', 'running').execute();
}

/** A job's end, with what it keeps to be read from any process. */
export async function writeEnd(
  db: Db,
  id: string,
  end: Pick<JobsTable, 'state' | 'finished_at' | 'progress' | 'result' | 'error' | 'report'> & Partial<Pick<JobsTable, 'secrets'>>,
): Promise<void> {
  await db.updateTable('jobs').set(end).where('id', '=', id).execute();
}

/**
 * Keeps a running job's sealed secrets in its row, written by the thread that ran it (an import of
 * 100,000 users has 19 MB of them): answered only once the job's end says its work was written.
 */
export async function keepSecrets(db: Db, id: string, secrets: string): Promise<void> {
  await db.updateTable('jobs').set({ secrets }).where('id', '=', id).execute();
}

/** Proves the owner's running jobs alive; answers those another process asked to cancel. */
export async function beat(db: Db, owner: string, now: Date): Promise<string[]> {
  const rows = await db
    .updateTable('jobs')
    .set({ heartbeat_at: now.toISOString() })
    .where('owner', '=', owner)
    .where('state', '=', 'running')
    .returning(['id', 'cancel_requested_at'])
    .execute();
  return rows.filter((r) => r.cancel_requested_at !== null).map((r) => r.id);
}

export async function jobById(db: Db, domainId: string, id: string, kinds: string[]): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').select(viewColumns).where('id', '=', id).where('domain_id', '=', domainId).where('kind', 'in', kinds).executeTakeFirst();
}

/** Whether a job of `kind` on `source` runs, its process alive since `aliveSince`. */
export async function runningOn(db: Db, domainId: string, kind: string, source: string, aliveSince: Date): Promise<boolean> {
  const row = await db
    .selectFrom('jobs')
    .select('id')
    .where('domain_id', '=', domainId)
    .where('kind', '=', kind)
    .where('source', '=', source)
    .where('state', '=', 'running')
    .where('heartbeat_at', '>=', aliveSince.toISOString())
    .executeTakeFirst();
  return row !== undefined;
}

/** Asks the process running a job to cancel it (see beat); answers whether the job still ran. */
export async function requestCancel(db: Db, id: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('jobs')
    .set({ cancel_requested_at: now.toISOString() })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Ends a running job whose process stopped proving itself alive before `staleBefore`. */
export async function endOrphan(db: Db, id: string, staleBefore: Date, now: Date, error: string): Promise<void> {
  await db
    .updateTable('jobs')
    .set({ state: 'failed', finished_at: now.toISOString(), error })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .where('heartbeat_at', '<', staleBefore.toISOString())
    .execute();
}

export async function jobReport(db: Db, domainId: string, id: string): Promise<string | null | undefined> {
  const row = await db.selectFrom('jobs').select('report').where('id', '=', id).where('domain_id', '=', domainId).executeTakeFirst();
  return row?.report;
}

/** Answers a job's sealed secrets once: the first reader takes them, any other finds none. */
export async function takeSecrets(db: Db, domainId: string, id: string): Promise<string | null> {
  const row = await db.selectFrom('jobs').select('secrets').where('id', '=', id).where('domain_id', '=', domainId).executeTakeFirst();
  if (!row?.secrets) return null;
  const taken = await db.updateTable('jobs').set({ secrets: null }).where('id', '=', id).where('secrets', '=', row.secrets).executeTakeFirst();
  return Number(taken.numUpdatedRows) > 0 ? row.secrets : null;
}

/** Forgets the jobs finished (or last heard of) over `JOB_KEPT_MS` ago, with their reports. */
export async function pruneJobs(db: Db, now: Date): Promise<void> {
  const before = new Date(now.getTime() - JOB_KEPT_MS).toISOString();
  await db
    .deleteFrom('jobs')
    .where((eb) => eb.or([eb('finished_at', '<', before), eb('heartbeat_at', '<', before)]))
    .execute();
}

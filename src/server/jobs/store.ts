import type { Db, JobsTable } from '../db/schema.ts';

/** How long a finished job is kept to be read, with its report. */
export const JOB_KEPT_MS = 60 * 60 * 1000;

export type JobRow = Omit<JobsTable, 'report' | 'secrets_taken_at' | 'owner' | 'cancel_requested_at'>;

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
export async function writeEnd(db: Db, id: string, end: Pick<JobsTable, 'state' | 'finished_at' | 'progress' | 'result' | 'error' | 'report'>): Promise<void> {
  await db.updateTable('jobs').set(end).where('id', '=', id).execute();
}

/** Keeps one chunk of a running import's generated secrets, sealed, inside the import's transaction. */
export async function keepSealedSecrets(trx: Db, jobId: string, chunk: number, sealed: string): Promise<void> {
  await trx.insertInto('job_secrets').values({ job_id: jobId, chunk, sealed }).execute();
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

/**
 * Takes a job's generated secrets for their one answer: true for the first to ask while there are
 * any, false for anyone after (or for a job that has none). They are then read a chunk at a time.
 */
export async function takeSecrets(db: Db, domainId: string, id: string): Promise<boolean> {
  const kept = await db.selectFrom('job_secrets').select('chunk').where('job_id', '=', id).limit(1).executeTakeFirst();
  if (!kept) return false;
  const taken = await db
    .updateTable('jobs')
    .set({ secrets_taken_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('domain_id', '=', domainId)
    .where('secrets_taken_at', 'is', null)
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) > 0;
}

/** The chunk of a job's sealed secrets after `chunk`, if any. */
export async function sealedSecretsAfter(db: Db, jobId: string, chunk: number): Promise<{ chunk: number; sealed: string } | undefined> {
  return db
    .selectFrom('job_secrets')
    .select(['chunk', 'sealed'])
    .where('job_id', '=', jobId)
    .where('chunk', '>', chunk)
    .orderBy('chunk')
    .limit(1)
    .executeTakeFirst();
}

/** Gives taken secrets back, to be asked again (their answer broke off). */
export async function releaseSecrets(db: Db, domainId: string, id: string): Promise<void> {
  await db.updateTable('jobs').set({ secrets_taken_at: null }).where('id', '=', id).where('domain_id', '=', domainId).execute();
}

export async function dropSecrets(db: Db, jobId: string): Promise<void> {
  await db.deleteFrom('job_secrets').where('job_id', '=', jobId).execute();
}

/** Forgets the jobs finished (or last heard of) over `JOB_KEPT_MS` ago, with their reports. */
export async function pruneJobs(db: Db, now: Date): Promise<void> {
  const before = new Date(now.getTime() - JOB_KEPT_MS).toISOString();
  await db
    .deleteFrom('jobs')
    .where((eb) => eb.or([eb('finished_at', '<', before), eb('heartbeat_at', '<', before)]))
    .execute();
  // Then the secrets of no job: those never answered (or kept when their drop found the database
  // busy) of the jobs just forgotten, of any prune that failed between the two, and of an import
  // whose job's row could not be written.
  await db.deleteFrom('job_secrets').where('job_id', 'not in', db.selectFrom('jobs').select('id')).execute();
}

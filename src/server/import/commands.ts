import { setImmediate as nextTurn } from 'node:timers/promises';
import { numberedAtTheEnd } from '../changes/store.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import { hashPassword } from '../passwords/hashing.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import { Lender } from '../db/lent-connection.ts';
import type { Db } from '../db/schema.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { conflict, invalid, Problem, type FieldProblem } from '../http/problem.ts';
import { isExpired } from '../licenses/store.ts';
import { readPolicy } from '../passwords/store.ts';
import { keepingAnAdministrator } from '../roles/administrators.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import { prepareChange, prepareUser, readUser, writeChange, type PreparedChange, type PreparedUser, type Requester } from '../users/commands.ts';
import { writeNewUsers, type NewUser } from '../users/new-users.ts';
import { passCrmGate } from '../users/crm-passage.ts';
import { readGate } from '../crm-gate/store.ts';
import { readAhead } from '../db/remote.ts';
import type { Safeguards } from '../users/safeguards.ts';
import { readCsv, type CsvDelimiter, type CsvEncoding } from './csv-decoding.ts';
import type { RecordSource } from './records.ts';
import { excerpt } from './excerpt.ts';
import { neutralised } from '../csv/columns.ts';
import { headerProblems, mapHeaders, secretColumns, type ImportColumn } from './columns.ts';
import { ImportLookups } from './lookups.ts';
import { rowToUser, shapeProblems, type CellProblem } from './rows.ts';
import { takeSeats } from '../licenses/store.ts';
import { domainLicenses, refreshStatistics, userIdByLogin } from './store.ts';
import { FAILED_RUNS_KEPT, PROBLEMS_KEPT, type GeneratedSecret, type ImportProgress, type ImportQuery, type ImportReport } from './schema.ts';

/** Rows checked and written together: one query per table for the chunk. */
const CHUNK = 1000;
/** How many rows of a chunk are checked between two looks for a cancel. */
const HEARD_EVERY = 100;

class Rollback extends Error {}

export interface ImportRun {
  id?: string;
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  /** Called with each chunk's generated secrets once the chunk is written, and the transaction it is written in. */
  onSecrets?: (secrets: GeneratedSecret[], trx: Db) => Promise<void>;
  /**
   * Whether the connection is lent between chunks (db/lent-connection.ts): only where the import
   * shares the server's connection. In a thread of its own nobody borrows, and not tracking a
   * lender spares every promise of the import the cost of the async context.
   */
  lends?: boolean;
}

/**
 * Imports users from a source of records (a CSV file, a PBX's accounts), streamed: a chunk of
 * rows at a time is checked like users of their own (row, column and value in every problem),
 * with what they may collide with fetched for the whole chunk, and written set-wise. Everything
 * happens in one transaction, so a dry run, a refused atomic import, a cancel or a killed process
 * leave the directory as it was.
 */
export async function importUsers(
  db: Db,
  requester: Requester & AuditActor,
  domain: DomainRecord,
  source: RecordSource,
  query: ImportQuery,
  guards: Safeguards,
  run: ImportRun = {},
): Promise<ImportReport> {
  const bulkId = run.id ?? timeOrderedId();
  const tally = new Tally(run.onProgress, source.fraction);
  let headers: string[] | undefined;
  let unknown: string[] = [];
  let mapping: { header: string; columns: string[] }[] = [];
  const lender = run.lends === false ? undefined : new Lender();
  const work = async (trx: Db) => {
    const chunk = new ImportChunk(trx, requester, domain, query, guards, bulkId, tally, run);
    let columns: ImportColumn[][] = [];
    let rows: ChunkRow[] = [];
    let line = 1;
    // A chunk is checked and written while the next one is read and parsed: on PostgreSQL the
    // chunk's statements leave the thread waiting, and the file's next rows fill that wait.
    let checking: Promise<void> = Promise.resolve();
    const handOn = async (batch: ChunkRow[]) => {
      const read = readChunk(headers ?? [], columns, batch);
      const early = chunk.lookAhead(read);
      await checking;
      // Sharing the server's SQLite connection, a cancel reaches the job only now, when the connection is lent to it.
      await lender?.lend();
      if (run.signal?.aborted) throw run.signal.reason;
      checking = chunk.run(read, early);
      // Awaited before the next chunk or at the end; until then its failure must not count as unhandled.
      checking.catch(() => undefined);
    };
    try {
      for await (const record of source.records()) {
        if ('problem' in record) {
          // Told with its chunk, in row order: the chunk before may still be being checked.
          const row = (line += 1);
          rows.push({
            row,
            origin: record.origin,
            unreadable: { row, column: 'source', value: '', code: 'import.unreadable_entry', message: record.problem, origin: record.origin },
          });
          continue;
        }
        const { cells } = record;
        if (!headers) {
          headers = cells;
          const mapped = mapHeaders(cells, (query.columns ?? {}) as Record<string, ImportColumn | ''>);
          const refused = headerProblems(cells, mapped.columns);
          if (refused.length)
            throw invalid(refused, `The header line cannot be imported: ${refused.length === 1 ? '1 problem' : `${refused.length} problems`}`);
          mapping = cells.map((header, index) => ({ header, columns: mapped.columns[index] ?? [] }));
          columns = mapped.columns;
          unknown = mapped.unknown.map((u) => u.header);
          continue;
        }
        rows.push({ row: (line += 1), cells, origin: record.origin });
        if (rows.length < CHUNK) continue;
        await handOn(rows);
        rows = [];
      }
      if (rows.length) await handOn(rows);
    } finally {
      // No statement of a chunk may outlive the transaction, whatever ended the reading.
      await checking.catch(() => undefined);
    }
    await checking;
    tally.report(true);
    if (query.dryRun || (query.mode === 'atomic' && tally.problemCount > 0)) throw new Rollback();
    const count = (n: number) => ({ from: null, to: n });
    await recordAudit(trx, {
      domainId: domain.id,
      actor: requester,
      action: 'users.imported',
      target: { type: 'bulk', id: bulkId, name: `${query.mode} import` },
      changes: { created: count(tally.created), updated: count(tally.updated), skipped: count(tally.skippedCount), problems: count(tally.problemCount) },
    });
  };
  const transaction = () =>
    db.transaction().execute((trx) => keepingAnAdministrator(trx, domain.id, () => numberedAtTheEnd(trx, () => work(trx))).then(() => true));
  const written = await (lender ? lender.run(transaction) : transaction()).catch((error: unknown) => {
    if (error instanceof Rollback) return false;
    throw error;
  });
  return {
    dryRun: query.dryRun,
    mode: query.mode,
    encoding: source.encoding,
    delimiter: source.delimiter,
    rows: tally.rows,
    created: tally.created,
    updated: tally.updated,
    written,
    generatedSecrets: written ? tally.generatedSecrets : 0,
    skipped: tally.skipped,
    skippedCount: tally.skippedCount,
    problems: tally.problems,
    problemCount: tally.problemCount,
    failedRows: tally.failedRows(),
    failedRowsComplete: tally.failedRowsComplete,
    unknownColumns: unknown,
    mapping,
  };
}

/** Counts of the import so far, with the first problems and skipped rows kept. */
class Tally {
  rows = 0;
  created = 0;
  updated = 0;
  generatedSecrets = 0;
  problems: CellProblem[] = [];
  problemCount = 0;
  skipped: { row: number; login: string }[] = [];
  skippedCount = 0;
  readonly #started = performance.now();
  #reported = 0;

  constructor(
    private readonly onProgress: ((progress: ImportProgress) => void) | undefined,
    private readonly fraction: () => number,
  ) {}

  failedRowsComplete = true;
  readonly #runs: [number, number][] = [];
  /** Failed rows of the chunk being checked: its rows are not told in order (shape first, writes last). */
  #failing = new Set<number>();

  /** Where the rows of the chunk being checked came from, for a source that says (a PBX's accounts). */
  origins = new Map<number, string>();

  problem(...problems: CellProblem[]) {
    this.problemCount += problems.length;
    const kept = problems.slice(0, PROBLEMS_KEPT - this.problems.length);
    this.problems.push(...kept.map((p) => (p.origin || !this.origins.has(p.row) ? p : { ...p, origin: this.origins.get(p.row) })));
    for (const { row } of problems) this.#failing.add(row);
  }

  /** The failed rows as runs; chunks come in file order, so each chunk's rows follow the last run. */
  failedRows(): [number, number][] {
    for (const row of [...this.#failing].sort((a, b) => a - b)) {
      const last = this.#runs.at(-1);
      if (last && row <= last[1] + 1) last[1] = Math.max(last[1], row);
      else if (this.#runs.length < FAILED_RUNS_KEPT) this.#runs.push([row, row]);
      else this.failedRowsComplete = false;
    }
    this.#failing = new Set();
    return this.#runs;
  }

  skip(row: number, login: string) {
    this.skippedCount += 1;
    if (this.skipped.length < PROBLEMS_KEPT) this.skipped.push({ row, login });
  }

  /** Progress, at most four times a second unless it is the last. */
  report(last = false) {
    const now = performance.now();
    if (!this.onProgress || (!last && now - this.#reported < 250)) return;
    this.#reported = now;
    const seconds = (now - this.#started) / 1000;
    this.onProgress({
      rows: this.rows,
      created: this.created,
      updated: this.updated,
      skipped: this.skippedCount,
      problems: this.problemCount,
      rowsPerSecond: seconds > 0 ? Math.round(this.rows / seconds) : 0,
      fraction: Math.round(this.fraction() * 1000) / 1000,
    });
  }
}

type Parsed = ReturnType<typeof rowToUser>;
/** A row of the file, or an entry its source could not read (a PBX's account), told as a problem of its row. */
type ChunkRow = { row: number; cells: string[]; origin?: string } | { row: number; origin: string; unreadable: CellProblem };

/** A chunk's rows as far as they can be read without the directory: their shape and the user schema. */
interface ReadChunk {
  headers: string[];
  columns: ImportColumn[][];
  rows: ChunkRow[];
  /** The problems of each row that cannot be read at all, in row order. */
  refused: CellProblem[][];
  parsed: { row: number; cells: string[]; parsed: Parsed }[];
}

/** Pure: reads a chunk's rows into users, so it can run while the chunk before is being written. */
function readChunk(headers: string[], columns: ImportColumn[][], rows: ChunkRow[]): ReadChunk {
  const refused: CellProblem[][] = [];
  const parsed: ReadChunk['parsed'] = [];
  for (const entry of rows) {
    if ('unreadable' in entry) {
      refused.push([entry.unreadable]);
      continue;
    }
    const { row, cells } = entry;
    const shape = shapeProblems(row, headers, cells);
    if (shape.length === 0) parsed.push({ row, cells, parsed: rowToUser(row, headers, columns, cells, { roles: ['agent'] }) });
    else refused.push(shape);
  }
  return { headers, columns, rows, refused, parsed };
}

type ChunkLookAhead = { keys: ReturnType<typeof keysOf>; early: ReturnType<ImportLookups['early']> };

/** What the import knows for its whole run: the lookups and the domain's licenses and password policy. */
class ImportChunk {
  readonly #lookups: ImportLookups;
  #licenses?: Map<string, { id: string; name: string; free: number; expired: boolean }>;
  #policy?: Awaited<ReturnType<typeof readPolicy>>;
  #chunks = 0;
  #gate?: Promise<boolean>;

  constructor(
    private readonly trx: Db,
    private readonly requester: Requester & AuditActor,
    private readonly domain: DomainRecord,
    private readonly query: ImportQuery,
    private readonly guards: Safeguards,
    private readonly bulkId: string,
    private readonly tally: Tally,
    private readonly given: Pick<ImportRun, 'onSecrets' | 'signal'>,
  ) {
    this.#lookups = new ImportLookups(trx, domain.id, { readAhead: query.onExisting !== 'update' });
  }

  /** The chunk's look-ups started before the chunk before it is checked, where they may be (lookups.ts). */
  lookAhead(read: ReadChunk): ChunkLookAhead {
    const keys = keysOf(read.parsed.map((p) => p.parsed));
    return { keys, early: this.#lookups.early(keys) };
  }

  async run({ headers, columns, rows, refused, parsed }: ReadChunk, { keys, early }: ChunkLookAhead) {
    this.tally.origins = new Map(rows.flatMap(({ row, origin }) => (origin ? [[row, origin] as const] : [])));
    for (const problems of refused) {
      this.tally.rows += 1;
      this.tally.problem(...problems);
    }
    const loginColumn = columns.findIndex((c) => c.includes('login'));
    await this.#lookups.prefetch(keys, early);
    const creates: (NewUser & { row: number; hash?: Promise<string> })[] = [];
    const updates: { row: number; prepared: PreparedChange; hash?: Promise<string> }[] = [];
    const firstRowOf = new Map<string, number>();
    for (const [index, { row, cells, parsed: p }] of parsed.entries()) {
      if (index % HEARD_EVERY === 0) await this.#heard();
      this.tally.rows += 1;
      const login = p.user?.login ?? cells[loginColumn] ?? '';
      const key = login.toLowerCase();
      const earlier = firstRowOf.get(key);
      const loginAt = (code: string, message: string, params?: Record<string, unknown>): CellProblem => ({
        row,
        column: headers[loginColumn] ?? 'login',
        value: excerpt(login),
        code,
        message,
        ...(params ? { params } : {}),
      });
      // The row's login problem is told with every other problem of the row, not instead of them.
      let loginProblem: CellProblem | undefined;
      if (key && earlier !== undefined) loginProblem = loginAt('import.same_login', `The same login as row ${earlier}`, { row: earlier });
      else if (key) firstRowOf.set(key, row);
      const exists = !loginProblem && key !== '' && this.#lookups.holdsLogin(key);
      if (exists && this.query.onExisting === 'update') {
        const prepared = await this.#change(row, key, p);
        if (prepared) updates.push(prepared);
        continue;
      }
      if (exists && this.query.onExisting === 'skip' && p.user) {
        this.tally.skip(row, login);
        continue;
      }
      if (exists) loginProblem = loginAt('import.user_exists', 'A user with this login exists already');
      const created = await this.#create(row, p, loginProblem);
      if (created) creates.push(created);
    }
    await this.#write(creates, updates);
    await this.#lookups.chunkWritten();
    this.tally.failedRows();
    await this.#refreshStatistics();
  }

  /**
   * A cancel stops the chunk within a few rows, not at its end: a chunk takes long on a busy
   * machine (the import's threads run at a lower priority), and the cancel's answer waits for it.
   * Its message is heard only between turns of the event loop, which the chunk's checks seldom reach.
   */
  async #heard() {
    if (!this.given.signal) return;
    await nextTurn();
    this.given.signal.throwIfAborted();
  }

  /**
   * PostgreSQL plans the chunk's look-ups from statistics taken before the import, which know
   * nothing of the rows it has written so far; past some thousands of rows its plans turn to
   * scans. ANALYZE sees the transaction's own rows: run after chunks 1, 2, 4, 8, …
   */
  async #refreshStatistics() {
    this.#chunks += 1;
    if ((this.#chunks & (this.#chunks - 1)) !== 0) return;
    await refreshStatistics(this.trx);
  }

  /**
   * A row as a new user, every check run: the schema's problems, the licenses, the password
   * policy and the directory's (taken numbers and names, unknown roles and groups) are told
   * together, so the administrator fixes the row in one round. A row the schema refused is
   * checked without its refused cells; what is found again at those cells is not repeated.
   */
  async #create(row: number, p: Parsed, loginProblem?: CellProblem): Promise<(NewUser & { row: number; hash?: Promise<string> }) | undefined> {
    const checked = p.user ?? p.salvaged;
    const problems: CellProblem[] = [...(loginProblem ? [loginProblem] : []), ...p.problems];
    if (!checked) return void this.tally.problem(...problems);
    const { password, ...user } = checked;
    // Most rows name no license: no wait for them (a microtask a row, with the async hooks the database's context needs).
    const licenses = p.licenses.length ? await this.#licensesFor(p) : { ids: [], problems: [] };
    const passwordProblems = password ? await this.#passwordProblems(password, user) : [];
    const found = p.located([...licenses.problems, ...passwordProblems]);
    let prepared: PreparedUser | undefined;
    try {
      prepared = await prepareUser(this.trx, this.requester, this.domain, user, this.guards, {
        lookups: this.#lookups,
        grantedLicenses: licenses.ids,
        sipDigests: p.sipDigests,
      });
    } catch (error) {
      found.push(...this.#located(p, error));
    }
    const told = new Set(problems.map((c) => c.column));
    problems.push(...found.filter((c) => !told.has(c.column)));
    if (problems.length || !prepared || !p.user) return void this.tally.problem(...problems);
    if (p.passwordHash) withPassword(prepared, p.passwordHash);
    this.#lookups.claim(prepared);
    for (const id of licenses.ids) this.#seat(id);
    return { row, id: timeOrderedId(), user: prepared, licenseIds: licenses.ids, ...(password ? { hash: hashPassword(password) } : {}) };
  }

  async #change(row: number, key: string, p: Parsed): Promise<{ row: number; prepared: PreparedChange; hash?: Promise<string> } | undefined> {
    const { change, problems } = p.asChange();
    if (!change) return void this.tally.problem(...problems);
    const { password, ...rest } = change;
    const existingId = await userIdByLogin(this.trx, this.domain.id, key);
    try {
      const before = await readUser(this.trx, this.domain, existingId);
      const passwordProblems = password ? await this.#passwordProblems(password, { ...before, ...rest }) : [];
      if (passwordProblems.length) throw new Problem(400, 'import.invalid', '', passwordProblems);
      const prepared = await prepareChange(this.trx, this.requester, this.domain, before, rest, this.guards, { sipDigests: p.sipDigests });
      if (p.passwordHash) withPassword(prepared, p.passwordHash);
      if (!prepared.changed && !password && !p.passwordHash) return undefined;
      return { row, prepared, ...(password ? { hash: hashPassword(password) } : {}) };
    } catch (error) {
      this.#problemOf(row, p, error);
      return undefined;
    }
  }

  async #write(creates: (NewUser & { row: number; hash?: Promise<string> })[], updates: { row: number; prepared: PreparedChange; hash?: Promise<string> }[]) {
    // The chunk's hashes were started as its rows were checked and run on the thread pool meanwhile.
    for (const entry of creates) if (entry.hash) withPassword(entry.user, await entry.hash);
    for (const entry of updates) if (entry.hash) withPassword(entry.prepared, await entry.hash);
    const ready = [];
    for (const entry of creates) {
      try {
        if (entry.user.telephony.allocate) await entry.user.telephony.allocate(this.trx, this.#lookups);
        entry.user.state.sip = entry.user.telephony.state.sip;
        entry.user.telephony.allocate = undefined;
        ready.push(entry);
      } catch (error) {
        if (!(error instanceof Problem)) throw error;
        this.tally.problem({ row: entry.row, column: 'extension', value: '', code: error.code, message: error.detail });
      }
    }
    const refused = await this.#passCrmGate(ready, updates);
    if (refused.size) {
      ready.splice(0, ready.length, ...ready.filter((entry) => !refused.has(entry.row)));
      updates = updates.filter((entry) => !refused.has(entry.row));
    }
    const bulkOperation = { from: null, to: this.bulkId };
    // Each new user's entry names it and the import; the import itself is recorded once, at its end.
    await writeNewUsers(this.trx, this.requester, this.domain, ready, {
      auditChanges: (user) => ({ extension: { from: null, to: user.state.sip?.extension ?? null }, bulkOperation }),
    });
    await this.#takeSeats(ready);
    for (const { prepared } of updates) await writeChange(this.trx, this.requester, this.domain, prepared, { bulkOperation });
    const secrets = ready.flatMap(({ user }) => {
      const secret = user.telephony.generatedSecret;
      const account = user.telephony.sip?.account;
      return secret && account ? [{ login: user.state.login, extension: account.extension, sipUsername: account.username, sipSecret: secret }] : [];
    });
    if (secrets.length && this.given.onSecrets) await this.given.onSecrets(secrets, this.trx);
    this.tally.generatedSecrets += secrets.length;
    this.tally.created += ready.length;
    this.tally.updated += updates.length;
    this.tally.report();
  }

  /**
   * The CRM gate, asked once for the chunk's new users and new SIP accounts; answers the rows it
   * kept out, each told as a problem. A dry run does not ask (the CRM may act on a request). This
   * call is inside the import's transaction, which on SQLite holds the writer meanwhile: the import
   * is one transaction by design (all or nothing, dry run, cancel), and the wait is bounded by the
   * gate's time limit once per chunk of 1000 rows. A CRM that is unavailable fails the import.
   */
  async #passCrmGate(creates: { row: number; user: PreparedUser }[], updates: { row: number; prepared: PreparedChange }[]): Promise<Set<number>> {
    if (this.query.dryRun || !(await this.#gateOn())) return new Set();
    const entrants = [
      ...creates.map((c) => ({ row: c.row, entrant: { state: c.user.state, reason: 'user.create' as const } })),
      ...updates
        .filter((u) => !u.prepared.before.sip && u.prepared.state.sip)
        .map((u) => ({ row: u.row, entrant: { state: u.prepared.state, reason: 'sip.create' as const, userId: u.prepared.before.id } })),
    ];
    const problems: CellProblem[] = [];
    const at = (index: number) => entrants[index] as (typeof entrants)[number];
    const told = (index: number, code: string, message: string) =>
      problems.push({ row: at(index).row, column: 'login', value: excerpt(at(index).entrant.state.login), code, message });
    try {
      const taken = await passCrmGate(
        this.trx,
        this.guards,
        this.domain,
        entrants.map((e) => e.entrant),
      );
      for (const problem of taken) told(Number(problem.path.split('/')[1]), problem.code, problem.message);
    } catch (error) {
      if (!(error instanceof Problem) || error.status !== 422) throw error;
      const named = new Map((error.errors ?? []).map((e) => [Number(e.path.split('/')[1]), e.message]));
      entrants.forEach((_, index) => told(index, error.code, named.get(index) ?? error.detail));
    }
    this.tally.problem(...problems);
    return new Set(problems.map((p) => p.row));
  }

  /**
   * Whether the domain's CRM gate is on, read once for the import and ahead of its queued writes
   * (db/remote.ts), which do not change it: a chunk need not wait for the one before to be written.
   */
  async #gateOn(): Promise<boolean> {
    this.#gate ??= readAhead(this.trx, (db) => readGate(db, this.domain.id)).then(({ value }) => value?.enabled === true);
    return this.#gate;
  }

  #problemOf(row: number, p: Parsed, error: unknown) {
    this.tally.problem(...this.#located(p, error));
  }

  /** A refusal of the directory's rules as problems of the row's cells. */
  #located(p: Parsed, error: unknown): CellProblem[] {
    if (!(error instanceof Problem)) throw error;
    return p.located(error.errors?.length ? error.errors : [{ path: 'row', code: error.code, message: error.detail }]);
  }

  async #passwordProblems(password: string, identity: { login: string; email?: string | null; firstName: string; lastName: string }) {
    if (!this.guards.passwords) return [];
    this.#policy ??= await readPolicy(this.trx, this.domain.id);
    const { problems } = await this.guards.passwords.judge(this.#policy, password, {
      login: identity.login,
      email: identity.email ?? null,
      firstName: identity.firstName,
      lastName: identity.lastName,
    });
    return problems.map((p) => ({ path: 'password', code: p.code, message: p.message }));
  }

  /** The licenses a row names: ids of live ones with a free seat, and a problem for each other. */
  async #licensesFor(p: Parsed): Promise<{ ids: string[]; problems: FieldProblem[] }> {
    if (!this.#licenses) {
      const rows = await domainLicenses(this.trx, this.domain.id);
      this.#licenses = new Map(rows.map((r) => [r.name_key, { id: r.id, name: r.name, free: r.seats - r.used, expired: isExpired(r) }]));
    }
    const ids: string[] = [];
    const problems = p.licenses.flatMap((name) => {
      const license = this.#licenses?.get(nameKey(name));
      const problem = !license
        ? `No license named ${JSON.stringify(name)}`
        : license.expired
          ? `${license.name} has expired`
          : license.free < 1
            ? `${license.name} has no free seat left`
            : '';
      if (license && !problem) ids.push(license.id);
      const code = !license ? 'license.unknown' : license.expired ? 'license.expired' : 'license.no_free_seat';
      return problem ? [{ path: 'licenses', code, message: problem, params: { license: license?.name ?? name } }] : [];
    });
    return { ids, problems };
  }

  #seat(licenseId: string) {
    for (const license of this.#licenses?.values() ?? []) if (license.id === licenseId) license.free -= 1;
  }

  async #takeSeats(users: NewUser[]) {
    const counts = new Map<string, number>();
    for (const u of users) for (const id of u.licenseIds ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const [id, n] of counts) {
      if (!(await takeSeats(this.trx, id, n)))
        throw conflict('license.no_free_seats', 'Seats of a license were taken by another change during the import; run it again');
    }
  }
}

/** A password hash set on a prepared user or change, recorded as a changed secret. */
function withPassword(prepared: PreparedUser | PreparedChange, hash: string) {
  prepared.secrets.passwordHash = hash;
  const changed = 'secretsSet' in prepared ? prepared.secretsSet : prepared.secretsChanged;
  if (!changed.includes('password')) changed.push('password');
  if ('changed' in prepared) prepared.changed = true;
}

/** Everything the rows of a chunk could collide with, to fetch at once. */
function keysOf(rows: Parsed[]) {
  const keys = { logins: [] as string[], emails: [] as string[], numbers: [] as string[], usernames: [] as string[] };
  for (const { user: valid, salvaged } of rows) {
    // A row the schema refused is checked without its refused cells: what the rest may collide with too.
    const user = valid ?? salvaged;
    if (!user) continue;
    keys.logins.push(user.login.toLowerCase());
    if (user.email) keys.emails.push(user.email.toLowerCase());
    const sip = user.sip;
    if (!sip) continue;
    if (sip.extension) keys.numbers.push(sip.extension);
    if (sip.virtualExtension) keys.numbers.push(sip.virtualExtension);
    keys.usernames.push((sip.username ?? sip.extension ?? user.login).toLowerCase());
  }
  return keys;
}

/**
 * The file as it came, with each row's problems in an added `error` column, cells neutralised,
 * secrets left out. A row whose cells do not line up with the headers comes back empty: which
 * of its cells is a secret cannot be told. Of an import that was written only the failed rows
 * come back, so sending the file again does not repeat the rows already imported.
 */
export async function* withErrors(path: string, report: ImportReport): AsyncGenerator<string[]> {
  const csv = await readCsv(path, {
    encoding: report.encoding as CsvEncoding,
    delimiter: report.delimiter === 'tab' ? '\t' : (report.delimiter as CsvDelimiter),
  });
  const byRow = new Map<number, string[]>();
  for (const p of report.problems) byRow.set(p.row, [...(byRow.get(p.row) ?? []), `${p.column}: ${p.message}`]);
  const secret = new Set(report.mapping.flatMap((m, index) => (m.columns.some((c) => secretColumns.has(c as ImportColumn)) ? [index] : [])));
  const runs = report.failedRows;
  let run = 0;
  const failed = (row: number) => {
    while (runs[run] && (runs[run] as [number, number])[1] < row) run += 1;
    return runs[run] !== undefined && (runs[run] as [number, number])[0] <= row;
  };
  // Of a written import, nothing past its last failed row comes back: the file is not read further
  // (all of it, for an import with no problem — 100,000 rows parsed again on the event loop).
  const lastFailed = runs.at(-1)?.[1] ?? 1;
  let row = 0;
  for await (const cells of csv.records()) {
    row += 1;
    if (report.written && row > lastFailed) break;
    if (row > 1 && report.written && !failed(row)) continue;
    // Secret cells come back empty: the file is handed out again, and secrets are write-only.
    const shown =
      row === 1 ? cells : cells.length !== report.mapping.length ? report.mapping.map(() => '') : cells.map((cell, index) => (secret.has(index) ? '' : cell));
    yield [...shown, row === 1 ? 'error' : (byRow.get(row) ?? []).join('; ')].map(neutralised);
  }
}

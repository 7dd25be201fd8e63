import type { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import { numberedAtTheEnd } from '../changes/store.ts';
import type { Db } from '../db/schema.ts';
import { Problem } from '../http/problem.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import { ImportLookups } from '../import/lookups.ts';
import { refreshStatistics } from '../import/store.ts';
import { keepingAnAdministrator } from '../roles/administrators.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { prepareChange, prepareUser, readUser, writeChange, type Requester } from '../users/commands.ts';
import { writeNewUsers, type NewUser } from '../users/new-users.ts';
import type { Safeguards } from '../users/safeguards.ts';
import { userCreate, userUpdate } from '../users/schema.ts';
import { withDirectory, type DirectorySession } from './connection.ts';
import {
  changedFields,
  directoryUserOf,
  dnKey,
  emptyDirectoryProblem,
  grantsOf,
  planSync,
  searchedAttributes,
  type AttributeMapping,
  type DirectoryUser,
  type Managed,
  type Membership,
  type SyncChange,
} from './rules.ts';
import { SAMPLES_KEPT, type GroupMapping, type LastSync, type SyncReport } from './schema.ts';
import { attributesOf, loginsHeldElsewhere, setDirectoryEntries, syncedUsers, writeSource, type SourceRow } from './store.ts';

/** New users checked and written together: one query per table for the chunk. */
const CHUNK = 1000;

class Rollback extends Error {}

export interface SyncRun {
  id?: string;
  signal?: AbortSignal;
  onProgress?: (entries: number) => void;
}

/**
 * Syncs a source: reads every user of the directory (paged), then, in one transaction, creates
 * the new ones, changes the ones whose entries changed, and deactivates the ones gone — through
 * the same checks as any other write of users. A dry run does the checks and writes nothing; so
 * do a cancel and any failure. Entries the directory's rules refuse are reported and left out.
 */
export async function syncSource(
  db: Db,
  guards: Safeguards,
  requester: Requester,
  domain: DomainRecord,
  source: SourceRow,
  dryRun: boolean,
  run: SyncRun = {},
): Promise<SyncReport> {
  const started = performance.now();
  const attributes = attributesOf(source);
  const managed: Managed = {
    defaultRoles: JSON.parse(source.default_roles) as string[],
    mappings: JSON.parse(source.group_mappings) as GroupMapping[],
  };
  const users = await readDirectory(guards.cipher, source, attributes, managed, run);
  const report = new SyncTally(dryRun, users.length);
  const syncId = run.id ?? timeOrderedId();
  const apply = new SyncWrites(requester, domain, guards, source, syncId, dryRun, report, run.signal);
  const written = await db
    .transaction()
    .execute((trx) =>
      keepingAnAdministrator(trx, domain.id, () =>
        numberedAtTheEnd(trx, async () => {
          await apply.run(trx, users, attributes, managed);
          if (dryRun) throw new Rollback();
          const lastSync: LastSync = { at: new Date().toISOString(), by: requester.login, dryRun, ...report.counts() };
          await writeSource(trx, source.id, { last_sync: JSON.stringify(lastSync) });
          // A sync that changed nothing (a schedule's usual run) leaves no entry in the audit log or the change feed.
          if (report.created + report.changed + report.deactivated === 0) return true;
          await recordAudit(trx, {
            domainId: domain.id,
            actor: requester,
            action: 'directory_source.synced',
            target: { type: 'directory_source', id: source.id, name: source.name },
            changes: { lastSync: { from: source.last_sync === null ? null : JSON.parse(source.last_sync), to: lastSync } },
          });
          return true;
        }),
      ),
    )
    .catch((error: unknown) => {
      if (error instanceof Rollback) return false;
      throw error;
    });
  return report.result(written, Math.round(performance.now() - started));
}

/** Every user entry of the directory, with the groups each is a member of. */
async function readDirectory(cipher: SecretCipher, source: SourceRow, attributes: AttributeMapping, managed: Managed, run: SyncRun) {
  const server = { url: source.url, startTls: source.start_tls === 1, bindDn: source.bind_dn, bindPassword: cipher.open(source.bind_password) };
  return withDirectory(server, async (session) => {
    const members = source.membership === 'groupOfNames' ? await membersOfMappedGroups(session, managed.mappings) : null;
    const membershipOf = members
      ? (entry: { dn: string }) => members.get(dnKey(entry.dn)) ?? []
      : (entry: { attributes: Map<string, string[]> }) => entry.attributes.get('memberof') ?? [];
    const users: DirectoryUser[] = [];
    for await (const page of session.entries(source.base_dn, source.user_filter, searchedAttributes(attributes, source.membership as Membership))) {
      for (const entry of page) users.push(directoryUserOf(entry, attributes, membershipOf));
      run.onProgress?.(users.length);
      if (run.signal?.aborted) throw run.signal.reason;
    }
    return users;
  });
}

/** For groupOfNames directories: member DN → the mapped groups naming it. Only the mapped groups are read. */
async function membersOfMappedGroups(session: DirectorySession, mappings: GroupMapping[]) {
  const groupsOf = new Map<string, string[]>();
  for (const groupDn of new Set(mappings.map((m) => m.groupDn))) {
    for (const member of await session.members(groupDn)) {
      const key = dnKey(member);
      groupsOf.set(key, [...(groupsOf.get(key) ?? []), groupDn]);
    }
  }
  return groupsOf;
}

/** The counts of a sync, with the first of each kind kept for the report. */
class SyncTally {
  created = 0;
  changed = 0;
  deactivated = 0;
  unchanged = 0;
  problems = 0;
  readonly samples: SyncReport['samples'] = { created: [], changed: [], deactivated: [] };
  readonly problemList: SyncReport['problemList'] = [];

  constructor(
    readonly dryRun: boolean,
    readonly entries: number,
  ) {}

  problem(dn: string, code: string, message: string) {
    this.problems += 1;
    if (this.problemList.length < SAMPLES_KEPT) this.problemList.push({ dn, code, message });
  }

  sample<K extends keyof SyncReport['samples']>(kind: K, item: SyncReport['samples'][K][number]) {
    const list = this.samples[kind] as unknown[];
    if (list.length < SAMPLES_KEPT) list.push(item);
  }

  counts() {
    const { entries, created, changed, deactivated, unchanged, problems } = this;
    return { entries, created, changed, deactivated, unchanged, problems };
  }

  result(written: boolean, durationMs: number): SyncReport {
    return { dryRun: this.dryRun, written, ...this.counts(), samples: this.samples, problemList: this.problemList, durationMs };
  }
}

const problemText = (error: unknown) => {
  if (!(error instanceof Problem)) throw error;
  return {
    code: error.errors?.[0]?.code ?? error.code,
    message: error.errors?.length ? error.errors.map((e) => `${e.path}: ${e.message}`).join('; ') : error.detail,
  };
};

const issuesText = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('/')}: ${i.message}`).join('; ');

/** The writes of one sync, in its transaction. */
class SyncWrites {
  #chunks = 0;

  constructor(
    private readonly requester: Requester,
    private readonly domain: DomainRecord,
    private readonly guards: Safeguards,
    private readonly source: SourceRow,
    private readonly syncId: string,
    private readonly dryRun: boolean,
    private readonly tally: SyncTally,
    private readonly signal: AbortSignal | undefined,
  ) {}

  async run(trx: Db, users: DirectoryUser[], attributes: AttributeMapping, managed: Managed) {
    const held = await syncedUsers(trx, this.source.id);
    const empty = emptyDirectoryProblem(users.length, held);
    if (empty) throw new Problem(409, 'directory_source.empty_result', empty);
    const plan = planSync(users, held, attributes, managed);
    for (const p of plan.problems) this.tally.problem(p.dn, p.code, p.message);
    this.tally.unchanged = plan.unchanged;
    const lookups = new ImportLookups(trx, this.domain.id);
    for (let i = 0; i < plan.creates.length; i += CHUNK) {
      await this.#create(trx, lookups, plan.creates.slice(i, i + CHUNK), managed);
      if (this.signal?.aborted) throw this.signal.reason;
    }
    for (const { before, user, change } of plan.changes) {
      if (await this.#change(trx, before.id, change, user.dn))
        this.tally.sample('changed', { login: user.fields.login ?? before.login, fields: changedFields(change) });
      if (dnKey(before.dn) !== dnKey(user.dn) && !this.dryRun) await setDirectoryEntries(trx, this.source.id, [{ id: before.id, dn: user.dn }]);
    }
    for (const gone of plan.gone) {
      if (await this.#change(trx, gone.id, { active: false }, gone.dn, 'deactivated')) this.tally.sample('deactivated', gone.login);
    }
    if (this.signal?.aborted) throw this.signal.reason;
  }

  async #create(trx: Db, lookups: ImportLookups, users: DirectoryUser[], managed: Managed) {
    const elsewhere = await loginsHeldElsewhere(
      trx,
      this.domain.id,
      this.source.id,
      users.map((u) => (u.fields.login ?? '').toLowerCase()),
    );
    await lookups.prefetch({
      logins: users.map((u) => (u.fields.login ?? '').toLowerCase()),
      emails: users.flatMap((u) => (u.fields.email ? [u.fields.email.toLowerCase()] : [])),
      numbers: users.flatMap((u) => (u.fields.extension ? [u.fields.extension] : [])),
      usernames: users.flatMap((u) => (u.fields.extension ? [u.fields.extension.toLowerCase()] : [])),
    });
    const ready: NewUser[] = [];
    for (const user of users) {
      const login = user.fields.login ?? '';
      if (elsewhere.has(login.toLowerCase())) {
        this.tally.problem(
          user.dn,
          'directory_source.login_taken',
          `A user of Switchboard's own (or of another source) has the login ${JSON.stringify(login)}`,
        );
        continue;
      }
      const input = userCreate.safeParse(createInput(user, grantsOf(user, managed)));
      if (!input.success) {
        this.tally.problem(user.dn, 'directory_source.invalid_entry', issuesText(input.error));
        continue;
      }
      try {
        const prepared = await prepareUser(trx, this.requester, this.domain, input.data, this.guards, { lookups });
        lookups.claim(prepared);
        ready.push({ id: timeOrderedId(), user: prepared, directory: { sourceId: this.source.id, dn: user.dn } });
        this.tally.sample('created', login);
      } catch (error) {
        const { code, message } = problemText(error);
        this.tally.problem(user.dn, code, message);
      }
    }
    this.tally.created += ready.length;
    if (this.dryRun || ready.length === 0) return;
    const bulkOperation = { from: null, to: this.syncId };
    // A compact entry per user, as the import writes: its whole state is the directory's entry, and the sync is named.
    await writeNewUsers(trx, this.requester, this.domain, ready, {
      lookups,
      auditChanges: (user) => ({ login: { from: null, to: user.state.login }, bulkOperation }),
    });
    await this.#refreshStatistics(trx);
  }

  /**
   * PostgreSQL plans the chunks' look-ups from statistics taken before the sync, which know
   * nothing of the users it has written: refreshed after chunks 1, 2, 4, 8, … as the import does.
   */
  async #refreshStatistics(trx: Db) {
    this.#chunks += 1;
    if ((this.#chunks & (this.#chunks - 1)) === 0) await refreshStatistics(trx);
  }

  /** One user's change, through the users' own checks; false when they refused it (reported). */
  async #change(trx: Db, id: string, change: SyncChange, dn: string, kind: 'changed' | 'deactivated' = 'changed'): Promise<boolean> {
    if (Object.keys(change).length === 0) {
      this.tally.changed += 1;
      return true;
    }
    const parsed = userUpdate.safeParse(change);
    if (!parsed.success) {
      this.tally.problem(dn, 'directory_source.invalid_entry', issuesText(parsed.error));
      return false;
    }
    try {
      const before = await readUser(trx, this.domain, id);
      const prepared = await prepareChange(trx, this.requester, this.domain, before, parsed.data, this.guards, { bySync: true });
      if (!this.dryRun) await writeChange(trx, this.requester, this.domain, prepared, { bulkOperation: { from: null, to: this.syncId } });
      this.tally[kind] += 1;
      return true;
    } catch (error) {
      const { code, message } = problemText(error);
      this.tally.problem(dn, code, message);
      return false;
    }
  }
}

/** A new user as the directory describes it, in the shape of a user POST (checked by its schema). */
function createInput(user: DirectoryUser, grants: { roles: string[]; groups: string[] }) {
  const f = user.fields;
  return {
    login: f.login,
    email: f.email,
    firstName: f.firstName ?? '',
    lastName: f.lastName ?? '',
    workPhone: f.workPhone,
    position: f.position,
    description: f.description,
    roles: grants.roles,
    groups: grants.groups,
    ...(f.oauthEmail ? { integrations: { oauthEmail: f.oauthEmail } } : {}),
    ...(f.extension ? { sip: { extension: f.extension } } : {}),
  };
}

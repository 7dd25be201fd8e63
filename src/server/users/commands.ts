import { setTimeout as sleep } from 'node:timers/promises';
import type { SipDigests } from '../sip-accounts/digest.ts';
import type { Db } from '../db/schema.ts';
import { uniqueViolationAs } from '../db/errors.ts';
import { hashPassword } from '../passwords/hashing.ts';
import { closeUserSessions } from '../sessions/store.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import { diff, type Changes } from '../audit/rules.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { stale } from '../http/etag.ts';
import { conflict, forbidden, invalid, notFound, Problem, Refusals, type FieldProblem } from '../http/problem.ts';
import type { Permission } from '../permissions/catalog.ts';
import { grantablePermissions } from '../permissions/catalog.ts';
import { keepingAnAdministrator } from '../roles/administrators.ts';
import { resolveNames } from '../roles/store.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import { effectivePermissions } from '../permissions/effective.ts';
import { accountControlFields, accountControlRefusal, administrationFields, applyUpdate, ownedFieldProblems } from './rules.ts';
import { permissionsBeyondActor } from '../permissions/rules.ts';
import { rememberPassword } from '../passwords/store.ts';
import { clearTwoFactor } from '../totp/store.ts';
import type { Safeguards } from './safeguards.ts';
import { defaultSecurity } from './security-schema.ts';
import type { UserCreate, UserUpdate, UserView } from './schema.ts';
import { blankTelephony, prepareTelephony, writeTelephony, type PreparedTelephony } from './telephony.ts';
import { signOutOfDesk } from '../sip-accounts/store.ts';
import { lookupsOf } from './lookups.ts';
import { type Lookups } from '../tenancy/lookups.ts';
import { writeNewUsers } from './new-users.ts';
import { passCrmGateAlone } from './crm-passage.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import { sortedExternalIds } from '../external-ids/rules.ts';
import { heldProblems } from '../external-ids/store.ts';
import {
  accountHolders,
  directoryOwnerOf,
  findTaken,
  findUserRow,
  findUserView,
  setDeleted,
  updateUser,
  type Links,
  type StoredSecrets,
  type UserRow,
  type UserState,
} from './store.ts';

/** Who asks for a change, with what they may grant. */
export interface Requester extends AuditActor {
  platformAdmin: boolean;
  permissions: ReadonlySet<Permission>;
}

export interface PreparedUser {
  state: UserState;
  links: Links;
  secrets: StoredSecrets;
  secretsSet: string[];
  telephony: PreparedTelephony;
}

/** Checks, asks the CRM gate (outside the transaction), writes. */
export async function createUser(db: Db, requester: Requester, domain: DomainRecord, input: UserCreate, guards: Safeguards): Promise<UserView> {
  const prepared = await prepareUser(db, requester, domain, input, guards);
  await passCrmGateAlone(db, guards, domain, { state: prepared.state, reason: 'user.create' });
  return writePreparedUser(db, requester, domain, prepared);
}

/** A prepared user that passed the CRM gate, written in a transaction of its own and read back. */
export async function writePreparedUser(db: Db, requester: Requester, domain: DomainRecord, prepared: PreparedUser): Promise<UserView> {
  const id = await db
    .transaction()
    .execute((trx) => writeNewUser(trx, requester, domain, prepared))
    .catch(uniqueViolationAs(loginTaken));
  return withSecret(await readUser(db, domain, id), prepared.telephony);
}

/** Picks an extension from the range, if the change needs one, and puts the result in the state. */
async function settleTelephony(trx: Db, state: UserState, telephony: PreparedTelephony) {
  if (!telephony.allocate) return;
  await telephony.allocate(trx);
  state.sip = telephony.state.sip;
}

/** A secret the server generated is answered once, with the write that made it. */
function withSecret(view: UserView, telephony: PreparedTelephony): UserView {
  return telephony.generatedSecret && view.sip ? { ...view, sip: { ...view.sip, secret: telephony.generatedSecret } } : view;
}

/** Everything a new user needs that is slow or may fail on input: checks, name lookups, hashing. */
export async function prepareUser(
  db: Db,
  requester: Requester,
  domain: DomainRecord,
  input: UserCreate,
  guards: Safeguards,
  options: { grantedLicenses?: string[]; lookups?: Lookups; sipDigests?: SipDigests } = {},
): Promise<PreparedUser> {
  const { password, security, integrations, sip, agent, ...fields } = input;
  const lookups = options.lookups ?? lookupsOf(db, domain.id);
  const calDavToken = integrations?.calDavToken ?? null;
  // Every check runs, each refusal kept, so one answer lists all of the input's problems.
  const refusals = new Refusals();
  const telephony = (await refusals.check(() =>
    prepareTelephony(
      lookups,
      domain,
      { id: null, login: fields.login },
      blankTelephony(domain),
      { sip, agent, sipDigests: options.sipDigests },
      options.grantedLicenses,
    ),
  )) ?? {
    state: blankTelephony(domain),
    secretsChanged: [],
  };
  const state: UserState = {
    ...fields,
    ...telephony.state,
    security: { ...defaultSecurity, ...security },
    integrations: { oauthEmail: integrations?.oauthEmail ?? null, crmId: integrations?.crmId ?? null, calDavTokenSet: calDavToken !== null },
    email: fields.email ?? null,
    position: fields.position ?? null,
    workPhone: fields.workPhone ?? null,
    timezone: fields.timezone ?? null,
    language: fields.language ?? null,
    description: fields.description ?? null,
    externalIds: sortedExternalIds(fields.externalIds),
    employeeNumber: fields.employeeNumber ?? null,
    department: fields.department ?? null,
    managerId: fields.managerId ?? null,
    locale: fields.locale ?? null,
  };
  const links = await refusals.check(() => resolveLinks(lookups, state, []));
  if (links)
    assertMayGrant(requester, {
      ...links,
      granted: await grantedBy(lookups, links, [], state.domainAdmin && 'domainAdmin'),
      platformAdmin: state.platformAdmin,
    });
  const taken = await findTaken(lookups, state);
  if (taken.length) refusals.keep(conflict('user.exists', taken.map((t) => t.message).join('; '), taken));
  await refusals.check(() => assertExternalIdsFree(lookups, state.externalIds, null));
  if (password && guards.passwords) await refusals.check(() => guards.passwords?.assertAcceptable(domain.id, password, state));
  refusals.throwIfAny();
  if (!links) throw new Error('unreachable: links are resolved when nothing was refused');
  return {
    state,
    links,
    secrets: { passwordHash: password ? await hashPassword(password) : null, calDavToken: calDavToken === null ? null : guards.cipher.seal(calDavToken) },
    secretsSet: [...(password ? ['password'] : []), ...(calDavToken === null ? [] : ['calDavToken'])],
    telephony,
  };
}

/** Writes a prepared user and its audit entry in the caller's transaction; answers the new id. */
export async function writeNewUser(trx: Db, requester: AuditActor, domain: DomainRecord, user: PreparedUser): Promise<string> {
  // Time-ordered, so users made in the same millisecond still sort by creation.
  const id = timeOrderedId();
  await writeNewUsers(trx, requester, domain, [{ id, user }]);
  return id;
}

export async function changeUser(
  db: Db,
  requester: Requester,
  domain: DomainRecord,
  id: string,
  change: UserUpdate,
  expectedVersion: number | undefined,
  guards: Safeguards,
): Promise<UserView> {
  // Without If-Match the caller asked for its change on whatever is there: a write that slipped in
  // between our read and our write is read again, not answered 412 (which If-Match alone asks for).
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await changeUserOnce(db, requester, domain, id, change, expectedVersion, guards);
    } catch (error) {
      if (expectedVersion !== undefined || attempt === UNCONDITIONAL_ATTEMPTS || !(error instanceof Problem && error.code === stale().code)) throw error;
      // Apart, so that of several writers each attempt lets one through rather than none.
      await sleep(Math.random() * 10 * attempt);
    }
  }
}

/** How often a change without If-Match is tried on a user others keep changing, before it is refused as stale. */
const UNCONDITIONAL_ATTEMPTS = 20;

async function changeUserOnce(
  db: Db,
  requester: Requester,
  domain: DomainRecord,
  id: string,
  change: UserUpdate,
  expectedVersion: number | undefined,
  guards: Safeguards,
): Promise<UserView> {
  const before = await readUser(db, domain, id, { deleted: false });
  if (expectedVersion !== undefined && expectedVersion !== before.version) throw stale();
  const prepared = await prepareChange(db, requester, domain, before, change, guards);
  if (!before.sip && prepared.state.sip) await passCrmGateAlone(db, guards, domain, { state: prepared.state, reason: 'sip.create', userId: id });
  // Most changes (a description, a phone) cannot take an administrator away: no look for one around them.
  const mayUnseat = [...prepared.changedFields].some((key) => administrationFields.has(key));
  await db
    .transaction()
    .execute((trx) =>
      mayUnseat ? keepingAnAdministrator(trx, domain.id, () => writeChange(trx, requester, domain, prepared)) : writeChange(trx, requester, domain, prepared),
    )
    .catch(uniqueViolationAs(loginTaken));
  return withSecret(await readUser(db, domain, id), prepared.telephony);
}

const ownable = new Set(['login', 'email', 'firstName', 'lastName', 'workPhone', 'position', 'description', 'integrations', 'sip', 'active', 'password']);

/** What a user's directory source owns changes only through its sync (options.bySync). */
async function refuseOwnedFields(db: Db, before: UserView, after: UserView, change: UserUpdate) {
  // Most changes (roles, groups, tags, telephony settings) touch nothing a source can own: no query for them.
  if (!Object.entries(change).some(([key, value]) => value !== undefined && ownable.has(key))) return;
  const owner = await directoryOwnerOf(db, before.id);
  const problems = owner ? ownedFieldProblems(owner, before, after, change) : [];
  if (problems.length)
    throw conflict(
      'user.owned_by_directory',
      `Fields owned by the directory source ${JSON.stringify(owner?.name)}: ${problems.map((p) => p.path).join(', ')}`,
      problems,
    );
}

/** A change checked, resolved and hashed, ready to be written; `changed` says whether it changes anything. */
export interface PreparedChange {
  before: UserView;
  state: UserState;
  /** The fields of the state the change sets to another value (secrets aside). */
  changedFields: Set<string>;
  links: Links;
  secrets: StoredSecrets;
  secretsChanged: string[];
  telephony: PreparedTelephony;
  changed: boolean;
}

/** Everything a change needs that is slow or may fail on input, outside any transaction. */
export async function prepareChange(
  db: Db,
  requester: Requester,
  domain: DomainRecord,
  before: UserView,
  change: UserUpdate,
  guards: Safeguards,
  options: { bySync?: boolean; sipDigests?: SipDigests } = {},
): Promise<PreparedChange> {
  const id = before.id;
  const after = applyUpdate(before, change);
  const lookups = lookupsOf(db, domain.id);
  // Every check runs, each refusal kept, so one answer lists all of the change's problems.
  const refusals = new Refusals();
  if (!options.bySync) await refusals.check(() => refuseOwnedFields(db, before, after, change));
  const telephony = (await refusals.check(() =>
    prepareTelephony(
      lookups,
      domain,
      { id, login: after.login },
      { sip: before.sip, agent: before.agent },
      { sip: change.sip, agent: change.agent, sipDigests: options.sipDigests },
    ),
  )) ?? {
    state: { sip: before.sip, agent: before.agent },
    secretsChanged: [],
  };
  Object.assign(after, telephony.state);
  const state = stateOf(after);
  const links = await refusals.check(() => resolveLinks(lookups, state, []));
  // After the links are resolved: they write the catalog's spelling of the tags into the state.
  const stateBefore = stateOf(before);
  const changedFields = new Set(Object.keys(diff(stateBefore, state)));
  if (links) {
    // Unchanged roles and groups resolve to the same ids: not asked again.
    const previous = changedFields.has('roles') || changedFields.has('groups') ? await resolveLinks(lookups, stateBefore, []) : links;
    assertMayGrant(requester, {
      ...links,
      granted: await grantedBy(lookups, links, [previous.roleIds, previous.groupIds].flat(), after.domainAdmin && !before.domainAdmin && 'domainAdmin'),
      platformAdmin: after.platformAdmin !== before.platformAdmin,
    });
  }
  const controlling =
    change.password !== undefined || change.integrations?.calDavToken !== undefined || [...changedFields].some((key) => accountControlFields.has(key));
  // What else a change may touch is refused only on a platform administrator, whom the view names: no query for the rest (a bulk edit of thousands).
  if (controlling || before.platformAdmin) await assertMayChangeAccounts(db, requester, domain.id, [id], controlling);
  const taken = await findTaken(lookups, { login: change.login, email: change.email }, id);
  if (taken.length) refusals.keep(conflict('user.exists', taken.map((t) => t.message).join('; '), taken));
  if (change.externalIds) await refusals.check(() => assertExternalIdsFree(lookups, state.externalIds, id));
  if (change.password && guards.passwords) await refusals.check(() => guards.passwords?.assertAcceptable(domain.id, change.password as string, after, id));
  refusals.throwIfAny();
  if (!links) throw new Error('unreachable: links are resolved when nothing was refused');
  const passwordHash = change.password === undefined ? undefined : change.password === null ? null : await hashPassword(change.password);
  const token = change.integrations?.calDavToken;
  const secrets: StoredSecrets = { passwordHash, calDavToken: token === undefined || token === null ? token : guards.cipher.seal(token) };
  const secretsChanged = [...(change.password !== undefined ? ['password'] : []), ...(token !== undefined ? ['calDavToken'] : [])];
  const changed = secretsChanged.length + telephony.secretsChanged.length > 0 || telephony.allocate !== undefined || changedFields.size > 0;
  return { before, state, changedFields, links, secrets, secretsChanged, telephony, changed };
}

/** Writes a prepared change and its audit entry in the caller's transaction. */
export async function writeChange(trx: Db, requester: AuditActor, domain: DomainRecord, prepared: PreparedChange, auditExtra: Changes = {}): Promise<void> {
  const { before, state, links, secrets, telephony } = prepared;
  await settleTelephony(trx, state, telephony);
  if (!(await updateUser(trx, domain.id, before.id, before.version, state, links, secrets, before))) throw stale();
  await writeTelephony(trx, domain.id, before.id, telephony);
  if (before.security.twoFactor === 'totp' && state.security.twoFactor === 'none') await clearTwoFactor(trx, before.id);
  if (secrets.passwordHash) await rememberPassword(trx, before.id, secrets.passwordHash);
  // A new password or a deactivation ends every open session of the account.
  if (secrets.passwordHash !== undefined || (before.active && !state.active)) await closeUserSessions(trx, before.id);
  await recordAudit(trx, {
    domainId: domain.id,
    actor: requester,
    action: 'user.updated',
    target: { type: 'user', id: before.id, name: state.login },
    changes: { ...diff(stateOf(before), state, [...prepared.secretsChanged, ...telephony.secretsChanged]), ...auditExtra },
    version: before.version + 1,
  });
}

export async function deleteUser(db: Db, requester: Requester, domain: DomainRecord, id: string, expectedVersion: number | undefined) {
  const before = await readUser(db, domain, id, { deleted: false });
  if (expectedVersion !== undefined && expectedVersion !== before.version) throw stale();
  await assertMayChangeAccounts(db, requester, domain.id, [id], true);
  await db.transaction().execute((trx) =>
    keepingAnAdministrator(trx, domain.id, async () => {
      if (!(await setDeleted(trx, id, before.version, new Date().toISOString()))) throw stale();
      await closeUserSessions(trx, id);
      await signOutOfDesk(trx, id, 'system');
      await recordAudit(trx, {
        domainId: domain.id,
        actor: requester,
        action: 'user.deleted',
        target: { type: 'user', id, name: before.login },
        changes: {},
        version: before.version + 1,
      });
    }),
  );
}

export async function restoreUser(db: Db, requester: AuditActor, domain: DomainRecord, id: string): Promise<UserView> {
  const before = await readUser(db, domain, id, { deleted: true });
  await db.transaction().execute(async (trx) => {
    if (!(await setDeleted(trx, id, before.version, null))) throw stale();
    await recordAudit(trx, {
      domainId: domain.id,
      actor: requester,
      action: 'user.restored',
      target: { type: 'user', id, name: before.login },
      changes: {},
      version: before.version + 1,
    });
  });
  return readUser(db, domain, id);
}

/**
 * Refuses a change to these accounts that the requester may not make (see accountControlRefusal):
 * `controlling` when it touches their credentials, security, e-mail, activation or sessions.
 */
export async function assertMayChangeAccounts(db: Db, requester: Requester, domainId: string, ids: string[], controlling: boolean): Promise<void> {
  if (requester.platformAdmin) return;
  for (const [id, holder] of await accountHolders(db, domainId, ids)) {
    const refusal = accountControlRefusal(
      requester,
      { id, platformAdmin: holder.platformAdmin, permissions: effectivePermissions(holder.roles, holder) },
      controlling,
    );
    if (refusal) throw new Problem(403, refusal.code, ids.length > 1 ? `${refusal.detail} (user ${id})` : refusal.detail);
  }
}

/** The account acting on itself with all it holds: a password reset token's holder is its owner. */
export async function accountItself(db: Db, domainId: string, user: UserRow): Promise<Requester> {
  const holder = (await accountHolders(db, domainId, [user.id])).get(user.id);
  const permissions = holder ? effectivePermissions(holder.roles, holder) : new Set<Permission>();
  return { id: user.id, login: user.login, platformAdmin: user.platform_admin === 1, permissions };
}

/** A live user whose sessions, tokens, second factor or lockout the requester takes charge of. */
export async function accountInCharge(db: Db, requester: Requester, domainId: string, id: string): Promise<UserRow> {
  const row = await findUserRow(db, domainId, id);
  if (!row || row.deleted_at) throw notFound('User');
  await assertMayChangeAccounts(db, requester, domainId, [id], true);
  return row;
}

/** A user of the domain; `deleted` picks live or deleted ones, absent means either. */
export async function readUser(db: Db, domain: DomainRecord, id: string, only?: { deleted: boolean }): Promise<UserView> {
  const view = await findUserView(db, domain, id);
  if (!view || (only && (view.deletedAt !== null) !== only.deleted)) throw notFound(only?.deleted ? 'Deleted user' : 'User');
  return view;
}

/** Each id of the list another user of the domain holds is a 409 naming the system and the id. */
export async function assertExternalIdsFree(lookups: Lookups, list: UserState['externalIds'], exceptId: string | null): Promise<void> {
  const held = await lookups.externalIdsHeld(list, exceptId);
  if (held.length === 0) return;
  const problems = heldProblems(list, held);
  throw conflict('user.external_id_taken', problems.map((p) => p.message).join('; '), problems);
}

function stateOf(view: UserView): UserState {
  const {
    id: _id,
    domain: _domain,
    hasPassword: _p,
    licenses: _l,
    directorySource: _s,
    version: _v,
    createdAt: _c,
    updatedAt: _u,
    deletedAt: _d,
    ...state
  } = view;
  return { ...state, externalIds: sortedExternalIds(state.externalIds) };
}

/**
 * Resolves the names of roles and groups to ids and checks the tags against the domain's catalog,
 * writing the catalog's spelling of each tag into the state; every unknown name is a problem.
 */
async function resolveLinks(lookups: Lookups, state: UserState, problems: FieldProblem[]): Promise<Links> {
  const roles = await resolveNames(lookups, 'roles', state.roles);
  const groups = await resolveNames(lookups, 'groups', state.groups);
  const catalog = await lookups.catalog('tags', state.tags.map(nameKey));
  const spelling = new Map(catalog.map((t) => [t.name_key, t.name]));
  state.tags.forEach((tag, index) => {
    if (!spelling.has(nameKey(tag)))
      problems.push({
        path: `tags/${index}`,
        code: 'tag.unknown',
        message: `No tag named ${JSON.stringify(tag)} in this domain; add it to the domain's tags first`,
      });
  });
  state.tags = state.tags.map((tag) => spelling.get(nameKey(tag)) ?? tag);
  problems.push(
    ...roles.missing.map(({ name, index }) => ({
      path: `roles/${index}`,
      code: 'role.unknown',
      message: `No role named ${JSON.stringify(name)} in this domain`,
    })),
    ...groups.missing.map(({ name, index }) => ({
      path: `groups/${index}`,
      code: 'group.unknown',
      message: `No group named ${JSON.stringify(name)} in this domain`,
    })),
  );
  if (problems.length) throw invalid(problems);
  return { roleIds: roles.ids, groupIds: groups.ids };
}

/** Permissions newly handed out: by added roles, by roles of added groups, or by the administrator flag. */
async function grantedBy(lookups: Lookups, links: Links, alreadyHeld: string[], flag: string | false): Promise<string[]> {
  if (flag) return grantablePermissions;
  const held = new Set(alreadyHeld);
  const lists = await lookups.permissionsOf(
    links.roleIds.filter((id) => !held.has(id)),
    links.groupIds.filter((id) => !held.has(id)),
  );
  return lists.flat();
}

function assertMayGrant(requester: Requester, change: Links & { granted: string[]; platformAdmin: boolean }) {
  if (change.platformAdmin && !requester.platformAdmin) throw forbidden('Only a platform administrator can grant or revoke platform administration');
  const beyond = permissionsBeyondActor(requester, change.granted);
  if (beyond.length) throw forbidden(`You cannot grant permissions you do not hold: ${beyond.join(', ')}`);
}

/** Two writers racing for one login: the database's unique index decides, and the loser hears 409. */
const loginTaken = () => conflict('user.exists', 'The login, e-mail, extension, SIP username or an external id was taken a moment ago by another request');

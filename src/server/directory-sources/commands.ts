import { diff, MASK } from '../audit/rules.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import type { Db } from '../db/schema.ts';
import { conflict, forbidden, invalid, notFound, type FieldProblem } from '../http/problem.ts';
import { permissionsBeyondActor } from '../permissions/rules.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import { nameKey } from '../identifiers/normal-form.ts';
import { resolveNames } from '../roles/store.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import type { Requester } from '../users/commands.ts';
import { lookupsOf } from '../users/lookups.ts';
import { ownedFields, presets, startTlsProblem, type AttributeMapping } from './rules.ts';
import type { DirectorySourceCreate, DirectorySourceUpdate, DirectorySourceView, GroupMapping } from './schema.ts';
import { attributesOf, deleteSource, findSource, insertSource, nameTaken, toSourceView, writeSource, type SourceRow } from './store.ts';

const audited = (source: Pick<SourceRow, 'id' | 'name'>) => ({ type: 'directory_source', id: source.id, name: source.name });

/** What the audit log keeps of a source: its settings, never its bind password. */
const auditable = ({ id: _id, bindPasswordSet: _set, lastSync: _last, nextSyncAt: _next, createdAt: _c, updatedAt: _u, ...settings }: DirectorySourceView) =>
  settings;

export async function mustFindSource(db: Db, domainId: string, id: string): Promise<SourceRow> {
  const found = await findSource(db, domainId, id);
  if (!found) throw notFound('Directory source');
  return found;
}

const nextSyncAt = (minutes: number | null, from = Date.now()) => (minutes === null ? null : new Date(from + minutes * 60_000).toISOString());

/** The settings a source row holds, checked: a free name, known roles and groups, StartTLS only on ldap://. */
async function checkedSettings(db: Db, requester: Requester, domain: DomainRecord, id: string | null, settings: Omit<DirectorySourceCreate, 'bindPassword'>) {
  const problems: FieldProblem[] = [];
  if (await nameTaken(db, domain.id, nameKey(settings.name), id))
    problems.push({ path: 'name', code: 'directory_source.name_taken', message: `A directory source named ${JSON.stringify(settings.name)} exists already` });
  const tls = startTlsProblem(settings.url, settings.startTls);
  if (tls) problems.push({ path: 'startTls', code: 'directory_source.start_tls', message: tls });
  problems.push(...(await unknownNames(db, domain.id, settings.defaultRoles, settings.groupMappings)));
  if (problems.length) throw invalid(problems);
  await assertMayGrant(db, domain.id, requester, settings.defaultRoles, settings.groupMappings);
}

/**
 * Scheduled syncs grant the mapped roles and groups on their own: whoever sets a source up must
 * hold every permission they hand out, as for granting them to a user by hand.
 */
async function assertMayGrant(db: Db, domainId: string, requester: Requester, defaultRoles: string[], mappings: GroupMapping[]) {
  const lookups = lookupsOf(db, domainId);
  const roles = await resolveNames(lookups, 'roles', [...defaultRoles, ...mappings.flatMap((m) => m.roles)]);
  const groups = await resolveNames(
    lookups,
    'groups',
    mappings.flatMap((m) => m.groups),
  );
  const beyond = permissionsBeyondActor(requester, (await lookups.permissionsOf(roles.ids, groups.ids)).flat());
  if (beyond.length) throw forbidden(`The source would grant permissions you do not hold: ${beyond.join(', ')}`);
}

async function unknownNames(db: Db, domainId: string, defaultRoles: string[], mappings: GroupMapping[]): Promise<FieldProblem[]> {
  const lookups = lookupsOf(db, domainId);
  const missing = async (table: 'roles' | 'groups', names: string[], path: string) =>
    (await resolveNames(lookups, table, names)).missing.map(({ name, index }) => ({
      path: `${path}/${index}`,
      code: table === 'roles' ? 'role.unknown' : 'group.unknown',
      message: `No ${table === 'roles' ? 'role' : 'group'} named ${JSON.stringify(name)} in this domain`,
    }));
  const problems = await missing('roles', defaultRoles, 'defaultRoles');
  for (const [index, mapping] of mappings.entries()) {
    problems.push(...(await missing('roles', mapping.roles, `groupMappings/${index}/roles`)));
    problems.push(...(await missing('groups', mapping.groups, `groupMappings/${index}/groups`)));
  }
  return problems;
}

/** The row columns of a source's settings; the preset fills what the input leaves out. */
function settingsColumns(input: Omit<DirectorySourceCreate, 'bindPassword' | 'attributes'> & { attributes: Partial<AttributeMapping> }) {
  const preset = presets[input.preset];
  const attributes = { ...preset.attributes, ...input.attributes };
  return {
    name: input.name,
    name_key: nameKey(input.name),
    url: input.url,
    start_tls: input.startTls ? 1 : 0,
    bind_dn: input.bindDn,
    base_dn: input.baseDn,
    user_filter: input.userFilter ?? preset.userFilter,
    preset: input.preset,
    attributes: JSON.stringify(input.attributes),
    membership: input.membership ?? preset.membership,
    group_mappings: JSON.stringify(input.groupMappings),
    default_roles: JSON.stringify(input.defaultRoles),
    owned_fields: JSON.stringify(ownedFields(attributes)),
    schedule_minutes: input.scheduleMinutes,
  };
}

export async function createSource(db: Db, cipher: SecretCipher, actor: Requester, domain: DomainRecord, input: DirectorySourceCreate) {
  await checkedSettings(db, actor, domain, null, input);
  const now = new Date().toISOString();
  const row: SourceRow = {
    id: timeOrderedId(),
    domain_id: domain.id,
    ...settingsColumns(input),
    bind_password: cipher.seal(input.bindPassword),
    next_sync_at: nextSyncAt(input.scheduleMinutes),
    last_sync: null,
    created_at: now,
    updated_at: now,
  };
  const view = toSourceView(row);
  await db.transaction().execute(async (trx) => {
    await insertSource(trx, row);
    await recordAudit(trx, {
      domainId: domain.id,
      actor,
      action: 'directory_source.created',
      target: audited(row),
      changes: diff(null, { ...auditable(view), bindPassword: MASK }),
    });
  });
  return view;
}

/**
 * Changes a source's settings; a preset change starts the mapping again from the new preset's,
 * with the changes given. What the source owns of its users follows the new mapping at once.
 */
export async function updateSource(
  db: Db,
  cipher: SecretCipher,
  actor: Requester,
  domain: DomainRecord,
  id: string,
  change: DirectorySourceUpdate,
): Promise<DirectorySourceView> {
  const before = await mustFindSource(db, domain.id, id);
  const was = toSourceView(before);
  const presetChanged = change.preset !== undefined && change.preset !== was.preset;
  const preset = change.preset ?? was.preset;
  const merged = {
    name: change.name ?? was.name,
    url: change.url ?? was.url,
    startTls: change.startTls ?? was.startTls,
    bindDn: change.bindDn ?? was.bindDn,
    baseDn: change.baseDn ?? was.baseDn,
    userFilter: change.userFilter ?? (presetChanged ? undefined : was.userFilter),
    preset,
    attributes: { ...(presetChanged ? {} : (JSON.parse(before.attributes) as Partial<AttributeMapping>)), ...change.attributes },
    membership: change.membership ?? (presetChanged ? undefined : was.membership),
    groupMappings: change.groupMappings ?? was.groupMappings,
    defaultRoles: change.defaultRoles ?? was.defaultRoles,
    scheduleMinutes: change.scheduleMinutes === undefined ? was.scheduleMinutes : change.scheduleMinutes,
  };
  await checkedSettings(db, actor, domain, id, { ...merged, attributes: attributesOf({ preset, attributes: JSON.stringify(merged.attributes) }) });
  const scheduleChanged = merged.scheduleMinutes !== was.scheduleMinutes;
  const next = {
    ...settingsColumns(merged),
    ...(change.bindPassword === undefined ? {} : { bind_password: cipher.seal(change.bindPassword) }),
    ...(scheduleChanged ? { next_sync_at: nextSyncAt(merged.scheduleMinutes) } : {}),
    updated_at: new Date().toISOString(),
  };
  return db.transaction().execute(async (trx) => {
    await writeSource(trx, id, next);
    const after = toSourceView(await mustFindSource(trx, domain.id, id));
    await recordAudit(trx, {
      domainId: domain.id,
      actor,
      action: 'directory_source.updated',
      target: audited(after),
      changes: diff(auditable(was), auditable(after), change.bindPassword === undefined ? [] : ['bindPassword']),
    });
    return after;
  });
}

/** Removes a source; its users stay, active or not as they were, and become Switchboard's own. */
export async function removeSource(db: Db, actor: AuditActor, domain: DomainRecord, id: string): Promise<void> {
  const source = await mustFindSource(db, domain.id, id);
  await db.transaction().execute(async (trx) => {
    await deleteSource(trx, id);
    await recordAudit(trx, {
      domainId: domain.id,
      actor,
      action: 'directory_source.deleted',
      target: audited(source),
      changes: diff(auditable(toSourceView(source)), null),
    });
  });
}

/** A sync is refused while another of the same source runs: two would race for the same users. */
export const syncRunning = () => conflict('directory_source.sync_running', 'A sync of this source is running; wait for it or cancel it');

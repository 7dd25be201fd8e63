import { diff, MASK } from '../audit/rules.ts';
import { recordAudit, type AuditActor } from '../audit/store.ts';
import type { Db } from '../db/schema.ts';
import { invalid, notFound, type FieldProblem } from '../http/problem.ts';
import { timeOrderedId } from '../identifiers/time-ordered-id.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import type { DomainRecord } from '../tenancy/domain-record.ts';
import { checkDiscovery, ProviderUnreachable } from './relying-party.ts';
import type { MatchClaim } from './rules.ts';
import type { ProviderCreate, ProviderUpdate, ProviderView, SsoPolicy } from './schema.ts';
import {
  deleteProvider,
  findProvider,
  groupsByName,
  insertProvider,
  readSsoPolicy,
  rolesByName,
  updateProvider,
  writeSsoPolicy,
  type ProviderRow,
} from './store.ts';

/** Where the console is reached (scheme, host and port), for the URLs a provider's view shows. */
export interface Origin {
  origin: string;
  domain: DomainRecord;
}

export const CALLBACK_PATH = '/api/v1/auth/sso/callback';
/** Where the provider sends the browser back after RP-initiated logout: the console's sign-in page. */
export const SIGNED_OUT_PATH = '/sign-in';
export const startPath = (domain: string, id: string) => `/api/v1/auth/sso/${encodeURIComponent(domain)}/${encodeURIComponent(id)}/start`;

export function toProviderView(row: ProviderRow, { origin, domain }: Origin): ProviderView {
  return {
    id: row.id,
    issuer: row.issuer,
    clientId: row.client_id,
    clientSecretSet: row.client_secret !== '',
    scopes: JSON.parse(row.scopes) as string[],
    matchClaim: row.match_claim as MatchClaim,
    allowedEmailDomains: JSON.parse(row.allowed_email_domains) as string[],
    buttonLabel: row.button_label,
    justInTime: { enabled: row.jit_enabled === 1, roles: JSON.parse(row.jit_roles) as string[], groups: JSON.parse(row.jit_groups) as string[] },
    redirectUri: `${origin}${CALLBACK_PATH}`,
    postLogoutRedirectUri: `${origin}${SIGNED_OUT_PATH}`,
    startUrl: `${origin}${startPath(domain.name, row.id)}`,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** What the audit log keeps of a provider: its settings, the secret only as masked. */
const auditable = (view: ProviderView) => ({
  issuer: view.issuer,
  clientId: view.clientId,
  scopes: view.scopes,
  matchClaim: view.matchClaim,
  allowedEmailDomains: view.allowedEmailDomains,
  buttonLabel: view.buttonLabel,
  justInTime: view.justInTime,
});
const audited = (row: ProviderRow) => ({ type: 'identity_provider', id: row.id, name: row.button_label });

export async function mustFindProvider(db: Db, domainId: string, id: string): Promise<ProviderRow> {
  const found = await findProvider(db, domainId, id);
  if (!found) throw notFound('Identity provider');
  return found;
}

/** The roles and groups named for just-in-time users, as the domain spells them; every unknown name is a problem of the input. */
async function resolveJustInTime(db: Db, domainId: string, jit: { enabled: boolean; roles: string[]; groups: string[] }) {
  const problems: FieldProblem[] = [];
  const roles = await rolesByName(db, domainId, jit.roles);
  const groups = await groupsByName(db, domainId, jit.groups);
  jit.roles.forEach((name, i) => {
    if (!roles.some((r) => r.name_key === name.toLowerCase()))
      problems.push({ path: `justInTime/roles/${i}`, code: 'role.not_found', message: `No role named ${JSON.stringify(name)} in this domain` });
  });
  jit.groups.forEach((name, i) => {
    if (!groups.some((g) => g.name_key === name.toLowerCase()))
      problems.push({ path: `justInTime/groups/${i}`, code: 'group.not_found', message: `No group named ${JSON.stringify(name)} in this domain` });
  });
  if (jit.enabled && jit.roles.length === 0)
    problems.push({ path: 'justInTime/roles', code: 'identity_provider.jit_roles_missing', message: 'Users created at sign-in need at least one role' });
  return { problems, roles: roles.map((r) => r.name), groups: groups.map((g) => g.name) };
}

/** A provider that cannot be discovered is refused when saved, with what the discovery said. */
async function assertDiscoverable(client: { issuer: string; clientId: string; clientSecret: string }): Promise<FieldProblem[]> {
  try {
    await checkDiscovery({ ...client, scopes: [] });
    return [];
  } catch (error) {
    if (!(error instanceof ProviderUnreachable)) throw error;
    return [
      {
        path: 'issuer',
        code: 'identity_provider.discovery_failed',
        message: `Could not read ${client.issuer.replace(/\/$/, '')}/.well-known/openid-configuration (${error.message}); check the issuer URL and that this server reaches it`,
      },
    ];
  }
}

export async function createProvider(db: Db, cipher: SecretCipher, actor: AuditActor, at: Origin, input: ProviderCreate): Promise<ProviderView> {
  const jit = await resolveJustInTime(db, at.domain.id, input.justInTime);
  const problems = [...jit.problems, ...(await assertDiscoverable(input))];
  if (problems.length) throw invalid(problems);
  const now = new Date().toISOString();
  const row: ProviderRow = {
    id: timeOrderedId(),
    domain_id: at.domain.id,
    issuer: input.issuer,
    client_id: input.clientId,
    client_secret: cipher.seal(input.clientSecret),
    scopes: JSON.stringify([...new Set(input.scopes)]),
    match_claim: input.matchClaim,
    allowed_email_domains: JSON.stringify([...new Set(input.allowedEmailDomains)]),
    button_label: input.buttonLabel,
    jit_enabled: input.justInTime.enabled ? 1 : 0,
    jit_roles: JSON.stringify(jit.roles),
    jit_groups: JSON.stringify(jit.groups),
    created_at: now,
    updated_at: now,
  };
  const view = toProviderView(row, at);
  await db.transaction().execute(async (trx) => {
    await insertProvider(trx, row);
    await recordAudit(trx, {
      domainId: at.domain.id,
      actor,
      action: 'identity_provider.created',
      target: audited(row),
      changes: { ...diff(null, auditable(view)), clientSecret: { from: null, to: MASK } },
    });
  });
  return view;
}

export async function changeProvider(db: Db, cipher: SecretCipher, actor: AuditActor, at: Origin, id: string, change: ProviderUpdate): Promise<ProviderView> {
  const before = await mustFindProvider(db, at.domain.id, id);
  const jit = await resolveJustInTime(db, at.domain.id, {
    enabled: change.justInTime?.enabled ?? before.jit_enabled === 1,
    roles: change.justInTime?.roles ?? (JSON.parse(before.jit_roles) as string[]),
    groups: change.justInTime?.groups ?? (JSON.parse(before.jit_groups) as string[]),
  });
  const client = {
    issuer: change.issuer ?? before.issuer,
    clientId: change.clientId ?? before.client_id,
    clientSecret: change.clientSecret ?? cipher.open(before.client_secret),
  };
  const rediscover = change.issuer !== undefined && change.issuer !== before.issuer;
  const problems = [...jit.problems, ...(rediscover ? await assertDiscoverable(client) : [])];
  if (problems.length) throw invalid(problems);
  const next = {
    issuer: client.issuer,
    client_id: client.clientId,
    client_secret: change.clientSecret === undefined ? before.client_secret : cipher.seal(change.clientSecret),
    scopes: change.scopes ? JSON.stringify([...new Set(change.scopes)]) : before.scopes,
    match_claim: change.matchClaim ?? before.match_claim,
    allowed_email_domains: change.allowedEmailDomains ? JSON.stringify([...new Set(change.allowedEmailDomains)]) : before.allowed_email_domains,
    button_label: change.buttonLabel ?? before.button_label,
    jit_enabled: change.justInTime?.enabled === undefined ? before.jit_enabled : change.justInTime.enabled ? 1 : 0,
    jit_roles: JSON.stringify(jit.roles),
    jit_groups: JSON.stringify(jit.groups),
    updated_at: new Date().toISOString(),
  };
  const after: ProviderRow = { ...before, ...next };
  const view = toProviderView(after, at);
  await db.transaction().execute(async (trx) => {
    await updateProvider(trx, id, next);
    await recordAudit(trx, {
      domainId: at.domain.id,
      actor,
      action: 'identity_provider.updated',
      target: audited(after),
      changes: diff(auditable(toProviderView(before, at)), auditable(view), change.clientSecret === undefined ? [] : ['clientSecret']),
    });
  });
  return view;
}

/** Removing a provider also ends the link of the sessions it opened to it; those sessions stay open until they end. */
export async function removeProvider(db: Db, actor: AuditActor, at: Origin, id: string): Promise<void> {
  const row = await mustFindProvider(db, at.domain.id, id);
  await db.transaction().execute(async (trx) => {
    await deleteProvider(trx, id);
    await recordAudit(trx, {
      domainId: at.domain.id,
      actor,
      action: 'identity_provider.deleted',
      target: audited(row),
      changes: diff(auditable(toProviderView(row, at)), null),
    });
  });
}

/** Requires SSO of the whole domain or of roles; every role named must exist. */
export async function changeSsoPolicy(db: Db, actor: AuditActor, domain: DomainRecord, policy: SsoPolicy): Promise<SsoPolicy> {
  const roles = await rolesByName(db, domain.id, policy.requiredRoles);
  const problems = policy.requiredRoles.flatMap((name, i) =>
    roles.some((r) => r.name_key === name.toLowerCase())
      ? []
      : [{ path: `requiredRoles/${i}`, code: 'role.not_found', message: `No role named ${JSON.stringify(name)} in this domain` }],
  );
  if (problems.length) throw invalid(problems);
  return db.transaction().execute(async (trx) => {
    const before = await readSsoPolicy(trx, domain.id);
    await writeSsoPolicy(
      trx,
      domain.id,
      policy.required,
      roles.map((r) => r.id),
    );
    const after = await readSsoPolicy(trx, domain.id);
    await recordAudit(trx, {
      domainId: domain.id,
      actor,
      action: 'domain.sso_policy_changed',
      target: { type: 'domain', id: domain.id, name: domain.name },
      changes: diff({ requireSso: before.required, ssoRoles: before.requiredRoles }, { requireSso: after.required, ssoRoles: after.requiredRoles }),
    });
    return after;
  });
}

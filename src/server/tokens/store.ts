import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { unlessBusy } from '../db/busy.ts';
import type { Db } from '../db/schema.ts';
import { effectivePermissions } from '../permissions/effective.ts';
import { accountColumns, domainOfRow, heldRolesJson, rolesOf, type SignedIn } from '../sessions/store.ts';
import type { Permission } from '../permissions/catalog.ts';
import type { TokenCreate } from './schema.ts';

/** API tokens are told apart from session tokens by their prefix. */
export const TOKEN_PREFIX = 'sbt_';
const hashOf = (token: string) => createHash('sha256').update(token).digest('base64url');
const LAST_USED_GRANULARITY_MS = 60_000;

const columns = ['id', 'name', 'permissions', 'created_at', 'expires_at', 'last_used_at'] as const;
const toView = (r: { id: string; name: string; permissions: string; created_at: string; expires_at: string; last_used_at: string | null }) => ({
  id: r.id,
  name: r.name,
  permissions: JSON.parse(r.permissions) as string[],
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
});

export async function createToken(db: Db, userId: string, input: TokenCreate) {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const now = new Date();
  const row = {
    id: randomUUID(),
    user_id: userId,
    name: input.name,
    token_hash: hashOf(token),
    permissions: JSON.stringify([...new Set(input.permissions)]),
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + input.expiresIn * 1000).toISOString(),
    last_used_at: null,
  };
  await db.insertInto('api_tokens').values(row).execute();
  return { ...toView(row), token };
}

export async function listTokens(db: Db, userId: string) {
  return (await db.selectFrom('api_tokens').select(columns).where('user_id', '=', userId).orderBy('created_at', 'desc').execute()).map(toView);
}

export async function revokeToken(db: Db, userId: string, tokenId: string) {
  const row = await db.selectFrom('api_tokens').select(['id', 'name']).where('user_id', '=', userId).where('id', '=', tokenId).executeTakeFirst();
  if (row) await db.deleteFrom('api_tokens').where('id', '=', row.id).execute();
  return row;
}

/**
 * The actor an API token stands for: its owner, with the token's scope cut down to what the owner
 * still holds, never platform-wide. Expired tokens, and tokens of disabled or deleted owners, are none.
 */
export async function actorForApiToken(db: Db, token: string): Promise<SignedIn | null> {
  const now = new Date();
  const row = await db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .innerJoin('domains as d', 'd.id', 'u.domain_id')
    .select(['t.id as token_id', 't.permissions as scope', 't.last_used_at', 'u.ip_allow_list', ...accountColumns, heldRolesJson(db).as('held_roles')])
    .where('t.token_hash', '=', hashOf(token))
    .where('t.expires_at', '>', now.toISOString())
    .where('u.active', '=', 1)
    .where('u.deleted_at', 'is', null)
    .where('d.active', '=', 1)
    .executeTakeFirst();
  if (!row) return null;
  if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > LAST_USED_GRANULARITY_MS) {
    // A last-used time is skipped rather than waited for while a long write (an import) holds SQLite.
    await unlessBusy(() => db.updateTable('api_tokens').set({ last_used_at: now.toISOString() }).where('id', '=', row.token_id).execute());
  }
  const owner = effectivePermissions(
    rolesOf(row.held_roles).map((r) => r.permissions),
    { domainAdmin: row.domain_admin === 1, platformAdmin: row.platform_admin === 1 },
  );
  const scope = (JSON.parse(row.scope) as Permission[]).filter((p) => owner.has(p));
  return {
    actor: {
      sessionId: '',
      apiTokenId: row.token_id,
      id: row.user_id,
      login: row.login,
      domainId: row.domain_id,
      domainName: row.domain_name,
      platformAdmin: false,
      permissions: new Set(scope),
      restriction: null,
    },
    domain: domainOfRow(row),
    allowedNetworks: JSON.parse(row.ip_allow_list) as string[],
  };
}

import { randomBytes } from 'node:crypto';
import type { Db } from '../db/schema.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { allPermissions } from '../permissions/catalog.ts';
import { ADMIN_ROLE } from '../roles/builtin.ts';
import { createBuiltinRoles } from '../roles/store.ts';
import { systemActor } from '../audit/store.ts';
import { prepareUser, writeNewUser, type Requester } from '../users/commands.ts';
import { userCreate } from '../users/schema.ts';
import { countDomains, insertDomain } from '../domains/store.ts';
import type { PasswordChecker } from '../passwords/checker.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import { defaultPasswordPolicy } from '../passwords/schema.ts';

export const DEFAULT_DOMAIN = 'default';

/** The server itself, acting with every permission: used on first start and by the CLI. */
export const systemRequester: Requester = { ...systemActor, platformAdmin: true, permissions: new Set(allPermissions) };

/** 24 random characters with every class a policy may ask for: lower, upper, digit, special. */
export function generatePassword(): string {
  const random = randomBytes(18).toString('base64url');
  return `${random.slice(0, 20)}aZ7!`;
}

/**
 * On the first start of an empty database, in one transaction: domain `default` with its
 * built-in roles and the first administrator, who is also a platform administrator.
 * Answers the credentials to print, or null when the database already had domains
 * (or another process starting at the same moment won the race).
 */
export async function bootstrapDirectory(
  db: Db,
  admin: { login: string; password: string | undefined },
  { passwords, cipher }: { passwords: PasswordChecker; cipher: SecretCipher },
) {
  if ((await countDomains(db)) > 0) return null;
  const password = admin.password ?? generatePassword();
  if (admin.password) {
    // Judged before the transaction: the new domain has the default policy and no history yet.
    // An unreachable breach service does not stop the first start.
    const { problems: all } = await passwords.judge(defaultPasswordPolicy, admin.password, { login: admin.login });
    const problems = all.filter((p) => p.code !== 'password.screening_unavailable');
    if (problems.length) throw new Error(`SWITCHBOARD_ADMIN_PASSWORD does not meet the password policy: ${problems.map((p) => p.message).join('; ')}`);
  }
  try {
    await db.transaction().execute(async (trx) => {
      const domain = await insertDomain(trx, { name: DEFAULT_DOMAIN, title: 'Default', active: true, requireTwoFactor: false });
      await createBuiltinRoles(trx, domain.id, domain.created_at);
      const user = await prepareUser(
        trx,
        systemRequester,
        domain,
        userCreate.parse({
          login: admin.login,
          firstName: 'Platform',
          lastName: 'Administrator',
          password,
          active: true,
          roles: [ADMIN_ROLE],
          groups: [],
          tags: [],
          domainAdmin: true,
          platformAdmin: true,
        }),
        { passwords: null, cipher },
      );
      await writeNewUser(trx, systemRequester, domain, user);
    });
  } catch (error) {
    if (isUniqueViolation(error)) return null;
    throw error;
  }
  return { domain: DEFAULT_DOMAIN, login: admin.login, password, generated: admin.password === undefined };
}

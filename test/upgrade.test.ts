import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { buildApp, type App } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { connect, type Storage } from '../src/server/db/connect.ts';
import { migrateToLatest, migrateUpTo, migrations } from '../src/server/db/migrate.ts';
import type { Db } from '../src/server/db/schema.ts';
import type { Kysely } from 'kysely';
import { hashPassword } from '../src/server/passwords/hashing.ts';
import { clientFor, engines, freshStorage } from './harness.ts';

/** The last migration of the previous release (2026-11-24); the ones after it are this release's. */
const PREVIOUS_RELEASE = '2026-11-24.02-audit-names';
const AT = '2026-11-25T09:00:00.000Z';
const ADMIN_PASSWORD = 'Copper-Kettle-Sings-81!';
const AGENT_PASSWORD = 'Linden-Harbour-Falls-29!';
const SIP_SECRET = 'Viola-Quartz-7731-Nimbus';
/** The previous release's tables and the view phones authenticate by, which this release's types do not name. */
const untyped = (db: Db) => db as unknown as Kysely<any>;
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A directory as the previous release wrote it, in that release's own SQL: the default domain
 * with its built-in roles and administrator, a role of its own granted by a group, and an agent
 * with a SIP account on extension 4711.
 */
async function fillPreviousRelease(db: Db) {
  const raw = untyped(db);
  const domain = randomUUID();
  const id = { admin: randomUUID(), agent: randomUUID(), adminRole: randomUUID(), agentRole: randomUUID(), quality: randomUUID(), night: randomUUID() };
  const stamps = { created_at: AT, updated_at: AT };
  await raw
    .insertInto('domains')
    .values({ id: domain, name: 'default', title: 'Default', active: 1, realm: 'default', ...stamps })
    .execute();
  await raw
    .insertInto('roles')
    .values([
      { id: id.adminRole, domain_id: domain, name: 'admin', name_key: 'admin', permissions: JSON.stringify(['users:read']), builtin: 1, ...stamps },
      {
        id: id.agentRole,
        domain_id: domain,
        name: 'agent',
        name_key: 'agent',
        permissions: JSON.stringify(['profile:read', 'profile:update']),
        builtin: 1,
        ...stamps,
      },
      {
        id: id.quality,
        domain_id: domain,
        name: 'Quality',
        name_key: 'quality',
        permissions: JSON.stringify(['users:read', 'audit:read']),
        builtin: 0,
        ...stamps,
      },
    ])
    .execute();
  await raw
    .insertInto('groups')
    .values({ id: id.night, domain_id: domain, name: 'Night shift', name_key: 'night shift', ...stamps })
    .execute();
  await raw.insertInto('group_roles').values({ group_id: id.night, role_id: id.quality }).execute();
  const user = (userId: string, login: string, password: string, admin: number) => ({
    id: userId,
    domain_id: domain,
    login,
    login_key: login,
    email: `${login}@example.com`,
    email_key: `${login}@example.com`,
    first_name: 'Old',
    last_name: login === 'admin' ? 'Administrator' : 'Timer',
    password_hash: password,
    domain_admin: admin,
    platform_admin: admin,
    ...stamps,
  });
  await raw
    .insertInto('users')
    .values([user(id.admin, 'admin', await hashPassword(ADMIN_PASSWORD), 1), user(id.agent, 'old-timer', await hashPassword(AGENT_PASSWORD), 0)])
    .execute();
  await raw
    .insertInto('user_roles')
    .values([
      { user_id: id.admin, role_id: id.adminRole },
      { user_id: id.agent, role_id: id.agentRole },
    ])
    .execute();
  await raw.insertInto('user_groups').values({ user_id: id.agent, group_id: id.night }).execute();
  await raw
    .insertInto('extensions')
    .values({ domain_id: domain, number: '4711', width: 4, value: 4711, kind: 'user', user_id: id.agent, created_at: AT })
    .execute();
  await raw
    .insertInto('sip_accounts')
    .values({
      user_id: id.agent,
      domain_id: domain,
      username: '4711',
      username_key: '4711',
      extension: '4711',
      assignment: 'static',
      connection: 'webrtc',
      auth_acl: '[]',
      voicemail_enabled: 0,
      realm: 'default',
      ha1_md5: md5(`4711:default:${SIP_SECRET}`),
      ha1_sha256: sha256(`4711:default:${SIP_SECRET}`),
      ha1b_md5: md5(`4711@default:default:${SIP_SECRET}`),
      ha1b_sha256: sha256(`4711@default:default:${SIP_SECRET}`),
      ...stamps,
    })
    .execute();
  return id.agent;
}

for (const engine of engines) {
  describe(`upgrading from the previous release's schema, with its data [${engine}]`, () => {
    let database: Awaited<ReturnType<typeof freshStorage>>;
    let storage: Storage;
    let app: App;
    let agentId: string;
    let applied: string[];

    before(async () => {
      database = await freshStorage(engine);
      storage = connect(database.url);
      await migrateUpTo(storage.db, PREVIOUS_RELEASE);
      agentId = await fillPreviousRelease(storage.db);
      applied = await migrateToLatest(storage.db);
      const config = loadConfig({
        SWITCHBOARD_DATABASE_URL: database.url,
        SWITCHBOARD_DATA_DIR: tmpdir(),
        SWITCHBOARD_PWNED_URL: '',
        SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
      });
      app = await buildApp({ storage, config, logger: false });
      await app.ready();
    });
    after(async () => {
      await app?.close();
      await storage?.close();
      await database?.drop();
    });

    const signIn = async (login: string, password: string) => {
      const response = await clientFor(app, undefined).post('/api/v1/auth/login', { domain: 'default', login, password });
      assert.equal(response.status, 200, `${login} signs in: ${JSON.stringify(response.body)}`);
      return clientFor(app, response.body.token as string);
    };

    it("applies this release's migrations, every one after the previous release's", () => {
      const names = Object.keys(migrations);
      assert.deepEqual(applied, names.slice(names.indexOf(PREVIOUS_RELEASE) + 1));
    });

    it('keeps the agent: found by search, with its roles, the group and what the group grants, and its SIP account', async () => {
      const admin = await signIn('admin', ADMIN_PASSWORD);
      const found = await admin.get('/api/v1/domains/default/users?q=4711');
      assert.deepEqual(
        found.body.items.map((u: { login: string }) => u.login),
        ['old-timer'],
        'the search text was built for users the previous release wrote',
      );
      const user = (await admin.get(`/api/v1/domains/default/users/${agentId}`)).body;
      assert.deepEqual([user.login, user.email, user.firstName, user.lastName, user.active], ['old-timer', 'old-timer@example.com', 'Old', 'Timer', true]);
      assert.deepEqual([user.roles, user.groups], [['agent'], ['Night shift']]);
      assert.deepEqual([user.sip.extension, user.sip.username, user.sip.assignment, user.sip.connection], ['4711', '4711', 'static', 'webrtc']);
      assert.deepEqual((await admin.get('/api/v1/domains/default/groups/night%20shift')).body.roles, ['Quality']);
    });

    it('lets the agent sign in with the old password and use what its group grants; the phone keeps its digests', async () => {
      const agent = await signIn('old-timer', AGENT_PASSWORD);
      assert.equal((await agent.get('/api/v1/domains/default/users')).status, 200, 'users:read, from Quality through Night shift');
      const subscriber = await untyped(storage.db)
        .selectFrom('sip_subscriber')
        .select(['username', 'domain', 'ha1', 'ha1_sha256'])
        .where('user_id', '=', agentId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(subscriber, {
        username: '4711',
        domain: 'default',
        ha1: md5(`4711:default:${SIP_SECRET}`),
        ha1_sha256: sha256(`4711:default:${SIP_SECRET}`),
      });
    });
  });
}

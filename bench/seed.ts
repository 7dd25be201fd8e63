import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { loadConfig } from '../src/server/config.ts';
import { connect, type Engine } from '../src/server/db/connect.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { bootstrapDirectory } from '../src/server/setup/bootstrap.ts';
import { findDomain } from '../src/server/tenancy/domain-record.ts';
import { safeguardsFor } from '../src/server/users/safeguards.ts';
import { freshStorage } from '../test/databases.ts';
import type { Insertable } from 'kysely';
import type { Database, Db } from '../src/server/db/schema.ts';
import { timeOrderedId } from '../src/server/identifiers/time-ordered-id.ts';
import { searchTextOf } from '../src/server/db/search-text.ts';
import { sipDigests } from '../src/server/sip-accounts/digest.ts';

const firstNames = [
  'Anna',
  'Jan',
  'Olena',
  'Maria',
  'Piotr',
  'Oksana',
  'John',
  'Emma',
  'Andrii',
  'Katarzyna',
  'Tomasz',
  'Iryna',
  'Michael',
  'Sofia',
  'Paweł',
  'Natalia',
  'David',
  'Olivia',
  'Taras',
  'Zofia',
];
const lastNames = [
  'Kowalski',
  'Nowak',
  'Shevchenko',
  'Wiśniewska',
  'Bondarenko',
  'Smith',
  'Kovalenko',
  'Wójcik',
  'Johnson',
  'Tkachenko',
  'Kamińska',
  'Brown',
  'Lewandowski',
  'Melnyk',
  'Zielińska',
  'Williams',
  'Boyko',
  'Szymański',
  'Taylor',
  'Kravchenko',
];
const tags = ['vip', 'night', 'sales', 'support', 'polish', 'english', 'ukrainian'];

/**
 * Writes `count` users straight into the tables (no password hashing, many rows a statement):
 * the benchmark measures reading, not creating. Every user has a SIP account (extension 100000 + n);
 * all but the supervisors are agents with two skills.
 */
export async function seedUsers(db: Db, domainId: string, count: number): Promise<string[]> {
  const roles = await db.selectFrom('roles').select(['id', 'name']).where('domain_id', '=', domainId).execute();
  const roleId = (name: string) => roles.find((r) => r.name === name)?.id as string;
  const groupIds: string[] = [];
  for (const name of ['Sales', 'Support', 'Retention', 'Night shift']) {
    const id = randomUUID();
    const now = new Date().toISOString();
    await db
      .insertInto('groups')
      .values({ id, domain_id: domainId, name, name_key: name.toLowerCase(), description: null, created_at: now, updated_at: now })
      .execute();
    groupIds.push(id);
  }
  const skillIds: string[] = [];
  for (const name of ['English', 'Polish', 'Ukrainian']) {
    const id = randomUUID();
    const now = new Date().toISOString();
    await db
      .insertInto('skills')
      .values({ id, domain_id: domainId, name, name_key: name.toLowerCase(), description: null, created_at: now, updated_at: now })
      .execute();
    skillIds.push(id);
  }
  const ids: string[] = [];
  const batch = 200;
  for (let start = 0; start < count; start += batch) {
    const users: Insertable<Database['users']>[] = [];
    const userRoles: Database['user_roles'][] = [];
    const userGroups: Database['user_groups'][] = [];
    const userTags: Database['user_tags'][] = [];
    const accounts: Database['sip_accounts'][] = [];
    const extensions: Database['extensions'][] = [];
    const agents: Database['agents'][] = [];
    const agentSkills: Database['agent_skills'][] = [];
    for (let n = start; n < Math.min(count, start + batch); n += 1) {
      const id = timeOrderedId();
      const firstName = firstNames[n % firstNames.length] as string;
      const lastName = lastNames[Math.floor(n / firstNames.length) % lastNames.length] as string;
      const login = `${firstName}.${lastName}.${n}`
        .toLowerCase()
        .normalize('NFD')
        .replace(/[^a-z0-9.]/g, '');
      const email = `${login}@contact-center.example`;
      const now = new Date().toISOString();
      users.push({
        id,
        domain_id: domainId,
        login,
        login_key: login,
        email,
        email_key: email,
        first_name: firstName,
        last_name: lastName,
        search_text: searchTextOf({ login, email, firstName, lastName, extensions: [String(100_000 + n)] }),
        password_hash: null,
        active: n % 50 === 0 ? 0 : 1,
        position: 'Agent',
        work_phone: null,
        timezone: 'Europe/Warsaw',
        language: 'pl',
        description: null,
        domain_admin: 0,
        platform_admin: 0,
        two_factor: 'none',
        require_two_factor: 0,
        session_limit: 'end-oldest',
        ip_allow_list: '[]',
        must_change_password: 0,
        version: 1,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      });
      userRoles.push({ user_id: id, role_id: roleId(n % 20 === 0 ? 'supervisor' : 'agent') });
      userGroups.push({ user_id: id, group_id: groupIds[n % groupIds.length] as string });
      userTags.push({ user_id: id, domain_id: domainId, tag: tags[n % tags.length] as string });
      const extension = String(100_000 + n);
      accounts.push({
        user_id: id,
        domain_id: domainId,
        username: extension,
        username_key: extension,
        extension,
        virtual_extension: null,
        assignment: 'static',
        connection: n % 3 === 0 ? 'pbx' : 'webrtc',
        custom_uri: null,
        auth_acl: '[]',
        stun: null,
        voicemail_enabled: 1,
        voicemail_pin_hash: null,
        caller_id_name: `${firstName} ${lastName}`,
        caller_id_number: null,
        realm: 'default',
        ...sipDigests(extension, 'default', 'default', `seeded-secret-${n}`),
        created_at: now,
        updated_at: now,
      });
      extensions.push({ domain_id: domainId, number: extension, width: 6, value: extension, kind: 'user', user_id: id, description: null, created_at: now });
      if (n % 20 !== 0) {
        agents.push({ user_id: id, domain_id: domainId, enabled: 1, all_tags: 0, all_skills: 0, overrides: n % 2 ? '{"wrapUpTime":20}' : '{}' });
        agentSkills.push(
          { user_id: id, skill_id: skillIds[n % 3] as string, level: n % 101 },
          { user_id: id, skill_id: skillIds[(n + 1) % 3] as string, level: 50 },
        );
      }
      ids.push(id);
    }
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('users').values(users).execute();
      await trx.insertInto('user_roles').values(userRoles).execute();
      await trx.insertInto('user_groups').values(userGroups).execute();
      await trx.insertInto('user_tags').values(userTags).execute();
      await trx.insertInto('sip_accounts').values(accounts).execute();
      await trx.insertInto('extensions').values(extensions).execute();
      if (agents.length) await trx.insertInto('agents').values(agents).execute();
      if (agentSkills.length) await trx.insertInto('agent_skills').values(agentSkills).execute();
    });
  }
  return ids;
}

/** A fresh database of `engine`, migrated, with its default domain and first administrator (`admin`, `password`). */
export async function freshDirectory(engine: Engine, password: string) {
  const database = await freshStorage(engine);
  const storage = connect(database.url);
  await migrateToLatest(storage.db);
  const config = loadConfig({ SWITCHBOARD_PWNED_URL: '', SWITCHBOARD_DATA_DIR: tmpdir() });
  await bootstrapDirectory(storage.db, { login: 'admin', password }, safeguardsFor(storage.db, config));
  const domain = await findDomain(storage.db, 'default');
  if (!domain) throw new Error('no default domain');
  return { database, storage, domain };
}

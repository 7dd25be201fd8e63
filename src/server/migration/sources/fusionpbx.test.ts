import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { freshStorage } from '../../../../test/databases.ts';
import type { MigrationEntry, SourceItem } from '../entry.ts';
import { readFusionPbx } from './fusionpbx.ts';

/** FusionPBX's tables as its app_config.php files declare them (uuid keys, text flags, numeric timers), the columns the reader reads and a few it ignores. */
const FUSIONPBX_TABLES = `
  create table v_domains (domain_uuid uuid primary key, domain_parent_uuid uuid, domain_name text, domain_enabled text, domain_description text);
  create table v_extensions (
    extension_uuid uuid primary key, domain_uuid uuid references v_domains, extension text, number_alias text, password text, accountcode text,
    effective_caller_id_name text, effective_caller_id_number text, outbound_caller_id_name text, outbound_caller_id_number text,
    directory_first_name text, directory_last_name text, user_context text, call_timeout numeric, call_group text, auth_acl text, cidr text,
    enabled text, description text);
  create table v_contacts (contact_uuid uuid primary key, domain_uuid uuid, contact_name_given text, contact_name_family text);
  create table v_users (user_uuid uuid primary key, domain_uuid uuid, username text, password text, salt text, user_email text, contact_uuid uuid, user_enabled text);
  create table v_extension_users (extension_user_uuid uuid primary key, domain_uuid uuid, extension_uuid uuid references v_extensions, user_uuid uuid references v_users);
  create table v_voicemails (
    domain_uuid uuid, voicemail_uuid uuid primary key, voicemail_id numeric, voicemail_password text, greeting_id numeric,
    voicemail_mail_to text, voicemail_attach_file text, voicemail_enabled text, voicemail_description text);
  create table v_call_center_agents (
    call_center_agent_uuid uuid primary key, domain_uuid uuid, user_uuid uuid, agent_name text, agent_type text, agent_call_timeout numeric,
    agent_id text, agent_password text, agent_contact text, agent_status text, agent_max_no_answer numeric, agent_wrap_up_time numeric,
    agent_reject_delay_time numeric, agent_busy_delay_time numeric, agent_no_answer_delay_time text);
  create table v_access_controls (access_control_uuid uuid primary key, access_control_name text, access_control_default text, access_control_description text);
  create table v_access_control_nodes (
    access_control_node_uuid uuid primary key, access_control_uuid uuid references v_access_controls, node_type text, node_cidr text, node_domain text,
    node_description text);
`;

const PBX = 'pbx.example.com';
const SALES = 'sales.example.org';
const BULK = 'bulk.example.net';
const BULK_SIZE = 2500;

/** Two domains of people, and a third of many bare extensions to read across several cursor pages. */
const FUSIONPBX_DATA = `
  insert into v_domains (domain_uuid, domain_name, domain_enabled) values
    ('d0000000-0000-0000-0000-000000000001', '${PBX}', 'true'),
    ('d0000000-0000-0000-0000-000000000002', '${SALES}', 'true'),
    ('d0000000-0000-0000-0000-000000000003', '${BULK}', 'true');
  insert into v_extensions (extension_uuid, domain_uuid, extension, password, effective_caller_id_name, effective_caller_id_number,
      outbound_caller_id_name, outbound_caller_id_number, directory_first_name, directory_last_name, user_context, call_group, auth_acl, cidr, enabled) values
    ('e0000000-0000-0000-0000-000000001001', 'd0000000-0000-0000-0000-000000000001', '1001', 'Zofia-SIP-pass-1', 'Zofia Wójcik', '1001',
      'Switchboard Sp. z o.o.', '+48221234567', null, null, '${PBX}', 'sales, support', 'office-only', '10.0.0.0/8, 192.168.1.0/24', 'true'),
    ('e0000000-0000-0000-0000-000000001002', 'd0000000-0000-0000-0000-000000000001', '1002', 'Piotr-SIP-pass-2', '', '',
      null, null, 'Piotr', 'Zieliński', '${PBX}', '', '', '', 'false'),
    ('e0000000-0000-0000-0000-000000001003', 'd0000000-0000-0000-0000-000000000001', '1003', 'Reception-pass-3', 'Front Desk', '1003',
      null, null, null, null, '${PBX}', null, null, null, 'true'),
    ('e0000000-0000-0000-0000-000000001004', 'd0000000-0000-0000-0000-000000000001', '1004', 'Reception-pass-4', 'Front Desk', '1004',
      null, null, null, null, '${PBX}', null, null, null, 'true'),
    ('e0000000-0000-0000-0000-000000001005', 'd0000000-0000-0000-0000-000000000001', '1005', 'Marek-SIP-pass-5', 'Marek', null,
      null, null, null, null, '${PBX}', null, null, null, 'true'),
    ('e0000000-0000-0000-0000-000000001006', 'd0000000-0000-0000-0000-000000000001', '1006', 'Olga-SIP-pass-6', 'Olga Kowal', null,
      null, null, null, null, '${PBX}', null, null, null, 'true'),
    ('e0000000-0000-0000-0000-000000001008', 'd0000000-0000-0000-0000-000000000001', '1008', 'Printer-pass-8', 'Print Room', null,
      null, null, null, null, '${PBX}', null, 'lan-except-printer', null, 'true'),
    ('e0000000-0000-0000-0000-000000001009', 'd0000000-0000-0000-0000-000000000001', '1009', 'Lobby-pass-9', 'Lobby', null,
      null, null, null, null, '${PBX}', null, 'domains', null, 'true'),
    ('e0000000-0000-0000-0000-000000001010', 'd0000000-0000-0000-0000-000000000001', 'helpdesk', 'Helpdesk-pass-10', 'Helpdesk', '1010',
      null, null, null, null, '${PBX}', null, null, null, 'true'),
    ('e0000000-0000-0000-0000-000000002001', 'd0000000-0000-0000-0000-000000000002', '2001', 'Ivan-SIP-pass-7', 'Іван Петренко', '2001',
      null, null, null, null, '${SALES}', null, null, null, 'true');
  update v_extensions set number_alias = '1010' where extension = 'helpdesk';
  insert into v_extensions (extension_uuid, domain_uuid, extension, password, enabled)
    select gen_random_uuid(), 'd0000000-0000-0000-0000-000000000003', (100000 + n)::text, 'bulk-' || n, 'true' from generate_series(1, ${BULK_SIZE}) n;
  insert into v_contacts values ('c0000000-0000-0000-0000-000000000001', 'd0000000-0000-0000-0000-000000000001', 'Zofia', 'Wójcik-Nowak');
  insert into v_users (user_uuid, domain_uuid, username, user_email, contact_uuid, user_enabled) values
    ('b0000000-0000-0000-0000-000000000001', 'd0000000-0000-0000-0000-000000000001', 'zofia.wojcik', 'zofia@example.pl', 'c0000000-0000-0000-0000-000000000001', 'true'),
    ('b0000000-0000-0000-0000-000000000002', 'd0000000-0000-0000-0000-000000000001', 'reception', 'desk@example.pl', null, 'true'),
    ('b0000000-0000-0000-0000-000000000003', 'd0000000-0000-0000-0000-000000000001', 'marek', 'marek@example.pl', null, 'false');
  insert into v_extension_users (extension_user_uuid, domain_uuid, extension_uuid, user_uuid) values
    (gen_random_uuid(), 'd0000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000001001', 'b0000000-0000-0000-0000-000000000001'),
    (gen_random_uuid(), 'd0000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000001003', 'b0000000-0000-0000-0000-000000000002'),
    (gen_random_uuid(), 'd0000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000001004', 'b0000000-0000-0000-0000-000000000002'),
    (gen_random_uuid(), 'd0000000-0000-0000-0000-000000000001', 'e0000000-0000-0000-0000-000000001005', 'b0000000-0000-0000-0000-000000000003');
  insert into v_voicemails (domain_uuid, voicemail_uuid, voicemail_id, voicemail_password, voicemail_mail_to, voicemail_enabled) values
    ('d0000000-0000-0000-0000-000000000001', gen_random_uuid(), 1001, '7391', 'zofia@example.pl', 'true'),
    ('d0000000-0000-0000-0000-000000000001', gen_random_uuid(), 1002, '', 'piotr@example.pl', 'false'),
    ('d0000000-0000-0000-0000-000000000001', gen_random_uuid(), 1010, '2468', 'helpdesk@example.pl,lead@example.pl', 'true'),
    ('d0000000-0000-0000-0000-000000000002', gen_random_uuid(), 1001, '0000', 'other-domain@example.org', 'true');
  insert into v_access_controls values
    ('ac000000-0000-0000-0000-000000000001', 'office-only', 'deny', 'the office networks'),
    ('ac000000-0000-0000-0000-000000000002', 'lan-except-printer', 'allow', 'everything but the printer'),
    ('ac000000-0000-0000-0000-000000000003', 'domains', 'deny', 'the domains by name');
  insert into v_access_control_nodes values
    (gen_random_uuid(), 'ac000000-0000-0000-0000-000000000001', 'allow', '203.0.113.0/24', null, 'office'),
    (gen_random_uuid(), 'ac000000-0000-0000-0000-000000000001', 'allow', '10.0.0.0/8', null, 'VPN'),
    (gen_random_uuid(), 'ac000000-0000-0000-0000-000000000002', 'deny', '192.168.1.50/32', null, 'printer'),
    (gen_random_uuid(), 'ac000000-0000-0000-0000-000000000003', 'allow', null, '${PBX}', 'the domain');
  insert into v_call_center_agents (call_center_agent_uuid, domain_uuid, user_uuid, agent_name, agent_type, agent_call_timeout, agent_id, agent_contact,
      agent_status, agent_max_no_answer, agent_wrap_up_time, agent_reject_delay_time, agent_busy_delay_time, agent_no_answer_delay_time) values
    (gen_random_uuid(), 'd0000000-0000-0000-0000-000000000001', null, 'Zofia', 'callback', 25, '1001', '{call_timeout=25,sip_h_X-Agent=1}user/1001@${PBX}',
      'Available', 3, 10, 90, 60, '30'),
    (gen_random_uuid(), 'd0000000-0000-0000-0000-000000000001', 'b0000000-0000-0000-0000-000000000003', 'Marek', 'callback', 15, '1005',
      'loopback/1005/${PBX}', 'Logged Out', 0, 5, 10, 10, ''),
    (gen_random_uuid(), 'd0000000-0000-0000-0000-000000000001', null, 'Olga', 'callback', 20, '1006', 'user/1006@${PBX}',
      'Logged Out', 2, 10, 10, 10, 'soon');
`;

const entriesOf = (items: SourceItem[]) => items.flatMap((item) => ('entry' in item ? [item.entry] : []));
const problemsOf = (items: SourceItem[]) => items.flatMap((item) => ('problem' in item ? [item.problem] : []));

async function collect(source: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of source) items.push(item);
  return items;
}

function entry(items: SourceItem[], origin: string): MigrationEntry {
  const found = entriesOf(items).find((candidate) => candidate.origin === origin);
  assert.ok(found, `no entry ${origin}`);
  return found;
}

describe('FusionPBX over its PostgreSQL URL', () => {
  let fusionpbx: { url: string; drop(): Promise<void> };
  let everything: SourceItem[];

  before(async () => {
    fusionpbx = await freshStorage('postgres');
    const client = new pg.Client({ connectionString: fusionpbx.url });
    await client.connect();
    await client.query(FUSIONPBX_TABLES);
    await client.query(FUSIONPBX_DATA);
    await client.end();
    everything = await collect(readFusionPbx(fusionpbx.url, {}));
  });

  after(async () => {
    await fusionpbx?.drop();
  });

  test('reads every domain, in domain and extension order, each entry with its domain as its realm', () => {
    const people = everything.filter((item) => !('entry' in item && item.entry.realm === BULK));
    assert.deepEqual(
      people.map((item) => ('entry' in item ? item.entry.origin : item.problem.origin)),
      ['1001', '1002', '1003', '1004', '1005', '1006', '1008', '1009', 'helpdesk']
        .map((extension) => `v_extensions ${extension}@${PBX}`)
        .concat(`v_extensions 2001@${SALES}`),
    );
    assert.deepEqual(
      entriesOf(everything)
        .filter((found) => found.realm !== BULK)
        .map((found) => found.realm),
      [PBX, PBX, PBX, PBX, PBX, PBX, SALES],
    );
  });

  test('maps an extension with its user, contact, voicemail box and call-center agent field by field', () => {
    assert.deepStrictEqual(entry(everything, `v_extensions 1001@${PBX}`), {
      origin: `v_extensions 1001@${PBX}`,
      username: '1001',
      extension: '1001',
      realm: PBX,
      login: 'zofia.wojcik',
      firstName: 'Zofia',
      lastName: 'Wójcik-Nowak',
      email: 'zofia@example.pl',
      active: true,
      sip: { password: 'Zofia-SIP-pass-1' },
      voicemail: { enabled: true, pin: '7391' },
      callerId: { name: 'Zofia Wójcik', number: '1001' },
      authAcl: ['10.0.0.0/8', '192.168.1.0/24', '203.0.113.0/24'],
      groups: ['sales', 'support'],
      agent: { callTimeout: 25, wrapUpTime: 10, maxNoAnswer: 3, busyDelay: 60, rejectDelay: 90, noAnswerDelay: 30 },
    });
  });

  test('a disabled extension without a user is inactive, named from its directory name, reached by its voicemail address', () => {
    assert.deepStrictEqual(entry(everything, `v_extensions 1002@${PBX}`), {
      origin: `v_extensions 1002@${PBX}`,
      username: '1002',
      extension: '1002',
      realm: PBX,
      firstName: 'Piotr',
      lastName: 'Zieliński',
      email: 'piotr@example.pl',
      active: false,
      sip: { password: 'Piotr-SIP-pass-2' },
      voicemail: { enabled: false },
    });
  });

  test('a user linked to two extensions names neither: no login or e-mail, the caller ID name instead', () => {
    for (const extension of ['1003', '1004']) {
      const found = entry(everything, `v_extensions ${extension}@${PBX}`);
      assert.equal(found.login, undefined);
      assert.equal(found.email, undefined);
      assert.deepEqual([found.firstName, found.lastName], ['Front', 'Desk']);
      assert.deepEqual(found.callerId, { name: 'Front Desk', number: extension });
    }
  });

  test("finds the agent through the extension's user when its contact is no user/ string; a disabled user makes the entry inactive", () => {
    const marek = entry(everything, `v_extensions 1005@${PBX}`);
    assert.equal(marek.login, 'marek');
    assert.equal(marek.active, false);
    assert.deepEqual(marek.agent, { callTimeout: 15, wrapUpTime: 5, maxNoAnswer: 0, busyDelay: 10, rejectDelay: 10 });
  });

  test('an agent timer that is no number of seconds makes the extension a problem that names the column', () => {
    assert.equal(
      problemsOf(everything).find((found) => found.origin === `v_extensions 1006@${PBX}`)?.message,
      'The call-center agent\'s agent_no_answer_delay_time "soon" is not a whole number of seconds',
    );
  });

  test("the auth_acl list's allowed networks join the extension's cidr; a list that cannot be kept as allowed networks is a problem, never dropped", () => {
    assert.deepEqual(entry(everything, `v_extensions 1001@${PBX}`).authAcl, ['10.0.0.0/8', '192.168.1.0/24', '203.0.113.0/24']);
    assert.deepEqual(
      problemsOf(everything).map((found) => found.origin),
      [`v_extensions 1006@${PBX}`, `v_extensions 1008@${PBX}`, `v_extensions 1009@${PBX}`],
    );
    assert.match(
      problemsOf(everything).find((found) => found.origin === `v_extensions 1008@${PBX}`)?.message ?? '',
      /^The auth_acl "lan-except-printer" is no access control list Switchboard can keep/,
    );
  });

  test('an extension named in letters keeps its name as SIP user name; its number alias is the extension and numbers its voicemail box', () => {
    assert.deepStrictEqual(entry(everything, `v_extensions helpdesk@${PBX}`), {
      origin: `v_extensions helpdesk@${PBX}`,
      username: 'helpdesk',
      extension: '1010',
      realm: PBX,
      firstName: 'Helpdesk',
      active: true,
      sip: { password: 'Helpdesk-pass-10' },
      voicemail: { enabled: true, pin: '2468' },
      callerId: { name: 'Helpdesk', number: '1010' },
    });
  });

  test('voicemail boxes and agents of another domain stay with their domain', () => {
    const ivan = entry(everything, `v_extensions 2001@${SALES}`);
    assert.equal(ivan.voicemail, undefined);
    assert.equal(ivan.agent, undefined);
    assert.deepEqual([ivan.firstName, ivan.lastName], ['Іван', 'Петренко']);
  });

  test('reads a domain of more extensions than one cursor page holds, each once and in order', () => {
    const bulk = entriesOf(everything).filter((found) => found.realm === BULK);
    assert.equal(bulk.length, BULK_SIZE);
    assert.equal(new Set(bulk.map((found) => found.username)).size, BULK_SIZE);
    assert.deepEqual([bulk[0]?.username, bulk.at(-1)?.username], ['100001', String(100000 + BULK_SIZE)]);
    assert.deepEqual(bulk[0]?.sip, { password: 'bulk-1' });
  });

  test('the domain option reads that FusionPBX domain alone', async () => {
    const sales = await collect(readFusionPbx(fusionpbx.url, { domain: SALES }));
    assert.deepEqual(
      entriesOf(sales).map((found) => [found.origin, found.realm]),
      [[`v_extensions 2001@${SALES}`, SALES]],
    );
  });

  test('a domain FusionPBX does not have is refused by name', async () => {
    await assert.rejects(
      collect(readFusionPbx(fusionpbx.url, { domain: 'nowhere.example.com' })),
      /^Error: The FusionPBX database 127\.0\.0\.1:5432\/sb_test_\w+ has no domain named "nowhere\.example\.com"$/,
    );
  });

  test('lets the database go as soon as the consumer stops reading', async () => {
    let read = 0;
    for await (const item of readFusionPbx(fusionpbx.url, { domain: BULK })) {
      assert.ok('entry' in item);
      if (++read === 3) break;
    }
    assert.equal(read, 3);
    const client = new pg.Client({ connectionString: fusionpbx.url });
    await client.connect();
    const others = await client.query<{ count: string }>(
      'select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    await client.end();
    assert.equal(others.rows[0]?.count, '0');
  });
});

describe('FusionPBX that cannot be read', () => {
  test('an unreachable database is a clear error that names the host but never the password', async () => {
    const error = await collect(readFusionPbx('postgres://fusionpbx:Very-Secret-DB-Pass@127.0.0.1:1/fusionpbx', {})).then(
      () => assert.fail('read an unreachable database'),
      (failure: unknown) => failure as Error,
    );
    assert.match(error.message, /^Cannot read the FusionPBX database 127\.0\.0\.1:1\/fusionpbx: /);
    assert.doesNotMatch(error.message, /Very-Secret-DB-Pass/);
  });

  test('a URL that is not one is refused without repeating it', async () => {
    const error = await collect(readFusionPbx('fusionpbx:Very-Secret-DB-Pass at the office', {})).then(
      () => assert.fail('read from no URL'),
      (failure: unknown) => failure as Error,
    );
    assert.match(error.message, /is not a URL \(postgres:\/\/user:password@host:5432\/fusionpbx\)/);
    assert.doesNotMatch(error.message, /Very-Secret-DB-Pass/);
  });

  test("a database without FusionPBX's tables is refused, naming the tables it lacks", async () => {
    const empty = await freshStorage('postgres');
    try {
      await assert.rejects(
        collect(readFusionPbx(empty.url, {})),
        /^Error: The FusionPBX database .* has no table v_domains, v_extensions, v_extension_users, v_users, v_voicemails: is it FusionPBX's database\?/,
      );
    } finally {
      await empty.drop();
    }
  });
});

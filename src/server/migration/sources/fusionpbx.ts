import pg from 'pg';
import type { MigrationEntry, MigrationSource, SourceItem } from '../entry.ts';
import { commaList, definedOnly, singleAddress, splitPersonName } from './entry-fields.ts';

/** Extensions fetched per round trip: the cursor keeps the rest on the server. */
const PAGE_SIZE = 1000;
const CONNECT_MS = 10_000;

/** Tables every FusionPBX has; without them the URL points at something else. */
const REQUIRED_TABLES = ['v_domains', 'v_extensions', 'v_extension_users', 'v_users', 'v_voicemails'];

/** Columns of optional apps or of older and newer FusionPBX versions: read where they exist, absent otherwise. */
type Schema = Map<string, Set<string>>;

interface ExtensionRow {
  domain_name: string;
  extension: string | null;
  number_alias: string | null;
  password: string | null;
  enabled: string | null;
  effective_caller_id_name: string | null;
  effective_caller_id_number: string | null;
  outbound_caller_id_name: string | null;
  outbound_caller_id_number: string | null;
  directory_first_name: string | null;
  directory_last_name: string | null;
  cidr: string | null;
  auth_acl: string | null;
  auth_acl_networks: string | null;
  call_group: string | null;
  voicemail_id: string | null;
  voicemail_password: string | null;
  voicemail_enabled: string | null;
  voicemail_mail_to: string | null;
  username: string | null;
  user_email: string | null;
  user_enabled: string | null;
  contact_name_given: string | null;
  contact_name_family: string | null;
  agent_call_timeout: string | null;
  agent_wrap_up_time: string | null;
  agent_max_no_answer: string | null;
  agent_busy_delay_time: string | null;
  agent_reject_delay_time: string | null;
  agent_no_answer_delay_time: string | null;
}

/**
 * Reads FusionPBX's extensions over its PostgreSQL URL, each with its voicemail box, the one user
 * it belongs to and its call-center agent, through a server-side cursor so that 100,000
 * extensions never sit in memory. `domain` keeps one FusionPBX domain (by name); without it every
 * domain is read, each entry carrying its domain name as its realm.
 */
export function readFusionPbx(url: string, options: { domain?: string } = {}): MigrationSource {
  return extensionsOf(url, options.domain);
}

async function* extensionsOf(url: string, domain: string | undefined): AsyncGenerator<SourceItem> {
  const source = describe(url);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_MS });
  try {
    if (!source.valid) throw new Error('not a URL');
    await client.connect();
    const schema = await schemaOf(client);
    const missing = REQUIRED_TABLES.filter((table) => !schema.has(table));
    if (missing.length > 0) throw new Error(`${source.name} has no table ${missing.join(', ')}: is it FusionPBX's database?`);
    if (domain !== undefined && (await client.query('select 1 from v_domains where domain_name = $1', [domain])).rowCount === 0)
      throw new Error(`${source.name} has no domain named "${domain}"`);
    // One snapshot for the whole read: extensions added meanwhile neither appear twice nor half.
    await client.query('begin transaction isolation level repeatable read read only');
    await client.query(`declare extensions no scroll cursor for ${extensionsQuery(schema)}`, [domain ?? null]);
    for (;;) {
      const page = await client.query<ExtensionRow>(`fetch ${PAGE_SIZE} from extensions`);
      for (const row of page.rows) yield itemOf(row);
      if (page.rows.length < PAGE_SIZE) break;
    }
    await client.query('commit');
  } catch (error) {
    throw source.failure(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The database named by host, port and name only, and errors about it stripped of its password. */
function describe(url: string) {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed && !['postgres:', 'postgresql:'].includes(parsed.protocol)) parsed = undefined;
  const name = parsed?.hostname ? `the FusionPBX database ${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}` : 'the FusionPBX database';
  const password = parsed?.password ? decodeURIComponent(parsed.password) : '';
  return {
    name,
    valid: parsed !== undefined,
    failure(error: unknown): Error {
      const message = error instanceof Error ? error.message : String(error);
      const clean = password ? message.replaceAll(password, '***') : message;
      if (!parsed) return new Error('The FusionPBX database URL is not a URL (postgres://user:password@host:5432/fusionpbx)');
      return clean.startsWith(name) ? new Error(`T${clean.slice(1)}`) : new Error(`Cannot read ${name}: ${clean}`);
    },
  };
}

async function schemaOf(client: pg.Client): Promise<Schema> {
  const { rows } = await client.query<{ table_name: string; column_name: string }>(
    `select table_name, column_name from information_schema.columns
      where table_schema = any(current_schemas(false)) and table_name like 'v\\_%'`,
  );
  const schema: Schema = new Map();
  for (const { table_name, column_name } of rows) schema.set(table_name, (schema.get(table_name) ?? new Set()).add(column_name));
  return schema;
}

/**
 * Every extension with what belongs to it, by hash joins only (no per-row subquery, so 100,000
 * extensions cost one pass): the voicemail box numbered like the extension (or its number alias,
 * as FusionPBX numbers the box of an extension named in letters), the user linked to
 * this extension alone (a user shared by extensions, or an extension shared by users, names no
 * one), and the call-center agent whose contact rings the extension or who is that user.
 */
function extensionsQuery(schema: Schema): string {
  const column = columnOf(schema);
  const numberAlias = column('e', 'v_extensions', 'number_alias');
  const authAcl = column('e', 'v_extensions', 'auth_acl');
  const extensionColumns = [
    'effective_caller_id_name',
    'effective_caller_id_number',
    'outbound_caller_id_name',
    'outbound_caller_id_number',
    'directory_first_name',
    'directory_last_name',
    'cidr',
    'call_group',
  ];
  return `
    with agents as (${agentsRelation(schema)}),
    agent_by_contact as (select distinct on (domain_uuid, contact_extension) * from agents where contact_extension is not null order by domain_uuid, contact_extension),
    agent_by_user as (select distinct on (user_uuid) * from agents where user_uuid is not null order by user_uuid),
    links as (
      select extension_uuid, user_uuid,
             count(*) over (partition by extension_uuid) as users_of_extension,
             count(*) over (partition by user_uuid) as extensions_of_user
        from v_extension_users),
    mailboxes as (
      select distinct on (domain_uuid, voicemail_id::text) domain_uuid, voicemail_id::text as mailbox,
             voicemail_password::text, voicemail_enabled::text, ${column('v', 'v_voicemails', 'voicemail_mail_to')} as voicemail_mail_to
        from v_voicemails v order by domain_uuid, voicemail_id::text),
    contacts as (${contactsRelation(schema)}),
    access_lists as (${accessListsRelation(schema)})
    select d.domain_name::text, e.extension::text, ${numberAlias} as number_alias, e.password::text, e.enabled::text,
           ${extensionColumns.map((name) => `${column('e', 'v_extensions', name)} as ${name}`).join(', ')},
           ${authAcl} as auth_acl, acl.allowed as auth_acl_networks,
           m.mailbox as voicemail_id, m.voicemail_password, m.voicemail_enabled, m.voicemail_mail_to,
           u.username::text, ${column('u', 'v_users', 'user_email')} as user_email, ${column('u', 'v_users', 'user_enabled')} as user_enabled,
           c.contact_name_given, c.contact_name_family,
           ${AGENT_TIMERS.map((timer) => `case when ac.domain_uuid is not null then ac.${timer} else au.${timer} end as ${timer}`).join(', ')}
      from v_extensions e
      join v_domains d on d.domain_uuid = e.domain_uuid
      left join mailboxes m on m.domain_uuid = e.domain_uuid and m.mailbox = coalesce(nullif(${numberAlias}, ''), e.extension::text)
      left join links l on l.extension_uuid = e.extension_uuid and l.users_of_extension = 1 and l.extensions_of_user = 1
      left join v_users u on u.user_uuid = l.user_uuid
      left join contacts c on c.contact_uuid = u.contact_uuid
      left join agent_by_contact ac on ac.domain_uuid = e.domain_uuid and ac.contact_extension = e.extension::text
      left join agent_by_user au on au.user_uuid = u.user_uuid and au.domain_uuid = e.domain_uuid
      left join access_lists acl on acl.name = nullif(${authAcl}, '')
     where $1::text is null or d.domain_name = $1::text
     order by d.domain_name, e.extension, e.extension_uuid`;
}

/** A column as text where this FusionPBX has it, null where its version or apps lack it. */
const columnOf = (schema: Schema) => (alias: string, table: string, name: string) => (schema.get(table)?.has(name) ? `${alias}.${name}::text` : 'null::text');

const AGENT_TIMERS = [
  'agent_call_timeout',
  'agent_wrap_up_time',
  'agent_max_no_answer',
  'agent_busy_delay_time',
  'agent_reject_delay_time',
  'agent_no_answer_delay_time',
] as const;

/** Call-center agents with the extension their contact rings (`{…}user/1001@domain`), when it rings one. */
function agentsRelation(schema: Schema): string {
  const column = columnOf(schema);
  if (!schema.has('v_call_center_agents'))
    return `select null::uuid as domain_uuid, null::uuid as user_uuid, null::text as contact_extension,
                   ${AGENT_TIMERS.map((timer) => `null::text as ${timer}`).join(', ')} where false`;
  return `select domain_uuid, user_uuid, substring(agent_contact from 'user/([^@/{}]+)@') as contact_extension,
                 ${AGENT_TIMERS.map((timer) => `${column('a', 'v_call_center_agents', timer)} as ${timer}`).join(', ')}
            from v_call_center_agents a`;
}

function contactsRelation(schema: Schema): string {
  return schema.has('v_contacts')
    ? 'select contact_uuid, contact_name_given::text, contact_name_family::text from v_contacts'
    : 'select null::uuid as contact_uuid, null::text as contact_name_given, null::text as contact_name_family where false';
}

/**
 * The access control lists an extension's auth_acl may name that our auth ACL can keep: deny by
 * default, allowing networks by CIDR only. Any other list (one allowing by default, denying some
 * networks, or allowing by domain) is left out, and an extension naming it is a problem.
 */
function accessListsRelation(schema: Schema): string {
  if (!schema.has('v_access_controls') || !schema.has('v_access_control_nodes')) return 'select null::text as name, null::text as allowed where false';
  return `select c.access_control_name::text as name, string_agg(n.node_cidr::text, ',' order by n.node_cidr::text) as allowed
            from v_access_controls c join v_access_control_nodes n on n.access_control_uuid = c.access_control_uuid
           group by c.access_control_name::text
          having bool_and(c.access_control_default::text = 'deny')
             and bool_and(n.node_type::text = 'allow' and coalesce(n.node_cidr::text, '') <> '' and coalesce(n.node_domain::text, '') = '')`;
}

function itemOf(row: ExtensionRow): SourceItem {
  const extension = row.extension?.trim() ?? '';
  const origin = `v_extensions ${extension}@${row.domain_name}`;
  if (extension === '') return { problem: { origin, message: 'The extension has no number' } };
  const agent = agentOf(row);
  if (typeof agent === 'string') return { problem: { origin, message: agent } };
  const authAcl = authAclOf(row);
  if (typeof authAcl === 'string') return { problem: { origin, message: authAcl } };
  const entry: MigrationEntry = {
    origin,
    username: extension,
    // The SIP user name may be letters ("helpdesk"); the number people dial is then its alias.
    extension: textOf(row.number_alias) ?? extension,
    realm: row.domain_name,
    ...personOf(row),
    active: isTrue(row.enabled) && (row.user_enabled === null || isTrue(row.user_enabled)),
    sip: present(row.password) ? { password: row.password } : {},
    ...definedOnly({
      voicemail: row.voicemail_id === null ? undefined : { enabled: isTrue(row.voicemail_enabled), ...definedOnly({ pin: textOf(row.voicemail_password) }) },
      callerId: callerIdOf(row),
      authAcl,
      groups: commaList(row.call_group),
      agent,
    }),
  };
  return { entry };
}

/**
 * The person behind the extension: the linked FusionPBX user and its contact where there is one,
 * else the extension's directory name or caller ID name; the voicemail address stands in for an
 * e-mail when no user is linked and it names a single address.
 */
function personOf(row: ExtensionRow): Pick<MigrationEntry, 'login' | 'firstName' | 'lastName' | 'email'> {
  const contactName = definedOnly({ firstName: textOf(row.contact_name_given), lastName: textOf(row.contact_name_family) });
  const directoryName = definedOnly({ firstName: textOf(row.directory_first_name), lastName: textOf(row.directory_last_name) });
  const name = [contactName, directoryName, splitPersonName(row.effective_caller_id_name)].find((candidate) => Object.keys(candidate).length > 0) ?? {};
  const email = row.username !== null ? textOf(row.user_email) : singleAddress(textOf(row.voicemail_mail_to));
  return definedOnly({ login: textOf(row.username), ...name, email });
}

function callerIdOf(row: ExtensionRow): MigrationEntry['callerId'] {
  const callerId = definedOnly({
    name: textOf(row.effective_caller_id_name) ?? textOf(row.outbound_caller_id_name),
    number: textOf(row.effective_caller_id_number) ?? textOf(row.outbound_caller_id_number),
  });
  return Object.keys(callerId).length > 0 ? callerId : undefined;
}

/**
 * The networks the phone may register from: the extension's cidr, and the networks its auth_acl
 * list allows. A list we cannot keep is a problem rather than dropped, for dropping it would let
 * the phone register from anywhere.
 */
function authAclOf(row: ExtensionRow): string[] | undefined | string {
  const listName = textOf(row.auth_acl);
  if (listName !== undefined && row.auth_acl_networks === null)
    return `The auth_acl "${listName}" is no access control list Switchboard can keep (deny by default, allowing networks by CIDR only): list the extension's networks in its cidr instead`;
  const networks = [...(commaList(row.cidr) ?? []), ...(commaList(row.auth_acl_networks) ?? [])];
  return networks.length > 0 ? [...new Set(networks)] : undefined;
}

/** The agent's timers, one to one; a timer that is not whole seconds is the entry's problem (the message says which). */
function agentOf(row: ExtensionRow): MigrationEntry['agent'] | string {
  const columns = {
    callTimeout: 'agent_call_timeout',
    wrapUpTime: 'agent_wrap_up_time',
    maxNoAnswer: 'agent_max_no_answer',
    busyDelay: 'agent_busy_delay_time',
    rejectDelay: 'agent_reject_delay_time',
    noAnswerDelay: 'agent_no_answer_delay_time',
  } as const;
  const agent: NonNullable<MigrationEntry['agent']> = {};
  for (const [setting, column] of Object.entries(columns) as [keyof typeof columns, (typeof columns)[keyof typeof columns]][]) {
    const value = textOf(row[column]);
    if (value === undefined) continue;
    if (!/^\d+$/.test(value)) return `The call-center agent's ${column} "${value}" is not a whole number of seconds`;
    agent[setting] = Number(value);
  }
  return Object.keys(agent).length > 0 ? agent : undefined;
}

const isTrue = (value: string | null) => value?.trim().toLowerCase() === 'true';
const present = (value: string | null): value is string => value !== null && value !== '';
const textOf = (value: string | null) => (value === null || value.trim() === '' ? undefined : value.trim());

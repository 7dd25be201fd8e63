import type { Generated, Kysely } from 'kysely';

/**
 * The directory's tables. Booleans are integers (0/1) and times are ISO 8601 text so that
 * SQLite and PostgreSQL return the same values and the same order.
 */
export interface Database {
  domains: DomainsTable;
  users: UsersTable;
  roles: RolesTable;
  groups: GroupsTable;
  user_roles: { user_id: string; role_id: string };
  user_groups: { user_id: string; group_id: string };
  group_roles: { group_id: string; role_id: string };
  user_tags: { user_id: string; domain_id: string; tag: string };
  /** A user's id in another system (`creatio`, `salesforce`, `scim` for the identity provider's). */
  user_external_ids: { user_id: string; domain_id: string; system: string; external_id: string };
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  /** Audit entries of sign-ins on their way into the log (see audit/store.ts). */
  audit_outbox: AuditLogTable;
  changes: ChangesTable;
  change_counters: ChangeCountersTable;
  identity_providers: IdentityProvidersTable;
  /** Sessions an SSO sign-in opened: with which provider, and whether it vouched for several factors. */
  sso_sessions: { session_id: string; provider_id: string; multi_factor: number };
  webhook_subscriptions: WebhookSubscriptionsTable;
  directory_sources: DirectorySourcesTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  /** Imports, migrations and directory syncs, as every process of a cluster sees them (see jobs/). */
  jobs: JobsTable;
  /** An import's generated SIP secrets, sealed, a line each, a row per chunk (see import/sealed-secrets.ts). */
  job_secrets: { job_id: string; chunk: number; sealed: string };
  /** Who runs a once-per-cluster timer, until when (see leases/). */
  leases: { name: string; holder: string; expires_at: string };
  password_history: { user_id: string; password_hash: string; created_at: string };
  login_failures: { key: string; failures: number; lockouts: number; last_failure_at: string; locked_until: string | null };
  recovery_codes: { user_id: string; code_hash: string; used_at: string | null };
  password_reset_tokens: { id: string; user_id: string; created_at: string; expires_at: string };
  licenses: {
    id: string;
    domain_id: string;
    name: string;
    name_key: string;
    description: string | null;
    seats: number;
    used: number;
    expires_at: string | null;
    capability: string | null;
    created_at: string;
    updated_at: string;
  };
  license_assignments: { license_id: string; user_id: string; assigned_at: string };
  numbers: {
    id: string;
    domain_id: string;
    /** E.164 (`+48221234567`) or an alphanumeric sender ID. */
    value: string;
    kind: string;
    voice: number;
    sms: number;
    description: string | null;
    created_at: string;
    updated_at: string;
  };
  tags: CatalogTable;
  skills: CatalogTable;
  extensions: {
    domain_id: string;
    number: string;
    width: number;
    value: number | string;
    /** `user` (a SIP account's own), `virtual` (rings a user), `desk` (a hot desk anyone may sign in to). */
    kind: string;
    user_id: string | null;
    description: string | null;
    created_at: string;
  };
  sip_accounts: SipAccountsTable;
  presentation_numbers: { user_id: string; number_id: string; purpose: string; position: number };
  desk_sign_ins: {
    id: string;
    domain_id: string;
    extension: string;
    user_id: string;
    signed_in_at: string;
    signed_out_at: string | null;
    signed_out_by: string | null;
  };
  agents: { user_id: string; domain_id: string; enabled: number; all_tags: number; all_skills: number; overrides: string };
  agent_skills: { user_id: string; skill_id: string; level: number };
  pause_reasons: NamedTable & { max_duration: number | null };
  status_history: {
    id: string;
    domain_id: string;
    user_id: string;
    dimension: string;
    value: string;
    reason: string | null;
    by: string;
    actor: string | null;
    at: string;
  };
  api_tokens: {
    id: string;
    user_id: string;
    name: string;
    token_hash: string;
    /** JSON array: the scope, never more than what the owner holds at each use. */
    permissions: string;
    created_at: string;
    expires_at: string;
    last_used_at: string | null;
  };
}

export interface DomainsTable {
  id: string;
  name: string;
  title: string | null;
  active: number;
  /** JSON of the domain's password policy; null means the default. */
  password_policy: string | null;
  /** JSON of the domain's brute-force settings; null means the defaults. */
  brute_force: string | null;
  require_two_factor: number;
  /** 1: users of the domain sign in through an identity provider only, never with a password. */
  require_sso: Generated<number>;
  /** SIP digest realm; null only for rows written before it existed. */
  realm: string | null;
  /** JSON of the domain's SIP settings (extension range, STUN); null means the defaults. */
  sip_settings: string | null;
  /** JSON of the defaults every agent of the domain follows unless it sets its own. */
  agent_defaults: string | null;
  /** JSON of the domain's CRM gate (its secret sealed); null: off. */
  crm_gate: Generated<string | null>;
  created_at: string;
  updated_at: string;
}

export interface UsersTable {
  id: string;
  domain_id: string;
  login: string;
  login_key: string;
  email: string | null;
  email_key: string | null;
  first_name: string;
  last_name: string;
  /** Login, e-mail, names and extensions folded for search (db/search-text.ts), indexed by trigrams. */
  search_text: string;
  password_hash: string | null;
  active: number;
  position: string | null;
  work_phone: string | null;
  timezone: string | null;
  language: string | null;
  description: string | null;
  domain_admin: number;
  platform_admin: number;
  two_factor: string;
  /** 1: this user must enrol in two-factor authentication (as a role or the domain can ask). */
  require_two_factor: number;
  /** TOTP seed, sealed with the secret key. */
  totp_secret: string | null;
  totp_pending_secret: string | null;
  /** The last TOTP time step accepted: a code is good once. */
  totp_last_step: number | null;
  session_timeout: number | null;
  session_max_age: number | null;
  max_sessions: number | null;
  session_limit: string;
  /** JSON array of CIDRs the user may sign in from; empty means anywhere. */
  ip_allow_list: string;
  oauth_email: string | null;
  /** CalDAV token, sealed with the secret key. */
  caldav_token: string | null;
  crm_id: string | null;
  must_change_password: number;
  employee_number: string | null;
  department: string | null;
  /** The user's manager: another user of the domain. */
  manager_id: string | null;
  /** Where the user is, for formatting (SCIM locale, such as en-US); the console's language is `language`. */
  locale: string | null;
  version: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  /** The LDAP or Active Directory source that owns this user, and its entry there. */
  directory_source_id: string | null;
  directory_dn: string | null;
}

export interface SipAccountsTable {
  user_id: string;
  domain_id: string;
  username: string;
  username_key: string;
  extension: string | null;
  virtual_extension: string | null;
  assignment: string;
  connection: string;
  custom_uri: string | null;
  /** JSON array of CIDRs the phone may register from; empty means anywhere. */
  auth_acl: string;
  /** null: the domain's default. */
  stun: number | null;
  voicemail_enabled: number;
  voicemail_pin_hash: string | null;
  caller_id_name: string | null;
  caller_id_number: string | null;
  realm: string;
  ha1_md5: string;
  ha1_sha256: string;
  ha1b_md5: string;
  ha1b_sha256: string;
  created_at: string;
  updated_at: string;
}

export interface RolesTable {
  id: string;
  domain_id: string;
  name: string;
  name_key: string;
  description: string | null;
  permissions: string;
  builtin: number;
  require_two_factor: number;
  /** 1: whoever holds the role signs in through an identity provider only. */
  require_sso: number;
  created_at: string;
  updated_at: string;
}

/** Something a domain names: a user group, or an entry of its tags or skills catalog. */
export interface NamedTable {
  id: string;
  domain_id: string;
  name: string;
  name_key: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}

/** A user group; `external_id` is the identity provider's id of it (SCIM externalId). */
export type GroupsTable = NamedTable & { external_id: string | null };
export type CatalogTable = NamedTable;

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  user_agent: string | null;
  address: string | null;
}

export interface AuditLogTable {
  id: string;
  domain_id: string;
  at: string;
  actor_id: string | null;
  actor_login: string;
  action: string;
  target_type: string;
  target_id: string;
  target_name: string;
  changes: string;
}

export interface ChangesTable {
  id: string;
  domain_id: string;
  /** A string from PostgreSQL (bigint), a number from SQLite. */
  seq: string | number | null;
  batch: string | null;
  at: string;
  resource_type: string;
  resource_id: string;
  action: string;
  version: number | null;
  fields: string;
  actor_id: string | null;
  actor_login: string;
}

export interface ChangeCountersTable {
  domain_id: string;
  last_seq: string | number;
}

export interface IdentityProvidersTable {
  id: string;
  domain_id: string;
  issuer: string;
  client_id: string;
  /** Sealed with the SecretCipher. */
  client_secret: string;
  /** JSON arrays. */
  scopes: string;
  match_claim: string;
  allowed_email_domains: string;
  button_label: string;
  jit_enabled: number;
  jit_roles: string;
  jit_groups: string;
  created_at: string;
  updated_at: string;
}

export interface WebhookSubscriptionsTable {
  id: string;
  domain_id: string;
  url: string;
  description: string | null;
  /** JSON array of event types or patterns (`user.*`, `*`). */
  event_types: string;
  active: number;
  /** Why the server turned it off (`deliveries_failing`); null when active or turned off by a person. */
  disabled_reason: string | null;
  /** The signing secret, sealed with the SecretCipher. */
  secret: string;
  /** The last change of the domain's feed the dispatcher has turned into deliveries (a string from PostgreSQL). */
  cursor_seq: string | number;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  /** Also the `webhook-id` header: the same on every attempt, so receivers can drop repeats. */
  id: string;
  subscription_id: string;
  /** The change delivered; null for a test ping. */
  seq: string | number | null;
  /** `subscription/type:id`: deliveries of one resource to one subscription go out in order. */
  resource_key: string;
  event_type: string;
  payload: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  created_at: string;
  next_attempt_at: string;
  /** After this, a failed attempt fails the delivery and turns the subscription off. */
  give_up_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  delivered_at: string | null;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  attempt: number;
  at: string;
  /** The receiver's HTTP status; null when none came (refused, timed out, address not allowed). */
  status: number | null;
  latency_ms: number;
  error: string | null;
}

export type Db = Kysely<Database>;

export interface DirectorySourcesTable {
  id: string;
  domain_id: string;
  name: string;
  name_key: string;
  /** ldap:// or ldaps://. */
  url: string;
  start_tls: number;
  bind_dn: string;
  /** Sealed with the secret key. */
  bind_password: string;
  base_dn: string;
  user_filter: string;
  preset: string;
  /** JSON: Switchboard field → directory attribute. */
  attributes: string;
  /** `memberOf` (the user entry names its groups) or `groupOfNames` (the group entries name their members). */
  membership: string;
  /** JSON array of { groupDn, groups, roles }. */
  group_mappings: string;
  /** JSON array of role names every synced user holds. */
  default_roles: string;
  /** JSON array of the user fields the source owns (read-only elsewhere): kept beside the mapping for the users' own checks. */
  owned_fields: string;
  schedule_minutes: number | null;
  /** When a scheduled sync is due; moved on by the process that claims it. */
  next_sync_at: string | null;
  /** JSON: the outcome of the last sync (when, by whom, counts), or null. */
  last_sync: string | null;
  created_at: string;
  updated_at: string;
}

export interface JobsTable {
  id: string;
  domain_id: string;
  kind: string;
  source: string | null;
  state: string;
  started_by: string;
  started_at: string;
  finished_at: string | null;
  /** JSON, as the job's view carries them. */
  progress: string;
  result: string | null;
  error: string | null;
  /** The process that runs the job, proving it alive at `heartbeat_at`. */
  owner: string;
  heartbeat_at: string;
  cancel_requested_at: string | null;
  report: string | null;
  /** When its generated secrets (job_secrets) were taken for their one answer. (`secrets`, emptied, stays for the release before: migration 17.) */
  secrets_taken_at: string | null;
}

/**
 * Every permission the server knows. `domain` permissions are granted by roles inside a domain;
 * `self` ones let a user act on their own account; `platform` ones belong to platform
 * administrators only and no role can hold them.
 */
export const permissionCatalog = {
  'users:read': { scope: 'domain', description: 'See the users of the domain and their details' },
  'users:create': { scope: 'domain', description: 'Create users' },
  'users:update': { scope: 'domain', description: 'Change users: account fields, roles, groups, tags, activation' },
  'users:delete': { scope: 'domain', description: 'Delete users (soft: they can be restored for a while)' },
  'users:restore': { scope: 'domain', description: 'Restore deleted users' },
  'roles:read': { scope: 'domain', description: 'See roles and their permissions' },
  'roles:create': { scope: 'domain', description: 'Create roles' },
  'roles:update': { scope: 'domain', description: "Change roles' names, descriptions and permissions" },
  'roles:delete': { scope: 'domain', description: 'Delete roles that nobody holds' },
  'groups:read': { scope: 'domain', description: 'See user groups, their members and the roles they grant' },
  'groups:create': { scope: 'domain', description: 'Create user groups' },
  'groups:update': { scope: 'domain', description: 'Change user groups, their members and the roles they grant' },
  'groups:delete': { scope: 'domain', description: 'Delete user groups' },
  'audit:read': { scope: 'domain', description: 'Read the audit log of the domain' },
  'changes:read': { scope: 'domain', description: "Follow the domain's change feed: every committed change, in order (for integrations)" },
  'webhooks:manage': { scope: 'domain', description: "Manage the domain's webhooks: subscriptions, their secrets, delivery logs and redeliveries" },
  'crm-gate:manage': { scope: 'domain', description: "Configure the domain's CRM gate, which a CRM must pass before users are created or get a SIP account" },
  'directory-sources:read': { scope: 'domain', description: "See the domain's LDAP and Active Directory sources and their syncs" },
  'directory-sources:update': {
    scope: 'domain',
    description: 'Add, change and remove LDAP and Active Directory sources, and sync them (which creates, changes and deactivates their users)',
  },
  'identity-providers:read': { scope: 'domain', description: "See the domain's identity providers (single sign-on) and who must use them" },
  'identity-providers:update': {
    scope: 'domain',
    description: 'Add, change and remove identity providers (single sign-on), and require SSO of the domain or of roles',
  },
  'catalogs:read': { scope: 'domain', description: 'See the tags and skills of the domain' },
  'catalogs:manage': { scope: 'domain', description: 'Add, rename and remove tags and skills' },
  'numbers:read': { scope: 'domain', description: "See the domain's numbers and SMS sender IDs" },
  'numbers:manage': { scope: 'domain', description: "Add, change and remove the domain's numbers and SMS sender IDs" },
  'licenses:read': { scope: 'domain', description: 'See licensed products, their seats and who holds them' },
  'licenses:manage': { scope: 'domain', description: 'Add, change and remove licensed products and their seats' },
  'licenses:assign': { scope: 'domain', description: 'Give licenses to users and take them back' },
  'users:force-status': { scope: 'domain', description: "Set other users' status and log them in or out of contact-center mode" },
  'agents:report': { scope: 'domain', description: 'Report call offers and their outcomes (for the telephony engine)' },
  'telephony:manage': { scope: 'domain', description: "Change the domain's SIP settings (extension range, STUN/TURN), agent defaults and hot desks" },
  'security-settings:update': { scope: 'domain', description: "Change the domain's password policy and brute-force protection" },
  'scim:provision': {
    scope: 'domain',
    description:
      "Provision the domain's users and groups over SCIM 2.0 (an identity provider's API token); what it grants is still bounded by the token's other permissions",
  },
  'profile:read': { scope: 'self', description: 'See your own account' },
  'profile:update': { scope: 'self', description: 'Change your own name, e-mail, password, timezone and language' },
  'domains:read': { scope: 'platform', description: 'See every domain' },
  'domains:create': { scope: 'platform', description: 'Create domains' },
  'domains:update': { scope: 'platform', description: 'Change and deactivate domains' },
  'domains:delete': { scope: 'platform', description: 'Delete domains with everything in them' },
} as const satisfies Record<string, { scope: 'domain' | 'self' | 'platform'; description: string }>;

export type Permission = keyof typeof permissionCatalog;

export const allPermissions = Object.keys(permissionCatalog) as Permission[];

/** What a role may hold: everything but the platform's own permissions. */
export const grantablePermissions = allPermissions.filter((p) => permissionCatalog[p].scope !== 'platform');

export const isGrantable = (name: string): name is Permission => (grantablePermissions as string[]).includes(name);

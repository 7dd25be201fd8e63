import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, limits, SWITCHBOARD_SCHEMA, USER_SCHEMA } from './schema.ts';

type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
interface Attribute {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'integer' | 'dateTime' | 'reference';
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: Attribute[];
  referenceTypes?: string[];
}

const attr = (name: string, description: string, more: Partial<Attribute> = {}): Attribute => ({
  name,
  type: 'string',
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...more,
});

const multi = (name: string, description: string, more: Partial<Attribute> = {}) =>
  attr(name, description, {
    type: 'complex',
    multiValued: true,
    subAttributes: [
      attr('value', 'The value'),
      attr('type', 'work, home, other'),
      attr('primary', 'The primary value', { type: 'boolean' }),
      attr('display', 'A name for people', { mutability: 'readOnly' }),
    ],
    ...more,
  });

const userAttributes: Attribute[] = [
  attr('userName', 'The login: Latin letters, digits, . _ -, optionally @ and a domain', { required: true, uniqueness: 'server' }),
  attr('name', 'The parts of the name', {
    type: 'complex',
    subAttributes: [attr('givenName', 'First name'), attr('familyName', 'Last name'), attr('formatted', 'The full name', { mutability: 'readOnly' })],
  }),
  attr('displayName', 'The name shown: the given and family names (written, it is split into them when they are absent)'),
  multi('emails', 'The e-mail address: one, the primary (or work) one is kept'),
  multi('phoneNumbers', 'The work phone: one, the work (or primary) one is kept'),
  attr('active', 'false deactivates the account and ends its sessions; it never deletes', { type: 'boolean' }),
  attr('title', 'The position'),
  attr('preferredLanguage', "The console's language (BCP 47)"),
  attr('locale', 'Where the user is, such as en-US'),
  attr('timezone', 'IANA time zone such as Europe/Warsaw'),
  attr('password', "Write-only; judged by the domain's password policy", { mutability: 'writeOnly', returned: 'never', caseExact: true }),
  multi('groups', 'The groups the user is a member of', { mutability: 'readOnly' }),
];

const enterpriseAttributes: Attribute[] = [
  attr('employeeNumber', 'The employee number'),
  attr('department', 'The department'),
  attr('manager', 'The manager, a user of the same domain', {
    type: 'complex',
    subAttributes: [
      attr('value', "The manager's id"),
      attr('$ref', "The manager's URI", { type: 'reference', referenceTypes: ['User'] }),
      attr('displayName', "The manager's name", { mutability: 'readOnly' }),
    ],
  }),
];

const switchboardAttributes: Attribute[] = [
  attr('extension', "The SIP account's extension (1-15 digits); given, the user gets a SIP account"),
  attr('sipConnection', "The SIP account's connection: webrtc, pbx or custom"),
  attr('agent', 'The user works as a contact-center agent', { type: 'boolean' }),
  attr('skills', "The agent's skills, each with a level 0-100, from the domain's skills", {
    type: 'complex',
    multiValued: true,
    subAttributes: [attr('name', 'The skill'), attr('level', 'The level, 0-100', { type: 'integer' })],
  }),
  attr('roles', "The user's roles, by name; absent on a new user: agent", { multiValued: true }),
];

const groupAttributes: Attribute[] = [
  attr('displayName', 'The group name, unique in the domain', { required: true, uniqueness: 'server' }),
  attr('members', 'The members: users of the domain', {
    type: 'complex',
    multiValued: true,
    subAttributes: [
      attr('value', "The member's id", { mutability: 'immutable' }),
      attr('$ref', "The member's URI", { type: 'reference', referenceTypes: ['User'], mutability: 'immutable' }),
      attr('type', 'User', { mutability: 'immutable' }),
      attr('display', "The member's login", { mutability: 'readOnly' }),
    ],
  }),
];

const schemaDocs = [
  { id: USER_SCHEMA, name: 'User', description: 'A person who signs in', attributes: userAttributes },
  { id: ENTERPRISE_SCHEMA, name: 'EnterpriseUser', description: 'Enterprise attributes', attributes: enterpriseAttributes },
  {
    id: SWITCHBOARD_SCHEMA,
    name: 'SwitchboardUser',
    description: 'The telephony of a user: SIP account, agent flag, skills, roles',
    attributes: switchboardAttributes,
  },
  { id: GROUP_SCHEMA, name: 'Group', description: 'A user group', attributes: groupAttributes },
];

const meta = (base: string, resourceType: string, path: string) => ({ resourceType, location: `${base}/${path}` });

export function schemas(base: string) {
  return schemaDocs.map((doc) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'], ...doc, meta: meta(base, 'Schema', `Schemas/${doc.id}`) }));
}

export function resourceTypes(base: string) {
  const schemas = ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'];
  return [
    {
      schemas,
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'A person who signs in',
      schema: USER_SCHEMA,
      schemaExtensions: [
        { schema: ENTERPRISE_SCHEMA, required: false },
        { schema: SWITCHBOARD_SCHEMA, required: false },
      ],
      meta: meta(base, 'ResourceType', 'ResourceTypes/User'),
    },
    {
      schemas,
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'A user group',
      schema: GROUP_SCHEMA,
      schemaExtensions: [],
      meta: meta(base, 'ResourceType', 'ResourceTypes/Group'),
    },
  ];
}

export function serviceProviderConfig(base: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    documentationUri: 'https://switchboard.dev/docs/scim',
    patch: { supported: true },
    bulk: { supported: true, maxOperations: limits.bulkMaxOperations, maxPayloadSize: limits.bulkMaxPayloadSize },
    filter: { supported: true, maxResults: limits.maxResults },
    changePassword: { supported: true },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'API token',
        description: 'A Switchboard API token of the domain holding scim:provision, sent as Authorization: Bearer',
        primary: true,
      },
    ],
    meta: { ...meta(base, 'ServiceProviderConfig', 'ServiceProviderConfig') },
  };
}

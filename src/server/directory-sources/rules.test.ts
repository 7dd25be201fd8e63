import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownedFieldProblems } from '../users/rules.ts';
import type { UserView } from '../users/schema.ts';
import { dnKey, ownedFields, planSync, presets, urlProblem, type DirectoryUser, type SyncedUser } from './rules.ts';

const attributes = presets.openLdap.attributes;
const managed = {
  defaultRoles: ['agent'],
  mappings: [{ groupDn: 'cn=Supervisors,ou=groups,dc=example,dc=com', groups: ['Supervisors'], roles: ['supervisor'] }],
};

const entry = (login: string, extra: Partial<DirectoryUser['fields']> = {}, groupDns: string[] = []): DirectoryUser => ({
  dn: `uid=${login},ou=people,dc=example,dc=com`,
  fields: {
    login,
    email: `${login}@example.com`,
    firstName: 'Anna',
    lastName: 'Nowak',
    workPhone: null,
    position: null,
    description: null,
    oauthEmail: null,
    extension: null,
    ...extra,
  },
  groupDns,
});

const held = (login: string, extra: Partial<SyncedUser> = {}): SyncedUser => ({
  id: `id-${login}`,
  dn: `uid=${login},ou=people,dc=example,dc=com`,
  login,
  email: `${login}@example.com`,
  firstName: 'Anna',
  lastName: 'Nowak',
  workPhone: null,
  position: null,
  description: null,
  oauthEmail: null,
  extension: null,
  hasSip: false,
  active: true,
  roles: ['agent'],
  groups: [],
  ...extra,
});

describe('planning a directory sync', () => {
  it('creates the new, changes the changed, leaves the same alone and deactivates the gone', () => {
    const plan = planSync(
      [entry('anna'), entry('ben', { lastName: 'Kowalski' }), entry('cleo')],
      [held('ben'), held('cleo'), held('dora')],
      attributes,
      managed,
    );
    assert.deepEqual(
      plan.creates.map((u) => u.fields.login),
      ['anna'],
    );
    assert.deepEqual(
      plan.changes.map((c) => [c.before.login, c.change]),
      [['ben', { lastName: 'Kowalski' }]],
    );
    assert.equal(plan.unchanged, 1);
    assert.deepEqual(
      plan.gone.map((u) => u.login),
      ['dora'],
    );
  });

  it('changes only the roles and groups the mapping manages, matching group DNs loosely', () => {
    const before = held('ben', { roles: ['agent', 'auditor'], groups: ['Night shift'] });
    const plan = planSync([entry('ben', {}, ['CN=supervisors, OU=groups,dc=example,dc=com'])], [before], attributes, managed);
    assert.deepEqual(plan.changes[0]?.change, { roles: ['auditor', 'agent', 'supervisor'], groups: ['Night shift', 'Supervisors'] });
  });

  it('reactivates a user back in the directory and follows a moved entry by its login', () => {
    const plan = planSync([{ ...entry('ben'), dn: 'uid=ben,ou=staff,dc=example,dc=com' }], [held('ben', { active: false })], attributes, managed);
    assert.deepEqual(plan.changes[0]?.change, { active: true });
    assert.equal(plan.gone.length, 0);
  });

  it('reports entries without a login or with a login seen before, and leaves them out', () => {
    const plan = planSync(
      [entry('anna'), { ...entry('x'), fields: { ...entry('x').fields, login: null } }, { ...entry('ANNA'), dn: 'uid=anna2,dc=example,dc=com' }],
      [],
      attributes,
      managed,
    );
    assert.deepEqual(
      plan.problems.map((p) => p.code),
      ['directory_source.no_login', 'directory_source.same_login'],
    );
    assert.equal(plan.creates.length, 1);
  });
});

describe('directory source settings', () => {
  it('takes ldap and ldaps URLs of a host and port only', () => {
    assert.equal(urlProblem('ldaps://dc1.example.com:636'), null);
    assert.match(urlProblem('https://dc1.example.com') ?? '', /ldap/);
    assert.match(urlProblem('ldap://dc1.example.com/dc=example,dc=com') ?? '', /base DN/);
    assert.match(urlProblem('ldap://admin:pw@dc1.example.com') ?? '', /bindDn/);
  });

  it('owns what it maps, the activation and the password', () => {
    assert.deepEqual(ownedFields({ ...presets.activeDirectory.attributes, description: null }), [
      'login',
      'email',
      'firstName',
      'lastName',
      'workPhone',
      'position',
      'integrations.oauthEmail',
      'sip.extension',
      'active',
      'password',
    ]);
  });

  it('compares DNs without case or spaces around separators', () => {
    assert.equal(dnKey(' CN=Sales Team , OU=Groups,DC=example,DC=com'), 'cn=sales team,ou=groups,dc=example,dc=com');
  });
});

describe('fields a directory owns', () => {
  const before = { login: 'ben', lastName: 'Nowak', active: true, hasPassword: false, integrations: { oauthEmail: null }, sip: null } as unknown as UserView;
  const owner = { name: 'corp', ownedFields: ['login', 'lastName', 'active', 'password'] };

  it('refuses a change of an owned field and names the source', () => {
    const problems = ownedFieldProblems(owner, before, { ...before, lastName: 'Kowalski' }, { lastName: 'Kowalski', password: 'Secret-Pass-1' });
    assert.deepEqual(
      problems.map((p) => p.path),
      ['lastName', 'password'],
    );
    assert.match(problems[0]?.message ?? '', /"corp"/);
  });

  it('lets a change repeat an owned value, as a console sending its whole form does', () => {
    assert.deepEqual(ownedFieldProblems(owner, before, { ...before }, { lastName: 'Nowak', active: true }), []);
  });
});

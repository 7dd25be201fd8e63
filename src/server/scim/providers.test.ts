import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';
import { scimClient, type ScimClient } from '../../../test/scim-client.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/**
 * The requests Microsoft Entra ID sends, request by request and body by body, as its SCIM guide
 * ("Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID") lists them.
 */
forEachEngine('SCIM as Microsoft Entra ID provisions', (h) => {
  let scim: ScimClient;
  let userId = '';
  let groupId = '';
  before(async () => {
    const token = await h().admin.post('/api/v1/me/tokens', { name: 'Entra provisioning', permissions: ['scim:provision', 'profile:read', 'profile:update'] });
    scim = scimClient(h().app, token.body.token, '/scim/v2/default');
  });

  it('finds nobody by userName, then creates the user', async () => {
    const none = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"')}`);
    assert.equal(none.status, 200);
    assert.deepEqual([none.body.totalResults, none.body.Resources], [0, []]);
    const created = await scim.post('/Users', {
      schemas: [USER, ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.match(String(created.headers['content-type']), /^application\/scim\+json/);
    userId = created.body.id;
    assert.equal(created.body.externalId, '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef');
    assert.deepEqual(created.body.name, { givenName: 'givenName', familyName: 'familyName', formatted: 'givenName familyName' });
    assert.deepEqual(created.body.emails, [{ value: 'Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com', type: 'work', primary: true }]);
    assert.equal(created.headers.location, created.body.meta.location);
    assert.equal(created.headers.etag, created.body.meta.version);
    assert.match(created.body.meta.version, /^W\/"\d+"$/);
  });

  it('reads the user, and by query', async () => {
    const read = await scim.get(`/Users/${userId}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.userName, 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee');
    const found = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"')}`);
    assert.deepEqual([found.body.totalResults, found.body.Resources[0].id, found.body.startIndex], [1, userId, 1]);
    const missing = await scim.get('/Users/5171a35d82074e068ce2');
    assert.equal(missing.status, 404);
    assert.deepEqual([missing.body.schemas, missing.body.status], [['urn:ietf:params:scim:api:messages:2.0:Error'], '404']);
  });

  it('updates multi-valued and single-valued attributes with "Replace"', async () => {
    const multi = await scim.patch(`/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ],
    });
    assert.equal(multi.status, 200, JSON.stringify(multi.body));
    assert.deepEqual(multi.body.emails, [{ value: 'updatedEmail@microsoft.com', type: 'work', primary: true }]);
    assert.equal(multi.body.name.formatted, 'givenName updatedFamilyName');
    const single = await scim.patch(`/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' }],
    });
    assert.equal(single.status, 200, JSON.stringify(single.body));
    assert.equal(single.body.userName, '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    const user = await h().admin.get(`/api/v1/domains/default/users/${userId}`);
    assert.deepEqual(
      [user.body.login, user.body.email, user.body.lastName],
      ['5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com', 'updatedEmail@microsoft.com', 'updatedFamilyName'],
    );
  });

  it('sets enterprise attributes by extension paths and booleans as "True"/"False" strings', async () => {
    const changed = await scim.patch(`/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Add', path: `${ENTERPRISE}:employeeNumber`, value: '4711' },
        { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Sales' },
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Replace', path: 'active', value: 'True' },
      ],
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual(changed.body[ENTERPRISE], { employeeNumber: '4711', department: 'Sales' });
    assert.equal(changed.body.active, true);
  });

  it('disables the user: inactive, not deleted', async () => {
    const disabled = await scim.patch(`/Users/${userId}`, { Operations: [{ op: 'Replace', path: 'active', value: false }], schemas: [PATCH_OP] });
    assert.equal(disabled.status, 200);
    assert.equal(disabled.body.active, false);
    const user = await h().admin.get(`/api/v1/domains/default/users/${userId}`);
    assert.deepEqual([user.body.active, user.body.deletedAt], [false, null]);
  });

  it('creates a group with no members, finds it without members, renames it, adds and removes a member', async () => {
    const created = await scim.post('/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual([created.body.displayName, created.body.members, created.body.externalId], ['displayName', [], '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159']);
    groupId = created.body.id;
    const read = await scim.get(`/Groups/${groupId}?excludedAttributes=members`);
    assert.equal(read.status, 200);
    assert.equal('members' in read.body, false);
    const found = await scim.get(`/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "displayName"')}`);
    assert.deepEqual([found.body.totalResults, found.body.Resources[0].id, 'members' in found.body.Resources[0]], [1, groupId, false]);
    const renamed = await scim.patch(`/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'displayName', value: '1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName' }],
    });
    assert.equal(renamed.status, 204, JSON.stringify(renamed.body));
    const added = await scim.patch(`/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: userId }] }],
    });
    assert.equal(added.status, 204, JSON.stringify(added.body));
    const withMember = await scim.get(`/Groups/${groupId}`);
    assert.deepEqual(
      [withMember.body.displayName, withMember.body.members.map((m: { value: string }) => m.value)],
      ['1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName', [userId]],
    );
    assert.deepEqual(
      (await scim.get(`/Users/${userId}`)).body.groups.map((g: { value: string }) => g.value),
      [groupId],
    );
    const removed = await scim.patch(`/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: userId }] }],
    });
    assert.equal(removed.status, 204);
    assert.deepEqual((await scim.get(`/Groups/${groupId}`)).body.members, []);
  });

  it('deletes the group and the user (softly), each answered 404 afterwards', async () => {
    assert.equal((await scim.delete(`/Groups/${groupId}`)).status, 204);
    assert.equal((await scim.get(`/Groups/${groupId}`)).status, 404);
    assert.equal((await scim.delete(`/Users/${userId}`)).status, 204);
    assert.equal((await scim.get(`/Users/${userId}`)).status, 404);
    const kept = await h().admin.get(`/api/v1/domains/default/users/${userId}`);
    assert.equal(typeof kept.body.deletedAt, 'string');
  });

  it('wrote audit entries naming the token', async () => {
    const audit = await h().admin.get(`/api/v1/domains/default/audit?limit=200`);
    const logins = new Set(
      audit.body.items.filter((e: { target: { id: string } }) => e.target.id === userId).map((e: { actor: { login: string } }) => e.actor.login),
    );
    assert.deepEqual([...logins], ['admin (API token "Entra provisioning")']);
  });
});

/**
 * The requests Okta sends, as its "SCIM 2.0 protocol" reference lists them. Okta sends a
 * placeholder password ("1mz050nq") even without password sync: a domain provisioned by Okta
 * needs a policy that accepts it, or Okta's create fails with invalidValue.
 */
forEachEngine('SCIM as Okta provisions', (h) => {
  let scim: ScimClient;
  let userId = '';
  let groupId = '';
  before(async () => {
    const policy = await h().admin.put('/api/v1/domains/default/password-policy', {
      minLength: 8,
      minUpper: 0,
      minSpecial: 0,
      minStrength: 0,
      rejectBreached: false,
    });
    assert.equal(policy.status, 200, JSON.stringify(policy.body));
    const token = await h().admin.post('/api/v1/me/tokens', { name: 'Okta', permissions: ['scim:provision', 'profile:read', 'profile:update'] });
    scim = scimClient(h().app, token.body.token, '/scim/v2/default');
  });

  it('looks the user up by userName with paging, then creates it', async () => {
    const none = await scim.get('/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100');
    assert.deepEqual([none.status, none.body.totalResults, none.body.itemsPerPage], [200, 0, 0]);
    const created = await scim.post('/Users', {
      schemas: [USER],
      userName: 'test.user@okta.local',
      name: { givenName: 'Test', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work' }],
      displayName: 'Test User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    userId = created.body.id;
    assert.deepEqual([created.body.userName, created.body.locale, created.body.displayName], ['test.user@okta.local', 'en-US', 'Test User']);
    const again = await scim.post('/Users', { schemas: [USER], userName: 'test.user@okta.local' });
    assert.deepEqual([again.status, again.body.scimType, again.body.status], [409, 'uniqueness', '409']);
  });

  it('reads the user and replaces it with PUT', async () => {
    const read = await scim.get(`/Users/${userId}`);
    assert.equal(read.status, 200);
    const replaced = await scim.put(`/Users/${userId}`, {
      schemas: [USER],
      id: userId,
      userName: 'test.user@okta.local',
      name: { givenName: 'Another', middleName: 'Excited', familyName: 'User' },
      emails: [{ primary: true, value: 'test.user@okta.local', type: 'work', display: 'test.user@okta.local' }],
      active: true,
      groups: [],
      meta: { resourceType: 'User' },
    });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.equal(replaced.body.name.givenName, 'Another');
    assert.equal('locale' in replaced.body, false, 'a PUT replaces: the locale it left out is cleared');
  });

  it('deactivates with a replace that carries an object and no path, and reactivates', async () => {
    const signedIn = await h().signIn('default', 'test.user@okta.local', '1mz050nq');
    assert.equal((await signedIn.get('/api/v1/me')).status, 200);
    const off = await scim.patch(`/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    assert.deepEqual([off.status, off.body.active], [200, false]);
    assert.equal((await signedIn.get('/api/v1/me')).status, 401, 'deactivation ended the session');
    const on = await scim.patch(`/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] });
    assert.deepEqual([on.status, on.body.active], [200, true]);
  });

  it('pushes a group, renames it, changes its members by PATCH and PUT, and deletes it', async () => {
    const other = await scim.post('/Users', { schemas: [USER], userName: 'second.user@okta.local', name: { givenName: 'Second', familyName: 'User' } });
    const created = await scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Test SCIMv2', members: [] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    groupId = created.body.id;
    const found = await scim.get('/Groups?filter=displayName%20eq%20%22Test%20SCIMv2%22&startIndex=1&count=100');
    assert.deepEqual([found.body.totalResults, found.body.Resources[0].id], [1, groupId]);
    const renamed = await scim.patch(`/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv20' } }],
    });
    assert.equal(renamed.status, 204, JSON.stringify(renamed.body));
    const membership = await scim.patch(`/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'remove', path: 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]' },
        { op: 'add', path: 'members', value: [{ value: userId, display: 'test.user@okta.local' }] },
      ],
    });
    assert.equal(membership.status, 204, JSON.stringify(membership.body));
    const pushed = await scim.patch(`/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [
        {
          op: 'replace',
          path: 'members',
          value: [
            { value: userId, display: 'test.user@okta.local' },
            { value: other.body.id, display: 'test.user@okta.local' },
          ],
        },
      ],
    });
    assert.equal(pushed.status, 204, JSON.stringify(pushed.body));
    assert.deepEqual((await scim.get(`/Groups/${groupId}`)).body.members.map((m: { value: string }) => m.value).sort(), [userId, other.body.id].sort());
    const put = await scim.put(`/Groups/${groupId}`, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Test SCIMv2',
      members: [{ value: userId, display: 'test.user@okta.local' }],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual([put.body.displayName, put.body.members.map((m: { value: string }) => m.value)], ['Test SCIMv2', [userId]]);
    assert.equal((await scim.delete(`/Groups/${groupId}`)).status, 204);
    const rest = await h().admin.get(`/api/v1/domains/default/users/${userId}`);
    assert.deepEqual(rest.body.groups, []);
  });

  it('deprovisions by deactivating: the user stays, inactive', async () => {
    const off = await scim.patch(`/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    assert.equal(off.status, 200);
    const listed = await scim.get('/Users?startIndex=1&count=100');
    assert.ok(listed.body.Resources.some((u: { id: string; active: boolean }) => u.id === userId && !u.active));
  });
});

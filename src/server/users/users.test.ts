import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';

const users = '/api/v1/domains/default/users';

forEachEngine('users', (h) => {
  it('creates a user with every account field and never returns the password', async () => {
    for (const name of ['VIP', 'night']) await h().admin.post('/api/v1/domains/default/tags', { name });
    const created = await h().admin.post(users, {
      login: 'j.kowalski',
      email: 'Jan.Kowalski@Example.com',
      firstName: 'Jan',
      lastName: 'Kowalski',
      password: 'Quiet-Violet-Harbor-93!',
      roles: ['agent'],
      position: 'Team lead',
      workPhone: '+48 22 123 45 67',
      timezone: 'Europe/Warsaw',
      language: 'pl-pl',
      description: 'Sales floor',
      tags: ['vip', 'night'],
      domainAdmin: false,
      security: { sessionTimeout: 1800, maxSessions: 2, sessionLimit: 'deny-new', ipAllowList: ['192.0.2.0/24', '2001:db8::/32'] },
      integrations: { oauthEmail: 'jan@gmail.example', calDavToken: 'caldav-secret-token-7731', crmId: 'CRM-42' },
    });
    assert.equal(created.status, 201);
    assert.equal(created.headers.etag, '"1"');
    assert.equal(created.headers.location, `${users}/${created.body.id}`);
    assert.equal(created.body.sip, null);
    assert.equal(created.body.agent.enabled, false);
    assert.deepEqual(
      { ...created.body, id: undefined, createdAt: undefined, updatedAt: undefined, sip: undefined, agent: undefined },
      {
        id: undefined,
        domain: 'default',
        login: 'j.kowalski',
        email: 'Jan.Kowalski@Example.com',
        firstName: 'Jan',
        lastName: 'Kowalski',
        hasPassword: true,
        active: true,
        roles: ['agent'],
        groups: [],
        position: 'Team lead',
        workPhone: '+48 22 123 45 67',
        timezone: 'Europe/Warsaw',
        language: 'pl-PL',
        description: 'Sales floor',
        tags: ['night', 'VIP'],
        licenses: [],
        domainAdmin: false,
        platformAdmin: false,
        security: {
          twoFactor: 'none',
          requireTwoFactor: false,
          sessionTimeout: 1800,
          sessionMaxAge: null,
          maxSessions: 2,
          sessionLimit: 'deny-new',
          ipAllowList: ['192.0.2.0/24', '2001:db8::/32'],
        },
        integrations: { oauthEmail: 'jan@gmail.example', calDavTokenSet: true, crmId: 'CRM-42' },
        passwordChangeRequired: false,
        externalIds: [],
        employeeNumber: null,
        department: null,
        managerId: null,
        locale: null,
        sip: undefined,
        agent: undefined,
        directorySource: null,
        version: 1,
        createdAt: undefined,
        updatedAt: undefined,
        deletedAt: null,
      },
    );
    const read = await h().admin.get(`${users}/${created.body.id}`);
    assert.equal(read.status, 200);
    assert.equal(JSON.stringify(read.body).includes('Quiet-Violet-Harbor-93!'), false);
    assert.equal('password' in read.body, false);
    const stored = await h().storage.db.selectFrom('users').select('password_hash').where('id', '=', created.body.id).executeTakeFirstOrThrow();
    assert.match(stored.password_hash ?? '', /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    assert.equal(JSON.stringify(read.body).includes('caldav-secret-token-7731'), false);
  });

  it('keeps the CalDAV token sealed at rest, and lets it be replaced or removed', async () => {
    const created = await h().admin.post(users, { login: 'calendar', roles: ['agent'], integrations: { calDavToken: 'caldav-plain-9912' } });
    const row = await h().storage.db.selectFrom('users').select('caldav_token').where('id', '=', created.body.id).executeTakeFirstOrThrow();
    assert.match(row.caldav_token ?? '', /^v1\.[0-9a-f]{8}\./);
    assert.equal(row.caldav_token?.includes('caldav-plain'), false);
    const removed = await h().admin.patch(`${users}/${created.body.id}`, { integrations: { calDavToken: null } });
    assert.deepEqual(removed.body.integrations, { oauthEmail: null, calDavTokenSet: false, crmId: null });
    const log = await h().admin.get(`/api/v1/domains/default/audit?target=${created.body.id}`);
    assert.equal(JSON.stringify(log.body).includes('caldav-plain'), false);
    assert.deepEqual(log.body.items[0].changes.calDavToken, { from: '********', to: '********' });
  });

  it('validates the security settings, the IP allow-list in IPv4 and IPv6 alike', async () => {
    const bad = await h().admin.post(users, {
      login: 'insecure',
      roles: ['agent'],
      security: {
        twoFactor: 'totp',
        sessionTimeout: 5,
        maxSessions: 0,
        sessionLimit: 'whatever',
        ipAllowList: ['10.0.0.0/33', 'not-an-ip', '2001:db8::/129', '10.1.2.3'],
      },
      integrations: { oauthEmail: 'nope' },
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path).sort(), [
      'integrations/oauthEmail',
      'security/ipAllowList/0',
      'security/ipAllowList/1',
      'security/ipAllowList/2',
      'security/maxSessions',
      'security/sessionLimit',
      'security/sessionTimeout',
      'security/twoFactor',
    ]);
    const patched = await h().admin.post(users, { login: 'secure', roles: ['agent'], security: { maxSessions: 3 } });
    const changed = await h().admin.patch(`${users}/${patched.body.id}`, { security: { sessionLimit: 'deny-new' } });
    assert.deepEqual([changed.body.security.maxSessions, changed.body.security.sessionLimit], [3, 'deny-new']);
  });

  it('reports every invalid field at once, with its path, and writes nothing', async () => {
    const before = await h().admin.get(`${users}?limit=500`);
    const response = await h().admin.post(users, {
      login: '.bad login',
      email: 'not-an-email',
      password: 'short',
      roles: [],
      timezone: 'Mars/Olympus',
      language: 'not a tag!',
      workPhone: 'call me',
      tags: ['a|b'],
      favouriteColour: 'blue',
    });
    assert.equal(response.status, 400);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(response.body.status, 400);
    assert.equal(response.body.title, 'Invalid input');
    const paths = response.body.errors.map((e: { path: string }) => e.path).sort();
    assert.deepEqual(paths, ['email', 'favouriteColour', 'language', 'login', 'password', 'roles', 'tags/0', 'timezone', 'workPhone']);
    for (const error of response.body.errors) {
      assert.ok(error.message.length > 3, error.path);
      assert.match(error.code, /^[a-z]+\.[a-z_]+$/, error.path);
    }
    assert.equal(response.body.code, 'request.invalid');
    assert.equal(response.body.errors.find((e: { path: string }) => e.path === 'favouriteColour').code, 'input.unknown_field');
    const afterwards = await h().admin.get(`${users}?limit=500`);
    assert.equal(afterwards.body.items.length, before.body.items.length);
  });

  it('accepts logins of up to 64 characters from the allowed alphabet only', async () => {
    const ok = await h().admin.post(users, { login: `A${'b'.repeat(63)}`, roles: ['agent'] });
    assert.equal(ok.status, 201);
    for (const login of [`A${'b'.repeat(64)}`, '-dash', 'with space', 'żółw', '']) {
      const refused = await h().admin.post(users, { login, roles: ['agent'] });
      assert.equal(refused.status, 400, login);
      assert.deepEqual(
        refused.body.errors.map((e: { path: string }) => e.path),
        ['login'],
      );
    }
  });

  it('refuses roles and groups that do not exist, naming each', async () => {
    const response = await h().admin.post(users, { login: 'ghostly', roles: ['agent', 'wizard'], groups: ['nowhere'] });
    assert.equal(response.status, 400);
    assert.deepEqual(
      response.body.errors.map((e: { path: string }) => e.path),
      ['roles/1', 'groups/0'],
    );
  });

  it('keeps login and e-mail unique in the domain regardless of case, answering 409', async () => {
    assert.equal((await h().admin.post(users, { login: 'Anna', email: 'anna@example.com', roles: ['agent'] })).status, 201);
    const clash = await h().admin.post(users, { login: 'anna', email: 'ANNA@example.com', roles: ['agent'] });
    assert.equal(clash.status, 409);
    assert.deepEqual(
      clash.body.errors.map((e: { path: string; code: string }) => [e.path, e.code]),
      [
        ['login', 'user.login_taken'],
        ['email', 'user.email_taken'],
      ],
    );
    const other = await h().admin.post(users, { login: 'anna2', roles: ['agent'] });
    const patch = await h().admin.patch(`${users}/${other.body.id}`, { email: 'Anna@Example.com' });
    assert.equal(patch.status, 409);
  });

  it('lets the same login live in two domains', async () => {
    assert.equal((await h().admin.post('/api/v1/domains', { name: 'second.example' })).status, 201);
    assert.equal((await h().admin.post('/api/v1/domains/second.example/users', { login: 'Anna', roles: ['agent'] })).status, 201);
  });

  it('changes only the fields a PATCH names, and clears the ones set to null', async () => {
    const created = await h().admin.post(users, { login: 'patchy', firstName: 'Pat', position: 'Agent', roles: ['agent'] });
    const patched = await h().admin.patch(`${users}/${created.body.id}`, { lastName: 'Smith', position: null, roles: ['agent', 'supervisor'] });
    assert.equal(patched.status, 200);
    assert.equal(patched.body.firstName, 'Pat');
    assert.equal(patched.body.lastName, 'Smith');
    assert.equal(patched.body.position, null);
    assert.deepEqual(patched.body.roles, ['agent', 'supervisor']);
    assert.equal(patched.body.version, 2);
    assert.equal(patched.headers.etag, '"2"');
    const empty = await h().admin.patch(`${users}/${created.body.id}`, { roles: [] });
    assert.equal(empty.status, 400);
    assert.deepEqual(
      empty.body.errors.map((e: { path: string }) => e.path),
      ['roles'],
    );
  });

  it('refuses a PATCH made against a stale ETag with 412, and accepts the current one', async () => {
    const created = await h().admin.post(users, { login: 'etagged', roles: ['agent'] });
    const url = `${users}/${created.body.id}`;
    const read = await h().admin.get(url);
    const first = await h().admin.patch(url, { firstName: 'First' }, { 'if-match': read.headers.etag as string });
    assert.equal(first.status, 200);
    const second = await h().admin.patch(url, { firstName: 'Second' }, { 'if-match': read.headers.etag as string });
    assert.equal(second.status, 412);
    assert.equal(second.body.code, 'resource.stale_version');
    assert.equal((await h().admin.get(url)).body.firstName, 'First');
    assert.equal((await h().admin.patch(url, { firstName: 'Third' }, { 'if-match': first.headers.etag as string })).status, 200);
    assert.equal((await h().admin.patch(url, { firstName: 'X' }, { 'if-match': 'garbage' })).status, 412);
  });

  it('serves a change to the next read at once, though reads are cached', async () => {
    const created = await h().admin.post(users, { login: 'cached', firstName: 'Before', roles: ['agent'] });
    const url = `${users}/${created.body.id}`;
    assert.equal((await h().admin.get(url)).body.firstName, 'Before');
    await h().admin.patch(url, { firstName: 'After' });
    const read = await h().admin.get(url);
    assert.deepEqual([read.body.firstName, read.headers.etag], ['After', '"2"']);
    await h().admin.post('/api/v1/domains/default/groups', { name: 'Renamed later' });
    await h().admin.put(`/api/v1/domains/default/groups/renamed%20later/members/${created.body.id}`);
    await h().admin.get(url);
    await h().admin.patch('/api/v1/domains/default/groups/renamed%20later', { name: 'Renamed now' });
    assert.deepEqual((await h().admin.get(url)).body.groups, ['Renamed now']);
  });

  it('deletes softly: hides the user, keeps the login reserved, restores it, lists the deleted', async () => {
    const created = await h().admin.post(users, { login: 'leaver', email: 'leaver@example.com', roles: ['agent'] });
    const url = `${users}/${created.body.id}`;
    assert.equal((await h().admin.delete(url)).status, 204);
    const live = await h().admin.get(`${users}?q=leaver`);
    assert.deepEqual(live.body.items, []);
    const deleted = await h().admin.get(`${users}?deleted=true&q=leaver`);
    assert.deepEqual(
      deleted.body.items.map((u: { login: string }) => u.login),
      ['leaver'],
    );
    assert.ok(deleted.body.items[0].deletedAt);
    const purgeAt = new Date(Date.parse(deleted.body.items[0].deletedAt) + 30 * 86_400_000).toISOString();
    assert.equal(deleted.body.items[0].purgeAt, purgeAt, 'purged 30 days after the delete');
    const read = await h().admin.get(url);
    assert.deepEqual(
      [read.status, read.body.deletedAt, read.body.purgeAt],
      [200, deleted.body.items[0].deletedAt, purgeAt],
      'a deleted user read by id says it is deleted and until when it can be restored',
    );
    assert.deepEqual((await h().admin.get(`${users}/count?deleted=true&q=leaver`)).body, { count: 1, more: false });
    assert.equal((await h().admin.post(users, { login: 'LEAVER', roles: ['agent'] })).status, 409);
    assert.equal((await h().admin.patch(url, { firstName: 'x' })).status, 404);
    assert.equal((await h().admin.delete(url)).status, 404);
    const restored = await h().admin.post(`${url}/restore`);
    assert.equal(restored.status, 200);
    assert.equal(restored.body.deletedAt, null);
    assert.equal('purgeAt' in (await h().admin.get(url)).body, false, 'a live user has no purge date');
    assert.equal((await h().admin.post(`${url}/restore`)).status, 404);
  });

  it('purges users deleted longer ago than the retention period, and only those', async () => {
    const { purgeDeletedUsers } = await import('./purge.ts');
    const old = await h().admin.post(users, { login: 'old-leaver', roles: ['agent'] });
    const recent = await h().admin.post(users, { login: 'new-leaver', roles: ['agent'] });
    await h().admin.delete(`${users}/${old.body.id}`);
    await h().admin.delete(`${users}/${recent.body.id}`);
    const longAgo = new Date(Date.now() - 31 * 86_400_000).toISOString();
    await h().storage.db.updateTable('users').set({ deleted_at: longAgo }).where('id', '=', old.body.id).execute();
    const purged = await purgeDeletedUsers(h().storage.db, 30);
    assert.equal(purged, 1);
    assert.equal((await h().admin.get(`${users}/${old.body.id}`)).status, 404);
    assert.equal((await h().admin.get(`${users}/${recent.body.id}`)).status, 200);
    assert.equal((await h().admin.post(users, { login: 'old-leaver', roles: ['agent'] })).status, 201);
    const audit = await h().admin.get(`/api/v1/domains/default/audit?target=${old.body.id}&action=user.purged`);
    assert.equal(audit.body.items[0].actor.login, 'system');
  });

  it('accepts IANA zones and BCP 47 tags, storing the tag in canonical form', async () => {
    const created = await h().admin.post(users, { login: 'zoned', roles: ['agent'], timezone: 'America/Argentina/Buenos_Aires', language: 'UK' });
    assert.equal(created.status, 201);
    assert.equal(created.body.language, 'uk');
    for (const timezone of ['+01:00', 'CEST', 'Europe/Nowhere']) {
      assert.equal((await h().admin.patch(`${users}/${created.body.id}`, { timezone })).status, 400, timezone);
    }
  });
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';
const logins = (body: { items: { login: string }[] }) => body.items.map((u) => u.login);

forEachEngine('bulk delete and restore', (h) => {
  it('deletes exactly the users the administrator saw, or nothing when the count differs', async () => {
    await h().admin.post(`${base}/tags`, { name: 'leaving' });
    for (let i = 0; i < 12; i += 1) await h().admin.post(`${base}/users`, { login: `leaver-${i}`, roles: ['agent'], tags: ['leaving'] });
    assert.deepEqual((await h().admin.get(`${base}/users/count?tag=leaving`)).body, { count: 12, more: false }, 'what the screen shows before asking');
    const stale = await h().admin.post(`${base}/users/bulk-delete`, { filter: { tag: 'leaving' }, confirm: 10 });
    assert.deepEqual([stale.status, stale.body.code, stale.body.errors[0].message], [409, 'bulk.count_mismatch', '12 users match']);
    assert.equal(logins((await h().admin.get(`${base}/users?tag=leaving`)).body).length, 12, 'nothing was deleted');

    const done = await h().admin.post(`${base}/users/bulk-delete`, { filter: { tag: 'leaving' }, confirm: 12 });
    assert.deepEqual([done.status, done.body.count], [200, 12]);
    assert.equal(logins((await h().admin.get(`${base}/users?tag=leaving`)).body).length, 0);
    assert.equal(logins((await h().admin.get(`${base}/users?tag=leaving&deleted=true`)).body).length, 12);
    const audit = (await h().admin.get(`${base}/audit?action=user.deleted&limit=100`)).body.items.filter(
      (e: { changes: { bulkOperation?: { to: string } } }) => e.changes.bulkOperation?.to === done.body.bulkId,
    );
    assert.equal(audit.length, 12, 'one audit entry per user, carrying the bulk id');

    const restored = await h().admin.post(`${base}/users/bulk-restore`, { ids: done.body.users.slice(0, 5).map((u: { id: string }) => u.id) });
    assert.equal(restored.body.count, 5);
    assert.equal(logins((await h().admin.get(`${base}/users?tag=leaving`)).body).length, 5);
    assert.equal((await h().admin.post(`${base}/users/bulk-restore`, { filter: { tag: 'leaving' } })).body.count, 7);
  });

  it('refuses unknown ids, both ids and filter, deleting oneself, and leaving a domain without an administrator', async () => {
    const unknown = await h().admin.post(`${base}/users/bulk-delete`, { ids: ['no-such-user'], confirm: 1 });
    assert.deepEqual([unknown.status, unknown.body.errors[0].path], [400, 'ids/0']);
    assert.equal((await h().admin.post(`${base}/users/bulk-delete`, { ids: ['a'], filter: {}, confirm: 1 })).status, 400);
    const me = (await h().admin.get('/api/v1/me')).body.user.id;
    assert.equal((await h().admin.post(`${base}/users/bulk-delete`, { ids: [me], confirm: 1 })).body.code, 'bulk.includes_self');
    await h().admin.post('/api/v1/domains', { name: 'bulk-tenant' });
    const tenantAdmin = (await h().admin.post('/api/v1/domains/bulk-tenant/users', { login: 'only-admin', roles: ['admin'] })).body;
    const orphaning = await h().admin.post('/api/v1/domains/bulk-tenant/users/bulk-delete', { ids: [tenantAdmin.id], confirm: 1 });
    assert.deepEqual([orphaning.status, orphaning.body.code], [409, 'domain.last_administrator']);
    assert.equal((await h().admin.get(`/api/v1/domains/bulk-tenant/users/${tenantAdmin.id}`)).body.deletedAt, null, 'rolled back');
  });
});

forEachEngine('bulk edit', (h) => {
  it('adds and removes groups, tags and skills and sets fields, by ids or by filter, with a preview first', async () => {
    for (const name of ['Night', 'Sales']) await h().admin.post(`${base}/groups`, { name });
    await h().admin.post(`${base}/tags`, { name: 'shift-b' });
    await h().admin.post(`${base}/skills`, { name: 'German' });
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1)
      ids.push(
        (
          await h().admin.post(`${base}/users`, {
            login: `crew-${i}`,
            roles: ['agent'],
            groups: ['Sales'],
            tags: i < 4 ? ['shift-b'] : [],
            agent: { enabled: true },
          })
        ).body.id,
      );

    const preview = await h().admin.post(`${base}/users/bulk`, {
      filter: { tag: 'shift-b' },
      preview: true,
      add: { groups: ['Night'] },
      remove: { groups: ['sales'] },
    });
    assert.deepEqual([preview.body.preview, preview.body.count, preview.body.bulkId], [true, 4, null]);
    assert.deepEqual((await h().admin.get(`${base}/users/${ids[0]}`)).body.groups, ['Sales'], 'a preview changes nothing');

    const done = await h().admin.post(`${base}/users/bulk`, {
      filter: { tag: 'shift-b' },
      add: { groups: ['Night'], skills: [{ skill: 'german', level: 70 }] },
      remove: { groups: ['sales'] },
      set: { timezone: 'Europe/Berlin', agent: { wrapUpTime: 30 } },
    });
    assert.equal(done.body.count, 4);
    const changed = (await h().admin.get(`${base}/users/${ids[0]}`)).body;
    assert.deepEqual(
      [changed.groups, changed.timezone, changed.agent.wrapUpTime, changed.agent.skills],
      [['Night'], 'Europe/Berlin', 30, [{ skill: 'German', level: 70 }]],
    );
    assert.deepEqual((await h().admin.get(`${base}/users/${ids[5]}`)).body.groups, ['Sales'], 'users outside the filter keep theirs');
    const audit = (await h().admin.get(`${base}/audit?target=${ids[0]}`)).body.items[0];
    assert.deepEqual([audit.action, audit.changes.bulkOperation.to], ['user.updated', done.body.bulkId]);

    const byIds = await h().admin.post(`${base}/users/bulk`, { ids: [ids[4], ids[5]], set: { active: false } });
    assert.equal(byIds.body.count, 2);
    assert.equal((await h().admin.get(`${base}/users/${ids[5]}`)).body.active, false);
    const again = await h().admin.post(`${base}/users/bulk`, { ids: [ids[4], ids[5]], set: { active: false } });
    assert.equal(again.body.count, 0, 'users already so are not touched');
  });

  it('hands out and takes back license seats, refusing more users than free seats and users still using what a license covers', async () => {
    await h().admin.post(`${base}/licenses`, { name: 'CRM', seats: 3 });
    await h().admin.post(`${base}/licenses`, { name: 'Agent seat', seats: 10, capability: 'agent' });
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) ids.push((await h().admin.post(`${base}/users`, { login: `seat-${i}`, roles: ['agent'] })).body.id);
    const tooMany = await h().admin.post(`${base}/users/bulk`, { ids, add: { licenses: ['CRM'] } });
    assert.deepEqual(
      [tooMany.status, tooMany.body.errors[0].path, tooMany.body.errors[0].message],
      [400, 'add/licenses/0', 'CRM has 3 free seats, 4 are needed'],
    );
    const three = await h().admin.post(`${base}/users/bulk`, { ids: ids.slice(0, 3), add: { licenses: ['crm', 'Agent seat'] } });
    assert.equal(three.body.count, 3);
    assert.deepEqual((await h().admin.get(`${base}/users/${ids[0]}`)).body.licenses.sort(), ['Agent seat', 'CRM']);
    assert.deepEqual([(await h().admin.get(`${base}/licenses/CRM`)).body.used, (await h().admin.get(`${base}/licenses/Agent seat`)).body.used], [3, 3]);
    await h().admin.patch(`${base}/users/${ids[0]}`, { agent: { enabled: true } });
    const inUse = await h().admin.post(`${base}/users/bulk`, { ids: ids.slice(0, 3), remove: { licenses: ['Agent seat'] } });
    assert.deepEqual([inUse.status, inUse.body.errors.map((e: { path: string }) => e.path)], [400, [`users/${ids[0]}/licenses`]]);
    const released = await h().admin.post(`${base}/users/bulk`, { ids: ids.slice(1, 3), remove: { licenses: ['Agent seat', 'CRM'] } });
    assert.equal(released.body.count, 2);
    assert.deepEqual([(await h().admin.get(`${base}/licenses/CRM`)).body.used, (await h().admin.get(`${base}/licenses/Agent seat`)).body.used], [1, 1]);
    const audit = (await h().admin.get(`${base}/audit?target=${ids[1]}`)).body.items[0];
    assert.deepEqual([audit.action, audit.changes.bulkOperation.to], ['license.removed', released.body.bulkId]);
  });

  it('changes nobody when any user cannot take the change, and lists every problem', async () => {
    const a = (await h().admin.post(`${base}/users`, { login: 'solo-role', roles: ['agent'] })).body;
    const b = (await h().admin.post(`${base}/users`, { login: 'two-roles', roles: ['agent', 'supervisor'] })).body;
    const refused = await h().admin.post(`${base}/users/bulk`, { ids: [a.id, b.id], remove: { roles: ['agent'] }, add: { tags: [] } });
    assert.equal(refused.status, 400);
    assert.deepEqual(
      refused.body.errors.map((e: { path: string }) => e.path),
      [`users/${a.id}/roles`],
    );
    assert.deepEqual((await h().admin.get(`${base}/users/${b.id}`)).body.roles, ['agent', 'supervisor'], 'the valid user was not changed either');
    const unknownGroup = await h().admin.post(`${base}/users/bulk`, { ids: [a.id], add: { groups: ['No such group'] } });
    assert.deepEqual([unknownGroup.status, unknownGroup.body.errors[0].path], [400, `users/${a.id}/groups/0`]);
  });
});

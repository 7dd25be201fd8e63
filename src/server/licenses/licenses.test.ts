import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine, userWithRoles } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';

forEachEngine('licenses', (h) => {
  it('lists products with seats, used and free, and validates them', async () => {
    const created = await h().admin.post(`${base}/licenses`, { name: 'agent', seats: 3, capability: 'agent' });
    assert.equal(created.status, 201);
    assert.deepEqual([created.body.seats, created.body.used, created.body.free, created.body.kind, created.body.expired], [3, 0, 3, 'named', false]);
    assert.equal((await h().admin.post(`${base}/licenses`, { name: 'AGENT', seats: 1 })).status, 409);
    const bad = await h().admin.post(`${base}/licenses`, { name: 'x', seats: -1, expiresAt: 'soon', capability: 'flying' });
    assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path).sort(), ['capability', 'expiresAt', 'seats']);
  });

  it('assigns and takes back seats, never more than there are, and shows them on the user', async () => {
    await h().admin.post(`${base}/licenses`, { name: 'crm', seats: 1 });
    const ann = await userWithRoles(h(), 'ann', ['agent']);
    const bob = await userWithRoles(h(), 'bob', ['agent']);
    assert.equal((await h().admin.post(`${base}/users/${ann.id}/licenses/crm`)).status, 204);
    assert.equal((await h().admin.post(`${base}/users/${ann.id}/licenses/crm`)).body.code, 'license.already_held');
    const full = await h().admin.post(`${base}/users/${bob.id}/licenses/crm`);
    assert.deepEqual([full.status, full.body.code], [409, 'license.no_free_seats']);
    assert.deepEqual((await h().admin.get(`${base}/users/${ann.id}`)).body.licenses, ['crm']);
    assert.deepEqual(
      (await h().admin.get(`${base}/users?license=crm`)).body.items.map((u: { login: string }) => u.login),
      ['ann'],
    );
    assert.deepEqual((await h().admin.get(`${base}/licenses/crm`)).body.free, 0);
    assert.equal((await h().admin.patch(`${base}/licenses/crm`, { seats: 0 })).body.code, 'license.seats_in_use');
    assert.equal((await h().admin.delete(`${base}/licenses/crm`)).body.code, 'license.in_use');
    assert.equal((await h().admin.delete(`${base}/users/${ann.id}/licenses/crm`)).status, 204);
    assert.equal((await h().admin.post(`${base}/users/${bob.id}/licenses/crm`)).status, 204);
  });

  it('gives exactly as many seats as there are to 50 parallel assignments', async () => {
    await h().admin.post(`${base}/licenses`, { name: 'dialer', seats: 10 });
    const ids: string[] = [];
    for (let i = 0; i < 50; i += 1) ids.push((await h().admin.post(`${base}/users`, { login: `racer${i}`, roles: ['agent'] })).body.id);
    const answers = await Promise.all(ids.map((id) => h().admin.post(`${base}/users/${id}/licenses/dialer`)));
    assert.equal(answers.filter((a) => a.status === 204).length, 10);
    assert.ok(answers.every((a) => a.status === 204 || a.body.code === 'license.no_free_seats'));
    const license = await h().admin.get(`${base}/licenses/dialer`);
    assert.deepEqual([license.body.used, license.body.free], [10, 0]);
    const held = await h()
      .storage.db.selectFrom('license_assignments')
      .select('user_id')
      .where('license_id', 'in', h().storage.db.selectFrom('licenses').select('id').where('name', '=', 'dialer'))
      .execute();
    assert.equal(held.length, 10);
  });

  it('does not count an expired license as held, and refuses to assign it', async () => {
    await h().admin.post(`${base}/licenses`, { name: 'trial', seats: 5, expiresAt: new Date(Date.now() + 60_000).toISOString() });
    const { id } = await userWithRoles(h(), 'trialist', ['agent']);
    await h().admin.post(`${base}/users/${id}/licenses/trial`);
    assert.deepEqual((await h().admin.get(`${base}/users/${id}`)).body.licenses, ['trial']);
    await h().admin.patch(`${base}/licenses/trial`, { expiresAt: new Date(Date.now() - 1000).toISOString() });
    assert.deepEqual((await h().admin.get(`${base}/users/${id}`)).body.licenses, []);
    assert.equal((await h().admin.get(`${base}/licenses/trial`)).body.expired, true);
    const other = await userWithRoles(h(), 'latecomer', ['agent']);
    assert.equal((await h().admin.post(`${base}/users/${other.id}/licenses/trial`)).body.code, 'license.expired');
  });

  it('lets only holders of licenses:assign hand out seats', async () => {
    const { client, id } = await userWithRoles(h(), 'lic-super', ['supervisor']);
    assert.equal((await client.post(`${base}/users/${id}/licenses/agent`)).status, 403);
  });
});

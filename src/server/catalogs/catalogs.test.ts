import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine, userWithRoles } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';

forEachEngine('tags and skills catalogs', (h) => {
  for (const kind of ['tags', 'skills'] as const) {
    it(`keeps the domain's ${kind} by name: add, rename, list, remove`, async () => {
      const created = await h().admin.post(`${base}/${kind}`, { name: 'Premium', description: 'Top customers' });
      assert.equal(created.status, 201);
      assert.equal((await h().admin.post(`${base}/${kind}`, { name: 'premium' })).status, 409);
      assert.equal((await h().admin.post(`${base}/${kind}`, { name: 'a|b' })).status, 400);
      assert.equal((await h().admin.patch(`${base}/${kind}/PREMIUM`, { name: 'Gold' })).body.name, 'Gold');
      assert.deepEqual(
        (await h().admin.get(`${base}/${kind}`)).body.items.map((e: { name: string }) => e.name),
        ['Gold'],
      );
      assert.equal((await h().admin.delete(`${base}/${kind}/gold`)).status, 204);
      assert.equal((await h().admin.get(`${base}/${kind}`)).body.items.length, 0);
    });
  }

  it('lets users carry only tags of the catalog, in the catalog’s spelling, renamed with it', async () => {
    await h().admin.post(`${base}/tags`, { name: 'Night Shift' });
    const refused = await h().admin.post(`${base}/users`, { login: 'tagged', roles: ['agent'], tags: ['night shift', 'unknown'] });
    assert.deepEqual(
      refused.body.errors.map((e: { path: string; code: string }) => [e.path, e.code]),
      [['tags/1', 'tag.unknown']],
    );
    const created = await h().admin.post(`${base}/users`, { login: 'tagged', roles: ['agent'], tags: ['night shift'] });
    assert.deepEqual(created.body.tags, ['Night Shift']);
    await h().admin.patch(`${base}/tags/night%20shift`, { name: 'Nights' });
    assert.deepEqual((await h().admin.get(`${base}/users/${created.body.id}`)).body.tags, ['Nights']);
    assert.equal((await h().admin.delete(`${base}/tags/nights`)).body.code, 'tag.in_use');
  });

  it('lets supervisors read the catalogs but not change them', async () => {
    const { client } = await userWithRoles(h(), 'cat-super', ['supervisor']);
    assert.equal((await client.get(`${base}/skills`)).status, 200);
    assert.equal((await client.post(`${base}/skills`, { name: 'sales' })).status, 403);
    const agent = await userWithRoles(h(), 'cat-agent', ['agent']);
    assert.equal((await agent.client.get(`${base}/tags`)).status, 403);
  });
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine, userWithRoles } from '../../../test/harness.ts';

const base = '/api/v1/domains/default/users';

/** Changes of one user by several administrators at once. */
forEachEngine('Concurrent changes of a user', (h) => {
  it('applies every change sent without If-Match, one after another, when they overlap', async () => {
    const { id } = await userWithRoles(h(), 'changed-at-once', ['agent']);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, n) => h().admin.patch(`${base}/${id}`, { description: `change ${n}` })));
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(10).fill(200),
      JSON.stringify(answers.find((a) => a.status !== 200)?.body),
    );
    const after = (await h().admin.get(`${base}/${id}`)).body;
    assert.equal(after.version, 11, 'ten versions after the first: none lost, none merged');
    assert.ok(answers.some((a) => a.body.description === after.description));
  });

  it('still refuses a change whose If-Match names a version that is gone', async () => {
    const { id } = await userWithRoles(h(), 'changed-with-if-match', ['agent']);
    const read = await h().admin.get(`${base}/${id}`);
    assert.equal((await h().admin.patch(`${base}/${id}`, { description: 'first' })).status, 200);
    const late = await h().admin.patch(`${base}/${id}`, { description: 'second' }, { 'if-match': String(read.headers.etag) });
    assert.equal(late.status, 412);
    assert.equal(late.body.code, 'resource.stale_version');
  });
});

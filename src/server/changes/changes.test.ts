import assert from 'node:assert/strict';
import { it } from 'node:test';
import { buildApp } from '../app.ts';
import { appendChanges } from './store.ts';
import type { ChangeDraft } from './rules.ts';
import { clientFor, forEachEngine, passwordFor, userWithRoles, type Client } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';

/** Every entry of the domain's feed after `after`, page by page. */
async function follow(
  client: Client,
  after = 0,
): Promise<{ seq: number; action: string; resource: { type: string; id: string }; version: number | null; fields: string[] }[]> {
  const entries = [];
  for (let cursor: string | null = String(after); cursor !== null;) {
    const page = await client.get(`${base}/changes?after=${cursor}&limit=50`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    entries.push(...page.body.items);
    cursor = page.body.nextCursor;
  }
  return entries;
}

forEachEngine('the change feed', (h) => {
  it('records each committed change of a resource, in order, with the fields it changed but never their values', async () => {
    const start = (await follow(h().admin)).at(-1)?.seq ?? 0;
    const user = (await h().admin.post(`${base}/users`, { login: 'feed.one', password: passwordFor('feed.one'), roles: ['agent'] })).body;
    await h().admin.patch(`${base}/users/${user.id}`, { firstName: 'Fed', password: passwordFor('feed.one.2') });
    await h().admin.post(`${base}/roles`, { name: 'feeder', permissions: ['users:read'] });
    await h().admin.delete(`${base}/users/${user.id}`);
    await h().admin.post(`${base}/users/${user.id}/restore`);
    await h().admin.post('/api/v1/auth/login', { domain: 'default', login: 'feed.one', password: 'wrong' });
    const entries = await follow(h().admin, start);
    assert.deepEqual(
      entries.map((e) => [e.action, e.resource.type, e.version]),
      [
        ['user.created', 'user', 1],
        ['user.updated', 'user', 2],
        ['role.created', 'role', null],
        ['user.deleted', 'user', 3],
        ['user.restored', 'user', 4],
      ],
    );
    assert.deepEqual(
      entries.map((e) => e.seq),
      [1, 2, 3, 4, 5].map((n) => start + n),
      'numbered one by one per domain',
    );
    assert.deepEqual(entries[1]?.fields, ['firstName', 'password']);
    assert.doesNotMatch(JSON.stringify(entries), /Amber-|feed\.one\.2/, 'no value, let alone a secret, is in the feed');
  });

  it('numbers the writes of 20 concurrent writers in commit order: a reader following it meanwhile misses none', async () => {
    const start = (await follow(h().admin)).at(-1)?.seq ?? 0;
    const seen: number[] = [];
    let writing = true;
    const reader = (async () => {
      let after = start;
      while (writing || after < start + 40) {
        const page = (await h().admin.get(`${base}/changes?after=${after}&limit=1000`)).body;
        for (const entry of page.items) seen.push(entry.seq);
        after = seen.at(-1) ?? after;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const created = await h().admin.post(`${base}/users`, { login: `writer.${i}`, roles: ['agent'] });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        assert.equal((await h().admin.patch(`${base}/users/${created.body.id}`, { position: `desk ${i}` })).status, 200);
      }),
    );
    writing = false;
    await reader;
    assert.deepEqual(
      seen,
      Array.from({ length: 40 }, (_, i) => start + i + 1),
      'every number once, in order, none skipped by the reader',
    );
    const entries = await follow(h().admin, start);
    const byUser = new Map<string, string[]>();
    for (const e of entries) byUser.set(e.resource.id, [...(byUser.get(e.resource.id) ?? []), e.action]);
    assert.deepEqual(
      [...byUser.values()].map((actions) => actions.join()),
      Array(20).fill('user.created,user.updated'),
      'each user created before it was changed',
    );
  });

  it('takes a write’s number as it commits: a writer that has yet to commit holds back no other writer of the domain', async (t) => {
    if (h().engine !== 'postgres') return t.skip('SQLite has one writer at a time');
    const db = h().storage.db;
    const domain = (await db.selectFrom('domains').select('id').where('name', '=', 'default').executeTakeFirstOrThrow()).id;
    const draft = (resourceId: string): ChangeDraft => ({
      domainId: domain,
      resourceType: 'role',
      resourceId,
      action: 'role.updated',
      version: null,
      fields: ['description'],
      actor: { id: null, login: 'system' },
    });
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let written = () => {};
    const slowWrote = new Promise<void>((resolve) => (written = resolve));
    const slow = db.transaction().execute(async (trx) => {
      await appendChanges(trx, [draft('slow')]);
      written();
      await held;
    });
    await slowWrote;
    const quick = db.transaction().execute((trx) => appendChanges(trx, [draft('quick')]));
    const outcome = await Promise.race([quick.then(() => 'committed'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 2000))]);
    release();
    await Promise.all([slow, quick]);
    assert.equal(outcome, 'committed', 'the second writer did not wait for the first to commit');
    const numbers = await db.selectFrom('changes').select(['resource_id', 'seq']).where('resource_id', 'in', ['slow', 'quick']).orderBy('seq').execute();
    assert.deepEqual(
      numbers.map((n) => n.resource_id),
      ['quick', 'slow'],
      'numbered in the order they committed',
    );
  });

  it('survives a restart of the server', async () => {
    const before = await follow(h().admin);
    const restarted = await buildApp({ storage: h().storage, config: h().config });
    try {
      const again = clientFor(restarted, h().admin.token);
      assert.deepEqual(await follow(again), before);
    } finally {
      await restarted.close();
    }
  });

  it('is read only with changes:read, which the admin role holds', async () => {
    const { client } = await userWithRoles(h(), 'no.feed', ['agent']);
    assert.equal((await client.get(`${base}/changes`)).status, 403);
    const roles = (await h().admin.get(`${base}/roles`)).body.items as { name: string; permissions: string[] }[];
    assert.ok(roles.find((r) => r.name === 'admin')?.permissions.includes('changes:read'));
  });
});

forEachEngine('the change feed under long writes', (h) => {
  const file = (count: number) => ['login,firstName', ...Array.from({ length: count }, (_, n) => `long.${n},Long ${n}`)].join('\n') + '\n';

  it('numbers an import’s entries as it commits, after a write that committed meanwhile, and holds that write up no longer than the engine must', async () => {
    const start = (await follow(h().admin)).at(-1)?.seq ?? 0;
    const bystander = (await h().admin.post(`${base}/users`, { login: 'bystander', roles: ['agent'] })).body;
    const started = await h().app.inject({
      method: 'POST',
      url: `${base}/users/import`,
      payload: file(3000),
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${h().admin.token}`, prefer: 'respond-async' },
    });
    assert.equal(started.statusCode, 202, started.body);
    const job = `${base}/jobs/${started.json().id}`;
    for (let i = 0; i < 400 && (await h().admin.get(job)).body.created === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    const patched = await h().admin.patch(`${base}/users/${bystander.id}`, { position: 'meanwhile' });
    assert.equal(patched.status, 200);
    if (h().engine === 'postgres')
      assert.equal((await h().admin.get(job)).body.state, 'running', 'the change made meanwhile did not wait for the import to commit');
    for (let i = 0; i < 800 && (await h().admin.get(job)).body.state === 'running'; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
    const entries = await follow(h().admin, start);
    assert.deepEqual(
      entries.map((e) => e.seq),
      entries.map((_, i) => start + i + 1),
      'numbered without a gap',
    );
    assert.deepEqual(
      entries.slice(0, 2).map((e) => [e.action, e.resource.id]),
      [
        ['user.created', bystander.id],
        ['user.updated', bystander.id],
      ],
    );
    assert.equal(entries.slice(2).filter((e) => e.action === 'user.created').length, 3000, 'each imported user once, after the change that committed first');
  });
});

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';

const users = '/api/v1/domains/default/users';
const logins = (body: { items: { login: string }[] }) => body.items.map((u) => u.login);

forEachEngine('user list', (h) => {
  before(async () => {
    const admin = h().admin;
    await admin.post('/api/v1/domains/default/groups', { name: 'Sales', roles: [] });
    for (const name of ['vip', 'night']) await admin.post('/api/v1/domains/default/tags', { name });
    const people = [
      { login: 'alice', firstName: 'Alice', lastName: 'Nowak', email: 'alice@acme.pl', roles: ['agent'], groups: ['Sales'], tags: ['vip'] },
      { login: 'bob', firstName: 'Bob', lastName: 'Nowakowski', email: 'bob.builder@acme.pl', roles: ['supervisor'], tags: ['night'] },
      { login: 'carol', firstName: 'Carol', lastName: 'Smith', roles: ['agent'], active: false },
      { login: 'dave', firstName: 'Dave', lastName: 'Jones', roles: ['agent', 'supervisor'], groups: ['Sales'] },
      { login: 'eve.k', firstName: 'Eve', lastName: 'Kowalska', roles: ['agent'], tags: ['vip', 'night'] },
    ];
    for (const person of people) assert.equal((await admin.post(users, person)).status, 201);
  });

  it('matches q against the start of any word of login, e-mail and names, case-insensitively', async () => {
    assert.deepEqual(logins((await h().admin.get(`${users}?q=nowak`)).body), ['alice', 'bob']);
    assert.deepEqual(logins((await h().admin.get(`${users}?q=NOWAKO`)).body), ['bob']);
    assert.deepEqual(logins((await h().admin.get(`${users}?q=builder`)).body), ['bob']);
    assert.deepEqual(logins((await h().admin.get(`${users}?q=acme.pl`)).body), ['alice', 'bob']);
    assert.deepEqual(logins((await h().admin.get(`${users}?q=k`)).body), ['eve.k']);
    assert.deepEqual(logins((await h().admin.get(`${users}?q=eve%20kow`)).body), ['eve.k']);
    assert.deepEqual(logins((await h().admin.get(`${users}?q=zzz`)).body), []);
  });

  it('pages through search results in either order, the same with or without other filters', async () => {
    const pages = async (extra: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: { login: string }[]; nextCursor: string | null } } = await h().admin.get(
          `${users}?q=nowak&limit=1${extra}${cursor ? `&cursor=${cursor}` : ''}`,
        );
        seen.push(...logins(page.body));
        cursor = page.body.nextCursor;
      } while (cursor && seen.length < 10);
      return seen;
    };
    assert.deepEqual(await pages(''), ['alice', 'bob']);
    assert.deepEqual(await pages('&sort=-login'), ['bob', 'alice']);
    assert.deepEqual(await pages('&active=true'), ['alice', 'bob']);
    assert.deepEqual(await pages('&sort=-lastName'), ['bob', 'alice']);
    assert.deepEqual(logins((await h().admin.get(`${users}?q=smith&sort=firstName`)).body), ['carol']);
  });

  it('forgets a deleted user in searches of live users, and finds it among the deleted', async () => {
    const leaving = await h().admin.post(users, { login: 'frank', lastName: 'Nowak', roles: ['agent'] });
    await h().admin.delete(`${users}/${leaving.body.id}`);
    assert.deepEqual(logins((await h().admin.get(`${users}?q=nowak`)).body), ['alice', 'bob']);
    assert.deepEqual(logins((await h().admin.get(`${users}?q=nowak&deleted=true`)).body), ['frank']);
    await h().admin.post(`${users}/${leaving.body.id}/restore`);
    assert.deepEqual(logins((await h().admin.get(`${users}?q=nowak`)).body), ['alice', 'bob', 'frank']);
    await h().admin.delete(`${users}/${leaving.body.id}`);
  });

  it('filters by role, group, tag and activity, and combines filters', async () => {
    assert.deepEqual(logins((await h().admin.get(`${users}?role=supervisor`)).body), ['bob', 'dave']);
    assert.deepEqual(logins((await h().admin.get(`${users}?group=sales`)).body), ['alice', 'dave']);
    assert.deepEqual(logins((await h().admin.get(`${users}?tag=vip`)).body), ['alice', 'eve.k']);
    assert.deepEqual(logins((await h().admin.get(`${users}?active=false`)).body), ['carol']);
    assert.deepEqual(logins((await h().admin.get(`${users}?role=agent&tag=night`)).body), ['eve.k']);
  });

  it('sorts by the requested field in either direction', async () => {
    const byLastName = logins((await h().admin.get(`${users}?sort=lastName&role=agent`)).body);
    assert.deepEqual(byLastName, ['dave', 'eve.k', 'alice', 'carol']);
    const newestFirst = logins((await h().admin.get(`${users}?sort=-createdAt&limit=2`)).body);
    assert.deepEqual(newestFirst, ['eve.k', 'dave']);
    assert.equal((await h().admin.get(`${users}?sort=shoeSize`)).status, 400);
  });

  it('pages with limit and cursor through every user exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `${users}?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await h().admin.get(url);
      assert.equal(page.status, 200);
      assert.ok(page.body.items.length <= 2);
      seen.push(...logins(page.body));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 20);
    assert.deepEqual(seen, ['admin', 'alice', 'bob', 'carol', 'dave', 'eve.k']);
    assert.equal(pages, 3);
  });

  it('refuses a cursor it did not issue and a limit out of range', async () => {
    const bad = await h().admin.get(`${users}?cursor=not-a-cursor`);
    assert.equal(bad.status, 400);
    assert.deepEqual(
      bad.body.errors.map((e: { path: string }) => e.path),
      ['querystring/cursor'],
    );
    assert.equal((await h().admin.get(`${users}?limit=0`)).status, 400);
    assert.equal((await h().admin.get(`${users}?limit=501`)).status, 400);
    assert.equal((await h().admin.get(`${users}?colour=red`)).status, 400);
  });
});

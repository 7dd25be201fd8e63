import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from './harness.ts';

/** Bodies no client should send; each must get a 4xx answer, never a crash. */
const junk: unknown[] = [null, [], 'text', 12, true, {}, { login: { $ne: 1 } }, { roles: 'admin' }, { name: 'x'.repeat(100_000) }, { a: { b: { c: { d: [1, [2, [3]]] } } } }, { login: '\u0000\uFFFF\uD800' }];

describe('no input causes a 500', () => {
  let h: Harness;
  let userId: string;
  before(async () => {
    h = await startHarness('sqlite');
    userId = (await h.admin.post('/api/v1/domains/default/users', { login: 'fuzz-target', roles: ['agent'] })).body.id;
    await h.admin.post('/api/v1/domains/default/groups', { name: 'fuzz' });
  });
  after(() => h.close());

  it('answers every route, with junk bodies and odd parameters, below 500', async () => {
    const params = { domain: 'default', id: userId, name: 'fuzz' };
    const routes = h.app.routeTable.filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/api/docs') && r.url !== '/api/v1/auth/logout');
    let calls = 0;
    for (const route of routes) {
      const url = route.url.replace(/:(\w+)/g, (_, name: keyof typeof params) => encodeURIComponent(params[name] ?? 'x'));
      const bodies = route.method === 'GET' || route.method === 'DELETE' ? [undefined] : junk;
      for (const body of bodies) {
        for (const suffix of ['', '?limit=-1&cursor=%FF&sort=;drop&q=%00', '?deleted=maybe&active=1']) {
          const method = route.method as 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
          const response = await h.app.inject({ method, url: `${url}${suffix}`, headers: { authorization: `Bearer ${h.admin.token}`, 'content-type': 'application/json' }, payload: body === undefined ? undefined : JSON.stringify(body) });
          calls += 1;
          assert.ok(response.statusCode < 500, `${route.method} ${url}${suffix} ${JSON.stringify(body)?.slice(0, 80)} → ${response.statusCode} ${response.body.slice(0, 200)}`);
        }
      }
    }
    assert.ok(calls > 300, `only ${calls} calls`);
  });

  it('answers odd paths and ids with 404, not a crash', async () => {
    for (const url of ['/api/v1/domains/%00/users', '/api/v1/domains/default/users/%E0%A4%A', `/api/v1/domains/${'d'.repeat(5000)}/users`, '/api/v1/domains/default/roles/%2F..%2F']) {
      const response = await h.admin.get(url);
      assert.ok(response.status >= 400 && response.status < 500, `${url.slice(0, 60)} → ${response.status}`);
    }
  });
});

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { before, it } from 'node:test';
import { forEachEngine, type Response } from './harness.ts';

/** Bodies no client should send; each must get a 4xx answer, never a crash. */
const junk: unknown[] = [
  null,
  [],
  'text',
  12,
  true,
  {},
  { login: { $ne: 1 } },
  { roles: 'admin' },
  { name: 'x'.repeat(100_000) },
  { a: { b: { c: { d: [1, [2, [3]]] } } } },
  { login: '\u0000\uFFFF\uD800' },
];

/** An error answer is RFC 9457 problem+json whose `status` is the answer's own. */
function assertProblem(response: { status: number; headers: Response['headers']; body: unknown }, status: number, code: string) {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = response.body as { status: number; title: string; code: string };
  assert.equal(body.status, status);
  assert.equal(typeof body.title, 'string');
  assert.equal(body.code, code);
}

forEachEngine('no input causes a 500', (h) => {
  let userId: string;
  before(async () => {
    userId = (await h().admin.post('/api/v1/domains/default/users', { login: 'fuzz-target', roles: ['agent'] })).body.id;
    await h().admin.post('/api/v1/domains/default/groups', { name: 'fuzz' });
  });

  it('answers every route, with junk bodies and odd parameters, below 500', async () => {
    const params = { domain: 'default', id: userId, name: 'fuzz' };
    const routes = h().app.routeTable.filter(
      (r) => r.method !== 'HEAD' && !r.url.startsWith('/api/docs') && r.url !== '/api/v1/auth/logout' && r.url !== '/api/v1/auth/sso/logout',
    );
    let calls = 0;
    for (const route of routes) {
      const url = route.url.replace(/:(\w+)/g, (_, name: keyof typeof params) => encodeURIComponent(params[name] ?? 'x'));
      const bodies = route.method === 'GET' || route.method === 'DELETE' ? [undefined] : junk;
      for (const body of bodies) {
        for (const suffix of ['', '?limit=-1&cursor=%FF&sort=;drop&q=%00', '?deleted=maybe&active=1']) {
          const method = route.method as 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
          const response = await h().app.inject({
            method,
            url: `${url}${suffix}`,
            headers: { authorization: `Bearer ${h().admin.token}`, 'content-type': 'application/json' },
            payload: body === undefined ? undefined : JSON.stringify(body),
          });
          calls += 1;
          assert.ok(
            response.statusCode < 500,
            `${route.method} ${url}${suffix} ${JSON.stringify(body)?.slice(0, 80)} → ${response.statusCode} ${response.body.slice(0, 200)}`,
          );
        }
      }
    }
    assert.ok(calls > 300, `only ${calls} calls`);
  });

  it('answers odd paths and ids with 4xx problem+json, not a crash', async () => {
    for (const url of [
      '/api/v1/domains/%00/users',
      '/api/v1/domains/default/users/%E0%A4%A',
      `/api/v1/domains/${'d'.repeat(5000)}/users`,
      '/api/v1/domains/default/roles/%2F..%2F',
    ]) {
      const response = await h().admin.get(url);
      assert.ok(response.status >= 400 && response.status < 500, `${url.slice(0, 60)} → ${response.status}`);
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/, url.slice(0, 60));
    }
  });

  it('refuses a range whose ends are not digits with 400 listing each, not a 500', async () => {
    const response = await h().admin.post('/api/v1/domains/default/users/range', { from: 'abc', to: '12x', namePattern: '' });
    assertProblem(response, 400, 'request.invalid');
    assert.deepEqual(response.body.errors.map((e: { path: string }) => e.path).sort(), ['from', 'namePattern', 'to']);
    const made = await h().admin.get('/api/v1/domains/default/users/count');
    assert.equal(made.status, 200);
    assert.equal((await h().admin.get('/api/v1/domains/default/users?q=Agent')).body.items.length, 0);
  });

  it('refuses SIP settings whose extension range is not digits with 400, not a 500', async () => {
    const response = await h().admin.put('/api/v1/domains/default/sip-settings', { extensionRange: { from: '1000', to: 'ninety' } });
    assertProblem(response, 400, 'request.invalid');
    assert.deepEqual(
      response.body.errors.map((e: { path: string }) => e.path),
      ['extensionRange/to'],
    );
    assert.deepEqual((await h().admin.get('/api/v1/domains/default/sip-settings')).body.extensionRange, { from: '1000', to: '9999' });
  });

  it('refuses NUL characters in a path, a query and a body with 400 on both engines, writing nothing', async () => {
    assertProblem(await h().admin.get('/api/v1/domains/%00/users'), 400, 'request.invalid');
    const listed = await h().admin.get('/api/v1/domains/default/users?q=a%00b&role=%00');
    assertProblem(listed, 400, 'request.invalid');
    assert.deepEqual(
      listed.body.errors.map((e: { path: string }) => e.path),
      ['querystring/q', 'querystring/role'],
    );
    const created = await h().admin.post('/api/v1/domains/default/users', { login: 'nul-bearer', firstName: 'Nul\u0000', roles: ['agent'], tags: ['\u0000'] });
    assertProblem(created, 400, 'request.invalid');
    assert.deepEqual(
      created.body.errors.map((e: { path: string }) => e.path),
      ['firstName', 'tags/0'],
    );
    assert.equal((await h().admin.get('/api/v1/domains/default/users?q=nul-bearer')).body.items.length, 0);
  });

  it('answers a path that is not valid percent-encoding (%ff) with problem+json 400', async () => {
    assertProblem(await h().admin.get('/api/v1/domains/%ff/users'), 400, 'request.bad_url');
  });

  it('answers a 3,000-character path parameter with problem+json 414', async () => {
    assertProblem(await h().admin.get(`/api/v1/domains/default/users/${'a'.repeat(3000)}`), 414, 'request.uri_too_long');
  });

  it('reaches a domain whose name is as long as DNS allows (253 characters)', async () => {
    const name = Array.from({ length: 4 }, (_, i) => String(i).repeat(63))
      .join('.')
      .slice(0, 253);
    assert.equal((await h().admin.post('/api/v1/domains', { name })).status, 201);
    const read = await h().admin.get(`/api/v1/domains/${name}`);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.name, name);
  });

  it('answers a query string over 16 KB with problem+json 431, from the HTTP parser itself', async () => {
    // The harness's close() stops this listener with the app.
    await h().app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h().app.server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/api/v1/domains/default/users?q=${'x'.repeat(17_000)}`, {
      headers: { authorization: `Bearer ${h().admin.token}` },
      signal: AbortSignal.timeout(5000),
    });
    assertProblem(
      { status: response.status, headers: { 'content-type': response.headers.get('content-type') ?? undefined }, body: await response.json() },
      431,
      'request.header_too_large',
    );
  });
});

import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ADMIN_PASSWORD, engines, startHarness, type Harness } from './harness.ts';

for (const engine of engines) {
  describe(`over a real socket [${engine}]`, () => {
    let h: Harness;
    let base: string;
    before(async () => {
      h = await startHarness(engine);
      await h.app.listen({ host: '127.0.0.1', port: 0 });
      base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
    });
    after(() => h.close());

    it('signs in, keeps the session cookie and creates and reads a user', async () => {
      const signIn = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ domain: 'default', login: 'admin', password: ADMIN_PASSWORD }),
      });
      assert.equal(signIn.status, 200);
      const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const created = await fetch(`${base}/api/v1/domains/default/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify({ login: 'over.the.wire', roles: ['agent'] }),
      });
      assert.equal(created.status, 201);
      const { id } = (await created.json()) as { id: string };
      const read = await fetch(`${base}/api/v1/domains/default/users/${id}`, { headers: { cookie } });
      assert.equal(read.status, 200);
      assert.equal(read.headers.get('etag'), '"1"');
    });

    it('refuses a body over the size limit with 413 and a body that is not JSON with 400', async () => {
      const huge = JSON.stringify({ login: 'x', description: 'y'.repeat(2 * 1024 * 1024), roles: ['agent'] });
      const tooLarge = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: huge });
      assert.equal(tooLarge.status, 413);
      assert.equal(tooLarge.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      const broken = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"domain":' });
      assert.equal(broken.status, 400);
      const body = (await broken.json()) as { errors: unknown[] };
      assert.equal(body.errors.length, 1);
    });

    it('serves health, readiness, the OpenAPI 3.1 document and its browsable docs', async () => {
      assert.deepEqual(await (await fetch(`${base}/healthz`)).json(), { status: 'ok' });
      assert.deepEqual(await (await fetch(`${base}/readyz`)).json(), { status: 'ok' });
      const document = (await (await fetch(`${base}/api/openapi.json`)).json()) as {
        openapi: string;
        paths: Record<string, Record<string, { requestBody?: unknown }>>;
      };
      assert.equal(document.openapi, '3.1.0');
      assert.ok(document.paths['/api/v1/domains/{domain}/users']?.post?.requestBody);
      const docs = await fetch(`${base}/api/docs/`);
      assert.equal(docs.status, 200);
      assert.match(await docs.text(), /swagger/i);
    });
  });
}

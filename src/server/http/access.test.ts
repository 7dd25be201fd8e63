import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { grantablePermissions, permissionCatalog } from '../permissions/catalog.ts';
import { startHarness, type Harness } from '../../../test/harness.ts';

/** Routes anyone may call without signing in; everything else must declare what it needs. */
// /sip: SIP over WebSocket, where every REGISTER is authenticated by digest.
// /integrations/freeswitch/directory: FreeSWITCH authenticates with the shared secret (basic auth).
// /metrics: its own rule, the metrics token or this machine only (src/server/metrics/rules.ts).
const publicRoutes = [
  /^\/\*?$/,
  /^\/assets\//,
  /^\/favicon\.ico$/,
  /^\/api\/v1\/auth\/login$/,
  /^\/api\/v1\/auth\/password-reset$/,
  // Single sign-on: the domain's buttons, the start, the provider's return and the TOTP step after it.
  /^\/api\/v1\/auth\/sso\/(:domain\/providers|:domain\/:id\/start|callback|second-factor)$/,
  /^\/healthz$/,
  /^\/readyz$/,
  /^\/api\/openapi\.json$/,
  /^\/api\/docs(\/.*)?$/,
  /^\/sip$/,
  /^\/integrations\/freeswitch\/directory$/,
  /^\/metrics$/,
];

describe('route table', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness('sqlite');
  });
  after(() => h.close());

  it('declares the access of every route, and only sign-in, password reset, health, the API document and the console files are public', () => {
    const routes = h.app.routeTable.filter((r) => r.method !== 'HEAD');
    assert.ok(routes.length > 25, `found only ${routes.length} routes`);
    for (const route of routes) {
      assert.ok(route.access, `${route.method} ${route.url} declares no access`);
      const isPublic = 'public' in route.access;
      assert.equal(
        isPublic,
        publicRoutes.some((p) => p.test(route.url)),
        `${route.method} ${route.url} is ${isPublic ? '' : 'not '}public`,
      );
      if ('permission' in route.access) assert.ok(route.access.permission in permissionCatalog, `${route.url}: unknown ${route.access.permission}`);
    }
  });

  it('publishes the catalog of permissions, each with a description', async () => {
    const response = await h.admin.get('/api/v1/permissions');
    assert.equal(response.status, 200);
    const names = response.body.items.map((p: { name: string }) => p.name);
    for (const name of ['users:read', 'users:create', 'users:update', 'users:delete', 'roles:update', 'groups:read', 'audit:read'])
      assert.ok(names.includes(name), name);
    for (const item of response.body.items) assert.ok(item.description.length > 5);
    assert.ok(grantablePermissions.every((p) => names.includes(p)));
  });

  it('answers an unknown URL with a problem, not a crash', async () => {
    const response = await h.anonymous.get('/api/v1/nothing-here');
    assert.equal(response.status, 404);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
  });
});

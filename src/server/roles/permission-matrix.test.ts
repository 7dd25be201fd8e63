import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine, userWithRoles, type Client, type Harness } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';
let serial = 0;
const unique = (prefix: string) => `${prefix}-${(serial += 1)}`;

/** Each operation prepares what it needs as the administrator, then tries it as `client`. */
type Operation = (h: Harness, client: Client) => Promise<number>;

const newUser = async (h: Harness) => (await h.admin.post(`${base}/users`, { login: unique('target'), roles: ['agent'] })).body.id as string;
const newRole = async (h: Harness) => (await h.admin.post(`${base}/roles`, { name: unique('role'), permissions: ['users:read'] })).body.name as string;
const newGroup = async (h: Harness) => (await h.admin.post(`${base}/groups`, { name: unique('group') })).body.name as string;

const operations: Record<string, Operation> = {
  'users:list': async (_h, c) => (await c.get(`${base}/users`)).status,
  'users:read': async (h, c) => (await c.get(`${base}/users/${await newUser(h)}`)).status,
  'users:create': async (_h, c) => (await c.post(`${base}/users`, { login: unique('made'), roles: ['agent'] })).status,
  'users:update': async (h, c) => (await c.patch(`${base}/users/${await newUser(h)}`, { firstName: 'Changed' })).status,
  'users:delete': async (h, c) => (await c.delete(`${base}/users/${await newUser(h)}`)).status,
  'users:restore': async (h, c) => {
    const id = await newUser(h);
    await h.admin.delete(`${base}/users/${id}`);
    return (await c.post(`${base}/users/${id}/restore`)).status;
  },
  'roles:list': async (_h, c) => (await c.get(`${base}/roles`)).status,
  'roles:read': async (_h, c) => (await c.get(`${base}/roles/agent`)).status,
  'roles:create': async (_h, c) => (await c.post(`${base}/roles`, { name: unique('role'), permissions: ['profile:read'] })).status,
  'roles:update': async (h, c) => (await c.patch(`${base}/roles/${await newRole(h)}`, { description: 'changed' })).status,
  'roles:delete': async (h, c) => (await c.delete(`${base}/roles/${await newRole(h)}`)).status,
  'groups:list': async (_h, c) => (await c.get(`${base}/groups`)).status,
  'groups:read': async (h, c) => (await c.get(`${base}/groups/${await newGroup(h)}`)).status,
  'groups:create': async (_h, c) => (await c.post(`${base}/groups`, { name: unique('group') })).status,
  'groups:update': async (h, c) => (await c.patch(`${base}/groups/${await newGroup(h)}`, { description: 'changed' })).status,
  'groups:add-member': async (h, c) => (await c.put(`${base}/groups/${await newGroup(h)}/members/${await newUser(h)}`)).status,
  'groups:delete': async (h, c) => (await c.delete(`${base}/groups/${await newGroup(h)}`)).status,
  'audit:read': async (_h, c) => (await c.get(`${base}/audit`)).status,
  'domains:list': async (_h, c) => (await c.get('/api/v1/domains')).status,
};

/** What each built-in role may do; everything not listed answers 403. */
const allowed: Record<string, string[]> = {
  admin: Object.keys(operations).filter((o) => !o.startsWith('domains:')),
  supervisor: ['users:list', 'users:read', 'roles:list', 'roles:read', 'groups:list', 'groups:read', 'groups:update', 'groups:add-member', 'audit:read'],
  agent: [],
};

forEachEngine('permission matrix of the built-in roles', (h) => {
  for (const [role, permitted] of Object.entries(allowed)) {
    it(`lets ${role} do exactly: ${permitted.join(', ') || 'nothing but its own account'}`, async () => {
      const { client } = await userWithRoles(h(), unique(role), [role]);
      const outcome: Record<string, number> = {};
      for (const [name, operation] of Object.entries(operations)) outcome[name] = await operation(h(), client);
      for (const [name, status] of Object.entries(outcome)) {
        if (permitted.includes(name)) assert.ok(status >= 200 && status < 300, `${role} ${name}: ${status}`);
        else assert.equal(status, 403, `${role} ${name}: ${status}`);
      }
    });
  }

  it('lets an agent read its own account and nobody else', async () => {
    const { id, client } = await userWithRoles(h(), unique('agent'), ['agent']);
    assert.equal((await client.get(`${base}/users/${id}`)).status, 200);
    assert.equal((await client.get(`${base}/users/${await newUser(h())}`)).status, 403);
    assert.equal((await client.patch(`${base}/users/${id}`, { roles: ['admin'] })).status, 403);
  });

  it('lets a domain administrator (the flag) do everything in the domain without the admin role', async () => {
    const { client } = await userWithRoles(h(), unique('tenant-superuser'), ['agent'], { domainAdmin: true });
    for (const name of ['users:create', 'roles:create', 'groups:delete', 'audit:read']) {
      const status = await operations[name]!(h(), client);
      assert.ok(status >= 200 && status < 300, `${name}: ${status}`);
    }
    assert.equal(await operations['domains:list']!(h(), client), 403);
  });

  it('refuses to let anyone grant permissions they do not hold', async () => {
    await h().admin.post(`${base}/roles`, { name: 'user-editor', permissions: ['users:read', 'users:update', 'users:create'] });
    const { client } = await userWithRoles(h(), unique('editor'), ['user-editor']);
    const target = await newUser(h());
    const promote = await client.patch(`${base}/users/${target}`, { roles: ['admin'] });
    assert.equal(promote.status, 403);
    assert.match(promote.body.detail, /roles:create/);
    assert.equal((await client.patch(`${base}/users/${target}`, { domainAdmin: true })).status, 403);
    assert.equal((await client.post(`${base}/users`, { login: unique('x'), roles: ['user-editor'] })).status, 201);
    assert.equal((await client.post(`${base}/users`, { login: unique('x'), roles: ['agent'], platformAdmin: true })).status, 403);
  });
});

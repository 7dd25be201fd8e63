import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine, userWithRoles } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';

forEachEngine('audit log', (h) => {
  it('records who created a user, when, and every field, with the password masked', async () => {
    await h().admin.post(`${base}/tags`, { name: 'x' });
    const started = new Date().toISOString();
    const created = await h().admin.post(`${base}/users`, {
      login: 'audited',
      firstName: 'Ada',
      password: 'Silver-Fjord-Echo-26#',
      roles: ['agent'],
      tags: ['x'],
    });
    const log = await h().admin.get(`${base}/audit?target=${created.body.id}`);
    assert.equal(log.status, 200);
    const [entry] = log.body.items;
    assert.equal(entry.action, 'user.created');
    assert.equal(entry.actor.login, 'admin');
    assert.deepEqual(entry.target, { type: 'user', id: created.body.id, name: 'audited' });
    assert.ok(entry.at >= started);
    assert.deepEqual(entry.changes.login, { from: null, to: 'audited' });
    assert.deepEqual(entry.changes.roles, { from: null, to: ['agent'] });
    assert.deepEqual(entry.changes.password, { from: '********', to: '********' });
    assert.equal(JSON.stringify(log.body).includes('Silver-Fjord-Echo-26#'), false);
  });

  it('records an update as the fields that changed, before and after', async () => {
    const created = await h().admin.post(`${base}/users`, { login: 'changing', firstName: 'Old', roles: ['agent'] });
    await h().admin.patch(`${base}/users/${created.body.id}`, { firstName: 'New', roles: ['agent', 'supervisor'], password: 'Walnut-Comet-Drift-84%' });
    const log = await h().admin.get(`${base}/audit?target=${created.body.id}&action=user.updated`);
    assert.equal(log.body.items.length, 1);
    assert.deepEqual(log.body.items[0].changes, {
      firstName: { from: 'Old', to: 'New' },
      roles: { from: ['agent'], to: ['agent', 'supervisor'] },
      password: { from: '********', to: '********' },
    });
  });

  it('records deletion and restoration, and nothing for a refused change', async () => {
    const created = await h().admin.post(`${base}/users`, { login: 'cycle', roles: ['agent'] });
    await h().admin.delete(`${base}/users/${created.body.id}`);
    await h().admin.post(`${base}/users/${created.body.id}/restore`);
    await h().admin.patch(`${base}/users/${created.body.id}`, { roles: [] });
    const log = await h().admin.get(`${base}/audit?target=${created.body.id}`);
    assert.deepEqual(
      log.body.items.map((e: { action: string }) => e.action),
      ['user.restored', 'user.deleted', 'user.created'],
    );
  });

  it('filters by actor, action and time range, and pages newest first', async () => {
    const { id: actorId, client } = await userWithRoles(h(), 'auditor-actor', ['admin']);
    const from = new Date().toISOString();
    for (const name of ['g1', 'g2', 'g3']) await client.post(`${base}/groups`, { name });
    const mine = await h().admin.get(`${base}/audit?actor=${actorId}&action=group.created&from=${from}&limit=2`);
    assert.deepEqual(
      mine.body.items.map((e: { target: { name: string } }) => e.target.name),
      ['g3', 'g2'],
    );
    const rest = await h().admin.get(`${base}/audit?actor=${actorId}&action=group.created&from=${from}&limit=2&cursor=${mine.body.nextCursor}`);
    assert.deepEqual(
      rest.body.items.map((e: { target: { name: string } }) => e.target.name),
      ['g1'],
    );
    assert.equal(rest.body.nextCursor, null);
    const none = await h().admin.get(`${base}/audit?actor=${actorId}&action=group.created&to=${from}`);
    assert.deepEqual(none.body.items, []);
    assert.equal((await h().admin.get(`${base}/audit?from=yesterday`)).status, 400);
  });

  it('finds entries by the login of who made them and the name of what they changed, and refuses an empty time range', async () => {
    const { id: actorId, client } = await userWithRoles(h(), 'auditor-named', ['admin']);
    const created = await client.post(`${base}/users`, { login: 'audit-target', firstName: 'Tess', roles: ['agent'] });
    await client.patch(`${base}/users/${created.body.id}`, { firstName: 'Tessa' });
    await client.post(`${base}/pause-reasons`, { name: 'Audit break', maxDuration: 600 });
    const byLogin = (await h().admin.get(`${base}/audit?actor=auditor-named`)).body.items;
    const byId = (await h().admin.get(`${base}/audit?actor=${actorId}`)).body.items;
    assert.deepEqual(
      byLogin.map((e: { action: string }) => e.action),
      ['pause_reason.created', 'user.updated', 'user.created', 'session.opened'],
    );
    assert.deepEqual(byLogin, byId, 'a login finds what the id finds');
    const byName = (await h().admin.get(`${base}/audit?target=audit-target`)).body.items;
    assert.deepEqual(
      byName.map((e: { action: string }) => e.action),
      ['user.updated', 'user.created'],
    );
    assert.deepEqual(byName[0].changes.firstName, { from: 'Tess', to: 'Tessa' });
    const reasons = (await h().admin.get(`${base}/audit?targetType=pause_reason&actor=auditor-named`)).body.items;
    assert.deepEqual(
      reasons.map((e: { target: { name: string } }) => e.target.name),
      ['Audit break'],
    );
    const backwards = await h().admin.get(`${base}/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`);
    assert.equal(backwards.status, 400);
    assert.deepEqual(
      backwards.body.errors.map((e: { path: string }) => e.path),
      ['querystring/to'],
    );
  });

  it('records sign-ins, and role and group changes', async () => {
    await h().admin.post(`${base}/roles`, { name: 'watcher', permissions: ['audit:read'] });
    await h().admin.patch(`${base}/roles/watcher`, { permissions: ['audit:read', 'users:read'] });
    const log = await h().admin.get(`${base}/audit?target=watcher`);
    assert.deepEqual(
      log.body.items.map((e: { action: string }) => e.action),
      ['role.updated', 'role.created'],
    );
    assert.deepEqual(log.body.items[0].changes, { permissions: { from: ['audit:read'], to: ['audit:read', 'users:read'] } });
    const logins = await h().admin.get(`${base}/audit?action=session.opened`);
    assert.ok(logins.body.items.some((e: { actor: { login: string } }) => e.actor.login === 'admin'));
  });
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';
import { scimClient } from '../../../test/scim-client.ts';

const base = '/api/v1/domains/default';
const users = `${base}/users`;

forEachEngine('external ids', (h) => {
  const create = (login: string, externalIds: { system: string; id: string }[]) => h().admin.post(users, { login, roles: ['agent'], externalIds });

  it('keeps one id per system per user, answered in system order, and finds the user by system:id exactly', async () => {
    const made = await create('linked.anna', [
      { system: 'salesforce', id: '0035e00000AbCdE' },
      { system: 'creatio', id: 'c-100' },
    ]);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual(made.body.externalIds, [
      { system: 'creatio', id: 'c-100' },
      { system: 'salesforce', id: '0035e00000AbCdE' },
    ]);
    const found = await h().admin.get(`${users}?externalId=${encodeURIComponent('creatio:c-100')}`);
    assert.deepEqual(
      found.body.items.map((u: { login: string }) => u.login),
      ['linked.anna'],
    );
    for (const near of ['creatio:c-10', 'creatio:C-100', 'salesforce:c-100'])
      assert.equal((await h().admin.get(`${users}?externalId=${encodeURIComponent(near)}`)).body.items.length, 0, near);
    assert.equal((await h().admin.get(`${users}?externalId=creatio`)).status, 400, 'a filter without an id is refused');
    const twice = await create('linked.twice', [
      { system: 'creatio', id: 'c-1' },
      { system: 'creatio', id: 'c-2' },
    ]);
    assert.equal(twice.status, 400);
    assert.deepEqual(
      twice.body.errors.map((e: { path: string }) => e.path),
      ['externalIds/1/system'],
    );
    assert.equal((await create('Linked.Upper', [{ system: 'Creatio', id: '1' }])).status, 400, 'system names are lower case');
  });

  it('refuses an id another user of the domain holds for that system with a 409 naming both, writing nothing', async () => {
    await create('holder.one', [{ system: 'hubspot', id: '501' }]);
    const taken = await create('holder.two', [
      { system: 'creatio', id: '501' },
      { system: 'hubspot', id: '501' },
    ]);
    assert.equal(taken.status, 409, JSON.stringify(taken.body));
    assert.match(taken.body.detail, /hubspot:501/);
    assert.deepEqual(
      taken.body.errors.map((e: { path: string }) => e.path),
      ['externalIds/1'],
    );
    assert.equal((await h().admin.get(`${users}?q=holder.two`)).body.items.length, 0);
    const other = await create('holder.three', [{ system: 'creatio', id: '501' }]);
    assert.equal(other.status, 201, 'the same id in another system is another id');
    const patched = await h().admin.patch(`${users}/${other.body.id}`, { externalIds: [{ system: 'hubspot', id: '501' }] });
    assert.equal(patched.status, 409);
    assert.match(patched.body.detail, /hubspot:501/);
  });

  it('replaces the whole list on PATCH, auditing before and after and naming the field in the change feed', async () => {
    const made = await create('relinked', [{ system: 'creatio', id: 'old-1' }]);
    const patched = await h().admin.patch(`${users}/${made.body.id}`, { externalIds: [{ system: 'salesforce', id: 'sf-9' }] });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.externalIds, [{ system: 'salesforce', id: 'sf-9' }]);
    assert.equal((await h().admin.get(`${users}?externalId=creatio:old-1`)).body.items.length, 0, 'the old id is released');
    assert.equal((await create('takes.old', [{ system: 'creatio', id: 'old-1' }])).status, 201);
    const audit = await h().admin.get(`${base}/audit?target=${made.body.id}`);
    const entry = audit.body.items.find((e: { action: string }) => e.action === 'user.updated');
    assert.deepEqual(entry.changes.externalIds, { from: [{ system: 'creatio', id: 'old-1' }], to: [{ system: 'salesforce', id: 'sf-9' }] });
    const feed = await h().admin.get(`${base}/changes?after=0&limit=1000`);
    const change = feed.body.items.findLast((c: { resource: { id: string } }) => c.resource.id === made.body.id);
    assert.deepEqual(change.fields, ['externalIds']);
  });

  it('exports them as system:id joined with | and imports them back, refusing a row whose id is taken', async () => {
    await create('exported.one', [
      { system: 'creatio', id: 'exp-1' },
      { system: 'salesforce', id: 'sf-exp' },
    ]);
    const exported = await h().app.inject({ method: 'GET', url: `${users}/export?q=exported.one`, headers: { authorization: `Bearer ${h().admin.token}` } });
    assert.equal(exported.statusCode, 200, exported.body);
    const [header, row] = exported.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/) as [string, string];
    const column = header.split(',').indexOf('externalIds');
    assert.ok(column >= 0, header);
    assert.equal(row.split(',')[column], 'creatio:exp-1|salesforce:sf-exp');
    const upload = (file: string, query = '') =>
      h().app.inject({
        method: 'POST',
        url: `${users}/import${query}`,
        payload: file,
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${h().admin.token}` },
      });
    const imported = await upload(
      'login,externalIds\nimported.one,creatio:imp-1|hubspot:77\nimported.two,creatio:exp-1\nimported.three,creatio:imp-1\n',
      '?mode=partial',
    );
    assert.equal(imported.statusCode, 200, imported.body);
    assert.equal(imported.json().created, 1);
    assert.deepEqual(
      imported.json().problems.map((p: { row: number; code: string }) => [p.row, p.code]),
      [
        [3, 'user.external_id_taken'],
        [4, 'user.external_id_taken'],
      ],
    );
    const one = (await h().admin.get(`${users}?externalId=hubspot:77`)).body.items[0];
    assert.deepEqual(one.externalIds, [
      { system: 'creatio', id: 'imp-1' },
      { system: 'hubspot', id: '77' },
    ]);
    const bad = await upload('login,externalIds\nimported.bad,no-colon\n', '?dryRun=true');
    assert.equal(bad.json().problems[0].column, 'externalIds');
  });

  it("keeps SCIM's externalId as the system scim: set and filtered over SCIM, shown beside the CRM's, which a SCIM replacement keeps", async () => {
    const token = (await h().admin.post('/api/v1/me/tokens', { name: 'idp', permissions: ['scim:provision', 'profile:read', 'profile:update'] })).body.token;
    const scim = scimClient(h().app, token, '/scim/v2/default');
    const made = await scim.post('/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'scim.linked',
      externalId: '00ujl29u0le5T6Aj10h7',
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(made.body.externalId, '00ujl29u0le5T6Aj10h7');
    const user = (await h().admin.get(`${users}/${made.body.id}`)).body;
    assert.deepEqual(user.externalIds, [{ system: 'scim', id: '00ujl29u0le5T6Aj10h7' }]);
    await h().admin.patch(`${users}/${user.id}`, { externalIds: [...user.externalIds, { system: 'creatio', id: 'cr-scim' }] });
    const replaced = await scim.put(`/Users/${user.id}`, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'scim.linked',
      externalId: 'renewed-id',
    });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.deepEqual((await h().admin.get(`${users}/${user.id}`)).body.externalIds, [
      { system: 'creatio', id: 'cr-scim' },
      { system: 'scim', id: 'renewed-id' },
    ]);
    const filtered = await scim.get(`/Users?filter=${encodeURIComponent('externalId eq "renewed-id"')}`);
    assert.deepEqual(
      filtered.body.Resources.map((r: { userName: string }) => r.userName),
      ['scim.linked'],
    );
    assert.equal((await scim.get(`/Users?filter=${encodeURIComponent('externalId eq "cr-scim"')}`)).body.totalResults, 0, "the CRM's id is not SCIM's");
    const sorted = await scim.get('/Users?sortBy=externalId&count=5');
    assert.equal(sorted.status, 200);
  });
});

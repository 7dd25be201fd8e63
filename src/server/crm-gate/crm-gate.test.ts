import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { forEachEngine, userWithRoles } from '../../../test/harness.ts';
import { scimClient } from '../../../test/scim-client.ts';
import { startReceiver, type Answer, type Receiver } from '../../../test/webhook-receiver.ts';

const base = '/api/v1/domains/default';
const users = `${base}/users`;

/** The CRM of these tests: what it answers is set by each test; it verifies every signature. */
let answer: (body: any) => Answer | Promise<Answer> = () => 204;
const allowAll = (body: any): Answer => ({
  status: 200,
  json: { users: body.data.users.map((u: { login: string }) => ({ login: u.login, externalId: `CR-${u.login}` })) },
});

forEachEngine(
  'the CRM gate',
  (h) => {
    let crm: Receiver;
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const gate = (settings: Record<string, unknown> = {}) => h().admin.put(`${base}/crm-gate`, { url: crm.url, secret, system: 'creatio', ...settings });
    const exists = async (login: string) => (await h().admin.get(`${users}?q=${login}`)).body.items.some((u: { login: string }) => u.login === login);

    before(async () => {
      answer = () => 204;
      crm = await startReceiver({ answer: (_request, body) => answer(body) });
      crm.trust(secret);
      const configured = await gate();
      assert.equal(configured.status, 200, JSON.stringify(configured.body));
    });
    after(async () => {
      await crm.close();
    });
    const calls = () => crm.requests.filter((r) => r.type === 'users.admission');

    it('is configured with a write-only secret, sealed at rest, masked in the audit log', async () => {
      const read = await h().admin.get(`${base}/crm-gate`);
      assert.deepEqual(read.body, { ...read.body, configured: true, enabled: true, url: crm.url, system: 'creatio', timeoutSeconds: 5, secretSet: true });
      assert.equal(JSON.stringify(read.body).includes(secret.slice(6)), false);
      const stored = await h().storage.db.selectFrom('domains').select('crm_gate').where('name', '=', 'default').executeTakeFirstOrThrow();
      assert.equal(String(stored.crm_gate).includes(secret.slice(6)), false, 'sealed');
      const audit = await h().admin.get(`${base}/audit?action=crm_gate.updated`);
      assert.equal(JSON.stringify(audit.body).includes(secret.slice(6)), false);
      assert.equal((await h().admin.put(`${base}/crm-gate`, { url: crm.url, secret: 'plain', system: 'creatio' })).status, 400);
      const tested = await h().admin.post(`${base}/crm-gate/test`, {});
      assert.deepEqual([tested.status, tested.body.passed], [200, true]);
    });

    it('lets a user through on a 2xx, signed as webhooks are, and stores the id it answers under its system', async () => {
      answer = allowAll;
      const before = calls().length;
      const made = await h().admin.post(users, {
        login: 'gate.anna',
        email: 'anna@crm.example',
        firstName: 'Anna',
        lastName: 'Nowak',
        roles: ['agent'],
        externalIds: [{ system: 'hubspot', id: 'h-1' }],
        sip: { extension: '6101' },
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      assert.deepEqual(made.body.externalIds, [
        { system: 'creatio', id: 'CR-gate.anna' },
        { system: 'hubspot', id: 'h-1' },
      ]);
      const asked = calls().slice(before);
      assert.equal(asked.length, 1);
      assert.equal(asked[0]?.verified, true, 'the standardwebhooks library verifies the signature');
      assert.ok(asked[0]?.headers['webhook-id'] && asked[0]?.headers['webhook-timestamp']);
      assert.deepEqual(asked[0]?.data, {
        domain: 'default',
        system: 'creatio',
        users: [
          {
            reason: 'user.create',
            login: 'gate.anna',
            email: 'anna@crm.example',
            firstName: 'Anna',
            lastName: 'Nowak',
            extension: '6101',
            externalIds: [{ system: 'hubspot', id: 'h-1' }],
          },
        ],
      });
      assert.equal((await h().admin.get(`${users}?externalId=creatio:CR-gate.anna`)).body.items[0]?.id, made.body.id);
    });

    it("refuses on a 4xx with the CRM's message as the problem, writing nothing", async () => {
      answer = () => ({ status: 404, json: { detail: '  No contact with this e-mail in Creatio\n' } });
      const refused = await h().admin.post(users, { login: 'gate.refused', email: 'nobody@crm.example', roles: ['agent'] });
      assert.equal(refused.status, 422, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 'crm.refused');
      assert.equal(refused.body.detail, 'The CRM refused: No contact with this e-mail in Creatio');
      assert.equal(await exists('gate.refused'), false);
      answer = () => ({ status: 400, json: { message: 'x'.repeat(5000) } });
      const long = await h().admin.post(users, { login: 'gate.long', roles: ['agent'] });
      assert.ok(long.body.detail.length < 600, 'the message is capped');
    });

    it('refuses with 503 when the CRM does not answer in time, answers 5xx or cannot be reached, writing nothing', async () => {
      await gate({ timeoutSeconds: 1 });
      answer = async () => {
        await new Promise((resolve) => setTimeout(resolve, 2500));
        return 204;
      };
      const started = Date.now();
      const slow = await h().admin.post(users, { login: 'gate.slow', roles: ['agent'] });
      assert.equal(slow.status, 503, JSON.stringify(slow.body));
      assert.equal(slow.body.code, 'crm.unavailable');
      assert.match(slow.body.detail, /within 1000 ms/);
      assert.ok(Date.now() - started < 2400, 'the wait ends at the time limit');
      answer = () => 502;
      assert.equal((await h().admin.post(users, { login: 'gate.broken', roles: ['agent'] })).status, 503);
      await gate({ url: 'http://127.0.0.1:1/nothing-listens' });
      const down = await h().admin.post(users, { login: 'gate.down', roles: ['agent'] });
      assert.equal(down.status, 503);
      assert.match(down.body.detail, /ECONNREFUSED/);
      for (const login of ['gate.slow', 'gate.broken', 'gate.down']) assert.equal(await exists(login), false, login);
      await gate();
    });

    it('asks before a user gets a SIP account (PUT …/sip), not for other changes', async () => {
      answer = () => 204;
      const made = await h().admin.post(users, { login: 'gate.later', roles: ['agent'] });
      const before = calls().length;
      await h().admin.patch(`${users}/${made.body.id}`, { firstName: 'Later' });
      assert.equal(calls().length, before, 'a change without a new SIP account asks nothing');
      answer = () => ({ status: 409, json: { detail: 'No telephony licence in the CRM' } });
      const refused = await h().app.inject({
        method: 'PUT',
        url: `${users}/${made.body.id}/sip`,
        payload: { extension: '6150' },
        headers: { authorization: `Bearer ${h().admin.token}` },
      });
      assert.equal(refused.statusCode, 422, refused.body);
      assert.equal((await h().admin.get(`${users}/${made.body.id}`)).body.sip, null);
      answer = allowAll;
      const given = await h().app.inject({
        method: 'PUT',
        url: `${users}/${made.body.id}/sip`,
        payload: { extension: '6150' },
        headers: { authorization: `Bearer ${h().admin.token}` },
      });
      assert.equal(given.statusCode, 200, given.body);
      assert.equal(calls().at(-1)?.data.users[0].reason, 'sip.create');
      assert.deepEqual((await h().admin.get(`${users}/${made.body.id}`)).body.externalIds, [{ system: 'creatio', id: 'CR-gate.later' }]);
    });

    it('refuses an id the CRM answers that another user holds, with a 409 naming it', async () => {
      answer = () => ({ status: 200, json: { users: [{ login: 'gate.copy', externalId: 'CR-gate.anna' }] } });
      const copy = await h().admin.post(users, { login: 'gate.copy', roles: ['agent'] });
      assert.equal(copy.status, 409, JSON.stringify(copy.body));
      assert.match(copy.body.detail, /creatio:CR-gate\.anna/);
      assert.equal(await exists('gate.copy'), false);
    });

    it('asks once for a range of numbers', async () => {
      answer = allowAll;
      const before = calls().length;
      const range = await h().admin.post(`${users}/range`, { from: '6200', to: '6219', namePattern: 'Seat {n}', template: { roles: ['agent'] } });
      assert.equal(range.status, 200, JSON.stringify(range.body));
      assert.equal(calls().length, before + 1);
      assert.equal(calls().at(-1)?.data.users.length, 20);
      assert.deepEqual((await h().admin.get(`${users}?externalId=creatio:CR-6207`)).body.items[0]?.login, '6207');
      answer = () => ({ status: 422, json: { detail: 'Seats are not in the CRM' } });
      const refused = await h().admin.post(`${users}/range`, { from: '6300', to: '6304', namePattern: 'Seat {n}', template: { roles: ['agent'] } });
      assert.equal(refused.status, 422);
      assert.equal(await exists('6300'), false);
    });

    it('asks once per chunk of 1000 rows of an import: 2,500 rows, 3 requests', async () => {
      answer = allowAll;
      const before = calls().length;
      const rows = Array.from({ length: 2500 }, (_, i) => `bulk.${i},Bulk,${i}`);
      const imported = await h().app.inject({
        method: 'POST',
        url: `${users}/import`,
        payload: ['login,firstName,lastName', ...rows].join('\n'),
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${h().admin.token}` },
      });
      assert.equal(imported.statusCode, 200, imported.body);
      assert.equal(imported.json().created, 2500);
      const asked = calls().slice(before);
      assert.deepEqual(
        asked.map((c) => c.data.users.length),
        [1000, 1000, 500],
      );
      assert.equal((await h().admin.get(`${users}?externalId=creatio:CR-bulk.2499`)).body.items[0]?.login, 'bulk.2499');
    });

    it('refuses the rows of a chunk the CRM refuses, naming the ones it names; a dry run does not ask', async () => {
      answer = (body) => ({
        status: 422,
        json: { detail: 'Some are unknown', users: [{ login: body.data.users[0].login, detail: 'Unknown in Creatio' }] },
      });
      const upload = (query: string) =>
        h().app.inject({
          method: 'POST',
          url: `${users}/import${query}`,
          payload: 'login\nrow.one\nrow.two\n',
          headers: { 'content-type': 'text/csv', authorization: `Bearer ${h().admin.token}` },
        });
      const before = calls().length;
      const dry = await upload('?dryRun=true');
      assert.deepEqual([dry.json().created, calls().length], [2, before]);
      const refused = await upload('?mode=partial');
      assert.equal(refused.statusCode, 200, refused.body);
      assert.deepEqual(
        refused.json().problems.map((p: { row: number; code: string; message: string }) => [p.row, p.code, p.message]),
        [
          [2, 'crm.refused', 'Unknown in Creatio'],
          [3, 'crm.refused', 'The CRM refused: Some are unknown'],
        ],
      );
      assert.equal(await exists('row.one'), false);
      answer = () => 503;
      const unavailable = await upload('');
      assert.equal(unavailable.statusCode, 503, unavailable.body);
      assert.equal(await exists('row.two'), false);
    });

    it('asks once for the creations of a SCIM Bulk request, and for a SCIM create', async () => {
      answer = allowAll;
      const token = (await h().admin.post('/api/v1/me/tokens', { name: 'idp', permissions: ['scim:provision', 'profile:read', 'profile:update'] })).body.token;
      const scim = scimClient(h().app, token, '/scim/v2/default');
      const user = (userName: string, more: Record<string, unknown> = {}) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, ...more });
      const before = calls().length;
      const one = await scim.post('/Users', user('scim.gated', { externalId: 'okta-1' }));
      assert.equal(one.status, 201, JSON.stringify(one.body));
      assert.equal(calls().length, before + 1);
      const bulk = await scim.post('/Bulk', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: ['scim.b1', 'scim.b2', 'scim.b3'].map((name, i) => ({
          method: 'POST',
          path: '/Users',
          bulkId: `b${i}`,
          data: user(name, i === 2 ? { 'urn:ietf:params:scim:schemas:extension:switchboard:2.0:User': { extension: '6401' } } : {}),
        })),
      });
      assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
      assert.deepEqual(
        bulk.body.Operations.map((o: { status: string }) => o.status),
        ['201', '201', '201'],
      );
      assert.equal(calls().length, before + 2, 'one request for the three');
      assert.deepEqual(
        calls()
          .at(-1)
          ?.data.users.map((u: { login: string }) => u.login)
          .sort(),
        ['scim.b1', 'scim.b2', 'scim.b3'],
      );
      const made = (await h().admin.get(`${users}?externalId=creatio:CR-scim.b3`)).body.items[0];
      assert.equal(made?.sip?.extension, '6401');
      answer = () => ({ status: 403, json: { detail: 'Not a CRM user' } });
      const refused = await scim.post('/Users', user('scim.refused'));
      assert.equal(refused.status, 422, JSON.stringify(refused.body));
      assert.match(refused.body.detail, /Not a CRM user/);
    });

    it('is managed only with crm-gate:manage, which the admin role holds', async () => {
      answer = () => 204;
      await h().admin.post(`${base}/roles`, { name: 'directory-clerk', permissions: ['users:read', 'users:create'] });
      const clerk = await userWithRoles(h(), 'gate.clerk', ['directory-clerk']);
      assert.equal((await clerk.client.get(`${base}/crm-gate`)).status, 403);
      assert.equal((await clerk.client.put(`${base}/crm-gate`, { url: crm.url, system: 'creatio' })).status, 403);
      const roles = (await h().admin.get(`${base}/roles?limit=100`)).body.items as { name: string; permissions: string[] }[];
      assert.ok(roles.find((r) => r.name === 'admin')?.permissions.includes('crm-gate:manage'));
    });

    it('lets users through unasked once turned off', async () => {
      await gate({ enabled: false });
      const before = crm.requests.length;
      assert.equal((await h().admin.post(users, { login: 'gate.off', roles: ['agent'] })).status, 201);
      assert.equal(crm.requests.length, before);
      assert.equal((await h().admin.delete(`${base}/crm-gate`)).status, 204);
      assert.equal((await h().admin.get(`${base}/crm-gate`)).body.configured, false);
    });
  },
  { SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true' },
);

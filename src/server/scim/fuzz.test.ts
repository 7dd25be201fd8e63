import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import fc from 'fast-check';
import { forEachEngine } from '../../../test/harness.ts';
import { scimClient, type ScimClient } from '../../../test/scim-client.ts';

/** Fixed: a failure found here is found again, run after run. */
const SEED = 20_261_130;
const RUNS = 150;

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const OURS = 'urn:ietf:params:scim:schemas:extension:switchboard:2.0:User';
const names = [
  'userName',
  'name',
  'name.givenName',
  'emails',
  'emails.value',
  'phoneNumbers',
  'active',
  'title',
  'locale',
  'timezone',
  'externalId',
  'displayName',
  'members',
  'id',
  'meta',
  'groups',
  'password',
  `${ENTERPRISE}:manager`,
  `${ENTERPRISE}:employeeNumber`,
  `${OURS}:skills`,
  `${OURS}:extension`,
  `${OURS}:agent`,
  `${OURS}:roles`,
  ENTERPRISE,
  OURS,
  'x.y.z',
  'urn:nope:x',
];
const ops = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'and', 'or', 'not', '(', ')', '[', ']', '"x"', 'true', 'null', '12', '"', '\\'];

const pathText = fc.oneof(
  fc.constantFrom(...names),
  fc.tuple(fc.constantFrom(...names), fc.array(fc.constantFrom(...ops), { maxLength: 5 })).map(([n, rest]) => `${n}[${rest.join(' ')}]`),
  fc.string({ maxLength: 20 }),
);
const filterText = fc.oneof(
  fc.array(fc.oneof(fc.constantFrom(...names), fc.constantFrom(...ops)), { maxLength: 8 }).map((parts) => parts.join(' ')),
  fc.string({ maxLength: 30 }),
);
const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('True', 'False', '1234', 'a@b.c', [{ value: 'x' }], { active: false }, { name: 'english', level: 500 }),
);
const operation = fc.record(
  { op: fc.oneof(fc.constantFrom('add', 'Replace', 'REMOVE', 'move'), fc.jsonValue({ maxDepth: 1 })), path: pathText, value },
  { requiredKeys: [] },
);
const patchBody = fc.oneof(
  fc.record({ schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:PatchOp']), Operations: fc.array(operation, { maxLength: 4 }) }),
  fc.jsonValue({ maxDepth: 3 }),
);
const resourceBody = fc.oneof(fc.dictionary(fc.constantFrom(...names, 'schemas', 'Members', 'USERNAME'), value, { maxKeys: 6 }), fc.jsonValue({ maxDepth: 3 }));
const bulkBody = fc.record({
  schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:BulkRequest']),
  failOnErrors: fc.oneof(fc.constant(undefined), fc.integer({ min: -1, max: 3 })),
  Operations: fc.array(
    fc.record({
      method: fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE', 'GET'),
      bulkId: fc.constantFrom(undefined, 'a', 'b'),
      path: fc.constantFrom('/Users', '/Groups', '/Users/bulkId:a', '/Groups/bulkId:b', '/Nope', '/Users/x/y'),
      data: fc.oneof(resourceBody, patchBody),
    }),
    { maxLength: 4 },
  ),
});

forEachEngine('SCIM under generated input', (h) => {
  let scim: ScimClient;
  let userId = '';
  let groupId = '';
  before(async () => {
    const token = await h().admin.post('/api/v1/me/tokens', { name: 'fuzz', permissions: ['scim:provision', 'profile:read', 'profile:update'] });
    scim = scimClient(h().app, token.body.token, '/scim/v2/default');
    userId = (await scim.post('/Users', { userName: 'fuzz.target', emails: [{ value: 'f@example.com', type: 'work' }] })).body.id;
    groupId = (await scim.post('/Groups', { displayName: 'fuzz group', members: [{ value: userId }] })).body.id;
  });

  const below500 = (answer: { status: number; body: unknown }, what: string) => {
    assert.ok(answer.status < 500, `${what} → ${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}`);
    if (answer.status >= 400) assert.equal((answer.body as { status?: string }).status, String(answer.status), what);
  };

  it('answers generated PATCH, PUT, POST and Bulk bodies and filters below 500, in SCIM form', async () => {
    await fc.assert(
      fc.asyncProperty(patchBody, resourceBody, bulkBody, filterText, pathText, async (patch, resource, bulk, filter, attributes) => {
        below500(await scim.patch(`/Users/${userId}`, patch), `PATCH user ${JSON.stringify(patch)}`);
        below500(await scim.patch(`/Groups/${groupId}`, patch), `PATCH group ${JSON.stringify(patch)}`);
        below500(await scim.put(`/Users/${userId}`, resource), `PUT user ${JSON.stringify(resource)}`);
        below500(await scim.post('/Groups', resource), `POST group ${JSON.stringify(resource)}`);
        below500(await scim.post('/Bulk', bulk), `Bulk ${JSON.stringify(bulk)}`);
        const query = `?filter=${encodeURIComponent(filter)}&attributes=${encodeURIComponent(attributes)}&sortBy=${encodeURIComponent(attributes)}&startIndex=${encodeURIComponent(filter)}`;
        below500(await scim.get(`/Users${query}`), `GET users ${query}`);
        below500(await scim.get(`/Groups${query}`), `GET groups ${query}`);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

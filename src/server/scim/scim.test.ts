import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';
import { scimClient, type ScimClient } from '../../../test/scim-client.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const OURS = 'urn:ietf:params:scim:schemas:extension:switchboard:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const agentRole = ['scim:provision', 'profile:read', 'profile:update'];

forEachEngine('SCIM service', (h) => {
  let scim: ScimClient;
  const tokenFor = async (name: string, permissions: string[]) => (await h().admin.post('/api/v1/me/tokens', { name, permissions })).body.token as string;
  const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
  const user = (userName: string, more: Record<string, unknown> = {}) => ({
    schemas: [USER],
    userName,
    name: { givenName: 'Anna', familyName: 'Nowak' },
    ...more,
  });

  before(async () => {
    scim = scimClient(h().app, await tokenFor('provisioning', agentRole), '/scim/v2/default');
    for (const name of ['english', 'polish']) assert.equal((await h().admin.post('/api/v1/domains/default/skills', { name })).status, 201);
  });

  it('admits only a token holding scim:provision, and refuses in SCIM form', async () => {
    const other = scimClient(h().app, await tokenFor('reader', ['users:read']), '/scim/v2/default');
    const refused = await other.get('/Users');
    assert.equal(refused.status, 403);
    assert.deepEqual([refused.body.schemas, refused.body.status], [['urn:ietf:params:scim:api:messages:2.0:Error'], '403']);
    const anonymous = await scimClient(h().app, undefined, '/scim/v2/default').get('/Users');
    assert.deepEqual([anonymous.status, anonymous.body.status], [401, '401']);
    // A token of domain default, sent to another domain's service.
    const elsewhere = await scimClient(h().app, await tokenFor('elsewhere', agentRole), '/scim/v2/other-domain').get('/Users');
    assert.equal(elsewhere.status, 404);
  });

  it('describes itself: limits, resource types, our extension schema', async () => {
    const config = await scim.get('/ServiceProviderConfig');
    assert.match(String(config.headers['content-type']), /^application\/scim\+json/);
    assert.deepEqual(
      [config.body.bulk.maxOperations, config.body.bulk.maxPayloadSize, config.body.patch.supported, config.body.etag.supported],
      [1000, 4194304, true, true],
    );
    const types = await scim.get('/ResourceTypes');
    assert.deepEqual(
      types.body.Resources.map((t: { id: string }) => t.id),
      ['User', 'Group'],
    );
    const ours = await scim.get(`/Schemas/${OURS}`);
    assert.deepEqual(
      ours.body.attributes.map((a: { name: string }) => a.name),
      ['extension', 'sipConnection', 'agent', 'skills', 'roles'],
    );
  });

  it('creates a user with telephony who signs in with the password and shows extension and skills', async () => {
    const created = await scim.post(
      '/Users',
      user('anna.nowak@contoso.com', {
        password: 'Quiet-Violet-Harbor-93!',
        emails: [{ value: 'anna.nowak@contoso.com', type: 'work', primary: true }],
        phoneNumbers: [
          { value: '+48 22 555 01 01', type: 'mobile' },
          { value: '+48 22 555 02 02', type: 'work' },
        ],
        title: 'Team lead',
        preferredLanguage: 'pl-PL,en;q=0.8',
        timezone: 'Europe/Warsaw',
        [OURS]: {
          extension: '1234',
          sipConnection: 'webrtc',
          agent: 'True',
          skills: [
            { name: 'english', level: 80 },
            { name: 'polish', level: 100 },
          ],
        },
      }),
    );
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body[OURS], {
      extension: '1234',
      sipConnection: 'webrtc',
      agent: true,
      skills: [
        { name: 'english', level: 80 },
        { name: 'polish', level: 100 },
      ],
      roles: ['agent'],
    });
    assert.equal('password' in created.body, false);
    assert.deepEqual([created.body.title, created.body.preferredLanguage, created.body.phoneNumbers[0].value], ['Team lead', 'pl-PL', '+48 22 555 02 02']);
    const signedIn = await h().signIn('default', 'anna.nowak@contoso.com', 'Quiet-Violet-Harbor-93!');
    const me = await signedIn.get('/api/v1/me');
    assert.equal(me.status, 200);
    const view = await h().admin.get(`/api/v1/domains/default/users/${created.body.id}`);
    assert.deepEqual([view.body.sip.extension, view.body.sip.username, view.body.agent.enabled], ['1234', '1234', true]);
  });

  it('grants roles only within the token’s own permissions', async () => {
    const refused = await scim.post('/Users', user('lead.one', { [OURS]: { roles: ['supervisor'] } }));
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    const supervisor = (await h().admin.get('/api/v1/domains/default/roles')).body.items.find((r: { name: string }) => r.name === 'supervisor');
    const wide = scimClient(h().app, await tokenFor('wide', [...new Set([...agentRole, ...supervisor.permissions])]), '/scim/v2/default');
    const granted = await wide.post('/Users', user('lead.one', { [OURS]: { roles: ['supervisor'] } }));
    assert.deepEqual([granted.status, granted.body[OURS]?.roles], [201, ['supervisor']]);
  });

  it('pages, sorts and counts (1-based), projects attributes', async () => {
    for (const name of ['page.c', 'page.a', 'page.b']) assert.equal((await scim.post('/Users', user(name))).status, 201);
    const page = await scim.get(`/Users?filter=${encodeURIComponent('name.familyName eq "Nowak"')}&sortBy=userName&sortOrder=descending&startIndex=2&count=2`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    assert.deepEqual([page.body.totalResults, page.body.startIndex, page.body.itemsPerPage], [5, 2, 2]);
    assert.deepEqual(
      page.body.Resources.map((u: { userName: string }) => u.userName),
      ['page.b', 'page.a'],
    );
    const only = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "PAGE.A"')}&attributes=userName,${ENTERPRISE}:department`);
    assert.deepEqual(Object.keys(only.body.Resources[0]).sort(), ['id', 'schemas', 'userName']);
    const without = await scim.get(`/Users/${only.body.Resources[0].id}?excludedAttributes=emails,name.givenName,${OURS}`);
    assert.deepEqual([without.body.emails, without.body.name, without.body[OURS]], [undefined, { familyName: 'Nowak', formatted: 'Anna Nowak' }, undefined]);
    const counted = await scim.get('/Users?count=0');
    assert.deepEqual([counted.body.totalResults > 5, counted.body.Resources], [true, []]);
  });

  it('filters by the full grammar: infix, or, not, and the e-mail value path Entra ID sends', async () => {
    await scim.post('/Users', user('filter.one', { emails: [{ value: 'filter.one@contoso.com', type: 'work', primary: true }], title: 'Team lead' }));
    await scim.post('/Users', user('filter.two', { emails: [{ value: 'filter.two@contoso.com', type: 'work', primary: true }], active: false }));
    const found = async (filter: string) => {
      const answer = await scim.get(`/Users?filter=${encodeURIComponent(filter)}&sortBy=userName`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.Resources.map((u: { userName: string }) => u.userName);
    };
    assert.deepEqual(await found('emails[type eq "work"].value eq "FILTER.ONE@contoso.com"'), ['filter.one']);
    assert.deepEqual(await found('emails[type eq "home"].value eq "filter.one@contoso.com"'), []);
    assert.deepEqual(await found('(userName co "lter.t" or title sw "team") and userName sw "filter."'), ['filter.one', 'filter.two']);
    assert.deepEqual(await found('userName sw "filter." and not (active eq true)'), ['filter.two']);
    assert.deepEqual(await found('emails.value ew "@contoso.com" and title pr and userName sw "filter."'), ['filter.one']);
  });

  it('honours If-Match with the weak ETag and refuses a stale one with 412', async () => {
    const created = await scim.post('/Users', user('etag.user'));
    const id = created.body.id;
    const stale = await scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'x' }), { 'if-match': 'W/"999"' });
    assert.deepEqual([stale.status, stale.body.status], [412, '412']);
    const fresh = await scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'title', value: 'x' }), { 'if-match': created.body.meta.version });
    assert.equal(fresh.status, 200);
    assert.notEqual(fresh.headers.etag, created.headers.etag);
  });

  it('merges a multi-valued add, sets the manager, and refuses read-only attributes', async () => {
    const manager = (await scim.post('/Users', user('the.manager'))).body.id;
    const id = (await scim.post('/Users', user('merge.user', { emails: [{ value: 'old@contoso.com', type: 'work', primary: true }] }))).body.id;
    const added = await scim.patch(
      `/Users/${id}`,
      patch(
        { op: 'add', path: 'emails', value: [{ value: 'new@contoso.com', type: 'work', primary: true }] },
        { op: 'add', value: { [`${ENTERPRISE}:manager`]: manager } },
        { op: 'add', path: `${OURS}:skills`, value: [{ name: 'english', level: 10 }] },
      ),
    );
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.equal(added.body.emails[0].value, 'new@contoso.com');
    assert.deepEqual([added.body[ENTERPRISE].manager.value, added.body[OURS].skills], [manager, [{ name: 'english', level: 10 }]]);
    const unknownManager = await scim.patch(`/Users/${id}`, patch({ op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: 'nobody' } }));
    assert.deepEqual([unknownManager.status, unknownManager.body.scimType], [400, 'invalidValue']);
    const readOnly = await scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'id', value: 'mine' }));
    assert.deepEqual([readOnly.status, readOnly.body.scimType], [400, 'mutability']);
  });

  it('answers every kind of bad input with its scimType', async () => {
    const id = (await scim.post('/Users', user('bad.input'))).body.id;
    const cases: [Promise<{ status: number; body: { scimType?: string } }>, number, string][] = [
      [scim.post('/Users', '{"userName": '), 400, 'invalidSyntax'],
      [scim.get(`/Users?filter=${encodeURIComponent('userName eq')}`), 400, 'invalidFilter'],
      [scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'emails[type eq', value: 'x' })), 400, 'invalidPath'],
      [scim.patch(`/Users/${id}`, patch({ op: 'replace', path: 'emails[value co "x"].value', value: 'x' })), 400, 'noTarget'],
      [scim.patch(`/Users/${id}`, patch({ op: 'remove' })), 400, 'noTarget'],
      [scim.patch(`/Users/${id}`, patch({ op: 'jump', path: 'title' })), 400, 'invalidSyntax'],
      [scim.post('/Users', user('bad input')), 400, 'invalidValue'],
      [scim.post('/Users', user('bad.input')), 409, 'uniqueness'],
      [scim.post('/Users', { schemas: [USER] }), 400, 'invalidValue'],
      [scim.post('/Users', user('bad.two', { active: 'maybe' })), 400, 'invalidValue'],
    ];
    for (const [pending, status, scimType] of cases) {
      const answer = await pending;
      assert.deepEqual([answer.status, answer.body.scimType], [status, scimType], JSON.stringify(answer.body));
    }
  });

  it('runs a bulk request with bulkId references between operations', async () => {
    const answer = await scim.post('/Bulk', {
      schemas: [BULK],
      Operations: [
        { method: 'PATCH', path: '/Groups/bulkId:team', data: patch({ op: 'add', path: 'members', value: [{ value: 'bulkId:lead' }] }) },
        { method: 'POST', path: '/Groups', bulkId: 'team', data: { displayName: 'Bulk team', members: [{ value: 'bulkId:agent' }] } },
        { method: 'POST', path: '/Users', bulkId: 'agent', data: user('bulk.agent') },
        { method: 'POST', path: '/Users', bulkId: 'lead', data: user('bulk.lead', { [ENTERPRISE]: { manager: { value: 'bulkId:agent' } } }) },
        { method: 'POST', path: '/Users', bulkId: 'bad', data: user('bulk agent') },
      ],
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(
      answer.body.Operations.map((o: { status: string; bulkId?: string }) => [o.bulkId ?? null, o.status]),
      [
        [null, '204'],
        ['team', '201'],
        ['agent', '201'],
        ['lead', '201'],
        ['bad', '400'],
      ],
    );
    assert.equal(answer.body.Operations[4].response.scimType, 'invalidValue');
    const group = await scim.get(answer.body.Operations[1].location.replace(/^.*\/scim\/v2\/default/, ''));
    assert.equal(group.body.members.length, 2);
  });

  it('stops after failOnErrors and enforces maxOperations and maxPayloadSize', async () => {
    const stopped = await scim.post('/Bulk', {
      schemas: [BULK],
      failOnErrors: 1,
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'a', data: user('no good') },
        { method: 'POST', path: '/Users', bulkId: 'b', data: user('never.made') },
      ],
    });
    assert.deepEqual(
      stopped.body.Operations.map((o: { status: string }) => o.status),
      ['400'],
    );
    const many = await scim.post('/Bulk', { schemas: [BULK], Operations: Array.from({ length: 1001 }, () => ({ method: 'DELETE', path: '/Users/x' })) });
    assert.deepEqual([many.status, many.body.scimType], [413, 'tooMany']);
    const large = await scim.post('/Bulk', {
      schemas: [BULK],
      Operations: [{ method: 'POST', path: '/Users', data: user('big', { title: 'x'.repeat(4_200_000) }) }],
    });
    assert.deepEqual([large.status, large.body.status], [413, '413']);
  });

  it('takes application/json too', async () => {
    const response = await h().app.inject({
      method: 'POST',
      url: '/scim/v2/default/Groups',
      headers: { authorization: `Bearer ${await tokenFor('json', agentRole)}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ displayName: 'Plain JSON' }),
    });
    assert.equal(response.statusCode, 201, response.body);
  });
});

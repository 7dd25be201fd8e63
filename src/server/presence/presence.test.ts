import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine, passwordFor, type Harness } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';
const agentUser = async (h: Harness, login: string, agent: object = {}) =>
  (await h.admin.post(`${base}/users`, { login, roles: ['agent'], password: passwordFor(login), agent: { enabled: true, ...agent } })).body as { id: string };

forEachEngine('presence', (h) => {
  it('logs agents in to CC, lets them set their status, and keeps the history', async () => {
    const { id } = await agentUser(h(), 'cc-ann');
    const ann = await h().signIn('default', 'cc-ann', passwordFor('cc-ann'));
    const login = await ann.post(`${base}/users/${id}/cc/login`);
    assert.equal(login.status, 200);
    assert.deepEqual([login.body.cc.loggedIn, login.body.cc.by, login.body.status.value], [true, 'self', 'available']);
    await h().admin.post(`${base}/pause-reasons`, { name: 'Lunch', maxDuration: 1800 });
    const lunch = await ann.put(`${base}/users/${id}/status`, { status: 'break', reason: 'lunch' });
    assert.deepEqual(
      [lunch.body.status.value, lunch.body.status.reason, lunch.body.status.maxDuration, lunch.body.status.overdue],
      ['break', 'Lunch', 1800, false],
    );
    const unknown = await ann.put(`${base}/users/${id}/status`, { status: 'break', reason: 'nap' });
    assert.deepEqual([unknown.status, unknown.body.errors[0].code], [400, 'pause_reason.unknown']);
    const forced = await h().admin.put(`${base}/users/${id}/status`, { status: 'dnd' });
    assert.deepEqual([forced.body.status.by, forced.body.status.actor], ['administrator', 'admin']);
    const history = (await h().admin.get(`${base}/users/${id}/status-history?dimension=status`)).body.items;
    assert.deepEqual(
      history.map((e: { value: string; by: string; actor: string | null }) => [e.value, e.by, e.actor]),
      [
        ['dnd', 'administrator', 'admin'],
        ['break', 'self', null],
        ['available', 'self', null],
      ],
    );
    assert.equal(
      (await h().admin.get(`${base}/presence?status=dnd`)).body.items.some((p: { login: string }) => p.login === 'cc-ann'),
      true,
    );
    const listed = (await h().admin.get(`${base}/users?q=cc-ann`)).body.items[0];
    assert.deepEqual(
      [listed.presence.cc.loggedIn, listed.presence.status.value, listed.presence.online],
      [true, 'dnd', false],
      'the user list shows the live state',
    );
    assert.equal('presence' in (await h().admin.get(`${base}/users/${id}`)).body, false, 'a single read stays cacheable');
    assert.equal(
      (await h().admin.get(`${base}/presence?status=available`)).body.items.some((p: { login: string }) => p.login === 'cc-ann'),
      false,
    );

    const logins = async (query: string) => (await h().admin.get(`${base}/users?${query}`)).body.items.map((u: { login: string }) => u.login);
    assert.deepEqual(await logins('status=dnd'), ['cc-ann'], 'the list filters on the live status');
    assert.deepEqual(await logins('status=offline&q=cc-ann'), []);
    assert.deepEqual(await logins('status=offline&q=admin'), ['admin'], 'never in CC is offline');
    assert.deepEqual(await logins('registered=false&q=cc-ann'), ['cc-ann'], 'never registered counts as not registered');
    assert.deepEqual(await logins('registered=true'), []);
    assert.deepEqual((await h().admin.get(`${base}/users/count?status=dnd`)).body, { count: 1, more: false }, 'the list total counts by the live filters too');
    assert.deepEqual((await h().admin.get(`${base}/users/count?status=offline&q=cc-ann`)).body, { count: 0, more: false });

    const report = (await h().admin.get(`${base}/reports/presence`)).body;
    const seconds = report.statusSeconds.find((r: { login: string }) => r.login === 'cc-ann');
    assert.ok(seconds, 'the report has the agent');
    assert.ok(seconds.dnd >= 0 && seconds.available >= 0 && seconds.break >= 0);
    assert.equal(report.onlineByHour.length, 24, 'the last 24 hours, hour by hour');
    const bad = await h().admin.get(`${base}/reports/presence?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z`);
    assert.deepEqual([bad.status, bad.body.errors[0].code], [400, 'report.window']);
  });

  it('refuses CC to non-agents and to agents without a live license where agents are licensed, and status changes of others without the permission', async () => {
    const plain = (await h().admin.post(`${base}/users`, { login: 'not-agent', roles: ['agent'], password: passwordFor('not-agent') })).body;
    assert.equal((await h().admin.post(`${base}/users/${plain.id}/cc/login`)).body.code, 'agent.not_enabled');
    const { id } = await agentUser(h(), 'licence-less');
    await h().admin.post(`${base}/licenses`, { name: 'cc-seat', seats: 1, capability: 'agent', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    assert.equal((await h().admin.post(`${base}/users/${id}/cc/login`)).body.code, 'license.required', 'a product added later gates CC login');
    await h().admin.post(`${base}/users/${id}/licenses/cc-seat`);
    assert.equal((await h().admin.post(`${base}/users/${id}/cc/login`)).status, 200);
    const other = await h().signIn('default', 'not-agent', passwordFor('not-agent'));
    assert.equal((await other.put(`${base}/users/${id}/status`, { status: 'dnd' })).status, 403);
    await h().admin.post(`${base}/users/${id}/cc/logout`);
    await h().admin.put(`${base}/users/${id}/agent`, { enabled: false });
    assert.equal((await h().admin.delete(`${base}/users/${id}/licenses/cc-seat`)).status, 204);
    assert.equal((await h().admin.delete(`${base}/licenses/cc-seat`)).status, 204);
  });

  it('applies reported offers and answers the ready agents, best skill level first, then longest idle', async () => {
    await h().admin.post(`${base}/skills`, { name: 'French' });
    const high = await agentUser(h(), 'ready-high', { skills: [{ skill: 'French', level: 90 }] });
    const low = await agentUser(h(), 'ready-low', { skills: [{ skill: 'French', level: 30 }] });
    const early = await agentUser(h(), 'ready-early', { skills: [{ skill: 'French', level: 30 }], maxNoAnswer: 2 });
    const none = await agentUser(h(), 'ready-none');
    const domain = await domainId(h());
    for (const [login, user] of [
      ['ready-early', early],
      ['ready-low', low],
      ['ready-high', high],
      ['ready-none', none],
    ] as const) {
      assert.ok(user.id, `${login} was created: ${JSON.stringify(user)}`);
      // Reachable through a registered phone (the registrar's own tests register real ones).
      await h().app.presence.register(domain, user.id, [{ uri: `sip:${login}@127.0.0.1:5070`, expires: 300 }], {
        userAgent: 'test',
        source: '127.0.0.1:5070',
        transport: 'udp',
        callId: login,
        cseq: 1,
      });
      await h().admin.post(`${base}/users/${user.id}/cc/login`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const ready = (await h().admin.get(`${base}/agents/ready?skill=french`)).body.items.map((a: { login: string }) => a.login);
    assert.deepEqual(ready, ['ready-high', 'ready-early', 'ready-low']);

    const offered = await h().admin.post(`${base}/agents/${high.id}/offers`, { callId: 'call-1', outcome: 'offered' });
    assert.equal(offered.body.agent.phase, 'offered');
    await h().admin.post(`${base}/agents/${high.id}/offers`, { callId: 'call-1', outcome: 'answered' });
    assert.deepEqual(
      (await h().admin.get(`${base}/agents/ready?skill=french`)).body.items.map((a: { login: string }) => a.login),
      ['ready-early', 'ready-low'],
    );
    const ended = await h().admin.post(`${base}/agents/${high.id}/calls/call-1/ended`);
    assert.equal(ended.body.agent.phase, 'wrap-up');
    for (const callId of ['m1', 'm2']) await h().admin.post(`${base}/agents/${early.id}/offers`, { callId, outcome: 'no-answer' });
    const onBreak = (await h().admin.get(`${base}/users/${early.id}/presence`)).body;
    assert.deepEqual([onBreak.status.value, onBreak.status.reason, onBreak.status.by], ['break', 'max-no-answer', 'system']);
    assert.equal((await h().admin.post(`${base}/agents/${none.id}/offers`, { callId: 'x', outcome: 'busy' })).status, 200);
    const notAgent = (await h().admin.post(`${base}/users`, { login: 'no-offers', roles: ['agent'] })).body;
    assert.equal((await h().admin.post(`${base}/agents/${notAgent.id}/offers`, { callId: 'x', outcome: 'busy' })).body.code, 'agent.not_enabled');
  });
});

async function domainId(h: Harness): Promise<string> {
  return (await h.storage.db.selectFrom('domains').select('id').where('name', '=', 'default').executeTakeFirstOrThrow()).id;
}

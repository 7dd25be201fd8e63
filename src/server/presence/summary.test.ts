import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { forEachEngine, passwordFor } from '../../../test/harness.ts';
import { registerWithDigest } from '../../../test/sip-client.ts';
import { listenSip, type SipListeners } from '../registrar/transports.ts';

const base = '/api/v1/domains/default';
const SECRET = 'Quartz-Meadow-Sip-71';

forEachEngine('the dashboard figures', (h) => {
  let sip: SipListeners;
  before(async () => {
    sip = await listenSip(h().app.registrar, h().app.sipConnections, '127.0.0.1', 0, h().app.log);
  });
  after(async () => sip.close());

  const agent = async (login: string, extension: string) =>
    (
      await h().admin.post(`${base}/users`, {
        login,
        roles: ['agent'],
        password: passwordFor(login),
        agent: { enabled: true },
        sip: { extension, secret: SECRET },
      })
    ).body.id as string;

  it('counts agents by the status the list shows, breaks by reason, and users online and registered', async () => {
    const empty = (await h().admin.get(`${base}/presence/summary`)).body;
    assert.deepEqual(empty, {
      agents: { total: 0, inCc: 0, available: 0, break: 0, dnd: 0, offline: 0 },
      breaks: [],
      users: { total: 1, online: 0, registered: 0 },
    });

    await h().admin.post(`${base}/pause-reasons`, { name: 'Lunch', maxDuration: 1800 });
    const ready = await agent('sum-ready', '2101');
    const lunch = await agent('sum-lunch', '2102');
    const quiet = await agent('sum-quiet', '2103');
    const away = await agent('sum-away', '2104');
    const gone = await agent('sum-gone', '2105');
    await h().admin.post(`${base}/users`, { login: 'sum-clerk', roles: ['agent'] });
    for (const id of [ready, lunch, gone]) await h().admin.post(`${base}/users/${id}/cc/login`);
    await h().admin.put(`${base}/users/${lunch}/status`, { status: 'break', reason: 'Lunch' });
    await h().admin.put(`${base}/users/${gone}/status`, { status: 'break' });
    await h().admin.post(`${base}/users/${quiet}/cc/login`);
    await h().admin.put(`${base}/users/${quiet}/status`, { status: 'dnd' });
    // Set out of contact-center mode: offline, as the list filters it.
    await h().admin.put(`${base}/users/${away}/status`, { status: 'available' });
    assert.match(
      await registerWithDigest(sip.port, { user: '2101', password: SECRET, host: 'default', realm: 'default', algorithm: 'MD5' }),
      /^SIP\/2\.0 200 OK/,
    );
    assert.match(
      await registerWithDigest(sip.port, { user: '2105', password: SECRET, host: 'default', realm: 'default', algorithm: 'MD5' }),
      /^SIP\/2\.0 200 OK/,
    );
    // A deleted agent counts nowhere, whatever its live state.
    assert.equal((await h().admin.delete(`${base}/users/${gone}`)).status, 204);

    const summary = (await h().admin.get(`${base}/presence/summary`)).body;
    assert.deepEqual(summary, {
      agents: { total: 4, inCc: 3, available: 1, break: 1, dnd: 1, offline: 1 },
      breaks: [{ reason: 'Lunch', count: 1 }],
      users: { total: 6, online: 0, registered: 1 },
    });
    // The same figures as the lists they summarize.
    const listed = async (query: string) => (await h().admin.get(`${base}/users?${query}&limit=500`)).body.items.length as number;
    assert.equal(summary.agents.total, await listed('agent=true'));
    assert.equal(summary.agents.available, await listed('agent=true&status=available'));
    assert.equal(summary.agents.break, await listed('agent=true&status=break'));
    assert.equal(summary.agents.dnd, await listed('agent=true&status=dnd'));
    assert.equal(summary.agents.offline, await listed('agent=true&status=offline'));
    assert.equal(summary.users.registered, await listed('registered=true'));
    assert.equal(summary.users.total, (await listed('active=true')) + (await listed('active=false')));
  });

  it('needs users:read', async () => {
    await h().admin.post(`${base}/users`, { login: 'sum-plain', roles: ['agent'], password: passwordFor('sum-plain') });
    const plain = await h().signIn('default', 'sum-plain', passwordFor('sum-plain'));
    assert.equal((await plain.get(`${base}/presence/summary`)).status, 403);
  });

  it('leaves deleted users out of the time on break', async () => {
    const id = await agent('sum-break-deleted', '2111');
    await h().admin.post(`${base}/users/${id}/cc/login`);
    await h().admin.put(`${base}/users/${id}/status`, { status: 'break' });
    const logins = async () => (await h().admin.get(`${base}/reports/presence`)).body.statusSeconds.map((r: { login: string }) => r.login) as string[];
    assert.ok((await logins()).includes('sum-break-deleted'));
    await h().admin.delete(`${base}/users/${id}`);
    assert.ok(!(await logins()).includes('sum-break-deleted'));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines, passwordFor, startHarness, userWithRoles, type Harness } from '../../../test/harness.ts';
import { openEvents } from '../../../test/events-client.ts';
import { registerWithDigest } from '../../../test/sip-client.ts';
import { startReceiver } from '../../../test/webhook-receiver.ts';
import { listenSip, type SipListeners } from '../registrar/transports.ts';

const base = '/api/v1/domains/default';
const quickWebhooks = { SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true', SWITCHBOARD_WEBHOOK_POLL_MS: '20', SWITCHBOARD_WEBHOOK_BACKOFF_MS: '20-200' };

async function scrape(h: Harness, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1') {
  const response = await h.app.inject({ method: 'GET', url: '/metrics', headers, remoteAddress });
  return { status: response.statusCode, headers: response.headers, text: response.body };
}

/** One sample's value in Prometheus' text format; 0 when the series is not there (yet). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((pair) => present.includes(pair))) return Number(match[3]);
  }
  return 0;
}

async function eventually(ready: () => Promise<boolean>, ms = 10_000) {
  for (const deadline = Date.now() + ms; !(await ready());) {
    if (Date.now() > deadline) throw new Error(`not so within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const engine of engines) {
  describe(`/metrics [${engine}]`, () => {
    let h: Harness;
    let url: string;
    let sip: SipListeners;

    before(async () => {
      h = await startHarness(engine, quickWebhooks);
      url = await h.app.listen({ host: '127.0.0.1', port: 0 });
      sip = await listenSip(h.app.registrar, h.app.sipConnections, '127.0.0.1', 0, h.app.log);
    });
    after(async () => {
      await sip.close();
      await h.close();
    });

    it('times requests by route pattern and status, never by the raw URL', async () => {
      const user = (await h.admin.post(`${base}/users`, { login: 'timed', password: passwordFor('timed'), roles: ['agent'] })).body;
      const route = { route: '/api/v1/domains/:domain/users/:id', method: 'GET' };
      const before = sample((await scrape(h)).text, 'switchboard_http_request_duration_seconds_count', { ...route, status: '200' });
      for (let i = 0; i < 3; i++) assert.equal((await h.admin.get(`${base}/users/${user.id}`)).status, 200);
      assert.equal((await h.admin.get(`${base}/users/no-such-user`)).status, 404);
      await h.anonymous.get('/api/v1/nothing-here/at-all');
      const { status, headers, text } = await scrape(h);
      assert.equal(status, 200);
      assert.match(String(headers['content-type']), /^text\/plain; version=0\.0\.4/);
      assert.equal(sample(text, 'switchboard_http_request_duration_seconds_count', { ...route, status_class: '2xx', status: '200' }) - before, 3);
      assert.equal(sample(text, 'switchboard_http_request_duration_seconds_count', { ...route, status_class: '4xx', status: '404' }), 1);
      assert.ok(sample(text, 'switchboard_http_request_duration_seconds_count', { route: 'unmatched', status: '404' }) >= 1);
      assert.ok(sample(text, 'switchboard_http_request_duration_seconds_bucket', { ...route, status: '200', le: '+Inf' }) >= 3);
      assert.doesNotMatch(text, new RegExp(`${user.id}|no-such-user|nothing-here`), 'no id or raw path in any label');
    });

    it("measures the database's queries, and PostgreSQL's pool", async () => {
      const queries = () => scrape(h).then(({ text }) => sample(text, 'switchboard_db_query_duration_seconds_count', { engine, outcome: 'ok' }));
      const before = await queries();
      await h.admin.get(`${base}/users?limit=5`);
      assert.ok((await queries()) > before);
      const { text } = await scrape(h);
      if (engine === 'postgres') {
        assert.ok(sample(text, 'switchboard_db_pool_connections') >= 1);
        assert.match(text, /^switchboard_db_pool_idle \d+$/m);
        assert.match(text, /^switchboard_db_pool_waiting \d+$/m);
      } else assert.doesNotMatch(text, /switchboard_db_pool_/);
    });

    it("reports Node's event loop delay, memory and garbage collection", async () => {
      const { text } = await scrape(h);
      for (const name of ['nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'process_resident_memory_bytes'])
        assert.ok(sample(text, name) > 0, name);
      assert.match(text, /^# TYPE nodejs_gc_duration_seconds histogram$/m);
    });

    it('counts open event streams, and users online and agents in CC by status when scraped', async () => {
      const agent = await userWithRoles(h, 'streaming-agent', ['agent'], { agent: { enabled: true } });
      const before = await scrape(h);
      const stream = await openEvents(url, 'default', agent.client.token as string);
      await stream.next((m) => m.type === 'snapshot');
      await h.admin.post(`${base}/users/${agent.id}/cc/login`);
      assert.equal((await h.admin.put(`${base}/users/${agent.id}/status`, { status: 'dnd' })).status, 200);
      await eventually(async () => (await h.admin.get(`${base}/users/${agent.id}/presence`)).body.online === true);
      const open = await scrape(h);
      assert.equal(sample(open.text, 'switchboard_event_streams_open') - sample(before.text, 'switchboard_event_streams_open'), 1);
      assert.equal(sample(open.text, 'switchboard_users_online', { status: 'dnd' }), 1);
      assert.equal(sample(open.text, 'switchboard_agents_in_cc', { status: 'dnd' }), 1);
      assert.equal(sample(open.text, 'switchboard_agents_in_cc', { status: 'available' }), 0);
      assert.match(open.text, /^switchboard_agents_in_cc\{status="break"\} 0$/m, 'every status is named');
      await stream.close();
      await eventually(async () => sample((await scrape(h)).text, 'switchboard_users_online', { status: 'dnd' }) === 0);
      assert.equal(sample((await scrape(h)).text, 'switchboard_event_streams_open'), sample(before.text, 'switchboard_event_streams_open'));
    });

    it('counts SIP registrations, and refused credentials as failures (a first challenge is none)', async () => {
      const phone = (await h.admin.post(`${base}/users`, { login: 'metered-phone', roles: ['agent'], sip: { extension: '2001' } })).body;
      const counts = async () => {
        const { text } = await scrape(h);
        return {
          registered: sample(text, 'switchboard_sip_registrations_total', { transport: 'udp' }),
          refused: sample(text, 'switchboard_sip_registration_failures_total', { transport: 'udp', status: '401' }),
        };
      };
      const before = await counts();
      const ok = await registerWithDigest(sip.port, { user: '2001', password: phone.sip.secret, host: 'default', realm: 'default', algorithm: 'MD5' });
      assert.match(ok, /^SIP\/2\.0 200/);
      const forged = await registerWithDigest(sip.port, { user: '2001', password: 'not-the-secret', host: 'default', realm: 'default', algorithm: 'MD5' });
      assert.match(forged, /^SIP\/2\.0 401/);
      const after = await counts();
      assert.deepEqual([after.registered - before.registered, after.refused - before.refused], [1, 1]);
    });

    it('counts the rows imports read, from their progress', async () => {
      const rows = async () => sample((await scrape(h)).text, 'switchboard_import_rows_total');
      const before = await rows();
      const file = ['login,firstName', 'metered.one,One', 'metered.two,Two', 'metered.three,Three'].join('\n');
      const started = await h.app.inject({
        method: 'POST',
        url: `${base}/users/import`,
        payload: file,
        headers: { 'content-type': 'text/csv', prefer: 'respond-async', authorization: `Bearer ${h.admin.token}` },
      });
      assert.equal(started.statusCode, 202, started.body);
      await eventually(async () => (await h.admin.get(`${base}/jobs/${started.json().id}`)).body.state !== 'running');
      assert.equal((await rows()) - before, 3);
    });

    it('counts webhook attempts: delivered, and failed ones that are tried again', async () => {
      let failing = true;
      const receiver = await startReceiver({ answer: () => (failing ? 500 : 204) });
      try {
        const hook = await h.admin.post(`${base}/webhooks`, { url: receiver.url, eventTypes: ['role.*'] });
        assert.equal(hook.status, 201, JSON.stringify(hook.body));
        const attempts = async (outcome: string) => sample((await scrape(h)).text, 'switchboard_webhook_attempts_total', { outcome });
        const [delivered, retried] = [await attempts('delivered'), await attempts('retry')];
        await h.admin.post(`${base}/roles`, { name: 'metered-role', permissions: ['users:read'] });
        await eventually(async () => (await attempts('retry')) > retried);
        failing = false;
        await eventually(async () => (await attempts('delivered')) > delivered);
        await h.admin.delete(`${base}/webhooks/${hook.body.id}`);
      } finally {
        await receiver.close();
      }
    });
  });
}

describe('who may scrape /metrics', () => {
  describe('without SWITCHBOARD_METRICS_TOKEN', () => {
    let h: Harness;
    before(async () => {
      h = await startHarness('sqlite');
    });
    after(() => h.close());

    it('answers this machine, over IPv4 and IPv6 loopback', async () => {
      assert.equal((await scrape(h, {}, '127.0.0.1')).status, 200);
      assert.equal((await scrape(h, {}, '::1')).status, 200);
    });

    it('refuses any other address with a problem, even a signed-in administrator', async () => {
      const refused = await scrape(h, { authorization: `Bearer ${h.admin.token}` }, '10.1.2.3');
      assert.equal(refused.status, 403);
      assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
      const problem = JSON.parse(refused.text);
      assert.equal(problem.code, 'auth.forbidden');
      assert.doesNotMatch(refused.text, /switchboard_|nodejs_/);
    });
  });

  describe('with SWITCHBOARD_METRICS_TOKEN', () => {
    const token = 'scrape-token-of-prometheus-0123';
    let h: Harness;
    before(async () => {
      h = await startHarness('sqlite', { SWITCHBOARD_METRICS_TOKEN: token });
    });
    after(() => h.close());

    it('answers the Bearer token from any address', async () => {
      const scraped = await scrape(h, { authorization: `Bearer ${token}` }, '10.1.2.3');
      assert.equal(scraped.status, 200);
      assert.match(scraped.text, /^# TYPE switchboard_http_request_duration_seconds histogram$/m);
    });

    it('refuses no token, a wrong one and a session, from loopback too, naming the scheme', async () => {
      for (const authorization of [undefined, `Bearer ${token}x`, `Bearer ${h.admin.token}`, `Basic ${token}`]) {
        const refused = await scrape(h, authorization ? { authorization } : {});
        assert.equal(refused.status, 401, String(authorization));
        assert.equal(refused.headers['www-authenticate'], 'Bearer');
        assert.doesNotMatch(refused.text, new RegExp(token), 'the token is never told back');
      }
    });
  });
});

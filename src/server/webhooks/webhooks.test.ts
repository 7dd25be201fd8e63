import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine, passwordFor, userWithRoles, type Harness } from '../../../test/harness.ts';
import { startReceiver, type Receiver } from '../../../test/webhook-receiver.ts';

const base = '/api/v1/domains/default';
const quick = {
  SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
  SWITCHBOARD_WEBHOOK_POLL_MS: '20',
  SWITCHBOARD_WEBHOOK_BACKOFF_MS: '20-200',
  // Long enough that a loaded machine's slow turn is no failed attempt: the tests count attempts.
  SWITCHBOARD_WEBHOOK_TIMEOUT_MS: '5000',
};

async function subscribe(h: Harness, receiver: Receiver, body: Record<string, unknown> = {}) {
  const created = await h.admin.post(`${base}/webhooks`, { url: receiver.url, eventTypes: ['*'], ...body });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  receiver.trust(created.body.secret);
  return created.body as { id: string; secret: string };
}

async function deliveries(h: Harness, id: string) {
  const page = await h.admin.get(`${base}/webhooks/${id}/deliveries?limit=500`);
  assert.equal(page.status, 200, JSON.stringify(page.body));
  return page.body.items as {
    id: string;
    eventType: string;
    state: string;
    attempts: number;
    log: { attempt: number; status: number | null; latencyMs: number; error: string | null }[];
  }[];
}

async function eventually(ready: () => Promise<boolean>, ms = 10_000) {
  for (const deadline = Date.now() + ms; !(await ready());) {
    if (Date.now() > deadline) throw new Error(`not so within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

forEachEngine(
  'webhooks',
  (h) => {
    it('signs every delivery so that the standardwebhooks library verifies it, with the change and no value of it', async () => {
      const receiver = await startReceiver();
      try {
        const hook = await subscribe(h(), receiver, { eventTypes: ['user.*'] });
        assert.match(hook.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
        const user = (await h().admin.post(`${base}/users`, { login: 'hooked', password: passwordFor('hooked'), roles: ['agent'] })).body;
        await h().admin.patch(`${base}/users/${user.id}`, { firstName: 'Hook', password: passwordFor('hooked.2') });
        await h().admin.post(`${base}/roles`, { name: 'not-wanted', permissions: ['users:read'] });
        await receiver.until(() => receiver.received.length >= 2);
        assert.deepEqual(
          receiver.received.map((r) => [r.type, r.verified, r.data.resource.id]),
          [
            ['user.created', true, user.id],
            ['user.updated', true, user.id],
          ],
        );
        assert.deepEqual(receiver.received[1]?.data.fields, ['firstName', 'password']);
        assert.equal(receiver.received[1]?.data.domain, 'default');
        assert.doesNotMatch(receiver.received.map((r) => r.body).join(), /Amber-|Hook"/, 'names of fields, never their values');
        await eventually(async () => (await deliveries(h(), hook.id)).every((d) => d.state === 'delivered'));
        const log = await deliveries(h(), hook.id);
        assert.deepEqual(
          log.map((d) => [d.eventType, d.state, d.attempts]),
          [
            ['user.updated', 'delivered', 1],
            ['user.created', 'delivered', 1],
          ],
        );
        assert.deepEqual(new Set(log.map((d) => d.id)), new Set(receiver.received.map((r) => r.id)), 'webhook-id is the delivery');
        receiver.trust('whsec_' + Buffer.alloc(32).toString('base64'));
        await h().admin.post(`${base}/webhooks/${hook.id}/ping`);
        await receiver.until(() => receiver.received.length === 3);
        assert.equal(receiver.received[2]?.verified, false, 'the library refuses a signature made with another secret');
      } finally {
        await receiver.close();
      }
    });

    it('holds the changes while the receiver is down, then delivers each resource’s in order, retrying with the same webhook-id', async () => {
      const receiver = await startReceiver();
      await receiver.down();
      try {
        const hook = await subscribe(h(), receiver, { eventTypes: ['user.created', 'user.updated'] });
        const users = [];
        for (let i = 0; i < 3; i += 1) users.push((await h().admin.post(`${base}/users`, { login: `down.${i}`, roles: ['agent'] })).body.id as string);
        for (let round = 1; round <= 3; round += 1) for (const id of users) await h().admin.patch(`${base}/users/${id}`, { position: `desk ${round}` });
        await eventually(async () => (await deliveries(h(), hook.id)).some((d) => d.attempts >= 2));
        const failing = (await deliveries(h(), hook.id)).find((d) => d.attempts >= 2);
        assert.equal(failing?.state, 'pending');
        assert.ok(
          failing?.log.every((a) => a.status === null && a.error),
          'each failed attempt is in the log with its error',
        );
        await receiver.up();
        await receiver.until(() => new Set(receiver.received.map((r) => r.id)).size === 12);
        for (const id of users) {
          const versions = receiver.received.filter((r) => r.data.resource.id === id).map((r) => r.data.version);
          assert.deepEqual([...new Set(versions)], [1, 2, 3, 4], `the changes of ${id} in order`);
        }
        assert.ok(receiver.received.every((r) => r.verified));
        await eventually(async () => (await deliveries(h(), hook.id)).every((d) => d.state === 'delivered'));
        const log = await deliveries(h(), hook.id);
        assert.ok(log.every((d) => d.log.at(-1)?.status === 204));
        assert.ok(
          log.some((d) => d.attempts > 1),
          'some were retried',
        );
      } finally {
        await receiver.close();
      }
    });

    it('follows no redirect: a 3xx is a failed attempt', async () => {
      const receiver = await startReceiver({ answer: (request) => (request.url === '/hooks' ? 307 : 204) });
      try {
        const hook = await subscribe(h(), receiver);
        await h().admin.post(`${base}/webhooks/${hook.id}/ping`);
        await eventually(async () => (await deliveries(h(), hook.id)).some((d) => d.log.length > 0));
        const [attempt] = (await deliveries(h(), hook.id))[0]?.log ?? [];
        assert.deepEqual([attempt?.status, attempt?.error], [307, 'HTTP 307']);
        assert.equal(receiver.received.length, 0, 'the place it pointed to was never asked');
        await h().admin.delete(`${base}/webhooks/${hook.id}`);
      } finally {
        await receiver.close();
      }
    });

    it('is managed only with webhooks:manage, which the admin role holds', async () => {
      const { client } = await userWithRoles(h(), 'no.hooks', ['supervisor']);
      assert.equal((await client.get(`${base}/webhooks`)).status, 403);
      assert.equal((await client.post(`${base}/webhooks`, { url: 'http://127.0.0.1:9/', eventTypes: ['*'] })).status, 403);
      const roles = (await h().admin.get(`${base}/roles`)).body.items as { name: string; permissions: string[] }[];
      assert.ok(roles.find((r) => r.name === 'admin')?.permissions.includes('webhooks:manage'));
    });

    it('lists every problem of a subscription at once, and writes nothing', async () => {
      const refused = await h().admin.post(`${base}/webhooks`, {
        url: 'ftp://user:pw@example.com/',
        eventTypes: ['users.created', 'user.*', 'nope'],
        extra: 1,
      });
      assert.equal(refused.status, 400);
      assert.deepEqual(refused.body.errors.map((e: { path: string }) => e.path).sort(), ['eventTypes/0', 'eventTypes/2', 'extra', 'url']);
      const before = (await h().admin.get(`${base}/webhooks`)).body.items.length;
      assert.equal((await h().admin.post(`${base}/webhooks`, { url: 'http://127.0.0.1:9/', eventTypes: [] })).status, 400);
      assert.equal((await h().admin.get(`${base}/webhooks`)).body.items.length, before);
    });
  },
  quick,
);

forEachEngine(
  'webhooks retried for one second',
  (h) => {
    it('turns a subscription off, with an audit entry, once a delivery failed for the whole retry time; on again and redelivered, it delivers', async () => {
      let status = 500;
      const receiver = await startReceiver({ answer: () => status });
      try {
        const admin = h().admin;
        const hook = (await admin.post(`${base}/webhooks`, { url: receiver.url, eventTypes: ['role.*'] })).body;
        receiver.trust(hook.secret);
        await admin.post(`${base}/roles`, { name: 'doomed', permissions: ['users:read'] });
        await eventually(async () => (await admin.get(`${base}/webhooks/${hook.id}`)).body.active === false);
        const off = (await admin.get(`${base}/webhooks/${hook.id}`)).body;
        assert.equal(off.disabledReason, 'deliveries_failing');
        const audit = (await admin.get(`${base}/audit?action=webhook.disabled`)).body.items;
        assert.deepEqual(
          audit.map((e: { actor: { login: string }; target: { id: string } }) => [e.actor.login, e.target.id]),
          [['system', hook.id]],
        );
        const [failed] = await deliveries(h(), hook.id);
        assert.equal(failed?.state, 'failed');
        assert.ok(failed.log.length >= 2 && failed.log.every((a) => a.status === 500 && a.latencyMs >= 0));
        assert.equal((await admin.post(`${base}/webhooks/${hook.id}/deliveries/${failed.id}/redeliver`)).body.code, 'webhook.inactive');
        status = 204;
        assert.equal((await admin.patch(`${base}/webhooks/${hook.id}`, { active: true })).body.disabledReason, null);
        assert.equal((await admin.post(`${base}/webhooks/${hook.id}/deliveries/${failed.id}/redeliver`)).status, 202);
        await receiver.until(() => receiver.received.length === 1);
        assert.equal(receiver.received[0]?.id, failed.id, 'redelivered with the same webhook-id');
        assert.equal(receiver.received[0]?.type, 'role.created');
      } finally {
        await receiver.close();
      }
    });
  },
  { ...quick, SWITCHBOARD_WEBHOOK_RETRY_FOR: '1' },
);

forEachEngine(
  'webhooks with a one-second timeout',
  (h) => {
    it('lets a slow receiver time out without holding up another subscription', async () => {
      const slow = await startReceiver({ answer: () => new Promise((resolve) => setTimeout(() => resolve(204), 3000)) });
      const fast = await startReceiver();
      try {
        const stuck = await subscribe(h(), slow, { eventTypes: ['group.*'] });
        await subscribe(h(), fast, { eventTypes: ['group.*'] });
        for (let i = 0; i < 20; i += 1) await h().admin.post(`${base}/groups`, { name: `slow-${i}` });
        // Counted from the last change: held up behind the slow receiver, it would wait out its timeouts.
        const started = Date.now();
        await fast.until(() => fast.received.length === 20, 5000);
        assert.ok(Date.now() - started < 1500, `the fast receiver got the last of 20 ${Date.now() - started} ms after it was made`);
        await eventually(async () => (await deliveries(h(), stuck.id)).some((d) => d.log.length > 0));
        const attempt = (await deliveries(h(), stuck.id)).flatMap((d) => d.log)[0];
        assert.equal(attempt?.status, null);
        assert.match(attempt?.error ?? '', /no answer within 1000 ms/);
        assert.ok((attempt?.latencyMs ?? 0) < 2000);
        await h().admin.patch(`${base}/webhooks/${stuck.id}`, { active: false });
      } finally {
        await slow.close();
        await fast.close();
      }
    });
  },
  { ...quick, SWITCHBOARD_WEBHOOK_TIMEOUT_MS: '1000' },
);

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine, passwordFor, type Harness } from '../../../test/harness.ts';
import { startReceiver, type Receiver } from '../../../test/webhook-receiver.ts';

const base = '/api/v1/domains/default';
const quick = {
  SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
  SWITCHBOARD_WEBHOOK_POLL_MS: '20',
  SWITCHBOARD_WEBHOOK_BACKOFF_MS: '20-200',
  SWITCHBOARD_WEBHOOK_TIMEOUT_MS: '1000',
};

async function subscribe(h: Harness, receiver: Receiver, eventTypes: string[]) {
  const created = await h.admin.post(`${base}/webhooks`, { url: receiver.url, eventTypes });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  receiver.trust(created.body.secret);
  return created.body as { id: string };
}

const eventTypesOf = async (h: Harness, id: string) =>
  ((await h.admin.get(`${base}/webhooks/${id}/deliveries?limit=500`)).body.items as { eventType: string }[]).map((d) => d.eventType);

forEachEngine(
  'webhooks of presence',
  (h) => {
    it('delivers presence.changed, signed, only to subscriptions that name it', async () => {
      const all = await startReceiver();
      const presence = await startReceiver();
      try {
        const { id: userId } = (
          await h().admin.post(`${base}/users`, { login: 'hook-agent', roles: ['agent'], password: passwordFor('hook-agent'), agent: { enabled: true } })
        ).body as { id: string };
        await h().admin.post(`${base}/pause-reasons`, { name: 'Lunch', maxDuration: 1800 });
        const everything = await subscribe(h(), all, ['*']);
        // Nobody asks for presence yet: a status change queues nothing, not even for `*`.
        assert.equal((await h().admin.post(`${base}/users/${userId}/cc/login`)).status, 200);
        assert.equal((await h().admin.put(`${base}/users/${userId}/status`, { status: 'dnd' })).status, 200);
        await h().admin.post(`${base}/webhooks/${everything.id}/ping`);
        await all.until(() => all.received.some((r) => r.type === 'webhook.ping'));
        assert.deepEqual(await eventTypesOf(h(), everything.id).then((types) => types.filter((t) => t.startsWith('presence'))), []);

        assert.equal(
          (await h().admin.post(`${base}/webhooks`, { url: presence.url, eventTypes: ['presence.updated'] })).status,
          400,
          'presence has one event type',
        );
        const hook = await subscribe(h(), presence, ['presence.changed']);
        const ann = await h().signIn('default', 'hook-agent', passwordFor('hook-agent'));
        const lunch = await ann.put(`${base}/users/${userId}/status`, { status: 'break', reason: 'lunch' });
        assert.equal(lunch.status, 200);
        assert.equal((await h().admin.put(`${base}/users/${userId}/status`, { status: 'available' })).status, 200);
        await presence.until(() => presence.received.length >= 2);
        assert.deepEqual(
          presence.received.map((r) => [r.type, r.verified, r.data.userId, r.data.dimension, r.data.status, r.data.reason, r.data.by]),
          [
            ['presence.changed', true, userId, 'status', 'break', 'Lunch', 'self'],
            ['presence.changed', true, userId, 'status', 'available', null, 'administrator'],
          ],
          'each change once, in order, with the user, the status, the reason',
        );
        assert.equal(presence.received[0]?.data.at, lunch.body.status.since, 'at: when the status changed');
        assert.equal(presence.received[0]?.data.domain, 'default');
        assert.deepEqual(await eventTypesOf(h(), hook.id), ['presence.changed', 'presence.changed']);
        // Turned off, the subscription no longer counts: the next change queues nothing.
        assert.equal((await h().admin.patch(`${base}/webhooks/${hook.id}`, { active: false })).status, 200);
        assert.equal((await h().admin.put(`${base}/users/${userId}/status`, { status: 'dnd' })).status, 200);
        assert.equal((await eventTypesOf(h(), hook.id)).length, 2);
        assert.equal((await eventTypesOf(h(), everything.id)).filter((t) => t.startsWith('presence')).length, 0, 'never through *');
      } finally {
        await all.close();
        await presence.close();
      }
    });
  },
  quick,
);

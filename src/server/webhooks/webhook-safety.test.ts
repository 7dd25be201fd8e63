import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { buildApp } from '../app.ts';
import type { Db } from '../db/schema.ts';
import { engines, forEachEngine, passwordFor, startHarness } from '../../../test/harness.ts';
import { startReceiver } from '../../../test/webhook-receiver.ts';

const base = '/api/v1/domains/default';
const quick = { SWITCHBOARD_WEBHOOK_POLL_MS: '20', SWITCHBOARD_WEBHOOK_BACKOFF_MS: '20-200', SWITCHBOARD_WEBHOOK_TIMEOUT_MS: '1000' };

forEachEngine(
  'webhook targets without SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE',
  (h) => {
    it('refuses a subscription to loopback, private, link-local, CGNAT, unspecified and mapped addresses, before any connection', async () => {
      const receiver = await startReceiver();
      try {
        const targets = [
          receiver.url,
          `http://localhost:${receiver.port}/hooks`,
          `http://[::1]:${receiver.port}/hooks`,
          `http://[::ffff:127.0.0.1]:${receiver.port}/hooks`,
          'http://10.0.0.1/hooks',
          'http://192.168.1.10/hooks',
          'http://172.16.0.1/hooks',
          'http://100.64.0.1/hooks',
          'http://169.254.169.254/latest/meta-data',
          'http://0.0.0.0/hooks',
          'http://[fc00::1]/hooks',
          'http://[fe80::1]/hooks',
          'http://224.0.0.1/hooks',
        ];
        for (const url of targets) {
          const refused = await h().admin.post(`${base}/webhooks`, { url, eventTypes: ['*'] });
          assert.equal(refused.status, 400, url);
          assert.deepEqual(
            refused.body.errors.map((e: { path: string; code: string }) => [e.path, e.code]),
            [['url', 'webhook.target_refused']],
            url,
          );
        }
        assert.equal((await h().admin.get(`${base}/webhooks`)).body.items.length, 0, 'nothing was subscribed');
        assert.equal(receiver.connections, 0, 'the receiver was never reached');
      } finally {
        await receiver.close();
      }
    });

    it('checks the address again at delivery: a subscription made while private targets were allowed gets nothing once they are not', async () => {
      const receiver = await startReceiver();
      const permissive = await buildApp({ storage: h().storage, config: { ...h().config, webhooks: { ...h().config.webhooks, allowPrivate: true } } });
      try {
        await permissive.ready();
        const created = await permissive.inject({
          method: 'POST',
          url: `${base}/webhooks`,
          headers: { authorization: `Bearer ${h().admin.token}` },
          payload: { url: receiver.url, eventTypes: ['role.*'] },
        });
        assert.equal(created.statusCode, 201, created.body);
        await permissive.close();
        const hook = created.json();
        const refused = await h().admin.patch(`${base}/webhooks/${hook.id}`, { url: `http://127.0.0.2:${receiver.port}/other` });
        assert.equal(refused.body.errors?.[0]?.code, 'webhook.target_refused', 'a change of URL is checked like a new one');
        await h().admin.post(`${base}/roles`, { name: 'rebound', permissions: ['users:read'] });
        let log: { error: string | null; status: number | null }[] = [];
        for (let i = 0; i < 200 && !log.length; i += 1) {
          log = (await h().admin.get(`${base}/webhooks/${hook.id}/deliveries`)).body.items.flatMap((d: { log: unknown[] }) => d.log);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        assert.equal(log[0]?.status, null);
        assert.match(log[0]?.error ?? '', /127\.0\.0\.1 .*not a public address/);
        assert.equal(receiver.connections, 0, 'the receiver was never reached');
        await h().admin.delete(`${base}/webhooks/${hook.id}`);
      } finally {
        await permissive.close();
        await receiver.close();
      }
    });
  },
  quick,
);

for (const engine of engines) {
  describe(`webhook secrets [${engine}]`, () => {
    it('are answered once and never found in a payload, an answer, the audit log, the log or the database in clear', async () => {
      const lines: string[] = [];
      const stream = new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) });
      const h = await startHarness(engine, { ...quick, SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true' }, { level: 'trace', stream });
      const receiver = await startReceiver();
      try {
        const created = await h.admin.post(`${base}/webhooks`, { url: receiver.url, eventTypes: ['*'] });
        assert.equal(created.status, 201);
        const rotated = await h.admin.post(`${base}/webhooks/${created.body.id}/secret`);
        assert.equal(rotated.status, 200);
        const secrets = [created.body.secret as string, rotated.body.secret as string];
        assert.notEqual(secrets[0], secrets[1]);
        receiver.trust(secrets[1] as string);
        const password = passwordFor('secretive');
        const user = await h.admin.post(`${base}/users`, { login: 'secretive', password, roles: ['agent'], sip: { extension: '1700' } });
        await h.admin.post(`${base}/webhooks/${created.body.id}/ping`);
        await receiver.until(() => receiver.received.length === 2);
        assert.ok(
          receiver.received.every((r) => r.verified),
          'signed with the new secret',
        );
        const answers = await Promise.all([
          h.admin.get(`${base}/webhooks`),
          h.admin.get(`${base}/webhooks/${created.body.id}`),
          h.admin.get(`${base}/webhooks/${created.body.id}/deliveries`),
          h.admin.get(`${base}/audit`),
        ]);
        const stored = await storedText(h.storage.db, h.config.databaseUrl);
        const deliveredText = receiver.received.map((r) => r.body + JSON.stringify(r.headers)).join();
        for (const value of [...secrets, ...secrets.map((s) => s.slice('whsec_'.length)), password, user.body.sip.secret as string]) {
          assert.equal(deliveredText.includes(value), false, `a delivery holds ${value.slice(0, 8)}…`);
          for (const answer of answers) assert.equal(JSON.stringify(answer.body).includes(value), false, `an answer holds ${value.slice(0, 8)}…`);
          assert.equal(lines.join('').includes(value), false, `the log holds ${value.slice(0, 8)}…`);
          assert.equal(stored.includes(value), false, `the database holds ${value.slice(0, 8)}…`);
        }
        assert.ok(lines.length > 0, 'the log was captured');
      } finally {
        await receiver.close();
        await h.close();
      }
    });
  });
}

/** Everything the database holds that a secret could hide in: the SQLite files byte for byte, or PostgreSQL's rows. */
async function storedText(db: Db, url: string): Promise<string> {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    return ['', '-wal']
      .map((suffix) => {
        try {
          return readFileSync(`${file}${suffix}`).toString('latin1');
        } catch {
          return '';
        }
      })
      .join('');
  }
  const tables = ['webhook_subscriptions', 'webhook_deliveries', 'webhook_attempts', 'audit_log', 'changes', 'users'];
  const dumps = await Promise.all(tables.map((t) => sql<{ row: string }>`select t::text as row from ${sql.table(t)} t`.execute(db)));
  return dumps.flatMap((d) => d.rows.map((r) => r.row)).join('\n');
}

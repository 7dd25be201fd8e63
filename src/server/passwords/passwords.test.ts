import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { engines, startHarness, userWithRoles, type Harness } from '../../../test/harness.ts';

const users = '/api/v1/domains/default/users';
const policy = '/api/v1/domains/default/password-policy';
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex').toUpperCase();

const BREACHED = 'Sunny-Meadow-Walk-31!';
const PADDED = 'Frosty-Lantern-Road-64!';
const CLEAN = 'Velvet-Thunder-Moss-17!';

/** A Have I Been Pwned range API of the test's own: knows one breach, pads with count 0. */
async function rangeServer() {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(request.url ?? '');
    const prefix = (request.url ?? '').split('/').pop() ?? '';
    const lines = ['0018A45C4D1DEF81644B54AB7F969B88D65:2'];
    for (const [password, count] of [
      [BREACHED, 42],
      [PADDED, 0],
    ] as const) {
      if (sha1(password).startsWith(prefix)) lines.push(`${sha1(password).slice(5)}:${count}`);
    }
    response.end(lines.join('\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, requests, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/range/` };
}

for (const engine of engines) {
  describe(`password policy [${engine}]`, () => {
    let h: Harness;
    let range: Awaited<ReturnType<typeof rangeServer>>;
    before(async () => {
      range = await rangeServer();
      h = await startHarness(engine, { SWITCHBOARD_PWNED_URL: range.url });
    });
    after(async () => {
      await h.close();
      range.server.close();
    });

    it('starts with the default rules and screening', async () => {
      const answer = await h.admin.get(policy);
      assert.deepEqual(answer.body, {
        minLength: 8,
        maxLength: 128,
        minLower: 1,
        minUpper: 1,
        minDigits: 1,
        minSpecial: 1,
        rejectPersonalInfo: true,
        historyCount: 5,
        minStrength: 2,
        rejectBreached: true,
      });
    });

    it('reports every failed rule at once when checking, as a form would while typing', async () => {
      const answer = await h.admin.post(`${policy}/check`, { password: 'anna', login: 'anna' });
      assert.equal(answer.status, 200);
      assert.equal(answer.body.acceptable, false);
      assert.deepEqual(
        answer.body.problems.map((p: { code: string }) => p.code),
        [
          'password.too_short',
          'password.needs_upper',
          'password.needs_digit',
          'password.needs_special',
          'password.contains_personal_info',
          'password.too_weak',
        ],
      );
      const good = await h.admin.post(`${policy}/check`, { password: CLEAN });
      assert.deepEqual([good.body.acceptable, good.body.problems], [true, []]);
    });

    it('refuses a breached password found through the range API, and accepts a clean one', async () => {
      const refused = await h.admin.post(users, { login: 'breachy', password: BREACHED, roles: ['agent'] });
      assert.equal(refused.status, 400);
      assert.deepEqual(
        refused.body.errors.map((e: { path: string; code: string }) => [e.path, e.code]),
        [['password', 'password.breached']],
      );
      assert.equal((await h.admin.post(users, { login: 'clean', password: CLEAN, roles: ['agent'] })).status, 201);
      assert.ok(
        range.requests.every((url) => /^\/range\/[0-9A-F]{5}$/.test(url)),
        'only the 5-hex prefix leaves the server',
      );
    });

    it('ignores padding lines with a count of 0', async () => {
      assert.equal((await h.admin.post(users, { login: 'padded', password: PADDED, roles: ['agent'] })).status, 201);
    });

    it('asks the range API once per prefix and then answers from its cache', async () => {
      const before = range.requests.length;
      await h.admin.post(`${policy}/check`, { password: BREACHED });
      await h.admin.post(`${policy}/check`, { password: BREACHED });
      assert.equal(range.requests.length, before);
    });

    it('enforces a changed policy on creation and on change, naming each rule', async () => {
      const stricter = await h.admin.put(policy, { minLength: 16, minSpecial: 2, historyCount: 2 });
      assert.equal(stricter.status, 200);
      assert.equal(stricter.body.minLength, 16);
      const refused = await h.admin.post(users, { login: 'strict', password: 'ShortPass-1', roles: ['agent'] });
      assert.deepEqual(
        refused.body.errors.map((e: { code: string }) => e.code),
        ['password.too_short', 'password.needs_special'],
      );
      const created = await h.admin.post(users, { login: 'strict', password: 'Long-Enough-Pass-#42', roles: ['agent'] });
      assert.equal(created.status, 201);
      const url = `${users}/${created.body.id}`;
      const second = 'Another-Long-Pass-#77';
      assert.equal((await h.admin.patch(url, { password: second })).status, 200);
      const reused = await h.admin.patch(url, { password: 'Long-Enough-Pass-#42' });
      assert.deepEqual(
        reused.body.errors.map((e: { code: string }) => e.code),
        ['password.reused'],
      );
      await h.admin.put(policy, {});
    });

    it('lets only those with security-settings:update change it, and audits it', async () => {
      const { client } = await userWithRoles(h, 'policy-reader', ['supervisor']);
      assert.equal((await client.get(policy)).status, 200);
      assert.equal((await client.put(policy, { minLength: 4 })).status, 403);
      const log = await h.admin.get('/api/v1/domains/default/audit?action=password_policy.updated');
      assert.ok(log.body.items.length >= 1);
      assert.deepEqual(log.body.items.at(-1).changes.minLength, { from: 8, to: 16 });
      assert.equal((await h.admin.put(policy, { minLength: 2 })).status, 400);
    });
  });
}

describe('breach screening when the range API is down', () => {
  for (const [failure, expected] of [
    ['open', 201],
    ['closed', 400],
  ] as const) {
    it(`fails ${failure}: ${expected === 201 ? 'lets the password through' : 'refuses it, saying why'}`, async () => {
      const h = await startHarness('sqlite', {
        SWITCHBOARD_PWNED_URL: 'http://127.0.0.1:9/range/',
        SWITCHBOARD_PWNED_FAILURE: failure,
        SWITCHBOARD_PWNED_TIMEOUT_MS: '500',
      });
      try {
        const answer = await h.admin.post(users, { login: 'unscreened', password: CLEAN, roles: ['agent'] });
        assert.equal(answer.status, expected);
        if (expected === 400)
          assert.deepEqual(
            answer.body.errors.map((e: { code: string }) => e.code),
            ['password.screening_unavailable'],
          );
      } finally {
        await h.close();
      }
    });
  }

  it('still refuses passwords of the offline list, with no range API at all', async () => {
    const file = join(tmpdir(), `switchboard-breached-${process.pid}.txt`);
    writeFileSync(file, `${sha1(BREACHED)}:42\nVelvet-Thunder-Moss-17!\n`);
    const h = await startHarness('sqlite', { SWITCHBOARD_PWNED_FILE: file });
    try {
      for (const password of [BREACHED, CLEAN]) {
        const answer = await h.admin.post(`${policy}/check`, { password });
        assert.deepEqual(
          answer.body.problems.map((p: { code: string }) => p.code),
          ['password.breached'],
          password,
        );
      }
    } finally {
      await h.close();
    }
  });
});

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { passwordFor, startHarness, type Harness } from '../../../test/harness.ts';

const users = '/api/v1/domains/default/users';

describe('the client address behind a reverse proxy (X-Forwarded-For), over real connections', () => {
  let h: Harness;
  let origin: string;
  let userId: string;

  before(async () => {
    // 127.0.0.1 is the reverse proxy; 127.0.0.2 is a client reaching the service directly.
    h = await startHarness('sqlite', { SWITCHBOARD_TRUSTED_PROXIES: '127.0.0.1/32' });
    origin = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const created = await h.admin.post(users, { login: 'branch-agent', password: passwordFor('branch-agent'), roles: ['agent'] });
    userId = created.body.id;
    // The agent may sign in from the branch office's network only.
    await h.admin.patch(`${users}/${userId}`, { security: { ipAllowList: ['198.51.100.0/24'] } });
  });
  after(() => h.close());

  const signIn = (localAddress: string, forwardedFor: string) =>
    new Promise<{ status: number; body: { code?: string } }>((resolve, reject) => {
      const body = JSON.stringify({ domain: 'default', login: 'branch-agent', password: passwordFor('branch-agent') });
      const headers = { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor };
      request(`${origin}/api/v1/auth/login`, { method: 'POST', localAddress, headers }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      })
        .on('error', reject)
        .end(body);
    });

  it('believes the trusted proxy: the forwarded client signs in and its session shows that address', async () => {
    const answer = await signIn('127.0.0.1', '203.0.113.50, 198.51.100.9');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const sessions = (await h.admin.get(`${users}/${userId}/sessions`)).body.items;
    assert.deepEqual(
      sessions.map((s: { address: string }) => s.address),
      ['198.51.100.9'],
      'the address the proxy saw, not one the client wrote before it',
    );
  });

  it('ignores X-Forwarded-For from any other peer: its own address is refused and audited', async () => {
    const answer = await signIn('127.0.0.2', '198.51.100.9');
    assert.equal(answer.status, 403);
    assert.equal(answer.body.code, 'auth.ip_not_allowed');
    const log = await h.admin.get(`/api/v1/domains/default/audit?target=${userId}&action=session.refused`);
    assert.deepEqual(log.body.items[0].changes.address, { from: null, to: '127.0.0.2' });
  });
});

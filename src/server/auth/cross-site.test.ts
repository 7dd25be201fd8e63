import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { WebSocket } from 'ws';
import { ADMIN_PASSWORD, forEachEngine } from '../../../test/harness.ts';

/** Opens a WebSocket as a browser would: the session cookie and the page's Origin; answers the upgrade's status. */
function upgrade(url: string, cookie: string, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, ['sip'], { headers: { cookie, origin } });
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

/**
 * The attacks: an event stream opened with the session cookie from https://evil.example was
 * accepted, only SameSite=Strict standing in the way; and sign-in folded the Kelvin sign (U+212A)
 * into "k", a second spelling of a login that no account may be stored under.
 */
forEachEngine('cross-site WebSockets and identifiers in normal form', (h) => {
  let base: string;
  let cookie: string;
  before(async () => {
    base = (await h().app.listen({ host: '127.0.0.1', port: 0 })).replace(/^http/, 'ws');
    const login = await h().anonymous.post('/api/v1/auth/login', { domain: 'default', login: 'admin', password: ADMIN_PASSWORD });
    cookie = String(login.headers['set-cookie']).split(';')[0] as string;
  });
  after(() => h().app.server.close());

  it('refuses a cookie-authenticated event stream opened by another site', async () => {
    assert.equal(await upgrade(`${base}/api/v1/domains/default/events`, cookie, 'https://evil.example'), 403);
    assert.equal(await upgrade(`${base}/api/v1/domains/default/events`, cookie, base.replace(/^ws/, 'http')), 101, 'the console’s own page still opens it');
  });

  it('refuses a /sip WebSocket carrying the session cookie from another site', async () => {
    assert.equal(await upgrade(`${base}/sip`, cookie, 'https://evil.example'), 403);
    assert.equal(await upgrade(`${base}/sip`, cookie, base.replace(/^ws/, 'http')), 101);
  });

  it('finds nobody for a login or domain spelled with a compatibility character', async () => {
    const kelvin = await h().admin.post('/api/v1/domains/default/users', { login: 'kate', password: 'Kelvin-Sign-Spoof-42!', roles: ['agent'] });
    assert.equal(kelvin.status, 201, JSON.stringify(kelvin.body));
    const signIn = (domain: string, login: string) => h().anonymous.post('/api/v1/auth/login', { domain, login, password: 'Kelvin-Sign-Spoof-42!' });
    assert.equal((await signIn('default', 'kate')).status, 200);
    assert.equal((await signIn('default', 'KATE')).status, 200, 'case does not matter');
    assert.equal((await signIn('default', '\u212Aate')).status, 401, 'the Kelvin sign is not K');
    assert.equal((await signIn('default', '\uFF4Bate')).status, 401, 'nor is a full-width k');
    const stored = await h().admin.post('/api/v1/domains/default/users', { login: '\u212Aate2', roles: ['agent'] });
    assert.equal(stored.status, 400, 'nor can an account be stored under it');
  });
});

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { currentCode } from '../../../test/authenticator.ts';
import { forEachEngine, passwordFor, userWithRoles } from '../../../test/harness.ts';
import { startProvider, type TestProvider } from '../../../test/oidc-provider.ts';

const base = '/api/v1/domains/default';

/** A browser's cookies: one jar for the app and the provider, as a browser keeps them per host (not per port). */
class Browser {
  readonly cookies = new Map<string, string>();

  async get(url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const gone = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0$/i.test(a));
      if (gone || pair.slice(at + 1) === '') this.cookies.delete(pair.slice(0, at));
      else this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  }
}

interface Journey {
  /** Where the app sent the browser at the end: `/` signed in, `/sign-in?sso=…` refused. */
  landing: string;
  browser: Browser;
}

/**
 * Clicks a provider's button and signs in on the provider's own form as `login`, following every
 * redirect until the app answers the callback. `tamper` may change the authorization request.
 */
async function signInWith(app: string, startUrl: string, login: string, tamper: (url: URL) => void = () => {}): Promise<Journey> {
  const browser = new Browser();
  let response = await browser.get(`${app}${startUrl}`);
  assert.equal(response.status, 302, await response.text());
  const authorization = new URL(response.headers.get('location') ?? '');
  tamper(authorization);
  let url = authorization.href;
  for (let step = 0; step < 20; step += 1) {
    response = await browser.get(url);
    if (url.startsWith(`${app}/api/v1/auth/sso/callback`)) return { landing: response.headers.get('location') ?? '', browser };
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location') ?? '', url).href;
      continue;
    }
    const page = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    assert.ok(action && /name="login"/.test(page), `expected the provider's sign-in form, got ${response.status}: ${page.slice(0, 300)}`);
    response = await browser.get(new URL(action, url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ prompt: 'login', login, password: 'whatever the provider asks' }).toString(),
    });
    url = new URL(response.headers.get('location') ?? '', url).href;
  }
  throw new Error('the sign-in did not come back to the app');
}

async function me(app: string, browser: Browser) {
  const response = await browser.get(`${app}/api/v1/me`);
  return { status: response.status, body: (await response.json()) as { user: { login: string; id: string } } };
}

forEachEngine('identity providers (OpenID Connect)', (h) => {
  let app = '';
  let provider: TestProvider;
  let created: { id: string; startUrl: string; redirectUri: string };

  before(async () => {
    app = await h().app.listen({ host: '127.0.0.1', port: 0 });
    provider = await startProvider(
      `${app}/api/v1/auth/sso/callback`,
      {
        jan: { email: 'jan@example.com', email_verified: true, given_name: 'Jan' },
        ola: { email: 'ola@gmail.example', email_verified: true },
        unverified: { email: 'jan@example.com', email_verified: false },
        stranger: { email: 'stranger@example.com', email_verified: true, given_name: 'Stan', family_name: 'Ger' },
        outsider: { email: 'jan@elsewhere.example', email_verified: true },
      },
      `${app}/sign-in`,
    );
    await h().admin.post(`${base}/users`, { login: 'jan', email: 'jan@example.com', password: passwordFor('jan'), roles: ['agent'] });
    await h().admin.post(`${base}/users`, {
      login: 'ola',
      email: 'ola@example.com',
      password: passwordFor('ola'),
      roles: ['agent'],
      integrations: { oauthEmail: 'OLA@gmail.example' },
    });
  });
  after(async () => provider?.close());

  it('adds a provider after reading its discovery document, answers the redirect URI and never the client secret', async () => {
    const response = await h().admin.post(`${base}/identity-providers`, {
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      buttonLabel: 'Company account',
      allowedEmailDomains: ['example.com', 'gmail.example'],
    });
    assert.equal(response.status, 201, JSON.stringify(response.body));
    created = response.body;
    assert.equal(new URL(created.redirectUri).pathname, '/api/v1/auth/sso/callback', 'on the origin the request came to');
    assert.equal(response.body.clientSecretSet, true);
    assert.deepEqual(response.body.justInTime, { enabled: false, roles: [], groups: [] });
    const listed = await h().admin.get(`${base}/identity-providers`);
    const audit = await h().admin.get(`${base}/audit?targetType=identity_provider`);
    const feed = await h().admin.get(`${base}/changes?limit=500`);
    assert.equal(audit.body.items[0].action, 'identity_provider.created');
    assert.equal(audit.body.items[0].changes.clientSecret.to, '********');
    assert.ok(
      feed.body.items.some((c: { action: string }) => c.action === 'identity_provider.created'),
      JSON.stringify(feed.body).slice(0, 300),
    );
    assert.doesNotMatch(JSON.stringify([response.body, listed.body, audit.body, feed.body]), new RegExp(provider.clientSecret));
    const buttons = await h().anonymous.get('/api/v1/auth/sso/default/providers');
    assert.deepEqual(buttons.body.items, [{ label: 'Company account', startUrl: `/api/v1/auth/sso/default/${created.id}/start` }]);
  });

  it('refuses a plain-http issuer off loopback, an undiscoverable one and unknown roles, listing every problem', async () => {
    const remote = await h().admin.post(`${base}/identity-providers`, {
      issuer: 'http://login.example.com',
      clientId: 'x',
      clientSecret: 'y',
      buttonLabel: 'Remote',
    });
    assert.equal(remote.status, 400);
    assert.match(JSON.stringify(remote.body.errors), /must use https/);
    const missing = await h().admin.post(`${base}/identity-providers`, {
      issuer: 'http://127.0.0.1:9/nothing',
      clientId: 'x',
      clientSecret: 'y',
      buttonLabel: 'Nothing',
      justInTime: { enabled: true, roles: ['no-such-role'] },
    });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.body.errors.map((e: { path: string }) => e.path).sort(), ['issuer', 'justInTime/roles/0']);
  });

  it('is managed only with its permission', async () => {
    const { client } = await userWithRoles(h(), 'ipviewer', ['agent']);
    assert.equal((await client.get(`${base}/identity-providers`)).status, 403);
    assert.equal((await client.post(`${base}/identity-providers`, { issuer: provider.issuer })).status, 403);
  });

  it('signs a user in with the code flow: matched by e-mail, the session cookie set, audited', async () => {
    const { landing, browser } = await signInWith(app, new URL(created.startUrl).pathname, 'jan');
    assert.equal(landing, '/');
    const signedIn = await me(app, browser);
    assert.equal(signedIn.status, 200);
    assert.equal(signedIn.body.user.login, 'jan');
    const audit = await h().admin.get(`${base}/audit?action=sso.signed_in`);
    assert.equal(audit.body.items[0].actor.login, 'jan');
  });

  it("matches the user's OAuth e-mail before the e-mail, whatever its case", async () => {
    const { landing, browser } = await signInWith(app, new URL(created.startUrl).pathname, 'ola');
    assert.equal(landing, '/');
    assert.equal((await me(app, browser)).body.user.login, 'ola');
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const { landing, browser } = await signInWith(app, new URL(created.startUrl).pathname, 'jan', (url) =>
      url.searchParams.set('nonce', 'a-nonce-of-someone-else'),
    );
    assert.match(landing, /^\/sign-in\?sso=token_rejected/);
    assert.equal((await me(app, browser)).status, 401);
  });

  it('refuses an expired ID token, though signed with the provider’s key', async () => {
    const now = Math.floor(Date.now() / 1000);
    provider.rewriteIdToken = (claims) => ({ ...claims, iat: now - 7200, exp: now - 3600 });
    try {
      const { landing } = await signInWith(app, new URL(created.startUrl).pathname, 'jan');
      assert.match(landing, /^\/sign-in\?sso=token_rejected/);
      const audit = await h().admin.get(`${base}/audit?action=sso.refused`);
      assert.match(JSON.stringify(audit.body.items[0]), /token_rejected/);
    } finally {
      provider.rewriteIdToken = null;
    }
  });

  it('accepts a token re-signed unchanged: the rewriting itself is sound', async () => {
    provider.rewriteIdToken = (claims) => claims;
    try {
      assert.equal((await signInWith(app, new URL(created.startUrl).pathname, 'jan')).landing, '/');
    } finally {
      provider.rewriteIdToken = null;
    }
  });

  it('refuses a token signed with another key', async () => {
    provider.forgeWithOtherKey = true;
    try {
      assert.match((await signInWith(app, new URL(created.startUrl).pathname, 'jan')).landing, /sso=token_rejected/);
    } finally {
      provider.forgeWithOtherKey = false;
    }
  });

  it('refuses an e-mail the provider did not verify, an unknown user and an e-mail outside the allowed domains, each audited', async () => {
    for (const [login, reason] of [
      ['unverified', 'email_unverified'],
      ['stranger', 'unknown_user'],
      ['outsider', 'email_domain_not_allowed'],
    ] as const) {
      const { landing, browser } = await signInWith(app, new URL(created.startUrl).pathname, login);
      assert.equal(landing, `/sign-in?sso=${reason}&domain=default`);
      assert.equal((await me(app, browser)).status, 401);
    }
    const refusals = await h().admin.get(`${base}/audit?action=sso.refused&limit=100`);
    const reasons = refusals.body.items.map((e: { changes: { reason: { to: string } } }) => e.changes.reason.to);
    for (const reason of ['email_unverified', 'unknown_user', 'email_domain_not_allowed', 'token_rejected'])
      assert.ok(reasons.includes(reason), reasons.join());
  });

  it('creates an unknown user at the first sign-in when just-in-time creation is on, with its roles and groups', async () => {
    await h().admin.post(`${base}/groups`, { name: 'sso-newcomers' });
    const changed = await h().admin.patch(`${base}/identity-providers/${created.id}`, {
      justInTime: { enabled: true, roles: ['agent'], groups: ['sso-newcomers'] },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    const { landing, browser } = await signInWith(app, new URL(created.startUrl).pathname, 'stranger');
    assert.equal(landing, '/');
    const user = (await me(app, browser)).body.user as unknown as Record<string, unknown>;
    assert.equal(user.login, 'stranger');
    assert.equal(user.email, 'stranger@example.com');
    assert.deepEqual([user.firstName, user.lastName, user.roles, user.groups], ['Stan', 'Ger', ['agent'], ['sso-newcomers']]);
    await h().admin.patch(`${base}/identity-providers/${created.id}`, { justInTime: { enabled: false } });
  });

  it("asks for the user's own TOTP code when the provider vouched for one factor only", async () => {
    const jan = await h().signIn('default', 'jan', passwordFor('jan'));
    const enrolment = await jan.post('/api/v1/me/totp');
    const secret = enrolment.body.secret as string;
    assert.equal((await jan.post('/api/v1/me/totp/confirm', { code: currentCode(secret) })).status, 200);
    const { landing, browser } = await signInWith(app, new URL(created.startUrl).pathname, 'jan');
    assert.equal(landing, '/sign-in?sso=second_factor&domain=default');
    assert.equal((await me(app, browser)).status, 401);
    const post = (body: object) =>
      browser.get(`${app}/api/v1/auth/sso/second-factor`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const wrong = await post({ totp: '000000' });
    assert.equal(wrong.status, 401);
    // The code of the next time step: the enrolment spent the current one.
    const right = await post({ totp: currentCode(secret, Date.now() + 30_000) });
    assert.equal(right.status, 200, await right.clone().text());
    assert.equal((await me(app, browser)).body.user.login, 'jan');
    await h().admin.delete(`${base}/users/${(await me(app, browser)).body.user.id}/totp`);
  });

  it('signs out of Switchboard and answers the provider’s logout URL', async () => {
    const { browser } = await signInWith(app, new URL(created.startUrl).pathname, 'ola');
    const out = await browser.get(`${app}/api/v1/auth/sso/logout`, { method: 'POST' });
    assert.equal(out.status, 200);
    const { logoutUrl } = (await out.json()) as { logoutUrl: string };
    const url = new URL(logoutUrl);
    assert.equal(url.origin, provider.issuer);
    assert.equal(url.searchParams.get('post_logout_redirect_uri'), `${app}/sign-in`);
    assert.equal((await me(app, browser)).status, 401);
  });

  it('refuses password sign-in to users of a role or domain that requires SSO, and lets them in through the provider', async () => {
    const policy = await h().admin.put(`${base}/sso-policy`, { required: false, requiredRoles: ['agent'] });
    assert.deepEqual(policy.body, { required: false, requiredRoles: ['agent'] });
    const refused = await h().anonymous.post('/api/v1/auth/login', { domain: 'default', login: 'ola', password: passwordFor('ola') });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'auth.sso_required');
    assert.equal((await signInWith(app, new URL(created.startUrl).pathname, 'ola')).landing, '/');
    const wrongRole = await h().admin.put(`${base}/sso-policy`, { required: true, requiredRoles: ['nope'] });
    assert.equal(wrongRole.status, 400);
    await h().admin.put(`${base}/sso-policy`, { required: false, requiredRoles: [] });
    assert.equal((await h().anonymous.post('/api/v1/auth/login', { domain: 'default', login: 'ola', password: passwordFor('ola') })).status, 200);
  });

  it('removes a provider: its button goes away and its start refuses', async () => {
    assert.equal((await h().admin.delete(`${base}/identity-providers/${created.id}`)).status, 204);
    assert.deepEqual((await h().anonymous.get('/api/v1/auth/sso/default/providers')).body.items, []);
    const start = await fetch(`${app}${new URL(created.startUrl).pathname}`, { redirect: 'manual' });
    assert.equal(start.headers.get('location'), '/sign-in?sso=provider_unknown&domain=default');
  });
});

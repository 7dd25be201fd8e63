import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** Someone the test provider knows: signing in with the login `id` (any password) answers these claims. */
export interface TestAccount {
  email?: string;
  email_verified?: boolean;
  preferred_username?: string;
  given_name?: string;
  family_name?: string;
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /**
   * Changes the claims of the next ID tokens the token endpoint answers, signed again with the
   * provider's own key: what a provider with a wrong clock or a forger holding its key would send.
   */
  rewriteIdToken: ((claims: Record<string, unknown>) => Record<string, unknown>) | null;
  /** Signs the next ID tokens with a key that is not in the provider's JWKS. */
  forgeWithOtherKey: boolean;
  close(): Promise<void>;
}

/**
 * A real OpenID Connect provider (`oidc-provider`) on 127.0.0.1 and a free port, with its own
 * development sign-in form (any password), one confidential client for `redirectUri`, PKCE
 * required, and consent taken as given so the form is the only step.
 */
export async function startProvider(redirectUri: string, accounts: Record<string, TestAccount>, postLogoutRedirectUri?: string): Promise<TestProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state: TestProvider = {
    issuer,
    clientId: 'switchboard',
    clientSecret: 'a-client-secret-of-the-test-provider-0123456789',
    rewriteIdToken: null,
    forgeWithOtherKey: false,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-provider', alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    jwks: { keys: [signingKey] },
    clients: [
      {
        client_id: state.clientId,
        client_secret: state.clientSecret,
        redirect_uris: [redirectUri],
        post_logout_redirect_uris: postLogoutRedirectUri ? [postLogoutRedirectUri] : [],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    cookies: { keys: ['test-provider-cookie-key'] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['preferred_username', 'given_name', 'family_name'] },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    pkce: { required: () => true },
    ttl: { IdToken: 3600, AccessToken: 600, AuthorizationCode: 60, Session: 3600, Interaction: 600, Grant: 3600 },
    findAccount: (_ctx, id) => {
      const account = accounts[id];
      return account ? { accountId: id, claims: () => ({ sub: id, ...account }) } : undefined;
    },
    // Consent as given: every scope the client asks for.
    loadExistingGrant: async (ctx) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId || !ctx.oidc.client) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  provider.on('server_error', (_ctx, error) => console.error('test provider error', error));
  const handle = provider.callback();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const rewrite = state.rewriteIdToken ?? (state.forgeWithOtherKey ? (claims: Record<string, unknown>) => claims : null);
    const key = state.forgeWithOtherKey ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey : createPrivateKey({ key: signingKey, format: 'jwk' });
    if (rewrite && request.method === 'POST' && request.url === '/token') rewriteTokenResponse(response, rewrite, key);
    handle(request, response);
  });
  return state;
}

/** Re-signs the ID token of a token response (RS256 with the provider's key) after `rewrite` changed its claims. */
function rewriteTokenResponse(response: ServerResponse, rewrite: (claims: Record<string, unknown>) => Record<string, unknown>, key: KeyObject) {
  const end = response.end.bind(response) as (body?: unknown) => ServerResponse;
  response.end = ((body?: unknown) => {
    const answer = JSON.parse(String(body)) as { id_token?: string };
    if (answer.id_token) {
      const [header = '', payload = ''] = answer.id_token.split('.');
      const claims = rewrite(JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>);
      const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      answer.id_token = `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
    }
    const text = JSON.stringify(answer);
    response.setHeader('content-length', Buffer.byteLength(text));
    return end(text);
  }) as typeof response.end;
}

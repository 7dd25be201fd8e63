import * as oidc from 'openid-client';
import { isLoopbackHost, type IdentityClaims } from './rules.ts';

/** What Switchboard keeps between sending a browser to the provider and its return. */
export interface PendingSignIn {
  providerId: string;
  domainId: string;
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
  expiresAt: number;
}

export interface ProviderClient {
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

/** A provider the discovery could not read, or that answered something unusable. */
export class ProviderUnreachable extends Error {}

/**
 * The provider's configuration from its discovery document. ID tokens are checked against the
 * provider's JWKS (non-repudiation checks), besides `iss`, `aud`, `exp` and `nonce`; plain http
 * is allowed only to a loopback issuer.
 */
async function configure(client: ProviderClient): Promise<oidc.Configuration> {
  const issuer = new URL(client.issuer);
  const insecure = issuer.protocol === 'http:' && isLoopbackHost(issuer.hostname);
  try {
    const config = await oidc.discovery(
      issuer,
      client.clientId,
      undefined,
      oidc.ClientSecretPost(client.clientSecret),
      insecure ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
    );
    oidc.enableNonRepudiationChecks(config);
    return config;
  } catch (error) {
    throw new ProviderUnreachable(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** Reads the discovery document, to refuse a provider that cannot work before anyone tries to sign in with it. */
export async function checkDiscovery(client: ProviderClient): Promise<void> {
  await configure(client);
}

/** The authorization request (code flow, PKCE S256, state and nonce) and what to keep until the browser returns. */
export async function beginSignIn(client: ProviderClient, pending: Pick<PendingSignIn, 'providerId' | 'domainId' | 'redirectUri'>, ttlMs: number) {
  const config = await configure(client);
  const codeVerifier = oidc.randomPKCECodeVerifier();
  const kept: PendingSignIn = {
    ...pending,
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    codeVerifier,
    expiresAt: Date.now() + ttlMs,
  };
  const scope = [...new Set(['openid', ...client.scopes])].join(' ');
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: pending.redirectUri,
    scope,
    state: kept.state,
    nonce: kept.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
  });
  return { url: url.href, pending: kept };
}

/** A provider's answer that does not sign anyone in: a refused grant, a bad token, a wrong nonce or state. */
export class SignInRejected extends Error {}

/** Exchanges the code and checks the ID token; answers its claims. */
export async function finishSignIn(client: ProviderClient, pending: PendingSignIn, callbackUrl: URL): Promise<IdentityClaims> {
  const config = await configure(client);
  try {
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims() as IdentityClaims | undefined;
    if (!claims) throw new SignInRejected('the provider sent no ID token');
    return await withUserInfo(config, tokens.access_token, claims);
  } catch (error) {
    if (error instanceof SignInRejected) throw error;
    throw new SignInRejected(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/**
 * Providers that keep the ID token small (the code flow's default in some) answer e-mail and
 * names from the UserInfo endpoint only: those fill what the ID token left out, for the same subject.
 */
async function withUserInfo(config: oidc.Configuration, accessToken: string, claims: IdentityClaims): Promise<IdentityClaims> {
  const named = claims.email !== undefined || claims.preferred_username !== undefined || claims.upn !== undefined;
  if (named || !config.serverMetadata().userinfo_endpoint) return claims;
  const info = (await oidc.fetchUserInfo(config, accessToken, claims.sub)) as Partial<IdentityClaims>;
  return { ...info, ...claims };
}

/** The provider's RP-initiated logout URL, when it has an end_session_endpoint. */
export async function endSessionUrl(client: ProviderClient, postLogoutRedirectUri: string): Promise<string | null> {
  const config = await configure(client);
  if (!config.serverMetadata().end_session_endpoint) return null;
  return oidc.buildEndSessionUrl(config, { client_id: client.clientId, post_logout_redirect_uri: postLogoutRedirectUri }).href;
}

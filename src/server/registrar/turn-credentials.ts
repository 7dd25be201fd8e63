import { createHmac } from 'node:crypto';

/**
 * TURN REST credentials (the scheme of coturn's `use-auth-secret`): the username is the expiry
 * time and the user, the credential an HMAC-SHA1 of it with the shared secret, so TURN needs no
 * per-user state and a leaked credential dies by itself.
 */
export function turnCredential(secret: string, user: string, expiresAt: number) {
  const username = `${Math.floor(expiresAt / 1000)}:${user}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

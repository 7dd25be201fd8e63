import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isPublicAddress } from './rules.ts';

/** Where a delivery connects: the address checked, to which the connection is pinned. */
export interface Target {
  address: string;
  family: 4 | 6;
}

export class TargetRefused extends Error {}

/**
 * Resolves the URL's host and checks every address it has, so a name with one public and one
 * private address is refused too. Answers the address to connect to: DNS may answer otherwise
 * a moment later (rebinding), so the connection goes to this one and no other.
 */
export async function resolveTarget(url: URL, allowPrivate: boolean): Promise<Target> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true }).catch(() => []);
  if (!addresses.length) throw new TargetRefused(`${host} does not resolve`);
  const refused = allowPrivate ? undefined : addresses.find((a) => !isPublicAddress(a.address));
  if (refused) throw new TargetRefused(`${host} resolves to ${refused.address}, which is not a public address`);
  const first = addresses[0] as { address: string; family: number };
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

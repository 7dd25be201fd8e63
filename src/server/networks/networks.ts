import ipaddr from 'ipaddr.js';

/**
 * Whether an address is inside any of the networks; an empty list allows every address.
 * IPv4 addresses seen as IPv6 (`::ffff:192.0.2.1`) count as IPv4.
 */
export function addressAllowed(address: string, networks: string[]): boolean {
  if (networks.length === 0) return true;
  if (!ipaddr.isValid(address)) return false;
  const ip = ipaddr.process(address);
  return networks.some((network) => {
    const [range, bits] = network.includes('/') ? ipaddr.parseCIDR(network) : [ipaddr.process(network), ipaddr.process(network).kind() === 'ipv4' ? 32 : 128];
    return range.kind() === ip.kind() && ip.match(range, bits);
  });
}

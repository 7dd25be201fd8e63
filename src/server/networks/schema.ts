import { z } from 'zod';

/** An address or network (a user's sign-in allow-list, a SIP account's ACL); a bare address means that address alone. */
export const allowedNetwork = z.union([z.cidrv4(), z.cidrv6(), z.ipv4(), z.ipv6()], 'An IPv4 or IPv6 address or CIDR, such as 192.0.2.0/24 or 2001:db8::/32');

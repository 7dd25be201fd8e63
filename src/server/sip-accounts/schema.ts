import { z } from 'zod';
import { alphanumericSender, e164 } from '../identifiers/phone-numbers.ts';
import { allowedNetwork } from '../networks/schema.ts';
import { domainName } from '../domains/schema.ts';

/** An internal number: 1–15 digits. */
export const extension = z.string().regex(/^[0-9]{1,15}$/, '1 to 15 digits');

/**
 * A range's ends are compared as numbers, which only digits are (BigInt throws on anything
 * else): those checks wait until both ends are extensions, whose own problems are reported.
 */
export const bothEndsAreExtensions = ({ value }: z.core.ParsePayload): boolean => {
  if (typeof value !== 'object' || value === null) return false;
  const range = value as { from?: unknown; to?: unknown };
  return extension.safeParse(range.from).success && extension.safeParse(range.to).success;
};

const sipUsername = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'Latin letters, digits, dots, underscores and hyphens; at most 64');

/** A secret chosen by an administrator; generated ones have 144 random bits. */
export const sipSecret = z
  .string()
  .min(12, 'At least 12 characters')
  .max(128, 'At most 128 characters')
  .regex(/^[\x21-\x7e]+$/, 'Printable ASCII without spaces')
  .describe('Write-only. Generated when a new one is needed and none is given, and then shown once');

export const voicemailPin = z
  .string()
  .regex(/^[0-9]{4,10}$/, '4 to 10 digits')
  .describe('Write-only; stored hashed');

const sipUri = z
  .string()
  .max(255)
  .regex(
    /^sips?:(?:[A-Za-z0-9._~!$&'()*+,;=%-]+(?::[^@\s]*)?@)?(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?(?:;[^\s?]*)?(?:\?\S*)?$/,
    'A sip: or sips: URI such as sip:trunk@pbx.example.com:5060',
  );

const presentationNumber = z.union([e164, alphanumericSender], 'An E.164 number or an alphanumeric sender ID of at most 11 characters');

const uniqueValues = <T extends z.ZodType<string>>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .refine((list) => new Set(list).size === list.length, 'Values repeat');

export const callerIdInput = z.strictObject({
  name: z.string().trim().max(64).nullable().default(null).describe('Caller ID name shown to the called party'),
  number: e164.nullable().default(null).describe('Caller ID number, E.164'),
  callNumbers: uniqueValues(e164, 200).default([]).describe("Numbers of the domain's inventory (voice-capable) the user may present on calls"),
  smsSenders: uniqueValues(presentationNumber, 200).default([]).describe("SMS-capable numbers or sender IDs of the domain's inventory the user may send from"),
});

/** A SIP account as written in full (create, PUT): absent fields take their defaults. */
export const sipInput = z.strictObject({
  extension: extension
    .nullable()
    .default(null)
    .describe("The user's own extension; when absent on a static account, the lowest free one of the domain's range"),
  username: sipUsername.nullable().default(null).describe('SIP auth user; defaults to the extension (to the login for hot-desking accounts)'),
  secret: sipSecret.optional(),
  assignment: z.enum(['static', 'dynamic']).default('static').describe("static: the extension is the user's; dynamic: the user signs in to a hot desk"),
  connection: z.enum(['webrtc', 'pbx', 'custom']).default('webrtc'),
  customUri: sipUri.nullable().default(null).describe('Where calls go when connection is custom'),
  authAcl: z.array(allowedNetwork).max(100).default([]).describe('Networks the phone may register from; empty: anywhere'),
  stun: z.boolean().nullable().default(null).describe("Use STUN/TURN; null: the domain's default"),
  voicemail: z.strictObject({ enabled: z.boolean().default(false), pin: voicemailPin.nullable().optional() }).default({ enabled: false }),
  callerId: callerIdInput.default({ name: null, number: null, callNumbers: [], smsSenders: [] }),
  virtualExtension: extension.nullable().default(null).describe('A second number that rings this user'),
});

/** In a user PATCH: only the fields given change. */
export const sipPatch = z.strictObject({
  ...sipInput.shape,
  extension: extension.nullable().optional(),
  username: sipUsername.nullable().optional(),
  assignment: z.enum(['static', 'dynamic']).optional(),
  connection: z.enum(['webrtc', 'pbx', 'custom']).optional(),
  customUri: sipUri.nullable().optional(),
  authAcl: z.array(allowedNetwork).max(100).optional(),
  stun: z.boolean().nullable().optional(),
  voicemail: z.strictObject({ enabled: z.boolean().optional(), pin: voicemailPin.nullable().optional() }).optional(),
  callerId: callerIdInput.partial().optional(),
  virtualExtension: extension.nullable().optional(),
});

export const sipView = z.object({
  extension: z.string().nullable(),
  username: z.string(),
  secret: z.string().optional().describe('Only in the answer of the write that generated it'),
  secretStatus: z
    .enum(['current', 'renew', 'md5-only'])
    .describe(
      "renew: the domain's realm changed since the secret was set, so a new one is needed. md5-only: the account was brought from another system with its MD5 digests alone (its phones keep their password); it is challenged with MD5 only, even where the domain offers SHA-256, until a new secret is set, which gives it SHA-256 digests too",
    ),
  assignment: z.enum(['static', 'dynamic']),
  desk: z.string().nullable().describe('The hot desk a dynamic account is signed in to'),
  connection: z.enum(['webrtc', 'pbx', 'custom']),
  customUri: z.string().nullable(),
  authAcl: z.array(z.string()),
  stun: z.boolean().describe('Effective: the own choice or the domain default'),
  iceServers: z.array(z.string()).describe("The domain's STUN and TURN servers when stun is on"),
  voicemail: z.object({ enabled: z.boolean(), pinSet: z.boolean() }),
  callerId: z.object({ name: z.string().nullable(), number: z.string().nullable(), callNumbers: z.array(z.string()), smsSenders: z.array(z.string()) }),
  virtualExtension: z.string().nullable(),
  inherited: z.array(z.string()).describe('Fields that follow the domain default'),
});

const iceUri = (schemes: string) =>
  z
    .string()
    .max(255)
    .regex(
      new RegExp(`^(?:${schemes}):[A-Za-z0-9.\\-\\[\\]:]+(?:\\?transport=(?:udp|tcp))?$`),
      `A ${schemes.replace('|', ' or ')} URI such as ${schemes.split('|')[0]}:host:3478`,
    );

/** Per domain: where new extensions come from and how phones traverse NAT. */
export const sipSettings = z
  .strictObject({
    extensionRange: z
      .strictObject({ from: extension, to: extension })
      .refine((r) => r.from.length === r.to.length, { message: 'from and to have the same number of digits', when: bothEndsAreExtensions })
      .refine((r) => BigInt(r.from) <= BigInt(r.to), {
        path: ['to'],
        message: "The range ends before it starts: 'to' must not be below 'from'",
        when: bothEndsAreExtensions,
      })
      .default({ from: '1000', to: '9999' }),
    digestAlgorithms: z
      .array(z.enum(['MD5', 'SHA-256']))
      .min(1)
      .max(2)
      .refine((list) => new Set(list).size === list.length, 'Algorithms repeat')
      .default(['MD5'])
      .describe(
        'Digest challenges offered, in this order (RFC 8760). MD5 alone by default: SIPp answers the first challenge and JsSIP the last, and both speak only MD5; add SHA-256 when every phone of the domain picks its challenge well',
      ),
    hostAliases: z.array(domainName).max(20).default([]).describe('Other host names phones register to (the To URI host) besides the realm'),
    stun: z.boolean().default(true).describe('Default of the accounts whose stun is null'),
    stunServers: z.array(iceUri('stun|stuns')).max(10).default([]),
    turnServers: z.array(iceUri('turn|turns')).max(10).default([]),
  })
  .describe('Absent fields take their defaults');

export const hotDeskCreate = z.strictObject({ extension, description: z.string().trim().max(200).nullable().optional() });
export const hotDeskView = z.object({
  extension: z.string(),
  description: z.string().nullable(),
  occupiedBy: z.object({ id: z.string(), login: z.string(), since: z.string() }).nullable(),
});
export const signInView = z.object({ extension: z.string(), signedInAt: z.string(), signedOutAt: z.string().nullable(), signedOutBy: z.string().nullable() });

export type SipPatch = z.infer<typeof sipPatch>;
export type SipView = z.infer<typeof sipView>;
export type SecretStatus = SipView['secretStatus'];
export type SipSettings = z.infer<typeof sipSettings>;
export const defaultSipSettings: SipSettings = sipSettings.parse({});

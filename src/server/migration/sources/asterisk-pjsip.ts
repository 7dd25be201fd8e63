import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import ipaddr from 'ipaddr.js';
import type { MigrationSource, SourceItem } from '../entry.ts';
import { allValues, lastValue, type ConfigSection } from './asterisk-config.ts';
import { loadConfigFile } from './asterisk-files.ts';
import { mailboxNamed, mailboxesOf, type Mailbox } from './asterisk-voicemail.ts';
import { compactEntry, isNumeric, type SourceProblem } from './entry-fields.ts';
import { openSourceFolder, originOf, sourcePathKind, type SourceFolder } from './source-folder.ts';

/**
 * Asterisk's PJSIP accounts: one entry per `type=endpoint` that names an `auth=` (an endpoint
 * without one is a trunk matched by address, not a phone). The auth gives the user name and the
 * secret (`userpass` in clear, `md5` as its `md5_cred` HA1); voicemail.conf the PIN, the name and
 * the e-mail of the endpoint's mailbox; `permit` and acl.conf's named lists the networks.
 */
export function readAsteriskConfig(path: string): MigrationSource {
  const kind = sourcePathKind(
    path,
    ['folder', 'archive', 'file'],
    'an Asterisk configuration folder holding pjsip.conf, a pjsip.conf, or a .tar.gz of the folder',
  );
  return read(path, kind);
}

const pjsipConf = 'pjsip.conf';

async function* read(path: string, kind: 'folder' | 'archive' | 'file'): AsyncGenerator<SourceItem> {
  const folder: SourceFolder =
    kind === 'file'
      ? { root: realpathSync(dirname(path)), close: async () => {} }
      : await openSourceFolder(path, kind, (candidate) => existsSync(join(candidate, pjsipConf)));
  try {
    const main = kind === 'file' ? basename(path) : pjsipConf;
    if (!existsSync(join(folder.root, main))) throw new Error(`${path} holds no ${pjsipConf}: give the folder Asterisk reads its configuration from.`);
    const pjsip = await loadConfigFile(folder.root, main);
    const voicemail = await optionalConfig(folder.root, 'voicemail.conf');
    const acl = await optionalConfig(folder.root, 'acl.conf');
    yield* [...pjsip.problems, ...voicemail.problems, ...acl.problems].map((problem) => ({ problem }));
    const objects = new PjsipObjects(pjsip.sections, mailboxesOf(voicemail.sections), acl.sections);
    for (const endpoint of objects.endpoints()) {
      const item = objects.itemOf(endpoint, originOf(folder.root, endpoint.at.file));
      if (item) yield item;
    }
  } finally {
    await folder.close();
  }
}

async function optionalConfig(root: string, name: string): Promise<{ sections: ConfigSection[]; problems: SourceProblem[] }> {
  return existsSync(join(root, name)) ? loadConfigFile(root, name) : { sections: [], problems: [] };
}

class PjsipObjects {
  /** Objects by type, then by name (the first of a name counts, as Asterisk's sorcery keeps it). */
  private readonly byType = new Map<string, Map<string, ConfigSection>>();

  constructor(
    private readonly sections: ConfigSection[],
    private readonly mailboxes: Map<string, Mailbox>,
    private readonly acls: ConfigSection[],
  ) {
    // Templates are not objects, and a section's type may come from its template.
    for (const section of sections.filter(({ template }) => !template)) {
      const type = lastValue(section, 'type') ?? '';
      const named = this.byType.get(type) ?? new Map<string, ConfigSection>();
      if (!named.has(section.name)) named.set(section.name, section);
      this.byType.set(type, named);
    }
  }

  endpoints(): ConfigSection[] {
    return this.sections.filter((section) => !section.template && lastValue(section, 'type') === 'endpoint');
  }

  private object(type: string, name: string): ConfigSection | undefined {
    return this.byType.get(type)?.get(name);
  }

  itemOf(endpoint: ConfigSection, file: string): SourceItem | undefined {
    const authName = allValues(endpoint, 'auth')[0];
    if (authName === undefined) return undefined;
    const origin = `${file}, endpoint ${endpoint.name}`;
    const auth = this.object('auth', authName);
    const secret = auth ? secretOf(auth) : { problem: `auth=${authName} names no type=auth section` };
    const networks = this.networksOf(endpoint);
    const problems = [...endpoint.problems, ...(auth?.problems ?? []), ...('problem' in secret ? [secret.problem] : []), ...networks.problems];
    if (problems.length > 0 || 'problem' in secret || !auth) return { problem: { origin, message: problems.join('; ') } };
    const mailbox = this.mailboxOf(endpoint);
    return {
      entry: compactEntry({
        origin,
        username: lastValue(auth, 'username') || endpoint.name,
        extension: isNumeric(endpoint.name) ? endpoint.name : undefined,
        realm: lastValue(auth, 'realm') || undefined,
        firstName: mailbox?.firstName,
        lastName: mailbox?.lastName,
        email: mailbox?.email,
        sip: secret,
        voicemail: mailbox ? { enabled: true, pin: mailbox.pin } : undefined,
        callerId: callerIdOf(lastValue(endpoint, 'callerid')),
        authAcl: networks.cidrs,
      }),
    };
  }

  /** The endpoint's mailbox, named on the endpoint or on one of its AORs. */
  private mailboxOf(endpoint: ConfigSection): Mailbox | undefined {
    const aors = allValues(endpoint, 'aors');
    const named = [endpoint, ...aors.map((name) => this.object('aor', name))].flatMap((section) => (section ? allValues(section, 'mailboxes') : []));
    return named.map((name) => mailboxNamed(this.mailboxes, name)).find(Boolean);
  }

  /**
   * The networks the endpoint may register from: its `permit`s and those of the acl.conf lists its
   * `acl` names. `deny` is not carried (Switchboard's auth ACL is an allow-list); an ACL that cannot
   * be read is a problem, as dropping it would open the account to every network.
   */
  private networksOf(endpoint: ConfigSection): { cidrs: string[]; problems: string[] } {
    const problems: string[] = [];
    const permits = [...allValues(endpoint, 'permit')];
    for (const name of allValues(endpoint, 'acl')) {
      const list = this.acls.find((section) => section.name === name && !section.template);
      if (list) permits.push(...allValues(list, 'permit'));
      else problems.push(`acl=${name} names no list in acl.conf`);
    }
    const cidrs = permits.flatMap((permit) => {
      const cidr = cidrOf(permit);
      if (cidr === undefined) problems.push(`permit ${permit} is not an address or a network`);
      return cidr === undefined ? [] : [cidr];
    });
    return { cidrs, problems };
  }
}

/** The auth's secret as the entry carries it, or why it cannot be carried (never the secret itself). */
function secretOf(auth: ConfigSection): { password: string } | { ha1Md5: string } | { problem: string } {
  const type = lastValue(auth, 'auth_type') || 'userpass';
  if (type === 'userpass') {
    const password = lastValue(auth, 'password');
    return password ? { password } : { problem: `auth ${auth.name} has no password` };
  }
  if (type === 'md5') {
    const digest = lastValue(auth, 'md5_cred') ?? '';
    return /^[0-9a-fA-F]{32}$/.test(digest) ? { ha1Md5: digest.toLowerCase() } : { problem: `auth ${auth.name} has no md5_cred of 32 hexadecimal digits` };
  }
  return { problem: `auth ${auth.name} is auth_type=${type}, which holds no SIP secret to move` };
}

/** `"Anna Nowak" <1001>`, `Anna Nowak <1001>`, `<1001>` or a bare number or name, as Asterisk parses a caller ID. */
function callerIdOf(value: string | undefined): { name?: string; number?: string } | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const bracket = /^(.*?)\s*<([^>]*)>\s*$/.exec(value.trim());
  const unquote = (text: string) =>
    text
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim() || undefined;
  if (bracket) return { name: unquote(bracket[1] ?? ''), number: bracket[2]?.trim() || undefined };
  return /^[0-9+*#]+$/.test(value.trim()) ? { number: value.trim() } : { name: unquote(value) };
}

/** `192.0.2.0/255.255.255.0`, `192.0.2.0/24` or a lone address, in CIDR form; undefined when it is none of them. */
function cidrOf(permit: string): string | undefined {
  const [address = '', mask, ...rest] = permit.split('/');
  // Only the written forms of an address: ipaddr.js would also take `10` as 0.0.0.10.
  if (rest.length > 0 || !(ipaddr.IPv4.isValidFourPartDecimal(address) || ipaddr.IPv6.isValid(address))) return undefined;
  const bits = ipaddr.parse(address).kind() === 'ipv4' ? 32 : 128;
  if (mask === undefined) return `${address}/${bits}`;
  if (/^\d+$/.test(mask)) return Number(mask) <= bits ? `${address}/${Number(mask)}` : undefined;
  const prefix = ipaddr.IPv4.isValidFourPartDecimal(mask) ? ipaddr.IPv4.parse(mask).prefixLengthFromSubnetMask() : null;
  return prefix === null || bits !== 32 ? undefined : `${address}/${prefix}`;
}

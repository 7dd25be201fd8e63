import type { Db } from '../db/schema.ts';
import type { DirectoryCache } from '../directory-cache.ts';
import { sipDomainByHost } from '../registrar/store.ts';
import { freeswitchAccount } from './store.ts';

const escape = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const document = (section: string) => `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<document type="freeswitch/xml">\n${section}\n</document>\n`;
export const notFoundXml = document('  <section name="result">\n    <result status="not found"/>\n  </section>');

/**
 * The directory document for one user of a SIP domain (by host): its digest hash, auth ACL,
 * caller ID variables and virtual extension; null when there is no such active user.
 */
export async function directoryXml(db: Db, cache: DirectoryCache, host: string, user: string): Promise<string | null> {
  const domain = await sipDomainByHost(db, cache, host);
  if (!domain) return null;
  const realm = domain.realm;
  const account = await freeswitchAccount(db, domain.id, user);
  // Digests made for an older realm would not match: such an account waits for its new secret.
  if (!account || account.realm !== realm) return null;
  const acl = (JSON.parse(account.auth_acl) as string[]).map((cidr) => `          <param name="auth-acl" value="${escape(cidr)}"/>`);
  const name = account.caller_id_name ?? (`${account.first_name} ${account.last_name}`.trim() || account.username);
  const number = account.extension ?? account.username;
  const variables = [
    ['user_context', domain.name],
    ['effective_caller_id_name', name],
    ['effective_caller_id_number', number],
    ...(account.caller_id_number
      ? [
          ['outbound_caller_id_name', name],
          ['outbound_caller_id_number', account.caller_id_number],
        ]
      : []),
  ].map(([key, value]) => `          <variable name="${key}" value="${escape(value as string)}"/>`);
  const alias = account.virtual_extension ? ` number-alias="${escape(account.virtual_extension)}"` : '';
  return document(
    [
      '  <section name="directory">',
      `    <domain name="${escape(realm)}">`,
      `      <user id="${escape(account.username)}"${alias}>`,
      '        <params>',
      `          <param name="a1-hash" value="${account.ha1_md5}"/>`,
      ...acl,
      '        </params>',
      '        <variables>',
      ...variables,
      '        </variables>',
      '      </user>',
      '    </domain>',
      '  </section>',
    ].join('\n'),
  );
}

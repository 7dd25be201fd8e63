import { identifierKey } from '../identifiers/normal-form.ts';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../db/schema.ts';
import { Problem } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { sipDomainByHost } from '../registrar/store.ts';
import type { DirectoryCache } from '../directory-cache.ts';

/** What FreeSWITCH's mod_xml_curl posts for a directory look-up (among many other fields). */
const directoryRequest = z.looseObject({
  section: z.string().optional(),
  action: z.string().optional(),
  user: z.string().max(128).optional(),
  domain: z.string().max(253).optional(),
  key_value: z.string().max(253).optional(),
});

const escape = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const document = (section: string) => `<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<document type="freeswitch/xml">\n${section}\n</document>\n`;
const notFoundXml = document('  <section name="result">\n    <result status="not found"/>\n  </section>');

/**
 * The directory for FreeSWITCH (mod_xml_curl, binding `directory`): the user behind a REGISTER or
 * a `user/` dial string, with its digest hash (`a1-hash`: FreeSWITCH never sees the secret), auth
 * ACL, caller ID variables and the virtual extension as `number-alias`. Protected by HTTP basic
 * auth whose password is SWITCHBOARD_FREESWITCH_SECRET; off (404) without one.
 */
export function freeswitchRoutes(router: Router, { db, config, cache }: Deps): void {
  router.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
    scope.post('/integrations/freeswitch/directory', {
      // Not a user's route: FreeSWITCH authenticates with the shared secret, checked below.
      config: { access: { public: true } },
      schema: { hide: true, body: directoryRequest },
      handler: async (request, reply) => {
        if (!config.freeswitchSecret) throw new Problem(404, 'resource.not_found', 'The FreeSWITCH integration is off');
        if (!basicAuthMatches(request.headers.authorization, config.freeswitchSecret)) {
          return reply.code(401).header('www-authenticate', 'Basic realm="switchboard-freeswitch"').type('text/plain').send('unauthorized');
        }
        const { section, user, domain, key_value } = request.body as z.infer<typeof directoryRequest>;
        const host = domain ?? key_value;
        const [hostKey, userKey] = [identifierKey(host ?? ''), identifierKey(user ?? '')];
        const xml = section === 'directory' && userKey && hostKey ? await directoryXml(db, cache, hostKey, userKey) : null;
        return reply.type('text/xml').send(xml ?? notFoundXml);
      },
    });
  });
}

function basicAuthMatches(header: string | undefined, secret: string): boolean {
  const match = header?.match(/^Basic\s+([A-Za-z0-9+/=]+)$/i);
  if (!match) return false;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const password = Buffer.from(decoded.slice(decoded.indexOf(':') + 1));
  const expected = Buffer.from(secret);
  return password.length === expected.length && timingSafeEqual(password, expected);
}

async function directoryXml(db: Db, cache: DirectoryCache, host: string, user: string): Promise<string | null> {
  const domain = await sipDomainByHost(db, cache, host);
  if (!domain) return null;
  const realm = domain.realm;
  const account = await db
    .selectFrom('sip_accounts as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.username', 's.extension', 's.virtual_extension', 's.ha1_md5', 's.realm', 's.auth_acl', 's.caller_id_name', 's.caller_id_number', 'u.first_name', 'u.last_name'])
    .where('s.domain_id', '=', domain.id)
    .where((eb) => eb.or([eb('s.username_key', '=', user), eb('s.extension', '=', user)]))
    .where('u.active', '=', 1)
    .where('u.deleted_at', 'is', null)
    .executeTakeFirst();
  // Digests made for an older realm would not match: such an account waits for its new secret.
  if (!account || account.realm !== realm) return null;
  const acl = (JSON.parse(account.auth_acl) as string[]).map((cidr) => `          <param name="auth-acl" value="${escape(cidr)}"/>`);
  const name = account.caller_id_name ?? (`${account.first_name} ${account.last_name}`.trim() || account.username);
  const number = account.extension ?? account.username;
  const variables = [
    ['user_context', domain.name],
    ['effective_caller_id_name', name],
    ['effective_caller_id_number', number],
    ...(account.caller_id_number ? [['outbound_caller_id_name', name], ['outbound_caller_id_number', account.caller_id_number]] : []),
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

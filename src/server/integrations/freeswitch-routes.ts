import { identifierKey } from '../identifiers/normal-form.ts';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { Problem } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { directoryXml, notFoundXml } from './freeswitch-directory.ts';

/** What FreeSWITCH's mod_xml_curl posts for a directory look-up (among many other fields). */
const directoryRequest = z.looseObject({
  section: z.string().optional(),
  action: z.string().optional(),
  user: z.string().max(128).optional(),
  domain: z.string().max(253).optional(),
  key_value: z.string().max(253).optional(),
});

/**
 * The directory for FreeSWITCH (mod_xml_curl, binding `directory`): the user behind a REGISTER or
 * a `user/` dial string, with its digest hash (`a1-hash`: FreeSWITCH never sees the secret), auth
 * ACL, caller ID variables and the virtual extension as `number-alias`. Protected by HTTP basic
 * auth whose password is SWITCHBOARD_FREESWITCH_SECRET; off (404) without one.
 */
export function freeswitchRoutes(router: Router, { db, config, cache }: Deps): void {
  router.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
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

import { Readable } from 'node:stream';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Router } from '../deps.ts';
import { domainOf } from '../http/access.ts';
import { invalid } from '../http/problem.ts';
import type { ImportLauncher } from '../import/jobs.ts';
import { jobView } from '../import/jobs.ts';
import { importResult } from '../import/schema.ts';
import { migrationReader, uploadedPath } from './records.ts';
import { asImportQuery, databaseMigration, fileMigrationQuery, migrationQuery } from './schema.ts';

const tags = ['bulk'];
const params = z.object({ domain: z.string() });

const jobs =
  'It runs as the CSV import does (same checks, same report, the problems of each entry named by its `origin`; atomic or partial, dry run, cancel): the request waits for the job, or with `Prefer: respond-async` is answered 202 with the job (GET …/jobs/{id}).';

/**
 * Moving users in from a running PBX: its accounts read by the source's reader and imported by
 * the CSV import's job. Digests are kept as they are, so the phones keep their passwords.
 */
export function migrationRoutes(router: Router, launch: ImportLauncher): void {
  router.register(async (plugin) => {
    const scope = plugin.withTypeProvider<ZodTypeProvider>();
    scope.addContentTypeParser(
      ['application/octet-stream', 'application/gzip', 'application/x-gzip', 'application/xml', 'text/xml', 'text/plain'],
      (_r, payload, done) => done(null, payload),
    );

    scope.post('/api/v1/domains/:domain/imports/migrations', {
      config: { access: { permission: 'users:create' } },
      schema: {
        tags,
        summary: "Move users in from a PBX's database (Kamailio or OpenSIPS subscriber table)",
        description: `Reads the \`subscriber\` table (or \`table\`) over the database URL, a page at a time: \`username\` becomes the login, the SIP username and (when it is digits) the extension; \`ha1\` and \`ha1b\` are kept as the account's MD5 digests (\`secretStatus\` md5-only), and a \`password\` column, where the table keeps one, gives all four digests with the domain's realm. An entry whose \`domain\` is not the domain's SIP realm is a problem. A database that cannot be reached or has no such table is refused (400), nothing written. ${jobs}`,
        params,
        querystring: migrationQuery,
        body: databaseMigration,
        response: { 200: importResult, 202: jobView },
      },
      handler: async (request, reply) => {
        const domain = domainOf(request);
        const { source, url, table } = request.body;
        return launch({
          request,
          reply,
          query: asImportQuery(request.query),
          reader: async () => ({ reader: migrationReader({ source, url, ...(table ? { table } : {}), domain: { name: domain.name, realm: domain.realm } }) }),
        });
      },
    });

    scope.post('/api/v1/domains/:domain/imports/migrations/files', {
      config: { access: { permission: 'users:create' } },
      schema: {
        tags,
        summary: "Move users in from a PBX's configuration files (FreeSWITCH, Asterisk, Webitel)",
        description: `The body is the file, or a \`.tar.gz\` of its folder (application/gzip or application/octet-stream). ${jobs}`,
        params,
        querystring: fileMigrationQuery,
        response: { 200: importResult, 202: jobView },
      },
      handler: async (request, reply) => {
        const body = request.body;
        if (!(body instanceof Readable))
          throw invalid([{ path: 'body', code: 'migration.no_file', message: 'Send the file as application/octet-stream or application/gzip' }]);
        const domain = domainOf(request);
        const { source, ...query } = request.query;
        return launch({
          request,
          reply,
          query: asImportQuery(query),
          upload: body,
          reader: async (dir) => ({ reader: migrationReader({ source, path: await uploadedPath(dir), domain: { name: domain.name, realm: domain.realm } }) }),
        });
      },
    });
  });
}

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { before, it } from 'node:test';
import fc from 'fast-check';
import { forEachEngine, type Harness } from './harness.ts';
import { operationsOf, requestsFor, type FuzzRequest, type Operation } from './openapi-arbitraries.ts';

/** Fixed: a failure found here is found again, run after run, on every machine. */
const SEED = 20_240_917;
/** Requests per operation: about 3,500 a run, well under a minute per engine. */
const RUNS = 30;

/** Each operation its own seed, so adding an operation does not change what the others draw. */
const seedOf = (operation: Operation) => SEED ^ createHash('sha1').update(`${operation.method} ${operation.path}`).digest().readInt32BE(0);

/**
 * Where the fuzzer is kept from the platform administrator's own account, session and domain, so
 * that every run after it still acts as that administrator:
 * - writes reach only the sandbox domain `fuzz` (reads also `default`);
 * - deleting a domain reaches only `fuzz-doomed`, made for it;
 * - signing out is tried anonymously only (it would end the administrator's session);
 * - webhook writes and migrations are tried anonymously only: a URL naming a host would be looked
 *   up through the system's resolver, which is not on loopback.
 */
function domainsFor(operation: Operation): string[] {
  if (operation.method === 'DELETE' && operation.path === '/api/v1/domains/{domain}') return ['fuzz-doomed'];
  return operation.method === 'GET' ? ['default', 'fuzz'] : ['fuzz'];
}
const anonymousOnly = (operation: Operation) =>
  operation.path === '/api/v1/auth/logout' ||
  operation.path === '/api/v1/auth/sso/logout' ||
  (operation.path.includes('/webhooks') && operation.method !== 'GET') ||
  operation.path.includes('/imports/migrations');

async function send(h: Harness, request: FuzzRequest) {
  return h.app.inject({
    method: request.method,
    url: request.url,
    headers: {
      ...(request.anonymous ? {} : { authorization: `Bearer ${h.admin.token}` }),
      ...(request.contentType ? { 'content-type': request.contentType } : {}),
    },
    ...(request.payload === undefined ? {} : { payload: request.payload }),
  });
}

/** Names and ids that exist in the sandbox domain, so requests get past the 404s. */
async function sandbox(h: Harness): Promise<Record<string, string[]>> {
  const fuzz = '/api/v1/domains/fuzz';
  const made = await Promise.all([h.admin.post('/api/v1/domains', { name: 'fuzz' }), h.admin.post('/api/v1/domains', { name: 'fuzz-doomed' })]);
  const fixtures = [
    ...made,
    await h.admin.post(`${fuzz}/roles`, { name: 'fuzz-role', permissions: ['users:read'] }),
    await h.admin.post(`${fuzz}/groups`, { name: 'fuzz-group' }),
    await h.admin.post(`${fuzz}/tags`, { name: 'fuzz-tag' }),
    await h.admin.post(`${fuzz}/skills`, { name: 'fuzz-skill' }),
    await h.admin.post(`${fuzz}/licenses`, { name: 'fuzz-license', seats: 5 }),
    await h.admin.post(`${fuzz}/numbers`, { kind: 'number', value: '+48221234567' }),
    await h.admin.post(`${fuzz}/pause-reasons`, { name: 'lunch' }),
    await h.admin.post(`${fuzz}/hot-desks`, { extension: '7001' }),
  ];
  // Two users: the fuzz deletes one now and then, and restores it less often.
  const users = [
    await h.admin.post(`${fuzz}/users`, { login: 'fuzz-user', roles: ['agent'], groups: ['fuzz-group'], sip: { extension: '7100' } }),
    await h.admin.post(`${fuzz}/users`, {
      login: 'fuzz-agent',
      roles: ['agent'],
      tags: ['fuzz-tag'],
      agent: { enabled: true, skills: [{ skill: 'fuzz-skill', level: 5 }] },
    }),
  ];
  for (const response of [...fixtures, ...users]) assert.ok(response.status < 300, JSON.stringify(response.body));
  return {
    id: users.map((user) => user.body.id as string),
    name: ['fuzz-role', 'fuzz-group', 'fuzz-tag', 'fuzz-skill', 'fuzz-license', 'lunch', 'agent'],
    value: ['+48221234567'],
    extension: ['7001', '7100'],
    login: ['fuzz-user', 'fuzz-agent'],
  };
}

/** Below 500, and every refusal is RFC 9457 problem+json that states its own status and a title. */
function verdict(response: Awaited<ReturnType<typeof send>>): string | undefined {
  if (response.statusCode >= 500) return `answered ${response.statusCode}`;
  if (response.statusCode < 400) return undefined;
  if (!String(response.headers['content-type']).startsWith('application/problem+json'))
    return `answered ${response.statusCode} as ${String(response.headers['content-type'])}`;
  const problem = JSON.parse(response.body) as { status?: unknown; title?: unknown };
  if (problem.status !== response.statusCode || typeof problem.title !== 'string')
    return `answered ${response.statusCode} with a problem missing its status or title`;
  return undefined;
}

forEachEngine('every operation of the OpenAPI document, fuzzed', (h) => {
  let operations: Operation[];
  let known: Record<string, string[]>;
  before(async () => {
    const document = await h().anonymous.get('/api/openapi.json');
    operations = operationsOf(document.body);
    known = await sandbox(h());
  });

  it('answers every generated request below 500, each refusal as problem+json', async (t) => {
    assert.ok(operations.length > 100, `only ${operations.length} operations documented`);
    for (const operation of operations) {
      await t.test(`${operation.method} ${operation.path}`, async () => {
        const pools = { ...known, domain: domainsFor(operation) };
        await fc.assert(
          fc.asyncProperty(requestsFor(operation, pools, anonymousOnly(operation)), async (request) => {
            const response = await send(h(), request);
            const wrong = verdict(response);
            assert.equal(
              wrong,
              undefined,
              `${request.anonymous ? 'anonymous' : 'admin'} ${request.method} ${request.url.slice(0, 300)} ${request.contentType ?? ''} ${request.payload?.slice(0, 300) ?? ''} → ${wrong}: ${response.body.slice(0, 300)}`,
            );
          }),
          // No shrinking: each request may change the directory, so a shrunk case is not the same case.
          { seed: seedOf(operation), numRuns: RUNS, endOnFailure: true, includeErrorInReport: true },
        );
      });
    }
  });

  it('kept the platform administrator signed in throughout, so every run acted as them', async () => {
    const me = await h().admin.get('/api/v1/me');
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal((await h().admin.get('/api/v1/domains/default')).status, 200);
  });
});

/**
 * bench/ldap-sync: a directory source synced from Debian's slapd holding 10,000 users (in
 * groupOfNames groups, read with paged searches), on SQLite and PostgreSQL: the first sync
 * (every user created; target under 10 s), then a second with nothing changed (every user
 * compared, none written; target under 3 s). Timed from the request to the report, in process.
 * Run: npm run bench:ldap-sync
 */
import { cpus, loadavg, totalmem } from 'node:os';
import type { Engine } from '../src/server/db/connect.ts';
import { engines, startHarness } from '../test/harness.ts';
import { GROUPS, PEOPLE, startSlapd, SYNC_DN, SYNC_PASSWORD } from '../test/slapd.ts';

const USERS = 10_000;

async function timedSync(h: Awaited<ReturnType<typeof startHarness>>, sourceId: string) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const answer = await h.admin.post(`/api/v1/domains/default/directory-sources/${sourceId}/sync`);
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  if (answer.status !== 200) throw new Error(`sync: ${answer.status} ${JSON.stringify(answer.body)}`);
  return { ms, cpuMs, report: answer.body as { created: number; changed: number; deactivated: number; unchanged: number; problems: number } };
}

async function userWrites(h: Awaited<ReturnType<typeof startHarness>>) {
  const row = await h.storage.db
    .selectFrom('users')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('last')])
    .executeTakeFirstOrThrow();
  const changes = await h.storage.db
    .selectFrom('changes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return `${row.n}/${row.last}/${changes.n}`;
}

async function bench(engine: Engine, slapdUrl: string) {
  const h = await startHarness(engine);
  try {
    await h.admin.post('/api/v1/domains/default/groups', { name: 'Supervisors' });
    const created = await h.admin.post('/api/v1/domains/default/directory-sources', {
      name: 'bench',
      url: slapdUrl,
      bindDn: SYNC_DN,
      bindPassword: SYNC_PASSWORD,
      baseDn: PEOPLE,
      preset: 'openLdap',
      groupMappings: [{ groupDn: `cn=supervisors,${GROUPS}`, groups: ['Supervisors'], roles: ['supervisor'] }],
    });
    if (created.status !== 201) throw new Error(JSON.stringify(created.body));
    const first = await timedSync(h, created.body.id);
    if (first.report.created !== USERS) throw new Error(`first sync created ${first.report.created}`);
    const before = await userWrites(h);
    const second = await timedSync(h, created.body.id);
    if (second.report.unchanged !== USERS || (await userWrites(h)) !== before) throw new Error('the second sync wrote users');
    // The server's own CPU time beside the wall time: on a shared machine the wall time is mostly waiting for a core.
    const timing = (run: { ms: number; cpuMs: number }) => `${(run.ms / 1000).toFixed(2)} s (CPU ${(run.cpuMs / 1000).toFixed(2)} s)`;
    console.log(
      `${engine.padEnd(8)} first sync ${timing(first)}, ${USERS} created   second ${timing(second)}, ${second.report.unchanged} unchanged, nothing written   load ${loadavg()[0]?.toFixed(1)}`,
    );
  } finally {
    await h.close();
  }
}

console.log(`ldap-sync: ${USERS.toLocaleString('en')} directory users; ${cpus().length} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB`);
const slapd = await startSlapd(USERS);
try {
  for (const engine of engines) await bench(engine, slapd.url);
} finally {
  await slapd.close();
}

import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Attribute, Change } from 'ldapts';
import { forEachEngine, userWithRoles, type Harness } from '../../../test/harness.ts';
import { SyncSchedule } from './schedule.ts';
import { GROUPS, loginOf, passwordOf, PEOPLE, startSlapd, SYNC_DN, SYNC_PASSWORD, userDn, type Slapd } from '../../../test/slapd.ts';

const base = '/api/v1/domains/default';
/** Over slapd's size limit (500): only paged searches read them all. */
const USERS = 2000;

async function userByLogin(h: Harness, login: string) {
  const row = await h.storage.db.selectFrom('users').select('id').where('login_key', '=', login).executeTakeFirstOrThrow();
  const read = await h.admin.get(`${base}/users/${row.id}`);
  assert.equal(read.status, 200, JSON.stringify(read.body));
  return read.body;
}

async function countSynced(h: Harness, sourceId: string, active?: boolean) {
  let query = h.storage.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('directory_source_id', '=', sourceId);
  if (active !== undefined) query = query.where('active', '=', active ? 1 : 0);
  return Number((await query.executeTakeFirstOrThrow()).n);
}

forEachEngine('directory sources against slapd', (harness) => {
  let slapd: Slapd;
  let sourceId: string;
  const sync = async (dryRun = false) => {
    const answer = await harness().admin.post(`${base}/directory-sources/${sourceId}/sync?dryRun=${dryRun}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return answer.body;
  };
  const signIn = (login: string, password: string) => harness().anonymous.post('/api/v1/auth/login', { domain: 'default', login, password });

  before(async () => {
    slapd = await startSlapd(USERS);
  });
  after(async () => {
    await slapd?.close();
  });

  it('keeps a source with its bind password sealed, answered and audited never', async () => {
    const h = harness();
    assert.equal((await h.admin.post(`${base}/groups`, { name: 'Supervisors' })).status, 201);
    const created = await h.admin.post(`${base}/directory-sources`, {
      name: 'corp-ldap',
      url: slapd.url,
      bindDn: SYNC_DN,
      bindPassword: SYNC_PASSWORD,
      baseDn: PEOPLE,
      preset: 'openLdap',
      groupMappings: [{ groupDn: `cn=supervisors,${GROUPS}`, groups: ['Supervisors'], roles: ['supervisor'] }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    sourceId = created.body.id;
    assert.equal(created.body.userFilter, '(objectClass=inetOrgPerson)');
    assert.equal(created.body.membership, 'groupOfNames');
    assert.deepEqual(created.body.ownedFields, ['login', 'email', 'firstName', 'lastName', 'workPhone', 'position', 'active', 'password']);
    const stored = await h.storage.db.selectFrom('directory_sources').select('bind_password').executeTakeFirstOrThrow();
    assert.ok(!stored.bind_password.includes(SYNC_PASSWORD));
    const audit = await h.admin.get(`${base}/audit?limit=5`);
    assert.ok(!JSON.stringify(audit.body).includes(SYNC_PASSWORD));
    assert.ok(!JSON.stringify((await h.admin.get(`${base}/directory-sources`)).body).includes(SYNC_PASSWORD));
  });

  it('refuses a source with every problem of its input listed', async () => {
    const refused = await harness().admin.post(`${base}/directory-sources`, {
      name: 'corp-ldap',
      url: 'ldaps://dc.example.com/dc=example',
      startTls: true,
      bindDn: SYNC_DN,
      bindPassword: 'x',
      baseDn: PEOPLE,
      preset: 'openLdap',
      defaultRoles: ['nobody'],
    });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.deepEqual(refused.body.errors.map((e: { path: string }) => e.path).sort(), ['url']);
    const second = await harness().admin.post(`${base}/directory-sources`, {
      name: 'corp-ldap',
      url: 'ldaps://dc.example.com',
      startTls: true,
      bindDn: SYNC_DN,
      bindPassword: 'x',
      baseDn: PEOPLE,
      preset: 'openLdap',
      defaultRoles: ['nobody'],
    });
    assert.equal(second.status, 400);
    assert.deepEqual(second.body.errors.map((e: { path: string }) => e.path).sort(), ['defaultRoles/0', 'name', 'startTls']);
  });

  it('reports in a dry run what a sync would do, and writes nothing', async () => {
    const report = await sync(true);
    assert.equal(report.entries, USERS);
    assert.equal(report.created, USERS);
    assert.equal(report.written, false);
    assert.equal(report.problems, 0, JSON.stringify(report.problemList));
    assert.equal(await countSynced(harness(), sourceId), 0);
  });

  it('creates every directory user in one sync, with the groups and roles its mapping gives', async () => {
    const h = harness();
    const report = await sync();
    assert.equal(report.written, true);
    assert.deepEqual([report.created, report.changed, report.deactivated, report.unchanged], [USERS, 0, 0, 0]);
    assert.equal(await countSynced(h, sourceId, true), USERS);
    const supervisor = await userByLogin(h, loginOf(1));
    assert.deepEqual(supervisor.groups, ['Supervisors']);
    assert.deepEqual(supervisor.roles, ['agent', 'supervisor']);
    assert.equal(supervisor.email, `${loginOf(1)}@example.com`);
    assert.equal(supervisor.lastName, 'Number1');
    assert.equal(supervisor.hasPassword, false);
    assert.deepEqual([supervisor.directorySource.id, supervisor.directorySource.name], [sourceId, 'corp-ldap']);
    const agent = await userByLogin(h, loginOf(11));
    assert.deepEqual([agent.groups, agent.roles], [[], ['agent']]);
    const source = await h.admin.get(`${base}/directory-sources/${sourceId}`);
    assert.equal(source.body.lastSync.created, USERS);
  });

  it('leaves everything as it is when the directory did not change', async () => {
    const h = harness();
    const changesBefore = await h.storage.db
      .selectFrom('changes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const report = await sync();
    assert.deepEqual([report.created, report.changed, report.deactivated, report.unchanged], [0, 0, 0, USERS]);
    const changesAfter = await h.storage.db
      .selectFrom('changes')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(changesAfter.n), Number(changesBefore.n));
  });

  it('brings changes of the directory over and deactivates, never deletes, users gone from it', async () => {
    const h = harness();
    const ldap = await slapd.admin();
    await ldap.modify(userDn(2), [new Change({ operation: 'replace', modification: new Attribute({ type: 'sn', values: ['Renamed'] }) })]);
    await ldap.modify(`cn=supervisors,${GROUPS}`, [new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [userDn(1)] }) })]);
    await ldap.modify(`cn=agents,${GROUPS}`, [new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [userDn(3)] }) })]);
    await ldap.del(userDn(3));
    await ldap.unbind();
    const dry = await sync(true);
    assert.deepEqual([dry.created, dry.changed, dry.deactivated, dry.unchanged, dry.written], [0, 2, 1, USERS - 3, false]);
    assert.deepEqual(dry.samples.deactivated, [loginOf(3)]);
    const report = await sync();
    assert.deepEqual([report.created, report.changed, report.deactivated, report.unchanged], [0, 2, 1, USERS - 3]);
    assert.equal((await userByLogin(h, loginOf(2))).lastName, 'Renamed');
    const demoted = await userByLogin(h, loginOf(1));
    assert.deepEqual([demoted.groups, demoted.roles], [[], ['agent']]);
    const gone = await userByLogin(h, loginOf(3));
    assert.equal(gone.active, false);
    assert.equal(gone.deletedAt, null);
  });

  it('refuses a change of a field the source owns, naming the source, and takes the others', async () => {
    const h = harness();
    const user = await userByLogin(h, loginOf(2));
    const refused = await h.admin.patch(`${base}/users/${user.id}`, { lastName: 'Elsewhere', active: false });
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'user.owned_by_directory');
    assert.match(refused.body.detail, /corp-ldap/);
    assert.deepEqual(refused.body.errors.map((e: { path: string }) => e.path).sort(), ['active', 'lastName']);
    const same = await h.admin.patch(`${base}/users/${user.id}`, { lastName: 'Renamed', timezone: 'Europe/Warsaw' });
    assert.equal(same.status, 200, JSON.stringify(same.body));
  });

  it('signs a synced user in by a bind to the directory: the right password passes, a wrong one does not', async () => {
    assert.equal((await signIn(loginOf(2), passwordOf(2))).status, 200);
    const wrong = await signIn(loginOf(2), 'not-the-password');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.code, 'auth.invalid_credentials');
    assert.equal((await signIn(loginOf(2), '')).status, 400);
    assert.equal((await signIn(loginOf(3), passwordOf(3))).status, 401, 'a user gone from the directory');
  });

  it('refuses sign-ins and syncs while the directory is down, without locking the account', async () => {
    await slapd.stop();
    try {
      for (let attempt = 0; attempt < 7; attempt += 1) {
        const refused = await signIn(loginOf(4), passwordOf(4));
        assert.equal(refused.status, 503, JSON.stringify(refused.body));
        assert.equal(refused.body.code, 'auth.directory_unavailable');
      }
      const syncRefused = await harness().admin.post(`${base}/directory-sources/${sourceId}/sync`);
      assert.equal(syncRefused.status, 503);
      assert.equal(syncRefused.body.code, 'directory_source.unreachable');
    } finally {
      await slapd.start();
    }
    assert.equal((await signIn(loginOf(4), passwordOf(4))).status, 200);
  });

  it('cancels a running sync, leaving nothing of it', async () => {
    const h = harness();
    const before = await countSynced(h, sourceId, true);
    const started = await h.admin.post(`${base}/directory-sources/${sourceId}/sync`, undefined, { prefer: 'respond-async' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const again = await h.admin.post(`${base}/directory-sources/${sourceId}/sync?dryRun=true`);
    assert.equal(again.status, 409, 'one sync of a source at a time');
    const cancelled = await h.admin.post(`${base}/directory-sources/${sourceId}/jobs/${started.body.id}/cancel`);
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.state, 'cancelled');
    assert.equal(await countSynced(h, sourceId, true), before);
  });

  it('starts a scheduled sync once when it is due, however many processes look', async () => {
    const h = harness();
    assert.equal((await h.admin.patch(`${base}/directory-sources/${sourceId}`, { scheduleMinutes: 60 })).status, 200);
    await h.storage.db
      .updateTable('directory_sources')
      .set({ next_sync_at: new Date(Date.now() - 1000).toISOString() })
      .execute();
    const started: string[] = [];
    const failed: unknown[] = [];
    const schedules = [1, 2].map(
      () =>
        new SyncSchedule(
          h.storage.db,
          async (_domain, source) => void started.push(source.id),
          (error) => failed.push(error),
        ),
    );
    await Promise.all(schedules.map((s) => s.tick()));
    assert.deepEqual([started, failed], [[sourceId], []]);
    const source = await h.admin.get(`${base}/directory-sources/${sourceId}`);
    assert.ok(Date.parse(source.body.nextSyncAt) > Date.now() + 59 * 60_000);
  });

  it('keeps directory sources to the holders of their permission', async () => {
    const { client } = await userWithRoles(harness(), 'plain.agent', ['agent']);
    assert.equal((await client.get(`${base}/directory-sources`)).status, 403);
    assert.equal((await client.post(`${base}/directory-sources/${sourceId}/sync?dryRun=true`)).status, 403);
    const h = harness();
    const keeper = await h.admin.post(`${base}/roles`, { name: 'directory-keeper', permissions: ['directory-sources:read', 'directory-sources:update'] });
    assert.equal(keeper.status, 201, JSON.stringify(keeper.body));
    const { client: delegate } = await userWithRoles(h, 'directory.keeper', ['directory-keeper']);
    const escalating = await delegate.post(`${base}/directory-sources`, {
      name: 'escalating',
      url: slapd.url,
      bindDn: SYNC_DN,
      bindPassword: SYNC_PASSWORD,
      baseDn: PEOPLE,
      preset: 'openLdap',
      groupMappings: [{ groupDn: `cn=agents,${GROUPS}`, roles: ['admin'] }],
    });
    assert.equal(escalating.status, 403, 'a source may not hand out permissions its author does not hold');
  });
});

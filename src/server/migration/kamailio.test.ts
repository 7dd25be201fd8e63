import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { hasKamailio, startKamailio } from '../../../test/kamailio-server.ts';
import { kamailioOnMariadb, kamailioOnPostgres, type KamailioDatabase, type Subscriber } from '../../../test/kamailio-tables.ts';
import { exchange, registerRequest, registerWithDigest } from '../../../test/sip-client.ts';
import { sippRegister } from '../../../test/sipp.ts';
import { listenSip, type SipListeners } from '../registrar/transports.ts';

const base = '/api/v1/domains/default';

/** Phones configured on the PBX with these passwords; the test knows them, the table keeps their digests. */
const phones: Subscriber[] = [
  { username: '2001', domain: 'default', password: 'desk-2001-pass' },
  { username: '2002', domain: 'default', password: 'desk-2002-pass', inClear: true },
  { username: 'reception', domain: 'default', password: 'front-desk-pass', withoutHa1b: true },
];

const sources = [
  { name: 'PostgreSQL', open: kamailioOnPostgres, engine: 'postgres' as const, system: 'kamailio' },
  { name: 'MariaDB', open: kamailioOnMariadb, engine: 'sqlite' as const, system: 'opensips' },
];

/** Every phone registers with the password it had (SIPp, MD5) on the registrar at `port`; `wrongUser` with another is refused. */
async function registerEachAndAWrongOne(port: number, wrongUser: string) {
  for (const phone of phones) {
    const run = await sippRegister({ port, transport: 'udp', user: phone.username, password: phone.password, host: 'default', expires: 300, expect: 200 });
    assert.ok(run.ok, `${phone.username}: ${run.output}`);
  }
  const wrong = await sippRegister({ port, transport: 'udp', user: wrongUser, password: 'not-the-password', host: 'default', expires: 300, expect: 401 });
  assert.ok(wrong.ok, wrong.output);
}

for (const source of sources) {
  describe(`moving in from a ${source.system} subscriber table on ${source.name} (Switchboard on ${source.engine})`, () => {
    let h: Harness;
    let kamailio: KamailioDatabase;
    let sip: SipListeners;
    const migrate = (query: string, body: Record<string, unknown> = {}) =>
      h.admin.post(`${base}/imports/migrations?${query}`, { source: source.system, url: kamailio.url, ...body });
    const userNamed = async (login: string) => (await h.admin.get(`${base}/users?q=${login}`)).body.items.find((u: { login: string }) => u.login === login);

    before(async () => {
      [h, kamailio] = await Promise.all([startHarness(source.engine), source.open()]);
      sip = await listenSip(h.app.registrar, h.app.sipConnections, '127.0.0.1', 0, h.app.log);
      await kamailio.add(phones);
    });
    after(async () => {
      await sip?.close();
      await Promise.all([h?.close(), kamailio?.drop()]);
    });

    it('reports in a dry run what it would create, and writes nothing', async () => {
      const report = await migrate('dryRun=true');
      assert.equal(report.status, 200, JSON.stringify(report.body));
      assert.deepEqual([report.body.rows, report.body.created, report.body.problemCount, report.body.written], [3, 3, 0, false]);
      assert.equal(await userNamed('2001'), undefined);
    });

    it('runs as a job to follow with Prefer: respond-async, like the CSV import, with no error file of its own', async () => {
      const started = await h.admin.post(`${base}/imports/migrations?dryRun=true`, { source: source.system, url: kamailio.url }, { prefer: 'respond-async' });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      let job = started.body;
      while (job.state === 'running') {
        // Between polls the event loop turns: on SQLite the job's end comes as a message of its thread.
        await new Promise((resolve) => setTimeout(resolve, 50));
        job = (await h.admin.get(`${base}/jobs/${job.id}`)).body;
      }
      assert.deepEqual([job.state, job.result.created, job.result.written], ['succeeded', 3, false]);
      assert.equal((await h.admin.get(`${base}/jobs/${job.id}/report.csv`)).status, 404);
    });

    it('refuses an unreachable database and a missing table with a clear problem, naming no password', async () => {
      const unreachable = await h.admin.post(`${base}/imports/migrations`, {
        source: source.system,
        url: 'postgres://kamailio:s3cret-pw@127.0.0.1:1/kamailio',
      });
      assert.equal(unreachable.status, 400);
      assert.equal(unreachable.body.errors[0].code, 'migration.source_unreadable');
      assert.match(unreachable.body.errors[0].message, /127\.0\.0\.1:1\/kamailio cannot be migrated from: it cannot be reached/);
      assert.doesNotMatch(JSON.stringify(unreachable.body), /s3cret-pw/);
      const missing = await migrate('', { table: 'no_such_table' });
      assert.equal(missing.status, 400);
      assert.match(missing.body.errors[0].message, /has no table "no_such_table"/);
      assert.equal((await h.admin.get(`${base}/users?q=2001`)).body.items.length, 0);
    });

    it('moves the accounts in with their digests: MD5-only where the table had no password, all four where it had one', async () => {
      const report = await migrate('');
      assert.equal(report.status, 200, JSON.stringify(report.body));
      assert.deepEqual([report.body.created, report.body.written, report.body.generatedSecrets], [3, true, 0]);
      const [first, second, reception] = await Promise.all(['2001', '2002', 'reception'].map(userNamed));
      assert.deepEqual([first.sip.extension, first.sip.username, first.sip.secretStatus, first.sip.connection], ['2001', '2001', 'md5-only', 'pbx']);
      assert.equal(second.sip.secretStatus, 'current');
      assert.equal(reception.sip.username, 'reception');
      assert.match(reception.sip.extension, /^\d{4}$/, 'an account whose name is no number gets an extension of the range');
    });

    it('lets every phone register with the password it already has (SIPp, MD5)', async () => {
      await registerEachAndAWrongOne(sip.port, '2001');
    });

    it('never takes an empty digest for one: an answer made with an empty HA1 for the missing ha1b is refused', async () => {
      const callId = randomBytes(8).toString('hex');
      const challenge = await exchange(sip.port, registerRequest('reception', 'default', 1, callId));
      const nonce = /nonce="([^"]+)"/.exec(challenge)?.[1] as string;
      const md5 = (text: string) => createHash('md5').update(text).digest('hex');
      const response = md5(`:${nonce}:00000001:c0ffee:auth:${md5('REGISTER:sip:default')}`);
      const forged = `Authorization: Digest username="reception@default", realm="default", nonce="${nonce}", uri="sip:default", response="${response}", algorithm=MD5, cnonce="c0ffee", qop=auth, nc=00000001`;
      assert.match(await exchange(sip.port, registerRequest('reception', 'default', 2, callId, forged)), /^SIP\/2\.0 401/);
    });

    it('challenges an MD5-only account with MD5 alone where the domain offers SHA-256, and offers SHA-256 once a new secret is set', async () => {
      await h.admin.put(`${base}/sip-settings`, { digestAlgorithms: ['SHA-256', 'MD5'] });
      await assert.rejects(
        () => registerWithDigest(sip.port, { user: '2001', password: 'desk-2001-pass', host: 'default', realm: 'default', algorithm: 'SHA-256' }),
        /no SHA-256 challenge/,
      );
      assert.match(
        await registerWithDigest(sip.port, { user: '2001', password: 'desk-2001-pass', host: 'default', realm: 'default', algorithm: 'MD5' }),
        /^SIP\/2\.0 200/,
      );
      assert.match(
        await registerWithDigest(sip.port, { user: '2002', password: 'desk-2002-pass', host: 'default', realm: 'default', algorithm: 'SHA-256' }),
        /^SIP\/2\.0 200/,
        'an account whose password came in clear has SHA-256 digests',
      );
      const first = await userNamed('2001');
      const renewed = await h.admin.post(`${base}/users/${first.id}/sip/secret`, {});
      assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
      assert.equal((await h.admin.get(`${base}/users/${first.id}`)).body.sip.secretStatus, 'current');
      assert.match(
        await registerWithDigest(sip.port, { user: '2001', password: renewed.body.secret, host: 'default', realm: 'default', algorithm: 'SHA-256' }),
        /^SIP\/2\.0 200/,
      );
      await h.admin.put(`${base}/sip-settings`, { digestAlgorithms: ['MD5'] });
    });

    it('reports entries of another realm and a taken extension by their origin, and writes nothing of an atomic migration', async () => {
      await kamailio.add([
        { username: '2101', domain: 'other.example.com', password: 'elsewhere-pass' },
        { username: '2001', domain: 'other.example.com', password: 'elsewhere-pass' },
      ]);
      await h.admin.post(`${base}/users`, { login: 'holder', roles: ['agent'], sip: { extension: '2102' } });
      await kamailio.add([{ username: '2102', domain: 'default', password: 'taken-ext-pass' }]);
      const refused = await migrate('onExisting=skip');
      assert.equal(refused.status, 400);
      const messages = refused.body.errors.map((e: { message: string }) => e.message);
      assert.ok(
        messages.some((m: string) => /^subscriber 2101@other\.example\.com: Its realm "other\.example\.com" is not the domain's SIP realm "default"/.test(m)),
        messages.join('\n'),
      );
      assert.ok(
        messages.some((m: string) => /^subscriber 2102@default: .*2102 is already another user's extension/.test(m)),
        messages.join('\n'),
      );
      assert.equal(await userNamed('2101'), undefined);
      assert.equal(await userNamed('2102'), undefined);
      const partial = await migrate('onExisting=skip&mode=partial');
      assert.deepEqual([partial.body.created, partial.body.skippedCount], [0, 3]);
      assert.deepEqual([...new Set(partial.body.problems.map((p: { origin: string }) => p.origin))].sort(), [
        'subscriber 2001@other.example.com',
        'subscriber 2101@other.example.com',
        'subscriber 2102@default',
      ]);
    });
  });
}

describe('Kamailio pointed at the sip_subscriber view after a migration', { skip: hasKamailio ? false : 'Kamailio is not installed' }, () => {
  let h: Harness;
  let kamailio: KamailioDatabase;
  let server: Awaited<ReturnType<typeof startKamailio>>;

  before(async () => {
    [h, kamailio] = await Promise.all([startHarness('postgres'), kamailioOnPostgres()]);
    await kamailio.add(phones);
    const report = await h.admin.post(`${base}/imports/migrations`, { source: 'kamailio', url: kamailio.url });
    assert.equal(report.body.created, 3, JSON.stringify(report.body));
    server = await startKamailio(h.config.databaseUrl);
  });
  after(async () => {
    await server?.stop();
    await Promise.all([h?.close(), kamailio?.drop()]);
  });

  it('accepts each phone with its old password, and refuses a wrong one', async () => {
    await registerEachAndAWrongOne(server.port, 'reception');
  });
});

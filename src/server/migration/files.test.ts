import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { create } from 'tar';
import { startHarness, type Harness } from '../../../test/harness.ts';
import { linphoneRegister } from '../../../test/linphone.ts';
import { sippRegister } from '../../../test/sipp.ts';
import { listenSip, type SipListeners } from '../registrar/transports.ts';

const base = '/api/v1/domains/default';
const fixtures = fileURLToPath(new URL('./sources/fixtures/', import.meta.url));

/** A folder of the fixtures packed as an administrator uploads it: a .tar.gz, no file name. */
async function packed(folder: string, entries: string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of create({ gzip: true, cwd: `${fixtures}${folder}` }, entries)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A directory whose realm is the PBX's (the digests it kept were made with it), offering SHA-256
 * before MD5, with the groups of the center, and a SIP listener: each source moves into its own.
 */
function pbxDirectory() {
  const state = {} as { h: Harness; sip: SipListeners };
  before(async () => {
    state.h = await startHarness('sqlite');
    state.sip = await listenSip(state.h.app.registrar, state.h.app.sipConnections, '127.0.0.1', 0, state.h.app.log);
    assert.equal((await state.h.admin.patch('/api/v1/domains/default', { realm: 'pbx.example.com' })).status, 200);
    assert.equal((await state.h.admin.put(`${base}/sip-settings`, { digestAlgorithms: ['SHA-256', 'MD5'] })).status, 200);
    // Groups are the center's own: a migration puts users in those that exist, and names the others.
    for (const name of ['sales', 'support']) assert.equal((await state.h.admin.post(`${base}/groups`, { name })).status, 201);
  });
  after(async () => {
    await state.sip?.close();
    await state.h?.close();
  });
  const upload = (source: string, body: Buffer, query = '') =>
    state.h.admin.post(`${base}/imports/migrations/files?source=${source}${query}`, body, { 'content-type': 'application/gzip' });
  const userNamed = async (login: string) => (await state.h.admin.get(`${base}/users?q=${login}`)).body.items.find((u: { login: string }) => u.login === login);
  const sipOf = async (login: string) => (await state.h.admin.get(`${base}/users/${(await userNamed(login)).id}/sip`)).body;
  const registers = (user: string, password: string) =>
    sippRegister({ port: state.sip.port, transport: 'udp', user, password, host: 'pbx.example.com', expires: 60, expect: 200 });
  return { state, upload, userNamed, sipOf, registers };
}

/**
 * Moving in from a PBX's own files, end to end: the upload, the import job, the users, and the
 * phones still registering with the passwords the PBX had — over MD5 with SIPp where only a digest
 * was kept, and over SHA-256 with Linphone where the source kept the password itself.
 */
describe('moving in from a FreeSWITCH directory', () => {
  const { state, upload, userNamed, sipOf, registers } = pbxDirectory();
  it('moves a FreeSWITCH directory in, reporting its broken file by name and writing the rest', async () => {
    const archive = await packed('freeswitch', ['conf']);
    const dryRun = await upload('freeswitch', archive, '&dryRun=true&mode=partial');
    assert.equal(dryRun.status, 200, JSON.stringify(dryRun.body));
    assert.equal(dryRun.body.written, false);
    assert.equal(await userNamed('1001'), undefined, 'a dry run writes nothing');

    const report = await upload('freeswitch', archive, '&mode=partial');
    assert.equal(report.status, 200, JSON.stringify(report.body));
    assert.ok(report.body.created >= 5, JSON.stringify(report.body));
    assert.ok(
      report.body.problems.some((p: { origin?: string }) => p.origin?.includes('1005.xml')),
      'the malformed file is a problem named by its file',
    );
    assert.doesNotMatch(JSON.stringify(report.body), /Fixture-\d+-secret/, 'no password in the report');
    assert.equal((await sipOf('1002')).secretStatus, 'md5-only', 'an a1-hash is an MD5 digest only');
    assert.equal((await sipOf('1001')).secretStatus, 'current', 'a password in clear gives every digest');
    assert.equal((await sipOf('1001')).voicemail.pinSet, true, 'its PIN came along');
    assert.deepEqual(
      (await sipOf('1000')).voicemail,
      { enabled: true, pinSet: false },
      'a PIN anyone could guess (the extension) is left for its owner to choose',
    );
  });

  it('lets the FreeSWITCH phones register with their old passwords: MD5 from the a1-hash, SHA-256 from the password', async () => {
    const md5 = await registers('1002', 'Fixture-1002-secret');
    assert.ok(md5.ok, md5.output);
    const phone = (user: string, password: string) =>
      linphoneRegister({ port: state.sip.port, transport: 'udp', user, password, host: 'pbx.example.com', expires: 60 });
    const sha256 = await phone('reception', 'Fixture-reception-secret');
    assert.ok(sha256.ok, sha256.log);
    assert.equal((await phone('1001', 'Fixture-1001-secret')).state, 'failed', "1001's cidr came along: loopback is none of its networks");
    const wrong = await registers('1002', 'not-the-password');
    assert.equal(wrong.ok, false, 'a wrong password is still refused');
  });

  it('refuses a file that is not what the source reads, writing nothing', async () => {
    const before = (await state.h.admin.get(`${base}/users?limit=500`)).body.items.length;
    const refused = await upload('freeswitch', Buffer.from('not an archive'));
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.errors[0].code, 'migration.source_unreadable');
    assert.equal((await state.h.admin.get(`${base}/users?limit=500`)).body.items.length, before);
  });
});

describe('moving in from Asterisk pjsip.conf', () => {
  const { state, upload, sipOf } = pbxDirectory();
  it('moves Asterisk pjsip.conf in: templates, an md5_cred kept as it is, and its phone still registering', async () => {
    const report = await upload(
      'asterisk',
      await packed('asterisk', ['pjsip.conf', 'pjsip_extra.conf', 'voicemail.conf', 'acl.conf']),
      '&mode=partial&onExisting=update',
    );
    assert.equal(report.status, 200, JSON.stringify(report.body));
    assert.ok(report.body.created + report.body.updated >= 3, JSON.stringify(report.body));
    assert.equal((await sipOf('piotr')).secretStatus, 'current');
    const run = await linphoneRegister({
      port: state.sip.port,
      transport: 'udp',
      user: 'piotr',
      password: 'Fixture-1003-secret;semicolon',
      host: 'pbx.example.com',
      expires: 60,
    });
    assert.ok(run.ok, run.log);
    assert.equal((await sipOf('1002')).secretStatus, 'md5-only', 'the md5_cred account');
  });
});

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { MigrationEntry, MigrationSource, SourceItem } from '../entry.ts';
import { readAsteriskConfig } from './asterisk-pjsip.ts';

const sample = new URL('fixtures/asterisk', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'switchboard-asterisk-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function itemsOf(source: MigrationSource): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of source) items.push(item);
  return items;
}

const entries = (items: SourceItem[]) => items.flatMap((item) => ('entry' in item ? [item.entry] : []));
const problems = (items: SourceItem[]) => items.flatMap((item) => ('problem' in item ? [item.problem] : []));
const byExtension = (items: SourceItem[], extension: string) => entries(items).find((entry) => entry.extension === extension) as MigrationEntry;

/** A copy of the sample folder with one file changed. */
function sampleWith(name: string, file: string, text: string): string {
  const copy = join(scratch, name);
  cpSync(sample, copy, { recursive: true });
  writeFileSync(join(copy, file), text);
  return copy;
}

describe('reading an Asterisk pjsip.conf', () => {
  it('yields one entry per endpoint with an auth, templates not counted and a trunk left out', async () => {
    const items = await itemsOf(readAsteriskConfig(sample));
    assert.deepEqual(
      entries(items).map((entry) => entry.origin),
      ['pjsip.conf, endpoint 1001', 'pjsip.conf, endpoint 1002', 'pjsip.conf, endpoint 1003', 'pjsip_extra.conf, endpoint 1004'],
    );
  });

  it('reads a userpass auth, its endpoint’s caller ID and the voicemail.conf mailbox it names', async () => {
    assert.deepEqual(byExtension(await itemsOf(readAsteriskConfig(sample)), '1001'), {
      origin: 'pjsip.conf, endpoint 1001',
      username: '1001',
      extension: '1001',
      firstName: 'Anna',
      lastName: 'Nowak',
      email: 'anna.nowak@example.com',
      sip: { password: 'Fixture-1001-secret' },
      voicemail: { enabled: true, pin: '4242' },
      callerId: { name: 'Anna Nowak', number: '1001' },
    });
  });

  it('reads an md5 auth as the MD5 HA1 with its realm, and the networks of its template’s permit and acl.conf list', async () => {
    const desk = byExtension(await itemsOf(readAsteriskConfig(sample)), '1002');
    assert.deepEqual(desk.sip, { ha1Md5: 'fa9d82a067cdd65e3cd6535f134781eb' });
    assert.equal(desk.realm, 'pbx.example.com');
    assert.deepEqual(desk.authAcl, ['192.0.2.0/24', '198.51.100.0/24', '198.51.100.77/32']);
    assert.deepEqual(desk.callerId, { name: 'Office Desk', number: '1002' });
    assert.equal(desk.voicemail, undefined);
  });

  it('takes the auth’s user name, a mailbox named on the AOR, and a PIN written with its no-change dash', async () => {
    const items = await itemsOf(readAsteriskConfig(sample));
    const piotr = byExtension(items, '1003');
    assert.equal(piotr.username, 'piotr');
    assert.equal(piotr.realm, undefined, 'an auth without realm leaves it to the domain');
    assert.deepEqual(piotr.sip, { password: 'Fixture-1003-secret;semicolon' });
    assert.deepEqual(piotr.voicemail, { enabled: true, pin: '5150' });
    assert.deepEqual([piotr.firstName, piotr.lastName, piotr.email], ['Piotr Jan', 'Kowalski', 'piotr.kowalski@example.com']);
    assert.deepEqual(byExtension(items, '1004').callerId, { number: '1004' });
  });

  it('reports a malformed line by file and line, an auth= naming nothing, an auth with no password, and reads the rest', async () => {
    assert.deepEqual(problems(await itemsOf(readAsteriskConfig(sample))), [
      { origin: 'pjsip_extra.conf', message: 'line 25 is neither a [section], a setting (name = value) nor a #include' },
      { origin: 'pjsip_extra.conf, endpoint 1005', message: 'auth=1005-auth names no type=auth section' },
      { origin: 'pjsip_extra.conf, endpoint 1006', message: 'auth 1006 has no password' },
    ]);
  });

  it('carries secrets only in the entry’s sip (and the voicemail PIN), never in a problem', async () => {
    const items = await itemsOf(readAsteriskConfig(sample));
    for (const { sip, voicemail, ...rest } of entries(items)) {
      for (const secret of [sip.password, sip.ha1Md5].filter(Boolean)) assert.ok(!JSON.stringify({ rest, voicemail }).includes(secret as string));
    }
    assert.doesNotMatch(JSON.stringify(problems(items)), /Fixture-/, 'the malformed line of pjsip_extra.conf holds a password');
  });

  it('reads the same from the pjsip.conf alone (its includes and voicemail.conf beside it) and from a .tar.gz of the folder', async () => {
    const fromFolder = await itemsOf(readAsteriskConfig(sample));
    assert.deepEqual(await itemsOf(readAsteriskConfig(join(sample, 'pjsip.conf'))), fromFolder);
    const archive = join(scratch, 'asterisk-upload');
    execFileSync('tar', ['-czf', archive, '-C', join(sample, '..'), 'asterisk']);
    assert.deepEqual(await itemsOf(readAsteriskConfig(archive)), fromFolder, 'the archive’s wrapping asterisk/ folder is stepped into');
  });

  describe('an endpoint that cannot be moved is a problem naming it', () => {
    it('an md5 auth without a 32-digit md5_cred, an unknown auth_type, a template never defined', async () => {
      const folder = sampleWith(
        'bad-auths',
        'pjsip_local.conf',
        [
          '[2001]\ntype=endpoint\nauth=2001\n[2001]\ntype=auth\nauth_type=md5\nmd5_cred=Fixture-short',
          '[2002]\ntype=endpoint\nauth=2002\n[2002]\ntype=auth\nauth_type=google_oauth\nrefresh_token=Fixture-token',
          '[2003](missing-template)\ntype=endpoint\nauth=1001',
        ].join('\n'),
      );
      const found = problems(await itemsOf(readAsteriskConfig(folder))).filter((problem) => problem.origin.startsWith('pjsip_local.conf'));
      assert.deepEqual(found, [
        { origin: 'pjsip_local.conf, endpoint 2001', message: 'auth 2001 has no md5_cred of 32 hexadecimal digits' },
        { origin: 'pjsip_local.conf, endpoint 2002', message: 'auth 2002 is auth_type=google_oauth, which holds no SIP secret to move' },
        { origin: 'pjsip_local.conf, endpoint 2003', message: 'inherits from [missing-template], which is not defined above it' },
      ]);
    });

    it('an acl naming no acl.conf list and a permit that is not a network: dropping them would open the account', async () => {
      const folder = sampleWith('bad-acl', 'pjsip_local.conf', '[2004](endpoint-basic)\nauth=1001\nacl=warehouse\npermit=192.0.2.0/255.0.255.0\n');
      const found = problems(await itemsOf(readAsteriskConfig(folder))).filter((problem) => problem.origin.startsWith('pjsip_local.conf'));
      assert.deepEqual(found, [
        {
          origin: 'pjsip_local.conf, endpoint 2004',
          message: 'acl=warehouse names no list in acl.conf; permit 192.0.2.0/255.0.255.0 is not an address or a network',
        },
      ]);
    });
  });

  it('reports a missing #include and an include loop, and never reads a file out of the folder', async () => {
    writeFileSync(join(scratch, 'outside.conf'), '[9999]\ntype=endpoint\nauth=9999\n');
    const folder = sampleWith('includes', 'pjsip_local.conf', '#include gone.conf\n#include pjsip_local.conf\n#include ../outside.conf\n');
    symlinkSync(join(scratch, 'outside.conf'), join(folder, 'linked.conf'));
    writeFileSync(join(folder, 'pjsip_extra.conf'), '#include linked.conf\n');
    const found = problems(await itemsOf(readAsteriskConfig(folder)));
    assert.deepEqual(found, [
      { origin: 'linked.conf', message: 'leads outside the folder (a link or a path out of it): not read' },
      { origin: 'gone.conf', message: 'is not in the folder' },
      { origin: 'pjsip_local.conf', message: 'includes itself (an include loop): not read' },
      { origin: 'pjsip_local.conf', message: 'line 3 includes ../outside.conf, which is outside the folder: not read' },
    ]);
  });

  it('refuses an archive whose entries would land outside its folder', async () => {
    const base = join(scratch, 'traversal');
    mkdirSync(join(base, 'asterisk'), { recursive: true });
    writeFileSync(join(base, 'asterisk', 'pjsip.conf'), '[global]\ntype=global\n');
    writeFileSync(join(base, 'evil.conf'), '');
    const archive = join(scratch, 'traversal.tgz');
    execFileSync('tar', ['-czPf', archive, '-C', join(base, 'asterisk'), 'pjsip.conf', '../evil.conf']);
    await assert.rejects(itemsOf(readAsteriskConfig(archive)), /The archive is refused: \.\.\/evil\.conf is a path outside the archive's folder/);
  });

  it('throws a clear error for a path that does not exist and for a folder or archive without pjsip.conf', async () => {
    assert.throws(() => readAsteriskConfig(join(scratch, 'nowhere')), /nowhere does not exist: give an Asterisk configuration folder holding pjsip\.conf/);
    const empty = join(scratch, 'empty');
    mkdirSync(join(empty, 'a'), { recursive: true });
    mkdirSync(join(empty, 'b'));
    await assert.rejects(itemsOf(readAsteriskConfig(empty)), /empty holds no pjsip\.conf/);
  });
});

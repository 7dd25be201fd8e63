import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { MigrationEntry, MigrationSource, SourceItem } from '../entry.ts';
import { readFreeswitchDirectory } from './freeswitch-directory.ts';

const conf = new URL('fixtures/freeswitch/conf', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'switchboard-freeswitch-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
// Archives are unpacked under the temporary folder: this file's own, so what is left there is this file's doing.
const unpackedUnder = join(scratch, 'tmp');
mkdirSync(unpackedUnder);
process.env.TMPDIR = unpackedUnder;

async function itemsOf(source: MigrationSource): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of source) items.push(item);
  return items;
}

const entries = (items: SourceItem[]) => items.flatMap((item) => ('entry' in item ? [item.entry] : []));
const problems = (items: SourceItem[]) => items.flatMap((item) => ('problem' in item ? [item.problem] : []));
const byUser = (items: SourceItem[], username: string) => entries(items).find((entry) => entry.username === username) as MigrationEntry;

/** A copy of the sample conf folder to break in one place. */
function confCopy(name: string): string {
  const copy = join(scratch, name, 'conf');
  cpSync(conf, copy, { recursive: true });
  return copy;
}

function pack(folder: string, name: string): string {
  const archive = join(scratch, name);
  execFileSync('tar', ['-czf', archive, '-C', folder, '.']);
  return archive;
}

describe('reading a FreeSWITCH directory', () => {
  it('reads every user of every domain in the conf folder, its variables put in from vars.xml', async () => {
    const items = await itemsOf(readFreeswitchDirectory(conf));
    assert.deepEqual(
      entries(items).map((entry) => `${entry.username}@${entry.realm}`),
      ['2000@branch.example.com', '1000@pbx.example.com', '1001@pbx.example.com', '1002@pbx.example.com', '1003@pbx.example.com', 'reception@pbx.example.com'],
    );
    assert.deepEqual(byUser(items, '1000'), {
      origin: 'directory/default/1000.xml, user 1000',
      username: '1000',
      extension: '1000',
      realm: 'pbx.example.com',
      sip: { password: 'Fixture-Default-1234' },
      voicemail: { enabled: true, pin: '1000' },
      callerId: { name: 'Extension 1000', number: '1000' },
      groups: ['sales'],
    });
  });

  it('lists a user in every group that names it, by its definition or by pointer', async () => {
    const items = await itemsOf(readFreeswitchDirectory(conf));
    assert.deepEqual(byUser(items, '1001').groups, ['sales', 'support']);
    assert.deepEqual(byUser(items, '1002').groups, undefined, "FreeSWITCH's stock group is no team");
    assert.equal(byUser(items, '2000').groups, undefined, 'a user listed directly under its domain is in no group');
  });

  it('carries an a1-hash as the MD5 HA1, lower-cased, with no password', async () => {
    const items = await itemsOf(readFreeswitchDirectory(conf));
    assert.deepEqual(byUser(items, '1002').sip, { ha1Md5: 'fa9d82a067cdd65e3cd6535f134781eb' });
  });

  it('takes the cidr attribute or param as the auth ACL, and vm-enabled=false as voicemail turned off', async () => {
    const items = await itemsOf(readFreeswitchDirectory(conf));
    assert.deepEqual(byUser(items, '1001').authAcl, ['192.0.2.0/24', '198.51.100.7/32']);
    assert.deepEqual(byUser(items, '1003').authAcl, ['203.0.113.0/24']);
    assert.deepEqual(byUser(items, '1003').voicemail, { enabled: false, pin: '3333' });
    assert.deepEqual(byUser(items, '1003').callerId, { number: '1003' });
  });

  it('takes a numeric number-alias as the extension of a named user', async () => {
    const reception = byUser(await itemsOf(readFreeswitchDirectory(conf)), 'reception');
    assert.equal(reception.extension, '1004');
    assert.equal(reception.origin, 'directory/default/1004.xml, user reception');
  });

  it('reports a malformed file by its name and line and a pointer to a user defined nowhere, and reads the rest', async () => {
    assert.deepEqual(problems(await itemsOf(readFreeswitchDirectory(conf))), [
      { origin: 'directory/default/1005.xml', message: 'is not well-formed XML (line 8)' },
      { origin: 'domain pbx.example.com, user 1009', message: 'is in group support by pointer but defined nowhere' },
    ]);
  });

  it('reads the same from the directory/ folder alone, finding vars.xml beside it', async () => {
    const fromConf = await itemsOf(readFreeswitchDirectory(conf));
    const fromDirectory = await itemsOf(readFreeswitchDirectory(join(conf, 'directory')));
    assert.deepEqual(fromDirectory, fromConf);
  });

  it('reads the same from a .tar.gz of the conf folder, an upload with no extension, and leaves nothing unpacked', async () => {
    const before = unpackedFolders();
    const archive = pack(join(conf, '..'), 'upload');
    const items = await itemsOf(readFreeswitchDirectory(archive));
    assert.deepEqual(
      items.map((item) => ('entry' in item ? item.entry.origin : item.problem.origin)),
      (await itemsOf(readFreeswitchDirectory(conf))).map((item) => ('entry' in item ? item.entry.origin : item.problem.origin)),
    );
    assert.deepEqual(unpackedFolders(), before);
  });

  it('removes what it unpacked when the reading is stopped early', async () => {
    const before = unpackedFolders();
    for await (const item of readFreeswitchDirectory(pack(conf, 'stopped.tar.gz'))) {
      assert.ok(item);
      break;
    }
    assert.deepEqual(unpackedFolders(), before);
  });

  it('carries secrets only in the entry’s sip (and the voicemail PIN), never in a problem', async () => {
    const items = await itemsOf(readFreeswitchDirectory(conf));
    for (const entry of entries(items)) {
      const { sip, voicemail, ...rest } = entry;
      for (const secret of [sip.password, sip.ha1Md5].filter(Boolean)) assert.ok(!JSON.stringify({ rest, voicemail }).includes(secret as string));
    }
    assert.doesNotMatch(JSON.stringify(problems(items)), /Fixture-|1234/, 'the broken 1005.xml holds a password too');
  });

  describe('a user that cannot be moved is a problem naming it, without the secret', () => {
    it('a password naming a variable vars.xml does not set, and an a1-hash that is not an MD5 digest', async () => {
      const copy = confCopy('unset');
      writeFileSync(
        join(copy, 'directory/default/1006.xml'),
        '<include><user id="1006"><params><param name="password" value="$${no_such_password}"/></params></user></include>',
      );
      writeFileSync(
        join(copy, 'directory/default/1007.xml'),
        '<include><user id="1007"><params><param name="a1-hash" value="Fixture-not-a-digest"/></params></user></include>',
      );
      const found = problems(await itemsOf(readFreeswitchDirectory(copy)));
      assert.deepEqual(
        found.filter((problem) => /100[67]/.test(problem.origin)),
        [
          { origin: 'directory/default/1006.xml, user 1006', message: 'password names $${no_such_password}, which no X-PRE-PROCESS set defines' },
          { origin: 'directory/default/1007.xml, user 1007', message: 'a1-hash is not an MD5 digest (32 hexadecimal digits)' },
        ],
      );
      assert.doesNotMatch(JSON.stringify(found), /Fixture-/);
    });

    it('a user defined twice in one domain: the first is read', async () => {
      const copy = confCopy('twice');
      writeFileSync(
        join(copy, 'directory/default/1999.xml'),
        '<include><user id="1000"><params><param name="password" value="Fixture-again"/></params></user></include>',
      );
      const items = await itemsOf(readFreeswitchDirectory(copy));
      assert.deepEqual(byUser(items, '1000').sip, { password: 'Fixture-Default-1234' });
      assert.ok(
        problems(items).some(
          (problem) =>
            problem.origin === 'directory/default/1999.xml, user 1000' &&
            problem.message === 'is defined again in domain pbx.example.com; the one in directory/default/1000.xml is read',
        ),
      );
    });
  });

  it('reads nothing outside the folder: an include leading out of it, a link out of it', async () => {
    const copy = confCopy('outside');
    writeFileSync(
      join(copy, '..', 'secret.xml'),
      '<include><user id="6666"><params><param name="password" value="Fixture-outside"/></params></user></include>',
    );
    writeFileSync(
      join(copy, 'directory/outside.xml'),
      '<include><domain name="outside.example.com"><users><X-PRE-PROCESS cmd="include" data="../../*.xml"/></users></domain></include>',
    );
    symlinkSync(join(copy, '..', 'secret.xml'), join(copy, 'directory/default/1006.xml'));
    const items = await itemsOf(readFreeswitchDirectory(copy));
    assert.equal(byUser(items, '6666'), undefined);
    assert.deepEqual(
      problems(items).filter((problem) => /outside|1006/.test(problem.origin)),
      [
        { origin: 'directory/default/1006.xml', message: 'leads outside the folder (a link or a path out of it): not read' },
        { origin: 'directory/outside.xml', message: 'includes ../../*.xml, which is outside the folder: not read' },
      ],
    );
  });

  it('refuses an archive whose entries would land outside its folder, unpacking nothing', async () => {
    const base = join(scratch, 'traversal');
    mkdirSync(join(base, 'conf'), { recursive: true });
    writeFileSync(join(base, 'evil.xml'), '<include/>');
    const archive = join(scratch, 'traversal.tgz');
    execFileSync('tar', ['-czPf', archive, '-C', join(base, 'conf'), '.', '../evil.xml']);
    const before = unpackedFolders();
    await assert.rejects(itemsOf(readFreeswitchDirectory(archive)), /The archive is refused: \.\.\/evil\.xml is a path outside the archive's folder/);
    assert.deepEqual(unpackedFolders(), before);
  });

  it('refuses an archive holding a link to a place outside it', async () => {
    const copy = confCopy('link-archive');
    symlinkSync('/etc/passwd', join(copy, 'directory/default/1006.xml'));
    await assert.rejects(itemsOf(readFreeswitchDirectory(pack(copy, 'link.tgz'))), /1006\.xml is a link to a place outside the archive's folder/);
  });

  it('throws a clear error for a path that does not exist, a file that is not a .tar.gz, and a gzip that is not a tar', async () => {
    assert.throws(() => readFreeswitchDirectory(join(scratch, 'nowhere')), /nowhere does not exist: give a FreeSWITCH conf\/ or directory\/ folder/);
    const text = join(scratch, 'notes.txt');
    writeFileSync(text, 'not an archive');
    assert.throws(() => readFreeswitchDirectory(text), /notes\.txt is not a FreeSWITCH conf\/ or directory\/ folder, or a \.tar\.gz of one/);
    const gzip = join(scratch, 'notes.gz');
    execFileSync('sh', ['-c', `gzip -c "${text}" > "${gzip}"`]);
    await assert.rejects(itemsOf(readFreeswitchDirectory(gzip)), /The archive is refused: it is not a readable \.tar\.gz/);
  });
});

function unpackedFolders(): string[] {
  return readdirSync(unpackedUnder);
}

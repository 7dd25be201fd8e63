import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import type { MigrationEntry, SourceItem } from '../entry.ts';
import { readWebitelExport } from './webitel.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../../../../test/fixtures/${name}`, import.meta.url));
const md5Of = (text: string) => createHash('md5').update(text).digest('hex');
const scratch = mkdtempSync(join(tmpdir(), 'switchboard-webitel-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function written(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

async function collect(source: AsyncIterable<SourceItem>): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  for await (const item of source) items.push(item);
  return items;
}

const originsOf = (items: SourceItem[]) => items.map((item) => ('entry' in item ? item.entry.origin : `problem ${item.problem.origin}`));

function entry(items: SourceItem[], origin: string): MigrationEntry {
  const found = items.find((item) => 'entry' in item && item.entry.origin === origin);
  assert.ok(found && 'entry' in found, `no entry ${origin}`);
  return found.entry;
}

function problem(items: SourceItem[], origin: string): string {
  const found = items.find((item) => 'problem' in item && item.problem.origin === origin);
  assert.ok(found && 'problem' in found, `no problem ${origin}`);
  return found.problem.message;
}

describe('Webitel v3: the JSON its users API answers', () => {
  test('yields every user in order, leaves deleted users behind and makes one without username a problem', async () => {
    const items = await collect(readWebitelExport(fixture('webitel-v3-users-api.json')));
    assert.deepEqual(originsOf(items), ['items[0] (zofia.wojcik)', 'items[1] (lukasz)', 'problem items[3] (id 4)', 'items[4] (ivan.petrenko)']);
    assert.equal(problem(items, 'items[3] (id 4)'), 'The user has no username');
  });

  test('maps username, extension, e-mail and the name; the user keeps no SIP secret to carry', async () => {
    const items = await collect(readWebitelExport(fixture('webitel-v3-users-api.json')));
    assert.deepStrictEqual(entry(items, 'items[0] (zofia.wojcik)'), {
      origin: 'items[0] (zofia.wojcik)',
      username: 'zofia.wojcik',
      extension: '2001',
      email: 'zofia.wojcik@example.pl',
      firstName: 'Zofia',
      lastName: 'Wójcik',
      sip: {},
    });
    assert.deepStrictEqual(entry(items, 'items[1] (lukasz)'), {
      origin: 'items[1] (lukasz)',
      username: 'lukasz',
      extension: '2002',
      firstName: 'Łukasz',
      sip: {},
    });
    assert.deepStrictEqual(entry(items, 'items[4] (ivan.petrenko)'), {
      origin: 'items[4] (ivan.petrenko)',
      username: 'ivan.petrenko',
      email: 'ivan.petrenko@example.ua',
      firstName: 'Іван',
      lastName: 'Петренко',
      sip: {},
    });
  });

  test('an answer that says more pages follow ends with a problem, so no one is silently left behind', async () => {
    const path = written('one-page.json', JSON.stringify({ items: [{ id: '1', username: 'anna', extension: '3001' }], next: true }));
    const items = await collect(readWebitelExport(path));
    assert.deepEqual(originsOf(items), ['items[0] (anna)', 'problem next']);
    assert.match(problem(items, 'next'), /more pages follow/);
  });
});

describe('Webitel v2: its directory export', () => {
  test('yields every user in order; the id is the username and the extension', async () => {
    const items = await collect(readWebitelExport(fixture('webitel-v2-directory.json')));
    assert.deepEqual(originsOf(items), ['users[0] (1001)', 'users[1] (1002)', 'problem users[2] (1003)', 'problem users[3]', 'users[4] (1005)']);
  });

  test('maps the password, the voicemail PIN, the realm and the five agent timers one to one', async () => {
    const items = await collect(readWebitelExport(fixture('webitel-v2-directory.json')));
    assert.deepStrictEqual(entry(items, 'users[0] (1001)'), {
      origin: 'users[0] (1001)',
      username: '1001',
      extension: '1001',
      realm: 'pbx.example.pl',
      firstName: 'Zofia',
      lastName: 'Wójcik',
      email: 'zofia@example.pl',
      sip: { password: 'S3cret-0x9Q!' },
      voicemail: { enabled: true, pin: '7391' },
      agent: { wrapUpTime: 10, maxNoAnswer: 3, busyDelay: 90, rejectDelay: 60, noAnswerDelay: 30 },
    });
  });

  test('reads keys as a spreadsheet spells them (Id, Access PIN); a user who is no agent carries no agent timers', async () => {
    const items = await collect(readWebitelExport(fixture('webitel-v2-directory.json')));
    assert.deepStrictEqual(entry(items, 'users[1] (1002)'), {
      origin: 'users[1] (1002)',
      username: '1002',
      extension: '1002',
      firstName: 'Łukasz',
      lastName: 'Żółkiewski',
      sip: { password: 'S3cret-1x9Q!' },
      voicemail: { enabled: true, pin: '7404' },
    });
  });

  test('timers that are no whole seconds are one problem naming each of them; a user without id is a problem', async () => {
    const items = await collect(readWebitelExport(fixture('webitel-v2-directory.json')));
    assert.equal(
      problem(items, 'users[2] (1003)'),
      'cc-agent-wrap-up-time "ten" is not a whole number of seconds; cc-agent-max-no-answer -1 is not a whole number of seconds',
    );
    assert.equal(problem(items, 'users[3]'), 'The user has no id (its number, which is its login and extension)');
  });

  test('a numeric id is read as the number it spells; a disabled voicemail keeps its PIN', async () => {
    const items = await collect(readWebitelExport(fixture('webitel-v2-directory.json')));
    const malgorzata = entry(items, 'users[4] (1005)');
    assert.deepEqual([malgorzata.username, malgorzata.extension], ['1005', '1005']);
    assert.deepEqual(malgorzata.voicemail, { enabled: false, pin: '7430' });
  });
});

describe('Webitel v2: its accounts API answers gathered under data', () => {
  test('keeps the a1-hash as the MD5 digest phones register with, lower-cased', async () => {
    const items = await collect(readWebitelExport(fixture('webitel-v2-accounts-api.json')));
    assert.equal(entry(items, 'data.100').sip.ha1Md5, md5Of('100:10.10.10.144:Igor-Phone-100'));
    assert.equal(entry(items, 'data.101').sip.ha1Md5, md5Of('101:10.10.10.144:Olena-Phone-101'));
    assert.equal(problem(items, 'data.102'), 'a1-hash is not an MD5 digest (32 hexadecimal digits)');
  });

  test('reads variable_ keys, the webitel-extensions parameter and the voicemail address as the e-mail', async () => {
    const items = await collect(readWebitelExport(fixture('webitel-v2-accounts-api.json')));
    assert.deepStrictEqual(entry(items, 'data.100'), {
      origin: 'data.100',
      username: '100',
      extension: '100',
      realm: '10.10.10.144',
      firstName: 'Igor',
      lastName: 'Shevchenko',
      email: 'igor@example.ua',
      sip: { ha1Md5: md5Of('100:10.10.10.144:Igor-Phone-100') },
      voicemail: { enabled: true, pin: '1234' },
      callerId: { name: 'Igor Shevchenko', number: '+380441234567' },
      agent: { maxNoAnswer: 3 },
    });
  });

  test("spreads the create body's parameters and variables lists; a caller ID name that is the number names no one", async () => {
    const items = await collect(readWebitelExport(fixture('webitel-v2-accounts-api.json')));
    assert.deepStrictEqual(entry(items, 'data.101'), {
      origin: 'data.101',
      username: '101',
      extension: '7101',
      realm: '10.10.10.144',
      sip: { ha1Md5: md5Of('101:10.10.10.144:Olena-Phone-101') },
      voicemail: { enabled: false },
    });
  });
});

describe('A Webitel export that cannot be read', () => {
  test('a missing file is a clear error', async () => {
    await assert.rejects(collect(readWebitelExport(join(scratch, 'missing.json'))), /^Error: Cannot read the Webitel export .*missing\.json: ENOENT$/);
  });

  test('a file that is not JSON is refused without quoting it, for it may hold passwords', async () => {
    const path = written('broken.json', '[{ "id": "1001", "password": "Do-Not-Repeat-Me" ');
    const error = await collect(readWebitelExport(path)).then(
      () => assert.fail('read a broken file'),
      (failure: unknown) => failure as Error,
    );
    assert.equal(error.message, `The Webitel export ${path} is not JSON`);
  });

  test('JSON of neither shape is refused, naming the shapes it can read', async () => {
    const path = written('other.json', JSON.stringify({ users: [{ id: '1001' }] }));
    await assert.rejects(collect(readWebitelExport(path)), /is neither a users API answer \(\{ "items": \[\.\.\.\] \}\) nor a directory export/);
  });
});

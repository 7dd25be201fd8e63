import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeCsv, detectDelimiter } from './csv-decoding.ts';
import { importColumns, mapHeaders } from './columns.ts';
import { rowToUser } from './rows.ts';

/** Rows of a fixture, split naively: the fixtures have no quoted delimiters. */
const rowsOf = (name: string) => {
  const { text } = decodeCsv(readFileSync(new URL(`../../../test/fixtures/${name}`, import.meta.url)));
  const delimiter = detectDelimiter(text);
  const [header, ...rows] = text
    .trim()
    .split(/\r?\n/)
    .map((line) => line.split(delimiter));
  return { headers: header as string[], columns: mapHeaders(header as string[]).columns, rows };
};

describe('a CSV row as a user', () => {
  it('reads a Webitel v2 directory row: the Id is login and extension, the timers are agent settings, the PIN is the voicemail PIN', () => {
    const file = rowsOf('webitel-v2-directory.csv');
    const { user, problems } = rowToUser(2, file.headers, file.columns, file.rows[0] as string[], { roles: ['agent'] });
    assert.deepEqual(problems, []);
    assert.equal(user?.login, '1001');
    assert.deepEqual([user?.firstName, user?.lastName], ['Zofia', 'Wójcik']);
    assert.equal(user?.sip?.extension, '1001');
    assert.equal(user?.sip?.voicemail.pin, '7391');
    assert.deepEqual([user?.agent?.enabled, user?.agent?.wrapUpTime, user?.agent?.maxNoAnswer, user?.agent?.noAnswerDelay], [true, 10, 3, 30]);
    assert.deepEqual(user?.roles, ['user'], "Webitel's role names are kept; an unknown one is refused when the row is written");
  });

  it('reports every problem with its row, the column of the file and the value — but never a secret cell', () => {
    const headers = ['username', 'e-mail', 'numer wewnętrzny', 'ACW timeout (seconds)', 'Access PIN'];
    const { user, problems } = rowToUser(7, headers, mapHeaders(headers).columns, ['łukasz.1', 'not-an-email', '12a', '99999', '12'], { roles: ['agent'] });
    assert.equal(user, null);
    assert.deepEqual(problems.map((p) => [p.row, p.column, p.value]).sort(), [
      [7, 'ACW timeout (seconds)', '99999'],
      [7, 'Access PIN', ''],
      [7, 'e-mail', 'not-an-email'],
      [7, 'numer wewnętrzny', '12a'],
      [7, 'username', 'łukasz.1'],
    ]);
  });

  it('reads back what the export wrote, apostrophes against formulas included', () => {
    const headers = importColumns.filter((c) => ['login', 'firstName', 'callerIdNumber', 'skills', 'agent'].includes(c));
    const cells = headers.map(
      (c) => ({ login: 'ann', firstName: "'=cmd", callerIdNumber: "'+48221000005", skills: 'Polish:80|English:40', agent: 'true' })[c] as string,
    );
    const { user, problems } = rowToUser(2, headers, mapHeaders(headers).columns, cells, { roles: ['agent'] });
    assert.deepEqual(problems, []);
    assert.deepEqual(
      [user?.firstName, user?.sip?.callerId.number, user?.agent?.skills],
      [
        '=cmd',
        '+48221000005',
        [
          { skill: 'Polish', level: 80 },
          { skill: 'English', level: 40 },
        ],
      ],
    );
  });
});

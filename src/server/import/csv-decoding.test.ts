import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeCsv, detectDelimiter } from './csv-decoding.ts';
import { headerProblems, mapHeaders } from './columns.ts';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/${name}`, import.meta.url));
const headersOf = (name: string) => {
  const { text } = decodeCsv(fixture(name));
  return (text.split(/\r?\n/)[0] as string).split(detectDelimiter(text));
};

describe('reading the files administrators have', () => {
  it('tells UTF-8, Windows-1250 and Windows-1251 apart and decodes the names', () => {
    const polish = decodeCsv(fixture('excel-pl-cp1250.csv'));
    assert.equal(polish.encoding, 'windows-1250');
    assert.match(polish.text, /Łukasz;Żółkiewski/);
    assert.match(polish.text, /Brzęczyszczykiewicz/);
    const ukrainian = decodeCsv(fixture('excel-ua-cp1251.csv'));
    assert.equal(ukrainian.encoding, 'windows-1251');
    assert.match(ukrainian.text, /Олена,Шевченко/);
    assert.match(ukrainian.text, /Ірина,Ґудзь/);
    const utf8 = decodeCsv(fixture('webitel-v3-users.csv'));
    assert.equal(utf8.encoding, 'utf-8');
    assert.match(utf8.text, /Łukasz Żółkiewski/);
    assert.equal(decodeCsv(Buffer.from('\uFEFFlogin\nann\n')).text, 'login\nann\n', 'a BOM is dropped');
    assert.equal(decodeCsv(fixture('excel-pl-cp1250.csv'), 'windows-1251').encoding, 'windows-1251', 'a given encoding wins');
  });

  it('finds the delimiter of the header line, ignoring quoted ones', () => {
    assert.equal(detectDelimiter(decodeCsv(fixture('webitel-v2-directory.csv')).text), ';');
    assert.equal(detectDelimiter(decodeCsv(fixture('amazon-connect-users.csv')).text), ',');
    assert.equal(detectDelimiter('login\tname\nann\tAnn\n'), '\t');
    assert.equal(detectDelimiter('"a;b;c",d\n'), ',');
  });

  it('maps the headers of Webitel, Amazon Connect and Excel files onto our columns', () => {
    assert.deepEqual(mapHeaders(headersOf('webitel-v2-directory.csv')).columns, [
      ['login', 'extension'],
      ['password'],
      ['voicemailPin'],
      ['roles'],
      ['name'],
      ['agent'],
      ['wrapUpTime'],
      ['maxNoAnswer'],
      ['busyDelay'],
      ['rejectDelay'],
      ['noAnswerDelay'],
    ]);
    assert.deepEqual(mapHeaders(headersOf('webitel-v3-users.csv')).columns, [['login'], ['name'], ['extension'], ['email']]);
    assert.deepEqual(mapHeaders(headersOf('excel-pl-cp1250.csv')).columns, [['login'], ['firstName'], ['lastName'], ['email'], ['extension']]);
    assert.deepEqual(mapHeaders(headersOf('excel-ua-cp1251.csv')).columns, [['login'], ['firstName'], ['lastName'], ['email'], ['extension']]);
    const amazon = mapHeaders(headersOf('amazon-connect-users.csv'));
    assert.deepEqual(amazon.columns.slice(0, 5), [['firstName'], ['lastName'], ['email'], ['password'], ['login']]);
    assert.deepEqual(
      amazon.unknown.map((u) => u.header),
      ['routing profile name', 'phone type (soft/desk)', 'soft phone auto accept (yes/no)'],
      'columns we have no field for are reported',
    );
  });

  it('refuses a header line of too many or too long headers, quoting none whole', () => {
    const many = Array.from({ length: 201 }, (_, n) => `column ${n}`);
    assert.deepEqual(
      headerProblems(many, mapHeaders(many).columns).map((p) => p.code),
      ['import.too_many_columns'],
    );
    const long = ['login', 'q'.repeat(201), `${'r'.repeat(60)}`, `${'R'.repeat(60)}`];
    const problems = headerProblems(long, mapHeaders(long).columns);
    assert.deepEqual(
      problems.map((p) => `${p.path} ${p.code}`),
      ['headers/2 import.header_too_long', 'headers/4 import.duplicate_header'],
    );
    assert.ok(
      problems.every((p) => p.message.length < 120),
      'headers are quoted cut',
    );
  });
});

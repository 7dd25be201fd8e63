import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { openEvents } from '../../../test/events-client.ts';
import { forEachEngine } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';
const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/${name}`, import.meta.url));
/** An argon2 hash as another system stores it: its parameters hold commas. */
const ARGON = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo';

forEachEngine('reading an uploaded CSV file strictly', (h) => {
  const upload = (file: string | Buffer, query = '', headers: Record<string, string> = {}) =>
    h().app.inject({
      method: 'POST',
      url: `${base}/users/import${query}`,
      payload: file,
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${h().admin.token}`, ...headers },
    });
  const count = async (prefix: string) => (await h().storage.db.selectFrom('users').select('id').where('login_key', 'like', `${prefix}%`).execute()).length;
  const waitFor = async (id: string) => {
    for (let i = 0; i < 600; i += 1) {
      const job = (await h().admin.get(`${base}/jobs/${id}`)).body;
      if (job.state !== 'running') return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the job did not finish');
  };
  const refusal = (response: Awaited<ReturnType<typeof upload>>) => {
    assert.equal(response.statusCode, 400, response.body.slice(0, 500));
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    return response.json().errors.map((e: { path: string; code: string }) => `${e.path} ${e.code}`);
  };

  it('answers a quote never closed or a stray quote with 400 naming the row and the line, not 500', async () => {
    const unclosed = await upload('login,firstName\nquote-1,Ann\nquote-2,"Bob\nquote-3,Cy\n');
    assert.deepEqual(refusal(unclosed), ['rows/3 import.quote_not_closed']);
    assert.match(unclosed.json().errors[0].message, /line 4/);
    for (const row of ['quote-2,Bo"b', 'quote-2,"Bob"by']) {
      const stray = await upload(`login,firstName\nquote-1,Ann\n\n${row}\n`);
      assert.deepEqual(refusal(stray), ['rows/3 import.stray_quote'], row);
      assert.match(stray.json().errors[0].message, /Row 3 \(line 4\)/, 'the empty line is counted as a line, not a row');
    }
    const started = await upload('login,firstName\nquote-1,"Ann\n', '', { prefer: 'respond-async' });
    const job = await waitFor(started.json().id);
    assert.deepEqual([job.state, job.error.status, job.error.errors[0].code], ['failed', 400, 'import.quote_not_closed']);
    assert.equal(await count('quote-'), 0);
  });

  it('refuses a header line over the limit with a short problem, and no event carries the file', async () => {
    const header = `login,${'x'.repeat(100_000)}`;
    const sync = await upload(`${header}\nhuge-1,Ann\n`);
    assert.deepEqual(refusal(sync), ['rows/1 import.header_too_long']);
    assert.ok(sync.body.length < 1000, `the answer is ${sync.body.length} bytes`);

    const url = await h().app.listen({ host: '127.0.0.1', port: 0 });
    const events = await openEvents(url, 'default', h().admin.token as string);
    try {
      const started = await upload(`${header}\nhuge-1,Ann\n`, '', { prefer: 'respond-async' });
      const failed = await events.next((m) => m.type === 'job' && m.data.id === started.json().id && m.data.state === 'failed', 10_000);
      assert.deepEqual(failed.data.error, { status: 400, code: 'request.invalid' });
      assert.ok(JSON.stringify(failed).length < 1000, `the event is ${JSON.stringify(failed).length} bytes`);
      const job = await h().admin.get(`${base}/jobs/${started.json().id}`);
      assert.ok(JSON.stringify(job.body).length < 2000, `the job is ${JSON.stringify(job.body).length} bytes`);

      // A finished import's event carries its counts, not its report (which quotes cells).
      const longName = `Name-${'y'.repeat(5000)}`;
      const partial = await upload(`login,firstName\nlong-1,${longName}\nlong-2,Ann\n`, '?mode=partial', { prefer: 'respond-async' });
      const done = await events.next((m) => m.type === 'job' && m.data.id === partial.json().id && m.data.state === 'succeeded', 10_000);
      assert.deepEqual([done.data.result, done.data.progress.created, done.data.progress.problems], [undefined, 1, 1]);
      assert.equal(JSON.stringify(events.messages).includes('yyyyyyyyyy'), false, 'no event quotes a cell');
      const report = (await waitFor(partial.json().id)).result;
      assert.equal(report.problems[0].value, `${longName.slice(0, 39)}…`, 'a problem quotes a cut excerpt');
    } finally {
      await events.close();
    }
  });

  it('refuses a row or a cell over its limit with a problem naming it, never quoting it', async () => {
    const cell = 'z'.repeat(14_000);
    const long = await upload(`login,firstName,lastName,position,description,tags\nrow-1,Ann,Lee,,,\nrow-2,${[cell, cell, cell, cell, cell].join(',')}\n`);
    assert.deepEqual(refusal(long), ['rows/3 import.row_too_long']);
    assert.ok(long.body.length < 1000);
    const wide = await upload(`login,description\ncell-1,${'w'.repeat(20_000)}\ncell-2,Fine\n`);
    assert.deepEqual(refusal(wide), ['rows/2/description import.invalid_cell']);
    assert.equal(wide.body.includes('wwwwwwwwww'), false);
    assert.equal(await count('cell-'), 0);
  });

  it('refuses a row with more or fewer cells than the header, and repeats none of its cells anywhere', async () => {
    const file = `login,passwordHash,voicemailPin,extension\nshift-1,${ARGON},4321,5001\nshift-2,,,5002\nshift-3,,5003\n`;
    const atomic = await upload(file);
    assert.deepEqual(refusal(atomic), ['rows/2/row import.invalid_cell', 'rows/4/row import.invalid_cell']);
    for (const leaked of ['argon2', 't=2', 'p=1', '4321']) assert.equal(atomic.body.includes(leaked), false, leaked);

    const started = await upload(file, '?mode=partial', { prefer: 'respond-async' });
    const job = await waitFor(started.json().id);
    assert.deepEqual([job.result.created, job.result.problemCount], [1, 2]);
    const errors = await h().app.inject({ method: 'GET', url: `${base}/jobs/${job.id}/report.csv`, headers: { authorization: `Bearer ${h().admin.token}` } });
    for (const leaked of ['argon2', 't=2', 'p=1', '4321']) assert.equal(`${JSON.stringify(job)}${errors.body}`.includes(leaked), false, leaked);
    const stored = await h().storage.db.selectFrom('users').select('login').where('login_key', 'like', 'shift-%').execute();
    assert.deepEqual(
      stored.map((u) => u.login),
      ['shift-2'],
    );
  });

  it('refuses a header repeated in any case, by alias or by the mapping given, naming both', async () => {
    const cases: [string, string, string, string][] = [
      ['login,login', '', 'headers/2', 'header 1'],
      ['login,password,Password', '', 'headers/3', 'header 2'],
      ['login,username', '', 'headers/2', 'header 1'],
      ['Id,extension', '', 'headers/2', 'header 1'],
      ['login,Agent code', `?columns=${encodeURIComponent(JSON.stringify({ 'Agent code': 'login' }))}`, 'headers/2', 'header 1'],
    ];
    for (const [header, query, path, earlier] of cases) {
      const refused = await upload(
        `${header}\ndup-1,${header
          .split(',')
          .slice(1)
          .map(() => 'dup-1')
          .join(',')}\n`,
        query,
      );
      assert.deepEqual(refusal(refused), [`${path} import.duplicate_header`], header);
      assert.ok(refused.json().errors[0].message.includes(earlier), header);
    }
    assert.equal(await count('dup-'), 0);
  });

  it('refuses bytes that are not UTF-8 when UTF-8 is given, instead of storing U+FFFD', async () => {
    const polish = fixture('excel-pl-cp1250.csv');
    assert.deepEqual(refusal(await upload(polish, '?encoding=utf-8')), ['lines/1 import.not_utf8']);
    // Past the first 64 KiB, from which the encoding is told.
    const rows = Array.from({ length: 6000 }, (_, n) => `utf-${n},Ann\n`).join('');
    const late = Buffer.concat([Buffer.from(`login,firstName\n${rows}utf-late,`), Buffer.from([0x8c, 0xf3]), Buffer.from('\n')]);
    assert.deepEqual(refusal(await upload(late, '?encoding=utf-8')), ['lines/6002 import.not_utf8']);
    assert.deepEqual(refusal(await upload(late)), ['lines/6002 import.not_utf8'], 'nor when UTF-8 is detected from the start of the file');
    assert.equal(await count('utf-'), 0);
    const read = await upload(polish, '?encoding=windows-1250&mode=partial&dryRun=true');
    assert.equal(read.json().problems[0].value, 'łukasz1', 'the right encoding reads it');
  });

  it('refuses a NUL in every encoding', async () => {
    for (const encoding of ['', '?encoding=utf-8', '?encoding=windows-1250', '?encoding=windows-1251']) {
      const refused = await upload(Buffer.from('login,firstName\nnul-1,Ann\nnul-2,A\0B\n'), encoding);
      assert.deepEqual(refusal(refused), ['lines/3 import.nul_character'], encoding);
    }
    assert.equal(await count('nul-'), 0);
  });
});

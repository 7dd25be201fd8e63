import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';

forEachEngine("an import row's problems, all at once, and what a retry needs", (h) => {
  const upload = (file: string, query = '') =>
    h().app.inject({
      method: 'POST',
      url: `${base}/users/import${query}`,
      payload: file,
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${h().admin.token}` },
    });
  const problemsOf = (report: { problems: { row: number; column: string; code: string }[] }) =>
    report.problems.map((p) => `${p.row} ${p.column} ${p.code}`).sort();

  it('tells a bad login, a taken extension and an unknown role of one row in one answer', async () => {
    assert.equal((await h().admin.post(`${base}/users`, { login: 'holder-7101', roles: ['agent'], sip: { extension: '7101' } })).status, 201);
    const file = 'login;extension;roles;e-mail\nbad login!;7101;agent|Nobody;fine-1@example.com\n';
    const checked = (await upload(file, '?dryRun=true')).json();
    assert.deepEqual(problemsOf(checked), ['2 extension sip.extension_taken', '2 login input.invalid_format', '2 roles role.unknown']);
    assert.deepEqual(checked.failedRows, [[2, 2]]);

    const refused = await upload(file);
    assert.equal(refused.statusCode, 400);
    assert.deepEqual(
      refused
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
      ['rows/2/extension', 'rows/2/login', 'rows/2/roles'],
    );

    const fixed = (await upload('login;extension;roles;e-mail\ngood-login;7102;agent;fine-1@example.com\n')).json();
    assert.deepEqual([fixed.created, fixed.problemCount], [1, 0], 'fixed in one round');
  });

  it('tells every directory problem of a row whose cells all read: taken e-mail, taken extension, unknown group and skill', async () => {
    assert.equal(
      (await h().admin.post(`${base}/users`, { login: 'holder-7201', email: 'taken-7201@example.com', roles: ['agent'], sip: { extension: '7201' } })).status,
      201,
    );
    const file = 'login,email,extension,groups,agent,skills\nfresh-7202,taken-7201@example.com,7201,Nowhere,true,Klingon:50\n';
    const checked = (await upload(file, '?dryRun=true')).json();
    assert.deepEqual(problemsOf(checked), ['2 email user.email_taken', '2 extension sip.extension_taken', '2 groups group.unknown', '2 skills skill.unknown']);
  });

  it('tells a login repeated in the file or existing already beside the row’s other problems', async () => {
    const file = 'login,extension,roles\nrepeat-1,7301,agent\nrepeat-1,7301,Nobody\n';
    const checked = (await upload(file, '?dryRun=true')).json();
    assert.deepEqual(problemsOf(checked), ['3 extension sip.extension_taken', '3 login import.same_login', '3 roles role.unknown']);
    assert.deepEqual(checked.problems.find((p: { code: string }) => p.code === 'import.same_login').params, { row: 2 });
  });

  it('tells rows of one chunk that collide with each other as problems of the later rows, and writes the others (partial mode)', async () => {
    const file =
      'login,email,extension\ndup-1,dup-1@example.com,7501\nDUP-1,dup-2@example.com,7502\ndup-3,Dup-1@example.com,7503\ndup-4,dup-4@example.com,7501\n';
    const answer = await upload(file, '?mode=partial');
    assert.equal(answer.statusCode, 200, answer.body);
    const report = answer.json();
    assert.deepEqual(problemsOf(report), ['3 login import.same_login', '4 email user.email_taken', '5 extension sip.extension_taken']);
    assert.equal(report.created, 1);
    const listed = (await h().admin.get(`${base}/users?q=dup-`)).body;
    assert.deepEqual(
      listed.items.map((u: { login: string }) => u.login),
      ['dup-1'],
    );
  });

  it('gives the schema’s problems a code and the words’ parameters, never the cell', async () => {
    const checked = (await upload('login,wrapUpTime,active\nparams-1,99999,perhaps\n', '?dryRun=true')).json();
    const wrapUp = checked.problems.find((p: { column: string }) => p.column === 'wrapUpTime');
    assert.equal(wrapUp.code, 'input.too_big');
    assert.equal(wrapUp.params.origin, 'number');
    assert.equal(typeof wrapUp.params.maximum, 'number');
    const active = checked.problems.find((p: { column: string }) => p.column === 'active');
    assert.deepEqual([active.code, active.params.expected, active.params.input], ['input.invalid_type', 'boolean', '']);
  });

  it('names every failed row of a partial import, and its error file has only those, in the file’s delimiter, secrets left empty', async () => {
    const rows = [
      'login;password;voicemailPin;extension;description',
      'kept-1;Quiet-Otter-Rows-19!;7391;7401;Sales, night',
      'bad one;Quiet-Otter-Rows-19!;7392;7402;Sales, day',
      'kept-2;;;7403;',
      'bad two;;;7404;',
    ];
    const started = await h().app.inject({
      method: 'POST',
      url: `${base}/users/import?mode=partial`,
      payload: rows.join('\n'),
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${h().admin.token}`, prefer: 'respond-async' },
    });
    let job = started.json();
    for (let i = 0; i < 200 && job.state === 'running'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = (await h().admin.get(`${base}/jobs/${job.id}`)).body;
    }
    assert.deepEqual(
      [job.result.created, job.result.failedRows, job.result.failedRowsComplete],
      [
        2,
        [
          [3, 3],
          [5, 5],
        ],
        true,
      ],
    );
    const errors = await h().app.inject({ method: 'GET', url: `${base}/jobs/${job.id}/report.csv`, headers: { authorization: `Bearer ${h().admin.token}` } });
    const lines = errors.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    assert.equal(lines.length, 3, 'the header and the two failed rows, not the rows imported');
    assert.equal(lines[0], 'login;password;voicemailPin;extension;description;error');
    assert.match(lines[1] as string, /^bad one;;;7402;Sales, day;"?login: /);
    assert.equal(errors.body.includes('7392') || errors.body.includes('Quiet-Otter'), false, 'no secret cell comes back');
  });
  it('tells the problems of three chunks chunk by chunk, and their failed rows as runs, while chunks are read ahead', async () => {
    // Row 2 is the header's next line; a chunk is 1,000 rows. A chunk tells its rows of the wrong
    // shape first, then what its check finds (here logins a chunk before wrote); chunk after chunk.
    const lines = ['login;extension'];
    for (let n = 0; n < 2500; n += 1) lines.push(`order-${n};${73_000 + n}`);
    const row = (r: number) => r - 1;
    for (const r of [900, 1900, 2400]) lines[row(r)] = 'one;two;three';
    for (const r of [1500, 2500]) lines[row(r)] = `order-10;${79_000 + r}`;
    lines[row(1501)] = 'order-11;79999';
    const answer = await upload(lines.join('\n'), '?mode=partial');
    assert.equal(answer.statusCode, 200, answer.body);
    const report = answer.json();
    assert.deepEqual(
      report.problems.map((p: { row: number; code: string }) => `${p.row} ${p.code}`),
      [
        '900 import.cell_count',
        '1900 import.cell_count',
        '1500 import.user_exists',
        '1501 import.user_exists',
        '2400 import.cell_count',
        '2500 import.user_exists',
      ],
    );
    assert.deepEqual(report.failedRows, [
      [900, 900],
      [1500, 1501],
      [1900, 1900],
      [2400, 2400],
      [2500, 2500],
    ]);
    assert.equal(report.created, 2500 - 6);
  });
});

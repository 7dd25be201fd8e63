import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ADMIN_PASSWORD, type Harness } from '../harness.ts';
import { consoleUnderTest, engines, screenshot, signIn } from './browser.ts';
import { seriousViolations } from './axe.ts';

const base = '/api/v1/domains/default';

/** A CSV file written where the file chooser can take it. */
function csvFile(name: string, text: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'console-import-retry-')), name);
  writeFileSync(path, text);
  return path;
}

for (const engine of engines) {
  describe(`fixing an import's failed rows in the wizard [${engine}]`, () => {
    const started = consoleUnderTest(engine);
    let h: Harness;
    let url: string;
    let page: Page;
    before(async () => {
      const { h: harness, url: address, browser } = started();
      h = harness;
      url = address;
      // The console's CSP allows no injected script; axe is one.
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
      page = await context.newPage();
      await h.admin.post(`${base}/groups`, { name: 'Night' });
      await h.admin.post(`${base}/users`, { login: 'desk-holder', roles: ['agent'], sip: { extension: '7601' } });
      await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD });
      await page.locator('[role=row][data-login="admin"]').waitFor();
    });

    const choose = async (path: string, mode: 'All rows or none' | 'The valid rows') => {
      await page.goto(`${url}/users/import`);
      await page.locator('input[type=file]').setInputFiles(path);
      await page.getByRole('combobox', { name: 'Mode' }).click();
      await page.getByRole('option', { name: mode }).click();
    };
    const summary = () => page.getByTestId('import-summary').innerText();

    it('imports the valid rows, then only the fixed failed rows, keeping their passwords, PINs, semicolons and commas', async () => {
      const file = csvFile(
        'semicolons.csv',
        [
          'login;password;voicemailPin;extension;groups;description',
          'kept-1;Quiet-Otter-Rows-19!;7391;7602;Night;Day, early',
          'bad login;Loud-Badger-Swims-27!;7392;7603;Night;Sales, night shift',
          'taken-3;Calm-Heron-Walks-35!;7394;7601;Night;Support; second line',
        ]
          .join('\n')
          .replace('Support; second line', '"Support; second line"'),
      );
      await choose(file, 'The valid rows');
      await page.getByRole('button', { name: 'Check' }).click();
      await page.getByText(/Checked 3 rows/).waitFor();
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.getByText(/Imported: 1 created/).waitFor();
      assert.match(await summary(), /2 problems/);

      const fix = page.getByRole('table', { name: 'Rows to fix (2)' });
      await fix.waitFor();
      assert.deepEqual(await fix.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-row'))), ['3', '4']);
      const pin = page.getByLabel('Row 3, voicemailPin');
      assert.equal(await pin.getAttribute('type'), 'password', 'a secret cell is masked');
      assert.equal(await pin.inputValue(), '7392', 'and holds the cell the file had: the server never sent it back');
      assert.equal(await page.getByLabel('Row 4, description').inputValue(), 'Support; second line');
      await page.getByText(/secret cells .* are left empty in it/).waitFor();
      await screenshot(page, `import-retry-failed-${engine}`);

      await page.getByLabel('Row 3, login').fill('fixed-3');
      await page.getByLabel('Row 4, extension').fill('7604');
      await page.getByRole('button', { name: 'Import the fixed rows' }).click();
      await page.getByText(/Imported: 2 created, 0 updated, 0 skipped of 2 rows; 0 problems/).waitFor();
      await page.getByText('Every row of the file is imported.').waitFor();
      assert.equal(await fix.count(), 0, 'nothing is left to fix');
      await screenshot(page, `import-retry-done-${engine}`);

      const users = (await h.admin.get(`${base}/users?q=fixed-3`)).body.items;
      assert.equal(users.length, 1);
      const fixed = (await h.admin.get(`${base}/users/${users[0].id}`)).body;
      assert.deepEqual([fixed.description, fixed.groups, fixed.sip.extension, fixed.sip.voicemail.pinSet], ['Sales, night shift', ['Night'], '7603', true]);
      const taken = (await h.admin.get(`${base}/users?q=taken-3`)).body.items[0];
      assert.deepEqual([taken.description, taken.sip.extension], ['Support; second line', '7604']);
      for (const [login, password] of [
        ['kept-1', 'Quiet-Otter-Rows-19!'],
        ['fixed-3', 'Loud-Badger-Swims-27!'],
        ['taken-3', 'Calm-Heron-Walks-35!'],
      ]) {
        assert.equal(
          (await h.anonymous.post('/api/v1/auth/login', { domain: 'default', login, password })).status,
          200,
          `${login} signs in with the password of the file`,
        );
      }
      assert.equal((await h.admin.get(`${base}/users?q=kept-1`)).body.items.length, 1, 'the row imported first was not sent again');
    });

    it('shows every problem of a row at once, and the row imports after one round of fixes', async () => {
      const file = csvFile('three-problems.csv', 'login,extension,roles,email\nwrong login!,7601,agent|Nobody,three@example.com\n');
      await choose(file, 'All rows or none');
      await page.getByRole('button', { name: 'Check' }).click();
      await page.getByText(/Checked 1 rows .* 3 problems/).waitFor();
      const row = page.locator('tr[data-row="2"]');
      const said = await row.innerText();
      for (const words of [/Latin letters/, /This extension is already taken/, /No such role in this domain/]) assert.match(said, words);
      assert.equal(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled(), true);
      await screenshot(page, `import-all-problems-${engine}`);

      await page.getByLabel('Row 2, login').fill('right-login');
      await page.getByLabel('Row 2, extension').fill('7605');
      await page.getByLabel('Row 2, roles').fill('agent');
      await page.getByRole('button', { name: 'Check' }).click();
      await page.getByText(/Checked 1 rows .* 0 problems/).waitFor();
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.getByText(/Imported: 1 created/).waitFor();
      const user = (await h.admin.get(`${base}/users?q=right-login`)).body.items[0];
      assert.deepEqual([user.email, user.sip.extension, user.roles], ['three@example.com', '7605', ['agent']]);
    });

    it('says the problems in Polish, and the import page stays accessible in both languages', async () => {
      const file = csvFile('polish.csv', 'login,roles,wrapUpTime\nsame-1,agent,10\nsame-1,Nikt,dużo\n');
      await choose(file, 'All rows or none');
      await page.getByRole('button', { name: 'Check' }).click();
      await page.getByRole('table', { name: 'Rows to fix (1)' }).waitFor();
      const english = await seriousViolations(page);
      await page.getByRole('banner').getByRole('combobox', { name: 'Language' }).click();
      await page.getByRole('option', { name: 'PL' }).click();
      const row = page.locator('tr[data-row="3"]');
      await row.getByText('Ten sam login co w wierszu 2').waitFor();
      const said = await row.innerText();
      assert.match(said, /Nie ma takiej roli w tej domenie/);
      assert.match(said, /Nieprawidłowe dane wejściowe: oczekiwano liczba/);
      const problems = await page.getByRole('table', { name: 'Problemy' }).innerText();
      assert.match(problems, /Ten sam login co w wierszu 2/);
      await page.getByText(/komórki tajne .* są w nim puste/).waitFor();
      const polish = await seriousViolations(page);
      await screenshot(page, `import-problems-pl-${engine}`);
      await page
        .getByRole('banner')
        .getByRole('combobox', { name: 'Język' })
        .or(page.getByRole('banner').getByRole('combobox', { name: 'Language' }))
        .click();
      await page.getByRole('option', { name: 'EN' }).click();
      assert.deepEqual({ english, polish }, { english: [], polish: [] });
    });
  });
}

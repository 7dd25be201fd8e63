import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ADMIN_PASSWORD, type Harness } from '../harness.ts';
import { consoleUnderTest, screenshot, signIn } from './browser.ts';

const base = '/api/v1/domains/default';

describe('bulk work in the console', () => {
  const started = consoleUnderTest();
  let h: Harness;
  let url: string;
  let page: Page;
  before(async () => {
    const { h: harness, url: address, browser } = started();
    h = harness;
    url = address;
    page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    await h.admin.post(`${base}/groups`, { name: 'Night' });
    await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD });
    await page.locator('[role=row][data-login="admin"]').waitFor();
  });

  it('creates a range of users from a template and shows their secrets once', async () => {
    await page.getByRole('button', { name: 'Create range…' }).click();
    await page.getByLabel(/^From number/).fill('7100');
    await page.getByLabel(/^To number/).fill('7104');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByText('5 users created, 0 numbers left out.').waitFor();
    const secrets = await page.getByRole('table', { name: 'Created users and their SIP secrets' }).locator('code').allInnerTexts();
    assert.equal(secrets.length, 5);
    assert.ok(secrets.every((s) => /^[A-Za-z0-9_-]{24}$/.test(s)));
    await screenshot(page, 'range-created');
    await page.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).click();
    await page.locator('[role=row][data-login="7104"]').waitFor();
    assert.equal((await h.admin.get(`${base}/users?q=7102`)).body.items[0].sip.extension, '7102');
  });

  it('imports a file with errors (checked first, the problems listed), then the fixed file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-import-'));
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'login,email,extension\nimported-1,one@example.com,7201\nimported 2,not-an-email,7202\n');
    await page.goto(`${url}/users/import`);
    await page.locator('input[type=file]').setInputFiles(bad);
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByTestId('import-summary').waitFor();
    assert.match(await page.getByTestId('import-summary').innerText(), /Checked 2 rows .* 2 problems/);
    const problems = page.getByRole('table', { name: 'Problems' });
    assert.deepEqual((await problems.locator('tbody tr td:nth-child(2)').allInnerTexts()).sort(), ['email', 'login']);
    assert.equal(await page.getByRole('button', { name: 'Import' }).isDisabled(), true, 'an atomic import with problems is not offered');
    await screenshot(page, 'import-problems');

    const good = join(dir, 'good.csv');
    writeFileSync(good, 'login,email,extension\nimported-1,one@example.com,7201\nimported-2,two@example.com,7202\n');
    await page.locator('input[type=file]').setInputFiles(good);
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText(/Checked 2 rows .* 0 problems/).waitFor();
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText(/Imported: 2 created/).waitFor();
    await screenshot(page, 'import-done');
    assert.equal((await h.admin.get(`${base}/users?q=imported`)).body.items.length, 2);
  });

  it('lets the administrator say how a column the import does not know is read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-map-'));
    const file = join(dir, 'codes.csv');
    writeFileSync(file, 'Agent code,E-mail\nmapped-agent,mapped@example.com\n');
    await page.goto(`${url}/users/import`);
    await page.locator('input[type=file]').setInputFiles(file);
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText(/Columns not imported: Agent code/).waitFor();
    await page.getByRole('combobox', { name: 'Read Agent code as' }).click();
    await page.getByRole('option', { name: 'login', exact: true }).click();
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText(/Checked 1 rows .* 1 would be created/).waitFor();
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText(/Imported: 1 created/).waitFor();
    await screenshot(page, 'import-mapped');
    assert.equal((await h.admin.get(`${base}/users?q=mapped-agent`)).body.items[0].email, 'mapped@example.com');
  });

  it('edits the selected users in bulk, and deletes them after confirming the count, asking again when it changed', async () => {
    for (let i = 0; i < 3; i += 1) await h.admin.post(`${base}/users`, { login: `crew-${i}`, roles: ['agent'] });
    await page.goto(`${url}/users`);
    await page.getByLabel('Search').fill('crew');
    await page.locator('[role=row][data-login="admin"]').waitFor({ state: 'detached' });
    await page.locator('[role=row][data-login="crew-2"]').waitFor();
    await page.getByLabel('Select the users shown').check();
    await page.getByRole('toolbar', { name: 'Selected users' }).getByText('3 selected').waitFor();
    await page.getByRole('button', { name: 'Edit…' }).click();
    await page.getByRole('combobox', { name: 'Add to groups' }).click();
    await page.getByRole('option', { name: 'Night' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Change 3 users' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    assert.deepEqual((await h.admin.get(`${base}/users?q=crew-1`)).body.items[0].groups, ['Night']);

    await page.getByLabel('Select the users shown').check();
    await page.getByRole('button', { name: 'Select all that match' }).click();
    await page.getByText('All 3 users that match are selected.').waitFor();
    await h.admin.post(`${base}/users`, { login: 'crew-late', roles: ['agent'] });
    await page.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('button', { name: 'Delete 3 users' }).click();
    await page.getByRole('button', { name: 'Delete 4 users' }).waitFor();
    assert.match(await page.getByRole('dialog').getByRole('alert').innerText(), /changed since you looked/);
    assert.equal((await h.admin.get(`${base}/users?q=crew`)).body.items.length, 4, 'nothing deleted on a stale count');
    await screenshot(page, 'bulk-delete-recount');
    await page.getByRole('button', { name: 'Delete 4 users' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    assert.equal((await h.admin.get(`${base}/users?q=crew`)).body.items.length, 0);
  });

  it('filters the list by the catalogs and acts on one row from its menu', async () => {
    const owl = (await h.admin.post(`${base}/users`, { login: 'night-owl', roles: ['supervisor'], groups: ['Night'], agent: { enabled: true } })).body;
    await h.admin.post(`${base}/users/${owl.id}/cc/login`);
    await page.goto(`${url}/users`);
    await page.locator('[role=row][data-login="admin"]').waitFor();
    await page.getByRole('combobox', { name: 'Group', exact: true }).click();
    await page.getByRole('option', { name: 'Night' }).click();
    await page.locator('[role=row][data-login="admin"]').waitFor({ state: 'detached' });
    // The filtered page may be between its loading and its rows: read it once they are drawn.
    await page.locator('[role=row][data-login="night-owl"]').waitFor();
    const logins = await page.locator('[role=row][data-login]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-login')));
    assert.deepEqual(logins, ['night-owl'], 'crew were deleted; night-owl is the Night group');
    await page.getByRole('button', { name: 'Actions for night-owl' }).click();
    await page.getByRole('menuitem', { name: 'Do not disturb' }).click();
    await page.locator('[role=row][data-login="night-owl"] [data-status="dnd"]').waitFor();
    await screenshot(page, 'filtered-row-action');
  });
});

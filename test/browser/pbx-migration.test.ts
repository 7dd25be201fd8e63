import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ADMIN_PASSWORD, type Harness } from '../harness.ts';
import { kamailioOnPostgres, type KamailioDatabase } from '../kamailio-tables.ts';
import { consoleUnderTest, screenshot, signIn } from './browser.ts';

const base = '/api/v1/domains/default';

describe('moving users in from a Kamailio subscriber table in the import wizard', () => {
  const started = consoleUnderTest('sqlite');
  let h: Harness;
  let url: string;
  let page: Page;
  let kamailio: KamailioDatabase;

  before(async () => {
    const { h: harness, url: address, browser } = started();
    h = harness;
    url = address;
    kamailio = await kamailioOnPostgres();
    await kamailio.add([
      { username: '3301', domain: 'default', password: 'desk-3301-pass' },
      { username: '3302', domain: 'default', password: 'desk-3302-pass' },
      { username: '3303', domain: 'elsewhere.example.com', password: 'desk-3303-pass' },
    ]);
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD });
    await page.locator('[role=row][data-login="admin"]').waitFor();
  });
  after(async () => {
    await kamailio?.drop();
  });

  it('checks the table in a dry run, reports the entry of another realm by its origin, then moves the valid accounts in', async () => {
    await page.goto(`${url}/users/import`);
    await page.getByText('From a PBX').click();
    await page.getByRole('heading', { name: 'Move users in' }).waitFor();
    assert.equal(await page.getByRole('combobox', { name: 'System' }).inputValue(), 'Kamailio');
    await page.getByLabel('Database URL').fill(kamailio.url);
    assert.equal(await page.getByLabel('Database URL').getAttribute('type'), 'password', 'the URL holds the database password: masked');
    await page.getByRole('combobox', { name: 'Mode' }).click();
    await page.getByRole('option', { name: 'The valid entries' }).click();
    await page.getByRole('button', { name: 'Check' }).click();
    await page.getByText(/Checked 3 entries: 2 would be created, 0 updated, 0 skipped; 1 problems/).waitFor();
    const problems = page.getByRole('table', { name: 'Problems' });
    await problems.getByText('subscriber 3303@elsewhere.example.com').waitFor();
    await problems.getByText(/is not the domain's SIP realm "default"/).waitFor();
    assert.equal((await h.admin.get(`${base}/users?q=3301`)).body.items.length, 0, 'a dry run writes nothing');
    await screenshot(page, 'pbx-migration-checked');

    await page.getByRole('button', { name: 'Move in' }).click();
    await page.getByText(/Moved in: 2 created, 0 updated, 0 skipped of 3 entries; 1 problems/).waitFor();
    const moved = (await h.admin.get(`${base}/users?q=3301`)).body.items[0];
    assert.equal(moved.sip.secretStatus, 'md5-only');
    await screenshot(page, 'pbx-migration-done');
  });
});

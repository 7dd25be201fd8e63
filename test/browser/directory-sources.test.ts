import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { ADMIN_PASSWORD, type Harness } from '../harness.ts';
import { loginOf, PEOPLE, startSlapd, SYNC_DN, SYNC_PASSWORD, type Slapd } from '../slapd.ts';
import { seriousViolations } from './axe.ts';
import { consoleUnderTest, signIn } from './browser.ts';

describe('the Directory sources page, as an administrator, against slapd', () => {
  const started = consoleUnderTest();
  let h: Harness;
  let url: string;
  let browser: Browser;
  let slapd: Slapd;
  before(async () => {
    ({ h, url, browser } = started());
    slapd = await startSlapd(30);
  });
  after(async () => {
    await slapd?.close();
  });

  it('adds a source in its dialog, shows a dry run and a sync with their reports', async () => {
    const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 900 }, reducedMotion: 'reduce' });
    const page = await context.newPage();
    await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD }, '/directory-sources');
    await page.getByRole('button', { name: 'New directory source' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: /^Name/ }).fill('corp-ldap');
    await dialog
      .getByRole('combobox', { name: 'Kind of server' })
      .or(dialog.getByRole('textbox', { name: 'Kind of server' }))
      .first()
      .click();
    await page.getByRole('option', { name: 'OpenLDAP' }).click();
    await dialog.getByRole('textbox', { name: /^Server URL/ }).fill(slapd.url);
    await dialog.getByRole('textbox', { name: /^Bind DN/ }).fill(SYNC_DN);
    await dialog.getByLabel(/^Bind password/).fill(SYNC_PASSWORD);
    await dialog.getByRole('textbox', { name: /^Base DN/ }).fill(PEOPLE);
    assert.deepEqual(await seriousViolations(page), [], 'axe on the dialog');
    await dialog.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('tr[data-source="corp-ldap"]');
    await row.waitFor();
    assert.equal(JSON.stringify((await h.admin.get('/api/v1/domains/default/directory-sources')).body).includes(SYNC_PASSWORD), false);

    await row.getByRole('button', { name: 'Dry run' }).click();
    const report = page.getByRole('dialog', { name: 'Sync of corp-ldap' });
    await report.getByText('Dry run, nothing written: 30 created, 0 changed, 0 deactivated, 0 unchanged, 0 left out').waitFor();
    assert.deepEqual(await seriousViolations(page), [], 'axe on the report');
    await page.keyboard.press('Escape');
    await row.getByRole('button', { name: 'Sync now' }).click();
    await report.getByText('Synced: 30 created').waitFor();
    await page.keyboard.press('Escape');
    await row.getByText(/30 created, 0 changed/).waitFor();

    // A synced user's card: what the source owns is shown and not editable, the rest is.
    const synced = await h.storage.db.selectFrom('users').select('id').where('login_key', '=', loginOf(1)).executeTakeFirstOrThrow();
    await page.goto(`${url}/users/${synced.id}`);
    await page.getByTestId('synced-notice').waitFor();
    assert.equal(await page.getByRole('textbox', { name: /^Last name/ }).isDisabled(), true);
    assert.equal(await page.getByRole('textbox', { name: /^Position/ }).isDisabled(), true);
    assert.equal(await page.getByRole('textbox', { name: /^Description/ }).isDisabled(), false);
    await context.close();
  });
});

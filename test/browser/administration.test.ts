import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ADMIN_PASSWORD, type Harness } from '../harness.ts';
import { consoleUnderTest, screenshot, signIn } from './browser.ts';

const base = '/api/v1/domains/default';

describe('administration in the console', () => {
  const started = consoleUnderTest();
  let h: Harness;
  let url: string;
  let page: Page;
  before(async () => {
    const { h: harness, url: address, browser } = started();
    h = harness;
    url = address;
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD });
    await page.locator('[role=row][data-login="admin"]').waitFor();
  });

  it('creates a role and grants it a permission in the matrix', async () => {
    await page.getByRole('link', { name: 'Roles' }).click();
    await page.getByLabel('New role').fill('Quality');
    await page.getByRole('button', { name: 'Create' }).click();
    // Saved at once, and ticked once the server has it.
    await page.getByRole('checkbox', { name: 'Quality: users:read' }).click();
    await page.locator('input[aria-label="Quality: users:read"]:checked').waitFor();
    assert.deepEqual((await h.admin.get(`${base}/roles/Quality`)).body.permissions, ['users:read']);
    assert.equal(await page.getByRole('checkbox', { name: 'admin: users:read' }).isDisabled(), true, 'the admin role holds everything');
    await screenshot(page, 'roles-matrix');
  });

  it('adds to the catalogs and licenses, and shows it all in the audit log and the dashboard', async () => {
    await page.getByRole('link', { name: 'Skills' }).click();
    await page.getByRole('heading', { name: 'Skills' }).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('Polish');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('table', { name: 'Skills' }).getByText('Polish').waitFor();
    await page.getByRole('link', { name: 'Licenses' }).click();
    await page.getByRole('heading', { name: 'Licenses' }).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('Agent seats');
    await page.getByRole('textbox', { name: 'Seats' }).fill('25');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByText('0 of 25').waitFor();
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('table', { name: 'Audit log' }).getByText('license.created').waitFor();
    await screenshot(page, 'audit-log');
    await h.admin.post(`${base}/users`, { login: 'dash-agent', roles: ['agent'], agent: { enabled: true } });
    const id = (await h.admin.get(`${base}/users?q=dash-agent`)).body.items[0].id;
    await h.admin.post(`${base}/users/${id}/cc/login`);
    await h.admin.put(`${base}/users/${id}/status`, { status: 'break' });
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page
      .getByTestId('status-counts')
      .getByText(/Break: 1/)
      .waitFor();
    await page.getByText('Agent seats').first().waitFor();
    await screenshot(page, 'dashboard');
  });

  it('edits the domain settings in forms drawn from the API schemas, refusing what the schema refuses', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('tab', { name: 'Password policy' }).waitFor();
    const minLength = page.getByRole('textbox', { name: 'Minimum length' });
    await minLength.fill('2');
    assert.equal(await page.getByRole('button', { name: 'Save' }).isDisabled(), true, 'below the schema minimum of 4');
    await minLength.fill('12');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Password policy saved').waitFor();
    assert.equal((await h.admin.get(`${base}/password-policy`)).body.minLength, 12);
    await page.getByRole('tab', { name: 'Agent defaults' }).click();
    await page.getByRole('textbox', { name: 'Wrap-up time (s)' }).fill('25');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Agent defaults saved').waitFor();
    assert.equal((await h.admin.get(`${base}/agent-defaults`)).body.wrapUpTime, 25);
    await screenshot(page, 'settings');
  });

  it('keeps the number inventory and, for a platform administrator, the domains', async () => {
    await page.getByRole('link', { name: 'Numbers' }).click();
    await page.getByRole('heading', { name: 'Numbers' }).waitFor();
    await page.getByRole('textbox', { name: 'Number or sender ID' }).fill('+48221234567');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('table', { name: 'Numbers' }).getByText('+48221234567').waitFor();
    await page.getByRole('textbox', { name: 'Number or sender ID' }).fill('12');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByRole('link', { name: 'Domains' }).click();
    await page.getByRole('textbox', { name: 'Name' }).fill('acme');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('table', { name: 'Domains' }).getByRole('cell', { name: 'acme', exact: true }).first().waitFor();
    assert.equal((await h.admin.get('/api/v1/domains/acme')).status, 200);
    await screenshot(page, 'domains');
  });
});

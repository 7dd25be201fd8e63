import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { ADMIN_PASSWORD } from '../harness.ts';
import { consoleUnderTest, screenshot, signIn } from './browser.ts';
import { seriousViolations } from './axe.ts';

describe('accessibility of the main pages (axe-core)', () => {
  const started = consoleUnderTest();
  let url: string;
  let context: BrowserContext;
  before(async () => {
    const { h, url: address, browser } = started();
    url = address;
    // axe is injected as a script; the console's CSP (rightly) allows none but its own.
    context = await browser.newContext({ bypassCSP: true });
    await h.admin.post('/api/v1/domains/default/users', { login: 'a11y-agent', roles: ['agent'], agent: { enabled: true }, sip: { extension: '3001' } });
    // The workspace's contact-center controls and phone are an agent's: the administrator works as one here.
    const me = (await h.admin.get('/api/v1/me')).body.user;
    await h.admin.patch(`/api/v1/domains/default/users/${me.id}`, { agent: { enabled: true } });
  });

  it('has no serious violations on sign-in, the users list, the user card, the import, the dashboard, the roles and the workspace', async () => {
    const page = await context.newPage();
    await page.goto(`${url}/sign-in`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    const found: Record<string, string[]> = { 'sign-in': await seriousViolations(page) };
    await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD });
    await page.locator('[role=row][data-login="a11y-agent"]').waitFor();
    found.users = await seriousViolations(page);
    await page.getByRole('link', { name: 'a11y-agent' }).click();
    await page.getByRole('tab', { name: 'Telephony' }).waitFor();
    found.card = await seriousViolations(page);
    await page.goto(`${url}/users/import`);
    await page.getByRole('button', { name: 'Check' }).waitFor();
    found.import = await seriousViolations(page);
    await page.goto(`${url}/dashboard`);
    await page.getByTestId('status-counts').waitFor();
    found.dashboard = await seriousViolations(page);
    await page.goto(`${url}/roles`);
    await page.getByRole('table', { name: 'Permissions of each role' }).waitFor();
    found.roles = await seriousViolations(page);
    await page.goto(`${url}/workspace`);
    await page.getByRole('button', { name: 'Start the phone' }).waitFor();
    found.workspace = await seriousViolations(page);
    await screenshot(page, 'accessibility-workspace');
    assert.deepEqual(found, { 'sign-in': [], users: [], card: [], import: [], dashboard: [], roles: [], workspace: [] });
  });

  it('can be used with the keyboard alone: sign in and open a user', async () => {
    const page = await context.newPage();
    await page.goto(`${url}/sign-in`);
    await page.getByLabel('Domain').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.type('admin');
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN_PASSWORD);
    await page.keyboard.press('Enter');
    await page.locator('[role=row][data-login="a11y-agent"]').waitFor();
    await page.getByRole('link', { name: 'a11y-agent' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('tab', { name: 'Account' }).waitFor();
    assert.match(page.url(), /\/users\/[0-9a-f-]{36}$/);
  });
});

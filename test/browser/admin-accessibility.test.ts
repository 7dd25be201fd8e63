import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { ADMIN_PASSWORD, type Harness } from '../harness.ts';
import { consoleUnderTest, screenshot, signIn } from './browser.ts';
import { seriousViolations } from './axe.ts';

const base = '/api/v1/domains/default';

describe('accessibility of the administration pages, in English and Polish (axe-core)', () => {
  const started = consoleUnderTest();
  let h: Harness;
  let url: string;
  let browser: Browser;
  before(async () => {
    ({ h, url, browser } = started());
    const agent = (await h.admin.post(`${base}/users`, { login: 'a11y-agent', roles: ['agent'], agent: { enabled: true }, groups: [] })).body.id;
    await h.admin.post(`${base}/groups`, { name: 'Day shift', description: 'Mornings', roles: ['agent'] });
    await h.admin.put(`${base}/groups/Day shift/members/${agent}`);
    await h.admin.post(`${base}/pause-reasons`, { name: 'Lunch', maxDuration: 1800 });
    await h.admin.post(`${base}/hot-desks`, { extension: '7001', description: 'Window' });
    await h.admin.post(`${base}/users/${agent}/cc/login`);
    await h.admin.put(`${base}/users/${agent}/status`, { status: 'break', reason: 'Lunch' });
    await h.admin.post(`${base}/licenses`, { name: 'agent-seats', seats: 5 });
  });

  for (const language of ['en', 'pl'] as const) {
    it(`has no serious violations on the dashboard, roles, groups, pause reasons, hot desks, audit log, range and bulk dialogs [${language}]`, async () => {
      await h.admin.patch('/api/v1/me', { language });
      // A context of its own: no session of the other language's run. Less motion: axe measures
      // the page as it is, and a dialog still fading in has pale buttons.
      const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 900 }, reducedMotion: 'reduce' });
      const page = await context.newPage();
      await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD }, '/dashboard');
      await page.getByTestId('status-counts').waitFor();
      const found: Record<string, string[]> = {};
      const visit = async (path: string, ready: string) => {
        await page.goto(`${url}${path}`);
        await page.locator(ready).first().waitFor();
        found[path] = await seriousViolations(page);
      };
      await visit('/dashboard', '[data-testid="status-counts"]');
      await screenshot(page, `a11y-dashboard-${language}`);
      await visit('/roles', 'tr[data-permission="users:read"]');
      await visit('/groups', 'tr[data-group="Day shift"]');
      await page.locator('tr[data-group="Day shift"] button').click();
      await page.locator('tr[data-member="a11y-agent"]').waitFor();
      found['/groups (open)'] = await seriousViolations(page);
      await screenshot(page, `a11y-groups-${language}`);
      await visit('/pause-reasons', 'tr[data-reason="Lunch"]');
      await visit('/hot-desks', 'tr[data-desk="7001"]');
      await visit('/audit', 'tr[data-action="group.member_added"]');
      await screenshot(page, `a11y-audit-${language}`);
      await visit('/users', '[role=row][data-login="a11y-agent"]');
      await page
        .locator('header ~ * button, main button')
        .filter({ hasText: language === 'en' ? 'Create range…' : 'Utwórz zakres…' })
        .click();
      await page.getByRole('dialog').waitFor();
      found['range dialog'] = await seriousViolations(page);
      await screenshot(page, `a11y-range-${language}`);
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      await page.locator('[role=row][data-login="a11y-agent"] input[type=checkbox]').check();
      await page.getByRole('toolbar').getByRole('button').first().click();
      await page.getByRole('dialog').waitFor();
      found['bulk dialog'] = await seriousViolations(page);
      await screenshot(page, `a11y-bulk-${language}`);
      assert.deepEqual(found, Object.fromEntries(Object.keys(found).map((k) => [k, []])));
      await context.close();
    });
  }
});

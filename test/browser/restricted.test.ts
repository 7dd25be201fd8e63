import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import { ADMIN_PASSWORD, passwordFor, type Harness } from '../harness.ts';
import { seriousViolations } from './axe.ts';
import { consoleUnderTest, engines, screenshot, signIn } from './browser.ts';

const base = '/api/v1/domains/default';

for (const engine of engines) {
  describe(`a user whose role allows little, and the pages of the list in both languages [${engine}]`, () => {
    // `someone` is in CC without a connection: the grace keeps it there however long the walk takes.
    const started = consoleUnderTest(engine, { SWITCHBOARD_PRESENCE_GRACE: '3600' });
    let h: Harness;
    let url: string;
    let context: BrowserContext;
    let someone: { id: string };
    let gone: { id: string };
    before(async () => {
      const { h: harness, url: address, browser } = started();
      h = harness;
      url = address;
      // axe is injected as a script; the console's CSP (rightly) allows none but its own.
      context = await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 900 } });
      assert.equal((await h.admin.post(`${base}/roles`, { name: 'viewer', permissions: ['users:read', 'profile:read', 'profile:update'] })).status, 201);
      await h.admin.post(`${base}/users`, { login: 'viewer-1', password: passwordFor('viewer-1'), roles: ['viewer'] });
      await h.admin.post(`${base}/pause-reasons`, { name: 'Lunch' });
      someone = (
        await h.admin.post(`${base}/users`, {
          login: 'someone',
          firstName: 'Some',
          lastName: 'One',
          roles: ['agent'],
          agent: { enabled: true },
          sip: { extension: '4001' },
        })
      ).body;
      await h.admin.post(`${base}/users/${someone.id}/cc/login`);
      gone = (await h.admin.post(`${base}/users`, { login: 'gone-1', roles: ['agent'] })).body;
      await h.admin.delete(`${base}/users/${gone.id}`);
    });

    it('walks every page as a role with only users:read: nothing offered it cannot do, and a page it may not see says so', async () => {
      const page = await context.newPage();
      await signIn(page, url, { login: 'viewer-1', password: passwordFor('viewer-1') });
      await page.locator('[role=row][data-login="someone"]').waitFor();
      const nav = page.getByRole('navigation', { name: 'Main' });
      assert.deepEqual(
        await nav.getByRole('link').allInnerTexts(),
        ['Dashboard', 'Users', 'My workspace', 'Hot desks', 'Settings'],
        'the navigation offers what the role may see (hot desks are read with users:read)',
      );

      // The list: looking, searching and exporting, nothing else.
      for (const name of ['New user', 'Import…', 'Create range…'])
        assert.equal(await page.getByRole('button', { name }).or(page.getByRole('link', { name })).count(), 0, `no ${name}`);
      assert.equal(await page.getByLabel('Select the users shown').count(), 0, 'nothing to do with a selection');
      assert.equal(await page.getByLabel('Select someone').count(), 0);
      await page.getByRole('button', { name: 'Actions for someone' }).click();
      await page.getByRole('menuitem', { name: 'Open' }).waitFor();
      assert.deepEqual(
        (await page.getByRole('menuitem').allInnerTexts()).map((s) => s.trim()),
        ['Open'],
        'no Edit, no status, no sign-out, no delete',
      );
      await screenshot(page, `restricted-row-menu-${engine}`);
      await page.getByRole('menuitem', { name: 'Open' }).click();

      // A user's card: to read, not to change.
      await page.getByText('Your role lets you see this user, not change it.').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Save' }).count(), 0, 'no Save');
      for (const tab of ['Account', 'Telephony', 'Agent', 'Security', 'Integrations']) {
        await page.getByRole('tab', { name: tab }).click();
        const panel = page.getByRole('tabpanel', { name: tab });
        await panel.waitFor();
        assert.equal(await panel.locator('input:enabled, textarea:enabled, button:enabled').count(), 0, `every field and button of ${tab} is read-only`);
      }
      assert.equal(await page.getByRole('tab', { name: 'History' }).count(), 0, 'the history is the audit log, which the role may not read');
      await page.getByRole('tab', { name: 'Account' }).click();
      assert.equal(await page.getByRole('textbox', { name: 'Login' }).inputValue(), 'someone', 'the fields show what they hold');
      await screenshot(page, `restricted-card-${engine}`);

      // The deleted users: listed, but no restore.
      await page.goto(`${url}/users?deleted=true`);
      await page.locator('[role=row][data-login="gone-1"]').waitFor();
      await page.getByRole('button', { name: 'Actions for gone-1' }).click();
      await page.getByRole('menuitem', { name: 'Open' }).waitFor();
      assert.deepEqual(
        (await page.getByRole('menuitem').allInnerTexts()).map((s) => s.trim()),
        ['Open'],
        'no Restore',
      );
      await page.getByRole('menuitem', { name: 'Open' }).click();
      await page.getByTestId('deleted-notice').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Restore' }).count(), 0);

      // Every address the role may not see, typed in directly.
      const refused: Record<string, string> = {
        '/users/new': 'users:create',
        '/users/import': 'users:create',
        '/roles': 'roles:read',
        '/groups': 'groups:read',
        '/skills': 'catalogs:read',
        '/tags': 'catalogs:read',
        '/pause-reasons': 'catalogs:read',
        '/licenses': 'licenses:read',
        '/numbers': 'numbers:read',
        '/audit': 'audit:read',
        '/domains': 'domains:read',
      };
      for (const [path, permission] of Object.entries(refused)) {
        await page.goto(`${url}${path}`);
        await page.getByRole('heading', { name: 'Not for your role' }).waitFor();
        assert.match(
          await page.getByRole('alert').first().innerText(),
          new RegExp(`does not let you see this page \\(it needs the permission ${permission}\\)`),
          path,
        );
        assert.equal(await page.locator('main input, main textarea').count(), 0, `${path}: no form`);
      }
      await screenshot(page, `restricted-refused-${engine}`);

      // Settings: read, not changed; brute-force protection is not even readable.
      await page.goto(`${url}/settings`);
      await page.getByText('Your role lets you read these settings, not change them.').waitFor();
      assert.equal(await page.getByRole('tab', { name: 'Brute-force protection' }).count(), 0);
      for (const tab of ['Password policy', 'SIP and phones', 'Agent defaults']) {
        await page.getByRole('tab', { name: tab }).click();
        const panel = page.getByRole('tabpanel', { name: tab });
        await panel.getByText('Your role lets you read these settings, not change them.').waitFor();
        assert.ok((await panel.locator('input, textarea').count()) > 0, `${tab} shows its fields`);
        assert.equal(await panel.locator('input:enabled, textarea:enabled').count(), 0, `${tab}: every field read-only`);
        assert.equal(await panel.getByRole('button', { name: 'Save' }).count(), 0, `${tab}: no Save`);
      }
      await screenshot(page, `restricted-settings-${engine}`);

      await page.goto(`${url}/dashboard`);
      await page.getByTestId('status-counts').waitFor();

      // Hot desks: who sits where, to read; adding, removing and signing out are not offered.
      await page.goto(`${url}/hot-desks`);
      await page.getByRole('table', { name: 'Hot desks' }).waitFor();
      assert.equal(await page.locator('main input, main textarea, main button').count(), 0, '/hot-desks: no form, no button');

      // Not an agent: no contact-center login, no phone.
      await page.goto(`${url}/workspace`);
      await page.getByTestId('not-agent').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Log in to the contact center' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: 'Start the phone' }).count(), 0);
      await screenshot(page, `restricted-workspace-${engine}`);
      await page.close();
    });

    it('keeps axe clean on the pages it changed, in English and in Polish, for the administrator and the restricted user', async () => {
      const found: Record<string, string[]> = {};
      // Each its own context (sessions are cookies, one per context), in the language its user has chosen.
      const fresh = async () => (await started().browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 900 } })).newPage();
      const ids = Object.fromEntries(
        await Promise.all(['admin', 'viewer-1'].map(async (login) => [login, (await h.admin.get(`${base}/users?q=${login}`)).body.items[0].id])),
      );
      for (const language of ['EN', 'PL'] as const) {
        for (const id of Object.values(ids))
          assert.equal((await h.admin.patch(`${base}/users/${id}`, { language: language === 'PL' ? 'pl' : null })).status, 200);
        const admin = await fresh();
        await signIn(admin, url, { login: 'admin', password: ADMIN_PASSWORD });
        await admin.locator('[role=row][data-login="someone"]').waitFor();
        const viewer = await fresh();
        await signIn(viewer, url, { login: 'viewer-1', password: passwordFor('viewer-1') });
        await viewer.locator('[role=row][data-login="someone"]').waitFor();
        await admin
          .getByRole('banner')
          .getByRole('combobox', { name: language === 'PL' ? 'Język' : 'Language' })
          .waitFor();
        const deletedView = language === 'EN' ? 'Deleted users' : 'Usunięci użytkownicy';

        await admin.goto(`${url}/users`);
        await admin.locator('[role=row][data-login="someone"]').waitFor();
        found[`${language} users`] = await seriousViolations(admin);
        await admin.getByRole('button', { name: language === 'EN' ? 'Actions for someone' : 'Akcje dla someone' }).click();
        await admin.getByRole('menuitem', { name: language === 'EN' ? 'Break…' : 'Przerwa…' }).click();
        await admin.getByRole('dialog').waitFor();
        found[`${language} break dialog`] = await seriousViolations(admin);
        await admin.keyboard.press('Escape');
        await admin.getByText(deletedView, { exact: true }).click();
        await admin.locator('[role=row][data-login="gone-1"]').waitFor();
        found[`${language} deleted users`] = await seriousViolations(admin);
        await admin.goto(`${url}/users/${gone.id}`);
        await admin.getByTestId('deleted-notice').waitFor();
        found[`${language} deleted card`] = await seriousViolations(admin);
        await screenshot(admin, `deleted-card-${language}-${engine}`);

        await viewer.goto(`${url}/users/${someone.id}`);
        await viewer.getByRole('tab', { name: language === 'EN' ? 'Telephony' : 'Telefonia' }).waitFor();
        found[`${language} read-only card`] = await seriousViolations(viewer);
        await viewer.goto(`${url}/roles`);
        await viewer.getByRole('alert').first().waitFor();
        found[`${language} not for your role`] = await seriousViolations(viewer);
        await viewer.goto(`${url}/settings`);
        await viewer.locator('main input').first().waitFor();
        found[`${language} read-only settings`] = await seriousViolations(viewer);
        await viewer.goto(`${url}/workspace`);
        await viewer.getByTestId('not-agent').waitFor();
        found[`${language} workspace of a non-agent`] = await seriousViolations(viewer);
        await admin.context().close();
        await viewer.context().close();
      }
      assert.deepEqual(
        Object.entries(found).filter(([, v]) => v.length),
        [],
      );
    });
  });
}

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_PASSWORD, passwordFor, userWithRoles, type Harness } from '../harness.ts';
import { seriousViolations } from './axe.ts';
import { consoleUnderTest, engines, noticeSaid, screenshot, signIn } from './browser.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

async function newContext(browser: Browser, url: string) {
  // axe is injected as a script, which the console's CSP (rightly) refuses; less motion, so axe
  // measures dialogs as they are and not while they fade in.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 900 }, reducedMotion: 'reduce' });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
  return context;
}

async function noSeriousViolations(page: Page, where: string): Promise<void> {
  assert.deepEqual(await seriousViolations(page), [], `axe on ${where}`);
}

/** A user created as an identity provider creates one: over real HTTP, with the token as a bearer. */
const provision = (url: string, token: string, userName: string) =>
  fetch(`${url}/scim/v2/default/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: [USER], userName, name: { givenName: 'Anna', familyName: 'Nowak' }, active: true }),
  });

for (const engine of engines) {
  describe(`the Provisioning page [${engine}]`, () => {
    const started = consoleUnderTest(engine);
    let h: Harness;
    let url: string;
    let browser: Browser;
    before(() => {
      ({ h, url, browser } = started());
    });

    it('shows the base URL, makes a token shown once that provisions a user over SCIM, and revokes it so SCIM refuses it', async () => {
      const context = await newContext(browser, url);
      const page = await context.newPage();
      await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD }, '/users');
      const nav = page.getByRole('navigation', { name: 'Main navigation' });
      await nav.getByRole('link', { name: 'Provisioning' }).click();
      await page.getByRole('heading', { name: 'Provisioning', level: 1 }).waitFor();
      assert.equal(await page.title(), 'Provisioning · Switchboard');

      // The base URL, copied as it is shown, and what to paste where.
      const baseUrl = `${url}/scim/v2/default`;
      assert.equal((await page.getByTestId('scim-base-url').innerText()).trim(), baseUrl);
      await page.getByRole('button', { name: 'Copy the base URL' }).click();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), baseUrl);
      for (const words of ['Tenant URL', 'Secret Token', 'SCIM connector base URL', 'HTTP Header'])
        await page.getByText(words, { exact: false }).first().waitFor();
      await page.getByText('You have no provisioning tokens yet.').waitFor();
      await noSeriousViolations(page, 'the Provisioning page');

      // A nameless token: the API's words at the field, and nothing made.
      await page.getByRole('button', { name: 'New provisioning token' }).click();
      const form = page.getByRole('dialog', { name: 'New provisioning token' });
      const scope = form.getByRole('list', { name: 'Permissions of the token' });
      // The scope is shown once the roles are read (a loader until then).
      await scope.getByText('profile:read', { exact: true }).waitFor();
      assert.deepEqual(
        await scope.getByRole('listitem').allInnerTexts(),
        ['scim:provision', 'profile:read', 'profile:update'],
        'the default role’s permissions',
      );
      // A role chosen widens the scope by its permissions; taken out again, it narrows it.
      const roles = form
        .getByRole('textbox', { name: /^Roles it may give users/ })
        .or(form.getByRole('combobox', { name: /^Roles it may give users/ }))
        .first();
      await roles.click();
      await page.getByRole('option', { name: 'supervisor', exact: true }).click();
      await scope
        .getByRole('listitem', { name: 'groups:update' })
        .or(scope.getByText('groups:update', { exact: true }))
        .first()
        .waitFor();
      await roles.press('Backspace');
      await scope.getByText('groups:update', { exact: true }).waitFor({ state: 'detached' });
      await form.getByRole('textbox', { name: /^Name/ }).click();
      assert.deepEqual(await scope.getByRole('listitem').allInnerTexts(), ['scim:provision', 'profile:read', 'profile:update']);

      await form.getByRole('button', { name: 'Create' }).click();
      await form.locator('input[aria-invalid="true"]').waitFor();
      assert.deepEqual((await h.admin.get('/api/v1/me/tokens')).body.items, [], 'nothing was created');
      await noSeriousViolations(page, 'the refused form');

      // Named, for a year: made, and shown this once.
      await form.getByRole('textbox', { name: /^Name/ }).fill('Entra ID');
      await form
        .getByRole('textbox', { name: 'Valid for' })
        .or(form.getByRole('combobox', { name: 'Valid for' }))
        .first()
        .click();
      await page.getByRole('option', { name: '365 days' }).click();
      await form.getByRole('button', { name: 'Create' }).click();
      await noticeSaid(page, 'Provisioning token Entra ID created');
      const shown = page.getByRole('dialog', { name: 'Provisioning token' });
      await shown.getByText('This is the only time the token is shown').waitFor();
      await shown.getByRole('button', { name: 'Copy the token' }).click();
      await shown.getByRole('button', { name: 'Copied' }).waitFor();
      const token = await page.evaluate(() => navigator.clipboard.readText());
      assert.equal(token, (await shown.getByTestId('provisioning-token').innerText()).trim(), 'Copy puts the token on the clipboard');
      await noSeriousViolations(page, 'the token shown once');
      await screenshot(page, `provisioning-token-${engine}`);
      await shown.getByRole('button', { name: 'I have kept it' }).click();
      await shown.waitFor({ state: 'detached' });
      assert.ok(!(await page.content()).includes(token), 'once closed, the token is nowhere on the page');

      const row = page.locator('tr[data-token="Entra ID"]');
      await row.waitFor();
      assert.match(await row.innerText(), /scim:provision[\s\S]*Never/);
      const [made] = (await h.admin.get('/api/v1/me/tokens')).body.items as { permissions: string[]; createdAt: string; expiresAt: string }[];
      assert.deepEqual(made?.permissions.sort(), ['profile:read', 'profile:update', 'scim:provision']);
      const days = (Date.parse(made?.expiresAt ?? '') - Date.parse(made?.createdAt ?? '')) / 86_400_000;
      assert.ok(Math.abs(days - 365) < 0.01, `valid for a year (${days} days)`);

      // The identity provider's turn: the token copied from the page provisions a user, whom the console lists.
      const created = await provision(url, token, 'anna.nowak@contoso.com');
      assert.equal(created.status, 201, await created.clone().text());
      await nav.getByRole('link', { name: 'Users' }).click();
      await page.locator('[role=row][data-login="anna.nowak@contoso.com"]').waitFor();
      await nav.getByRole('link', { name: 'Provisioning' }).click();
      // The page shows its cached list at once and refetches it: the used time arrives with the refetch.
      await row.filter({ hasNotText: 'Never' }).waitFor({ timeout: 5000 });
      assert.doesNotMatch(await row.innerText(), /Never/, 'last used is shown once it has been used');

      // Revoked, after a confirmation: SCIM refuses it from then on.
      await row.getByRole('button', { name: 'Revoke Entra ID' }).click();
      const confirm = page.getByRole('dialog', { name: 'Revoke the provisioning token' });
      await confirm.getByText('Revoke Entra ID?').waitFor();
      await noSeriousViolations(page, 'the revoke confirmation');
      await confirm.getByRole('button', { name: 'Revoke' }).click();
      await noticeSaid(page, 'Provisioning token Entra ID revoked');
      await row.waitFor({ state: 'detached' });
      await page.getByText('You have no provisioning tokens yet.').waitFor();
      const refused = await provision(url, token, 'second.user@contoso.com');
      assert.equal(refused.status, 401, await refused.clone().text());
      await context.close();
    });

    it('offers a role without scim:provision no Provisioning in the navigation, and the not-allowed page at /provisioning', async () => {
      assert.equal(
        (await h.admin.post('/api/v1/domains/default/roles', { name: 'viewer', permissions: ['users:read', 'profile:read', 'profile:update'] })).status,
        201,
      );
      await userWithRoles(h, 'no-scim', ['viewer']);
      const context = await newContext(browser, url);
      const page = await context.newPage();
      await signIn(page, url, { login: 'no-scim', password: passwordFor('no-scim') });
      const nav = page.getByRole('navigation', { name: 'Main navigation' });
      await nav.getByRole('link', { name: 'Users' }).waitFor();
      assert.ok(!(await nav.getByRole('link').allInnerTexts()).includes('Provisioning'), 'no Provisioning in the navigation');
      await page.goto(`${url}/provisioning`);
      await page.getByRole('heading', { name: 'Not for your role' }).waitFor();
      assert.match(await page.getByRole('alert').innerText(), /scim:provision/);
      assert.equal(await page.getByRole('button', { name: 'New provisioning token' }).count(), 0);
      await context.close();
    });
  });
}

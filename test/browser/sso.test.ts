import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_PASSWORD, passwordFor, type Harness } from '../harness.ts';
import { startProvider, type TestProvider } from '../oidc-provider.ts';
import { consoleUnderTest, engines, noticeSaid, screenshot, signIn } from './browser.ts';

/** Presses the domain's provider button on the sign-in page and signs in on the provider's own form. */
async function signInWithProvider(page: Page, url: string, login: string): Promise<void> {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Domain').fill('default');
  await page.getByRole('link', { name: 'Company account' }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('the provider checks its own passwords');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

for (const engine of engines) {
  describe(`single sign-on with OpenID Connect in the console [${engine}]`, () => {
    const started = consoleUnderTest(engine);
    let h: Harness;
    let url: string;
    let browser: Browser;
    let provider: TestProvider;
    before(async () => {
      ({ h, url, browser } = started());
      provider = await startProvider(
        `${url}/api/v1/auth/sso/callback`,
        { jan: { email: 'jan@example.com', email_verified: true }, stranger: { email: 'stranger@example.com', email_verified: true } },
        `${url}/sign-in`,
      );
      const jan = await h.admin.post('/api/v1/domains/default/users', {
        login: 'jan',
        email: 'jan@example.com',
        password: passwordFor('jan'),
        roles: ['agent'],
      });
      assert.equal(jan.status, 201, JSON.stringify(jan.body));
    });
    after(async () => provider?.close());

    it('an administrator adds a provider on the Identity providers page, which shows the redirect URI to register', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD }, '/identity-providers');
      await page.getByRole('button', { name: 'New identity provider' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(/^Button label/).fill('Company account');
      await dialog.getByLabel(/^Issuer/).fill('http://example.com/not-on-loopback');
      await dialog.getByLabel(/^Client ID/).fill(provider.clientId);
      await dialog.getByLabel(/^Client secret/).fill(provider.clientSecret);
      await dialog.getByRole('button', { name: 'Create' }).click();
      await dialog
        .getByText(/must use https/)
        .first()
        .waitFor();
      await dialog.getByLabel(/^Issuer/).fill(provider.issuer);
      await dialog.getByRole('button', { name: 'Create' }).click();
      await noticeSaid(page, 'Identity provider Company account saved');
      const row = page.locator('tr[data-provider="Company account"]');
      assert.match(await row.innerText(), new RegExp(`${url}/api/v1/auth/sso/callback`));
      await screenshot(page, `sso-admin-${engine}`);
      await context.close();
    });

    it("a user presses the provider's button, signs in on the provider's form and lands back signed in", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await signInWithProvider(page, url, 'jan');
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      const me = await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()) as { user: { login: string } });
      assert.equal(me.user.login, 'jan');
      await screenshot(page, `sso-signed-in-${engine}`);
      // Signing out ends the provider's session too: the browser goes through its logout page.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL((u) => u.origin === provider.issuer || u.pathname === '/sign-in');
      assert.equal((await page.request.get(`${url}/api/v1/me`)).status(), 401);
      await context.close();
    });

    it('someone the directory does not know is sent back to the sign-in page, told why', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await signInWithProvider(page, url, 'stranger');
      await page.getByRole('alert').filter({ hasText: 'no user of this domain has that e-mail address' }).waitFor();
      assert.match(page.url(), /\/sign-in\?sso=unknown_user/);
      await screenshot(page, `sso-unknown-${engine}`);
      await context.close();
    });
  });
}

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_PASSWORD, type Harness } from '../harness.ts';
import { consoleUnderTest, engines, screenshot, signIn } from './browser.ts';
import { seriousViolations } from './axe.ts';

const base = '/api/v1/domains/default';

/** The success notice the console shows after a write. */
const notice = (page: Page, text: string | RegExp) => page.getByRole('status').filter({ hasText: text }).first();

for (const engine of engines) {
  describe(`the user card and the console's finish in Chromium [${engine}]`, () => {
    const started = consoleUnderTest(engine);
    let h: Harness;
    let url: string;
    let browser: Browser;
    before(() => ({ h, url, browser } = started()));

    it('creates a user with every field the manuals name, says so, and hides the extension of a hot-desking account', async () => {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD });
      await page.getByRole('link', { name: 'New user' }).click();
      await page.getByLabel(/^Login/).fill('4711');
      await page.getByRole('tab', { name: 'Telephony' }).click();
      await page.getByLabel('SIP account').check();
      // Webitel's default: a numeric login offered as the extension.
      await page.getByRole('button', { name: 'Use 4711, the login, as the extension' }).click();
      assert.equal(await page.getByLabel(/^Extension/).inputValue(), '4711');
      await page.getByLabel(/^SIP username/).fill('desk-4711');
      await page.getByLabel(/^SIP password/).fill('Typed-Secret-Otter9');
      await page.getByLabel(/^Virtual extension/).fill('5711');
      await page.getByRole('tab', { name: 'Agent' }).click();
      await page.getByLabel('Works as an agent').check();
      const languages = page.getByLabel('Speaks to clients in').first();
      await languages.fill('pl');
      await languages.press('Enter');
      await languages.fill('en-GB');
      await languages.press('Enter');
      await page.getByRole('tab', { name: 'Security' }).click();
      await page.getByLabel('Require two-factor authentication').check();
      await page.getByRole('textbox', { name: 'Session lasts at most (s)' }).fill('3600');
      await page.getByRole('textbox', { name: 'Sessions at once' }).fill('2');
      await page.getByRole('combobox', { name: 'When the sessions at once are all open' }).click();
      await page.getByRole('option', { name: 'A new sign-in is refused' }).click();
      await screenshot(page, 'card-security-fields');
      await page.getByRole('button', { name: 'Create' }).click();
      await notice(page, 'User 4711 created').waitFor();
      await page.waitForURL(/\/users\/[0-9a-f-]{36}$/);
      const made = (await h.admin.get(`${base}/users?q=4711`)).body.items[0];
      assert.deepEqual(
        [
          made.sip.extension,
          made.sip.username,
          made.sip.virtualExtension,
          made.agent.clientLanguages,
          made.security.requireTwoFactor,
          made.security.sessionMaxAge,
          made.security.maxSessions,
          made.security.sessionLimit,
        ],
        ['4711', 'desk-4711', '5711', ['pl', 'en-GB'], true, 3600, 2, 'deny-new'],
      );
      const stored = await h.storage.db
        .selectFrom('sip_accounts')
        .select(['ha1_md5', 'realm', 'username'])
        .where('user_id', '=', made.id)
        .executeTakeFirstOrThrow();
      const { createHash } = await import('node:crypto');
      assert.equal(
        stored.ha1_md5,
        createHash('md5').update(`desk-4711:${stored.realm}:Typed-Secret-Otter9`).digest('hex'),
        'the typed SIP password is the one the registrar checks',
      );

      await page.getByRole('tab', { name: 'Telephony' }).click();
      await page.getByRole('combobox', { name: 'Assignment' }).click();
      await page.getByRole('option', { name: 'Dynamic (hot desk)' }).click();
      assert.equal(await page.getByLabel(/^Extension/).count(), 0, 'no own extension for hot-desking');
      await page.getByTestId('dynamic-hint').waitFor();
      await page.getByRole('button', { name: 'Save' }).click();
      await notice(page, 'Changes to 4711 saved').waitFor();
      await screenshot(page, 'card-dynamic-saved');
      const now = (await h.admin.get(`${base}/users/${made.id}`)).body;
      assert.deepEqual([now.sip.assignment, now.sip.extension], ['dynamic', null]);
      await page.close();
    });

    it('says what to fix in words, marks the tab that holds it, counts it, and brings it forward', async () => {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD }, '/users/new');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByText('Login is required').waitFor();
      assert.equal(await page.getByTestId('card-problems').innerText(), 'Fields to fix: 1. Each says what is wrong.');
      await page.getByRole('tab', { name: 'Account (has fields to fix)' }).waitFor();
      await page.getByLabel(/^Login/).fill('words-agent');
      await page.getByRole('tab', { name: 'Telephony' }).click();
      await page.getByLabel('SIP account').check();
      await page.getByLabel(/^Virtual extension/).fill('12ab');
      await page.getByRole('tab', { name: 'Security' }).click();
      await page.getByLabel('Sign-in allowed from').fill('not-a-network');
      await page.getByRole('tab', { name: 'Account' }).click();
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('tab', { name: 'Telephony (has fields to fix)', selected: true }).waitFor();
      await page.getByRole('tab', { name: 'Security (has fields to fix)' }).waitFor();
      assert.equal(await page.getByRole('tab', { name: 'Account (has fields to fix)' }).count(), 0);
      await page.getByText('1 to 15 digits').waitFor();
      assert.equal(await page.getByTestId('card-problems').innerText(), 'Fields to fix: 2. Each says what is wrong.');
      await screenshot(page, 'card-tab-marks');
      await page.getByRole('tab', { name: /^Security/ }).click();
      await page.getByText('An IPv4 or IPv6 address or CIDR, such as 192.0.2.0/24 or 2001:db8::/32').waitFor();
      assert.equal((await h.admin.get(`${base}/users?q=words-agent`)).body.items.length, 0, 'nothing was sent');
      await page.getByLabel('Sign-in allowed from').fill('192.0.2.0/24');
      await page.getByRole('tab', { name: /^Telephony/ }).click();
      await page.getByLabel(/^Virtual extension/).fill('');
      // What only the server knows lands at its field, on its tab, in words.
      await page.getByRole('tab', { name: /^Account/ }).click();
      await page.getByLabel(/^Login/).fill('admin');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByText('This login is already taken in this domain').waitFor();
      await page.getByRole('tab', { name: 'Account (has fields to fix)', selected: true }).waitFor();
      assert.equal(await page.getByTestId('card-problems').innerText(), 'Fields to fix: 1. Each says what is wrong.');
      await page.getByLabel(/^Login/).fill('words-agent');
      await page.getByRole('button', { name: 'Create' }).click();
      await notice(page, 'User words-agent created').waitFor();
      await page.close();
    });

    it('says a reversed range ends before it starts, and notices what the settings saved', async () => {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD });
      await page.getByRole('button', { name: 'Create range…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create users for a range of numbers' });
      await dialog.getByLabel(/^From number/).fill('7310');
      await dialog.getByLabel(/^To number/).fill('7300');
      await dialog.getByRole('button', { name: 'Create' }).click();
      await dialog.getByText("The range ends before it starts: 'to' must not be below 'from'").first().waitFor();
      await dialog.getByRole('button', { name: 'Close the dialog' }).click();
      await dialog.waitFor({ state: 'hidden' });
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('tab', { name: 'SIP and phones' }).click();
      await page.getByRole('textbox', { name: 'From' }).fill('5999');
      await page.getByRole('textbox', { name: 'To', exact: true }).fill('5000');
      await page.getByText("The range ends before it starts: 'to' must not be below 'from'").waitFor();
      await page.getByRole('textbox', { name: 'To', exact: true }).fill('6999');
      await page.getByRole('button', { name: 'Save' }).click();
      await notice(page, 'SIP and phones saved').waitFor();
      assert.deepEqual((await h.admin.get(`${base}/sip-settings`)).body.extensionRange, { from: '5999', to: '6999' });
      await h.admin.put(`${base}/sip-settings`, {});
      await page.close();
    });

    it('speaks Polish everywhere once chosen, keeps the choice after a reload and a sign-out, and stays accessible in both languages', async () => {
      const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${url}/sign-in`);
      assert.equal(await page.title(), 'Sign in · Switchboard');
      assert.equal(await page.locator('html').getAttribute('lang'), 'en');
      const found: Record<string, string[]> = { 'sign-in en': await seriousViolations(page) };
      await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD });
      await page.locator('[role=row][data-login="admin"]').waitFor();
      assert.equal(await page.title(), 'Users · Switchboard');
      // The skip link is the first stop of the keyboard and leads into the page.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to the main content');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
      found['users en'] = await seriousViolations(page);
      await page.goto(`${url}/settings`);
      await page.getByRole('textbox', { name: 'Minimum length' }).waitFor();
      found['settings en'] = await seriousViolations(page);
      await page.goto(`${url}/users/import`);
      await page.getByRole('button', { name: 'Check' }).waitFor();
      assert.equal(await page.locator('input[type=file]').getAttribute('aria-label'), 'CSV file');
      found['import en'] = await seriousViolations(page);

      await page.getByRole('combobox', { name: 'Language' }).click();
      await page.getByRole('option', { name: 'PL' }).click();
      await page.getByRole('heading', { name: 'Import użytkowników z pliku CSV' }).waitFor();
      assert.equal(await page.locator('html').getAttribute('lang'), 'pl');
      assert.equal(await page.title(), 'Import użytkowników · Switchboard');
      found['import pl'] = await seriousViolations(page);
      await page.reload();
      await page.getByRole('heading', { name: 'Import użytkowników z pliku CSV' }).waitFor();
      assert.equal((await h.admin.get('/api/v1/me')).body.user.language, 'pl', "kept as the user's own setting");

      await page.goto(`${url}/settings`);
      await page.getByRole('textbox', { name: 'Minimalna długość' }).waitFor();
      await page.getByRole('tab', { name: 'Domyślne ustawienia agentów' }).click();
      await page.getByText('Ile sekund po rozmowie do następnego połączenia').waitFor();
      await page.getByRole('textbox', { name: 'Limit czasu połączenia (s)' }).fill('2');
      await page.getByText('Co najmniej 5').waitFor();
      await screenshot(page, 'settings-pl');
      found['settings pl'] = await seriousViolations(page);

      await page.goto(`${url}/users/new`);
      await page.getByRole('button', { name: 'Utwórz', exact: true }).click();
      await page.getByText('Pole „Login” jest wymagane').waitFor();
      await page.getByRole('tab', { name: 'Konto (są pola do poprawienia)' }).waitFor();
      await page.getByRole('tab', { name: 'Agent' }).click();
      assert.equal(await page.getByRole('textbox', { name: 'Limit czasu połączenia (s)' }).getAttribute('placeholder'), 'Jak domyślnie w domenie');
      await screenshot(page, 'card-pl');
      found['card pl'] = await seriousViolations(page);

      await page.goto(`${url}/users`);
      await page.getByRole('button', { name: 'Utwórz zakres…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Utwórz użytkowników dla zakresu numerów' });
      await dialog.getByLabel(/^Od numeru/).fill('7410');
      await dialog.getByLabel(/^Do numeru/).fill('7400');
      await dialog.getByRole('button', { name: 'Utwórz', exact: true }).click();
      await dialog.getByText("Zakres kończy się, zanim się zaczyna: 'do' nie może być mniejsze niż 'od'").first().waitFor();
      found['range pl'] = await seriousViolations(page);
      await dialog.getByRole('button', { name: 'Zamknij okno' }).click();
      await screenshot(page, 'users-pl');
      await page.locator('[role=row][data-login="admin"]').getByText('Niezarejestrowany').waitFor();
      const cut = await page
        .locator('.mantine-Badge-label')
        .evaluateAll((labels) => labels.filter((l) => l.scrollWidth > l.clientWidth).map((l) => l.textContent));
      assert.deepEqual(cut, [], 'no badge is cut off');
      found['users pl'] = await seriousViolations(page);

      await page.getByRole('button', { name: 'Wyloguj', exact: true }).click();
      await page.goto(`${url}/sign-in`);
      await page.getByRole('heading', { name: 'Zaloguj się do Switchboard' }).waitFor();
      assert.equal(await page.locator('html').getAttribute('lang'), 'pl');
      found['sign-in pl'] = await seriousViolations(page);
      await h.admin.patch('/api/v1/me', { language: null });
      assert.deepEqual(found, Object.fromEntries(Object.keys(found).map((k) => [k, []])));
      await context.close();
    });
  });
}

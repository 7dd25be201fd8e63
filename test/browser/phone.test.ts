import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { listenSip, type SipListeners } from '../../src/server/registrar/transports.ts';
import { ADMIN_PASSWORD, passwordFor, type Harness } from '../harness.ts';
import { registerWithDigest } from '../sip-client.ts';
import { consoleUnderTest, engines, screenshot, signIn } from './browser.ts';
import { seriousViolations } from './axe.ts';

const base = '/api/v1/domains/default';

/** Switches the console to Polish with its language picker, as a person would. */
async function toPolish(page: Page): Promise<void> {
  await page.getByRole('banner').getByRole('combobox', { name: 'Language' }).click();
  await page.getByRole('option', { name: 'PL' }).click();
}

for (const engine of engines) {
  describe(`the browser phone and SIP secrets in the console [${engine}]`, () => {
    const started = consoleUnderTest(engine);
    let h: Harness;
    let url: string;
    let browser: Browser;
    let sip: SipListeners;
    before(async () => {
      ({ h, url, browser } = started());
      sip = await listenSip(h.app.registrar, h.app.sipConnections, '127.0.0.1', 0, h.app.log);
    });
    after(() => sip.close());

    const storedDigests = (id: string) =>
      h.storage.db.selectFrom('sip_accounts').select(['username', 'realm', 'ha1_md5', 'ha1_sha256']).where('user_id', '=', id).executeTakeFirstOrThrow();
    const contactsOf = async (id: string) =>
      (await h.admin.get(`${base}/users/${id}/presence`)).body.registration.contacts as { transport: string; userAgent: string | null }[];

    it("starts an agent's browser phone while the desk phone stays registered: the administrator sees both, the desk phone still refreshes", async () => {
      const made = await h.admin.post(`${base}/users`, {
        login: 'desk-and-web',
        firstName: 'Desk',
        lastName: 'Web',
        password: passwordFor('desk-and-web'),
        roles: ['agent'],
        agent: { enabled: true },
        sip: { extension: '2101', connection: 'pbx' },
      });
      const desk = {
        user: '2101',
        password: made.body.sip.secret as string,
        host: 'default',
        realm: 'default',
        algorithm: 'MD5' as const,
        contacts: ['<sip:2101@127.0.0.1:5099>'],
        expires: 300,
      };
      assert.match(await registerWithDigest(sip.port, desk), /^SIP\/2\.0 200/, 'the desk phone is set up with the secret given at creation');
      const digests = await storedDigests(made.body.id);

      const admin = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await signIn(admin, url, { login: 'admin', password: ADMIN_PASSWORD });
      const row = admin.locator('[role=row][data-login="desk-and-web"]');
      await row.getByText('Registered', { exact: true }).waitFor();

      const agentContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const agent = await agentContext.newPage();
      await signIn(agent, url, { login: 'desk-and-web', password: passwordFor('desk-and-web') }, '/');
      await agent.waitForURL(`${url}/workspace`);
      await agent.getByRole('button', { name: 'Start the phone' }).click();
      await agent.getByTestId('phone-state').getByText('Registered').waitFor({ timeout: 10_000 });
      await screenshot(agent, `phone-workspace-registered-${engine}`);

      // The administrator's list tells both phones apart: hovering the badge lists every contact.
      await admin.reload();
      await row.getByText('Registered', { exact: true }).hover();
      const tooltip = admin.getByRole('tooltip');
      await tooltip.getByText(/Switchboard workspace/).waitFor();
      const said = await tooltip.innerText();
      assert.match(said, /\(udp\)/, 'the desk phone is still listed');
      assert.match(said, /Switchboard workspace \(JsSIP\).*\(ws\)/, 'and the browser phone beside it');
      await screenshot(admin, `phone-admin-two-contacts-${engine}`);

      assert.match(
        await registerWithDigest(sip.port, desk),
        /^SIP\/2\.0 200/,
        'the desk phone refreshes with its own secret while the browser phone is registered',
      );
      assert.deepEqual((await contactsOf(made.body.id)).map((c) => c.transport).sort(), ['udp', 'ws']);
      assert.deepEqual(await storedDigests(made.body.id), digests, 'starting the browser phone changed no secret');

      await agent.getByRole('button', { name: 'Stop the phone' }).click();
      await agent.getByTestId('phone-state').getByText('Off').waitFor();
      for (let tries = 0; (await contactsOf(made.body.id)).length !== 1 && tries < 50; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(
        (await contactsOf(made.body.id)).map((c) => c.transport),
        ['udp'],
        'stopping the browser phone leaves the desk phone registered',
      );
      await agentContext.close();
      await admin.close();
    });

    it('says in words why the phone does not start for a user without a SIP account, in English and Polish', async () => {
      await h.admin.post(`${base}/users`, { login: 'no-sip', password: passwordFor('no-sip'), roles: ['agent'], agent: { enabled: true } });
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
      const page = await context.newPage();
      await signIn(page, url, { login: 'no-sip', password: passwordFor('no-sip') }, '/workspace');
      await page.getByRole('button', { name: 'Start the phone' }).click();
      await page.getByText('You have no SIP account yet; an administrator gives you one in your user card (Telephony).').waitFor();
      await page.getByTestId('phone-state').getByText('Not registered').waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await toPolish(page);
      await page.getByRole('button', { name: 'Włącz telefon' }).click();
      await page.getByText('Nie masz jeszcze konta SIP; administrator nada je w Twojej karcie użytkownika (Telefonia).').waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await context.close();
    });

    it('shows the SIP secret generated for a new user once, with copy and download, and it is the one the registrar checks', async () => {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true, bypassCSP: true });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
      const page = await context.newPage();
      await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD });
      await page.getByRole('link', { name: 'New user' }).click();
      await page.waitForURL(`${url}/users/new`);
      await page.getByLabel(/^Login/).fill('fresh-phone');
      await page.getByRole('tab', { name: 'Telephony' }).click();
      await page.getByLabel('SIP account').check();
      await page.getByLabel(/^Extension/).fill('2102');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.waitForURL(/\/users\/[0-9a-f-]{36}$/);

      const dialog = page.getByRole('dialog', { name: 'SIP secret of fresh-phone' });
      await dialog.waitFor();
      await dialog.getByText('fresh-phone was created with a SIP account.').waitFor();
      const secret = await dialog.getByTestId('created-secret').innerText();
      assert.match(secret, /^[A-Za-z0-9_-]{24}$/);
      const id = page.url().split('/').at(-1) as string;
      const stored = await storedDigests(id);
      assert.equal(
        stored.ha1_md5,
        createHash('md5').update(`${stored.username}:${stored.realm}:${secret}`).digest('hex'),
        'the secret shown is the one stored',
      );
      assert.match(
        await registerWithDigest(sip.port, {
          user: '2102',
          password: secret,
          host: 'default',
          realm: 'default',
          algorithm: 'MD5',
          contacts: ['<sip:2102@127.0.0.1:5098>'],
        }),
        /^SIP\/2\.0 200/,
        'a phone set up with it registers',
      );
      assert.deepEqual(await seriousViolations(page), []);
      await screenshot(page, `created-secret-dialog-${engine}`);

      await dialog.getByRole('button', { name: 'Copy the secret' }).click();
      await dialog.getByRole('button', { name: 'Copied' }).waitFor();
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret, 'copied as shown');
      const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('link', { name: 'Download (CSV)' }).click()]);
      assert.equal(download.suggestedFilename(), 'fresh-phone-sip-secret.csv');
      assert.equal(readFileSync(await download.path(), 'utf8'), `login,extension,sipUsername,sipSecret\nfresh-phone,2102,${stored.username},${secret}`);

      await dialog.getByRole('button', { name: 'I have kept it' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.reload();
      await page.getByRole('tab', { name: 'Telephony' }).waitFor();
      assert.equal(await page.getByTestId('created-secret').count(), 0, 'a reload does not show it again');
      assert.equal(await page.getByText(secret).count(), 0);
      assert.equal((await h.admin.get(`${base}/users/${id}`)).body.sip.secret, undefined, 'nor does the API ever answer it again');

      // In Polish the dialog says the same, and is as accessible.
      await toPolish(page);
      await page.getByRole('link', { name: 'Użytkownicy', exact: true }).click();
      await page.getByRole('link', { name: 'Nowy użytkownik' }).click();
      await page.waitForURL(`${url}/users/new`);
      await page.getByLabel(/^Login/).fill('swiezy-telefon');
      await page.getByRole('tab', { name: 'Telefonia' }).click();
      await page.getByLabel('Konto SIP').check();
      await page.getByRole('button', { name: 'Utwórz' }).click();
      const polish = page.getByRole('dialog', { name: 'Hasło SIP użytkownika swiezy-telefon' });
      await polish.getByTestId('created-secret').waitFor();
      assert.deepEqual(await seriousViolations(page), []);
      await screenshot(page, `created-secret-dialog-pl-${engine}`);
      await context.close();
      // The language picker keeps the choice as the administrator's own setting: back to the default for the next test.
      assert.equal((await h.admin.patch('/api/v1/me', { language: null })).status, 200);
    });

    it('creates a user without a SIP account without any secret dialog', async () => {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD });
      await page.waitForURL(`${url}/users`);
      await page.getByRole('link', { name: 'New user' }).click();
      await page.getByLabel(/^Login/).fill('no-phone-at-all');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.waitForURL(/\/users\/[0-9a-f-]{36}$/);
      await page.getByRole('tab', { name: 'Telephony' }).waitFor();
      assert.equal(await page.getByRole('dialog').count(), 0);
      await page.close();
    });
  });
}

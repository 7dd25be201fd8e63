import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { ADMIN_PASSWORD, passwordFor, userWithRoles, type Harness } from '../harness.ts';
import { startReceiver, type Receiver } from '../webhook-receiver.ts';
import { seriousViolations } from './axe.ts';
import { consoleUnderTest, engines, noticeSaid, screenshot, signIn } from './browser.ts';

const base = '/api/v1/domains/default';
/** Targets on loopback allowed (the receiver is one), and a worker that does not keep the test waiting. */
const loopbackAllowed = {
  SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true',
  SWITCHBOARD_WEBHOOK_POLL_MS: '50',
  SWITCHBOARD_WEBHOOK_BACKOFF_MS: '50-500',
  SWITCHBOARD_WEBHOOK_TIMEOUT_MS: '2000',
};

/** What a field says under it: the texts its aria-describedby points to (its hint and its error). */
async function saidAt(field: Locator): Promise<string> {
  const ids = ((await field.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
  const texts = await Promise.all(ids.map((id) => field.page().locator(`[id="${id}"]`).innerText()));
  return texts.join(' | ');
}

async function newContext(browser: Browser) {
  // axe is injected as a script, which the console's CSP (rightly) refuses; less motion, so axe
  // measures dialogs as they are and not while they fade in.
  return browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 900 }, reducedMotion: 'reduce' });
}

async function noSeriousViolations(page: Page, where: string): Promise<void> {
  assert.deepEqual(await seriousViolations(page), [], `axe on ${where}`);
}

/** The event types' multi-select: a combobox (a text box to search in, to Mantine's older versions). */
const eventsField = (dialog: Locator, name: RegExp) => dialog.getByRole('combobox', { name }).or(dialog.getByRole('textbox', { name })).first();

/** Chooses event types in the form's multi-select, then leaves the list. */
async function chooseEvents(dialog: Locator, ...types: string[]): Promise<void> {
  const page = dialog.page();
  await eventsField(dialog, /^Event types/).click();
  for (const type of types) await page.getByRole('option', { name: type, exact: true }).click();
  await dialog.getByRole('textbox', { name: /^URL/ }).click();
}

for (const engine of engines) {
  describe(`the Webhooks page, as an administrator, to a real receiver [${engine}]`, () => {
    const started = consoleUnderTest(engine, loopbackAllowed);
    let h: Harness;
    let url: string;
    let browser: Browser;
    let receiver: Receiver;
    before(async () => {
      ({ h, url, browser } = started());
      receiver = await startReceiver();
    });
    after(async () => {
      await receiver?.close();
    });

    it('creates a subscription, shows its secret once, lists its deliveries, redelivers, pings, turns it off and deletes it', async () => {
      const context = await newContext(browser);
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
      const page = await context.newPage();
      await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD }, '/webhooks');
      await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
      assert.ok(
        (await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link').allInnerTexts()).includes('Webhooks'),
        'in the navigation of who may manage them',
      );
      await page.getByText('No webhooks yet.').waitFor();
      assert.equal(await page.title(), 'Webhooks · Switchboard');

      // A URL the API refuses: its words at the URL field, and nothing made.
      await page.getByRole('button', { name: 'New webhook' }).click();
      const form = page.getByRole('dialog', { name: 'New webhook' });
      await form.getByRole('textbox', { name: /^URL/ }).fill('ftp://127.0.0.1/hooks');
      await chooseEvents(form, 'user.*');
      await noSeriousViolations(page, 'the new webhook form');
      await form.getByRole('button', { name: 'Create' }).click();
      const urlField = form.getByRole('textbox', { name: /^URL/ });
      await form.locator('input[aria-invalid="true"]').waitFor();
      assert.match(await saidAt(urlField), /Only http and https URLs/);
      assert.deepEqual((await h.admin.get(`${base}/webhooks`)).body.items, [], 'nothing was created');
      await screenshot(page, `webhooks-refused-${engine}`);

      // The receiver's URL: created, and its secret shown this once.
      await urlField.fill(receiver.url);
      await form.getByRole('textbox', { name: 'Description' }).fill('CRM sync');
      await form.getByRole('button', { name: 'Create' }).click();
      await noticeSaid(page, `Webhook to ${receiver.url} created`);
      const shown = page.getByRole('dialog', { name: 'Signing secret' });
      await shown.waitFor();
      const secret = (await shown.getByTestId('webhook-secret').innerText()).trim();
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      await shown.getByRole('button', { name: 'Copy the secret' }).click();
      await shown.getByRole('button', { name: 'Copied' }).waitFor();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      assert.equal(copied, secret, 'Copy puts the secret on the clipboard');
      assert.equal(await shown.getByRole('link', { name: 'Download' }).getAttribute('download'), 'webhook-signing-secret.txt');
      await noSeriousViolations(page, 'the secret shown once');
      await screenshot(page, `webhooks-secret-${engine}`);
      receiver.trust(copied);
      await shown.getByRole('button', { name: 'I have kept it' }).click();
      await shown.waitFor({ state: 'detached' });
      assert.ok(!(await page.content()).includes(secret), 'once closed, the secret is nowhere on the page');

      const row = page.locator(`tr[data-webhook="${receiver.url}"]`);
      await row.waitFor();
      assert.match(await row.innerText(), /CRM sync[\s\S]*user\.\*[\s\S]*Active[\s\S]*None yet/);
      const [hook] = (await h.admin.get(`${base}/webhooks`)).body.items as { id: string; eventTypes: string[]; active: boolean; description: string }[];
      assert.deepEqual([hook?.eventTypes, hook?.active, hook?.description], [['user.*'], true, 'CRM sync']);

      // A user created through the API: delivered, signed with the secret copied from the page.
      const user = (await h.admin.post(`${base}/users`, { login: 'hooked', password: passwordFor('hooked'), roles: ['agent'] })).body as { id: string };
      await receiver.until(() => receiver.received.length === 1);
      const first = receiver.received[0];
      assert.deepEqual([first?.type, first?.verified, first?.data.resource.id], ['user.created', true, user.id]);

      await row.getByRole('button', { name: `Deliveries to ${receiver.url}` }).click();
      const log = page.getByRole('dialog', { name: `Deliveries to ${receiver.url}` });
      const delivered = log.locator(`tr[data-delivery="${first?.id}"][data-event="user.created"][data-state="delivered"]`);
      await delivered.waitFor({ timeout: 15_000 });
      const [, event, status, latency, attempts, result] = await delivered.locator('td').allInnerTexts();
      assert.equal(event, 'user.created');
      assert.match(status ?? '', /^2\d\d$/, 'a 2xx status code');
      assert.match(latency ?? '', /^\d[\d,\s]* ms$/);
      assert.equal(attempts, '1');
      assert.match(result ?? '', /Delivered/);
      await row.getByText('Delivered').waitFor({ timeout: 10_000 });
      await noSeriousViolations(page, 'the delivery log');
      await screenshot(page, `webhooks-deliveries-${engine}`);

      // Redeliver: the receiver gets it again, with the same webhook-id.
      await delivered.getByRole('button', { name: /^Redeliver user\.created of / }).click();
      await noticeSaid(page, 'queued to be sent again');
      await receiver.until(() => receiver.received.length === 2);
      assert.deepEqual(
        [receiver.received[1]?.id, receiver.received[1]?.type, receiver.received[1]?.verified],
        [first?.id, 'user.created', true],
        'the same webhook-id again',
      );
      await log.locator(`tr[data-delivery="${first?.id}"][data-state="delivered"] td:nth-child(5)`).filter({ hasText: /^2$/ }).waitFor({ timeout: 10_000 });
      await page.keyboard.press('Escape');
      await log.waitFor({ state: 'detached' });

      // A test event.
      await row.getByRole('button', { name: `Send test to ${receiver.url}` }).click();
      await noticeSaid(page, `Test event queued for ${receiver.url}`);
      await receiver.until(() => receiver.received.some((r) => r.type === 'webhook.ping'));
      assert.ok(receiver.received.find((r) => r.type === 'webhook.ping')?.verified);
      await row.getByText('webhook.ping').waitFor({ timeout: 10_000 });

      // Turned off: saved, shown, and a test refused with the API's words.
      await row.getByRole('button', { name: `Edit the webhook to ${receiver.url}` }).click();
      const edit = page.getByRole('dialog', { name: `Edit the webhook to ${receiver.url}` });
      assert.equal(await edit.getByRole('textbox', { name: /^URL/ }).inputValue(), receiver.url);
      await edit.getByRole('switch', { name: 'Active' }).uncheck();
      await noSeriousViolations(page, 'the edit form');
      await edit.getByRole('button', { name: 'Save' }).click();
      await noticeSaid(page, `Webhook to ${receiver.url} saved`);
      await row.getByText('Turned off').waitFor();
      assert.equal((await h.admin.get(`${base}/webhooks/${hook?.id}`)).body.active, false);
      await row.getByRole('button', { name: `Send test to ${receiver.url}` }).click();
      await page.getByRole('alert').filter({ hasText: 'The webhook is turned off' }).waitFor();
      await screenshot(page, `webhooks-inactive-${engine}`);

      // Deleted, after a confirmation.
      await row.getByRole('button', { name: `Delete the webhook to ${receiver.url}` }).click();
      const confirm = page.getByRole('dialog', { name: 'Delete the webhook' });
      await confirm.getByText(`Delete the webhook to ${receiver.url}?`).waitFor();
      await noSeriousViolations(page, 'the delete confirmation');
      await confirm.getByRole('button', { name: 'Delete' }).click();
      await noticeSaid(page, `Webhook to ${receiver.url} deleted`);
      await row.waitFor({ state: 'detached' });
      assert.deepEqual((await h.admin.get(`${base}/webhooks`)).body.items, []);
      await page.getByText('No webhooks yet.').waitFor();
      await context.close();
    });
  });

  describe(`the Webhooks page with the default configuration, in Polish, and for a role without webhooks:manage [${engine}]`, () => {
    const started = consoleUnderTest(engine);
    let h: Harness;
    let url: string;
    let browser: Browser;
    before(() => {
      ({ h, url, browser } = started());
    });

    it('refuses a loopback target with the API’s words at the URL field, and has no serious axe violations in Polish', async () => {
      const receiver = await startReceiver();
      try {
        assert.equal((await h.admin.patch('/api/v1/me', { language: 'pl' })).status, 200);
        assert.equal(
          (await h.admin.post(`${base}/webhooks`, { url: 'https://1.1.1.1/hooks', eventTypes: ['role.*', 'user.created'], active: false })).status,
          201,
        );
        const context = await newContext(browser);
        const page = await context.newPage();
        await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD }, '/webhooks');
        await page.getByRole('heading', { name: 'Webhooki', level: 1 }).waitFor();
        const row = page.locator('tr[data-webhook="https://1.1.1.1/hooks"]');
        // The last delivery comes with its own request: its cell fills a moment after the row.
        await row.getByText('Jeszcze żadnej').waitFor();
        assert.match(await row.innerText(), /role\.\*[\s\S]*user\.created[\s\S]*Wyłączony[\s\S]*Jeszcze żadnej/);
        await noSeriousViolations(page, 'the list in Polish');

        await page.getByRole('button', { name: 'Nowy webhook' }).click();
        const form = page.getByRole('dialog', { name: 'Nowy webhook' });
        const urlField = form.getByRole('textbox', { name: /^Adres URL/ });
        await urlField.fill(receiver.url);
        await eventsField(form, /^Typy zdarzeń/).click();
        await page.getByRole('option', { name: '* (każde zdarzenie)' }).click();
        await urlField.click();
        await form.getByRole('button', { name: 'Utwórz' }).click();
        await form.locator('input[aria-invalid="true"]').waitFor();
        assert.match(
          await saidAt(urlField),
          /127\.0\.0\.1 wskazuje na 127\.0\.0\.1, który nie jest adresem publicznym; webhooki trafiają tylko pod adresy publiczne \(SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE\)/,
          'the API’s refusal, with its host and address, in Polish',
        );
        assert.equal((await h.admin.get(`${base}/webhooks`)).body.items.length, 1, 'nothing more was created');
        await noSeriousViolations(page, 'the refused form in Polish');
        await screenshot(page, `webhooks-loopback-refused-pl-${engine}`);
        await urlField.fill('nie adres');
        await form.getByRole('button', { name: 'Utwórz' }).click();
        await form.getByText('To nie jest adres URL').waitFor();
        await form.getByRole('button', { name: 'Anuluj' }).click();

        await row.getByRole('button', { name: 'Dostawy do https://1.1.1.1/hooks' }).click();
        const log = page.getByRole('dialog', { name: 'Dostawy do https://1.1.1.1/hooks' });
        await log.getByText('Jeszcze nic nie dostarczono', { exact: false }).waitFor();
        await noSeriousViolations(page, 'the delivery log in Polish');
        await screenshot(page, `webhooks-deliveries-pl-${engine}`);
        await context.close();
      } finally {
        await h.admin.patch('/api/v1/me', { language: 'en' });
        await receiver.close();
      }
    });

    it('offers a role without webhooks:manage no Webhooks in the navigation, and the not-allowed page at /webhooks', async () => {
      assert.equal((await h.admin.post(`${base}/roles`, { name: 'viewer', permissions: ['users:read', 'profile:read', 'profile:update'] })).status, 201);
      const viewer = await userWithRoles(h, 'no-hooks', ['viewer']);
      assert.equal((await viewer.client.get(`${base}/webhooks`)).status, 403, 'the API refuses it too');
      const context = await newContext(browser);
      const page = await context.newPage();
      await signIn(page, url, { login: 'no-hooks', password: passwordFor('no-hooks') });
      const nav = page.getByRole('navigation', { name: 'Main navigation' });
      await nav.getByRole('link', { name: 'Users' }).waitFor();
      assert.ok(!(await nav.getByRole('link').allInnerTexts()).includes('Webhooks'), 'no Webhooks in the navigation');
      await page.goto(`${url}/webhooks`);
      await page.getByRole('heading', { name: 'Not for your role' }).waitFor();
      assert.match(await page.getByRole('alert').innerText(), /webhooks:manage/);
      assert.equal(await page.getByRole('button', { name: 'New webhook' }).count(), 0);
      await screenshot(page, `webhooks-not-allowed-${engine}`);
      await context.close();
    });
  });
}

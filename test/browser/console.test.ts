import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { ADMIN_PASSWORD, type Harness } from '../harness.ts';
import { consoleUnderTest, screenshot, signIn } from './browser.ts';

const base = '/api/v1/domains/default';

describe('the console in Chromium', () => {
  const started = consoleUnderTest();
  let h: Harness;
  let url: string;
  let browser: Browser;
  before(() => ({ h, url, browser } = started()));

  it('sends a visitor to sign-in and back to the page asked for, and says what is wrong with a bad password', async () => {
    const page = await browser.newPage();
    await page.goto(`${url}/users`);
    await page.waitForURL(/\/sign-in\?next=%2Fusers/);
    await signIn(page, url, { login: 'admin', password: 'not the password' });
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /wrong/);
    await screenshot(page, 'sign-in-refused');
    await page.getByLabel(/^Password/).fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${url}/users`);
    await page.locator('[role=row][data-login="admin"]').waitFor();
    await screenshot(page, 'users-list');
    await page.close();
  });

  it('shows an agent going on break and registering the softphone in the workspace, live in the administrator list', async () => {
    await h.admin.post(`${base}/users`, {
      login: 'live-agent',
      firstName: 'Live',
      lastName: 'Agent',
      roles: ['agent'],
      password: 'Quiet-Otter-Rows-19!',
      agent: { enabled: true },
      sip: { extension: '2001', connection: 'webrtc' },
    });
    const admin = await browser.newPage();
    await signIn(admin, url, { login: 'admin', password: ADMIN_PASSWORD });
    const row = admin.locator('[role=row][data-login="live-agent"]');
    await row.waitFor();
    assert.equal(await row.locator('[data-status]').getAttribute('data-status'), 'offline');
    assert.equal(await row.getByText('Not registered').count(), 1);

    const agentContext = await browser.newContext();
    const agent = await agentContext.newPage();
    await signIn(agent, url, { login: 'live-agent', password: 'Quiet-Otter-Rows-19!' }, '/');
    await agent.waitForURL(`${url}/workspace`);
    await agent.getByRole('button', { name: 'Log in to the contact center' }).click();
    await agent.getByRole('button', { name: 'Break' }).click();
    await agent.locator('[data-testid=own-status][data-status=break]').waitFor();
    await row.locator('[data-status="break"]').waitFor({ timeout: 5000 });

    await agent.getByRole('button', { name: 'Start the phone' }).click();
    await agent.getByTestId('phone-state').getByText('Registered').waitFor({ timeout: 10_000 });
    await row.getByText('Registered', { exact: true }).waitFor({ timeout: 5000 });
    await admin.getByRole('combobox', { name: 'Status', exact: true }).click();
    await admin.getByRole('option', { name: 'Break' }).click();
    // The filtered list is a new query: the rows are empty while it loads, so wait for its answer.
    await admin.locator('[role=row][data-login="admin"]').waitFor({ state: 'detached' });
    await row.waitFor();
    assert.deepEqual(
      await admin.locator('[role=row][data-login]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-login'))),
      ['live-agent'],
      'the list filters on the live status',
    );
    await screenshot(agent, 'workspace-registered');
    await screenshot(admin, 'agent-on-break-registered');
    const agentId = (await h.admin.get(`${base}/users?q=live-agent`)).body.items[0].id;
    const presence = (await h.admin.get(`${base}/users/${agentId}/presence`)).body;
    assert.match(presence.registration.contacts[0].userAgent, /Switchboard workspace/);
    await agentContext.close();
    await admin.close();
  });

  it('creates a user through the card: bad input is shown at the fields as typed, a taken login when saved, then it is created', async () => {
    const page = await browser.newPage();
    await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD });
    await page.getByRole('link', { name: 'New user' }).click();
    await page.waitForURL(`${url}/users/new`);
    await page.getByLabel(/^Login/).fill('bad login!');
    await page.getByLabel(/^E-mail/).fill('not-an-e-mail');
    await page.getByRole('button', { name: 'Create' }).click();
    assert.equal(await page.getByLabel(/^Login/).getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel(/^E-mail/).getAttribute('aria-invalid'), 'true');
    await screenshot(page, 'card-bad-input');
    assert.equal((await h.admin.get(`${base}/users?q=bad`)).body.items.length, 0, 'nothing was sent');

    await page.getByLabel(/^Login/).fill('admin');
    await page.getByLabel(/^E-mail/).fill('card@example.com');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('This login is already taken in this domain').first().waitFor();
    assert.equal(await page.getByLabel(/^Login/).getAttribute('aria-invalid'), 'true', 'the server said which field');

    await page.getByLabel(/^Login/).fill('card-made');
    await page.getByLabel(/^First name/).fill('Card');
    await page.getByRole('tab', { name: 'Telephony' }).click();
    await page.getByLabel('SIP account').check();
    await page.getByLabel(/^Extension/).fill('5555');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/users\/[0-9a-f-]{36}$/);
    // The secret generated with the account is shown once (test/browser/phone.test.ts checks it).
    await page.getByRole('button', { name: 'I have kept it' }).click();
    const made = (await h.admin.get(`${base}/users?q=card-made`)).body.items[0];
    assert.deepEqual([made.email, made.firstName, made.sip.extension], ['card@example.com', 'Card', '5555']);
    await screenshot(page, 'card-created');

    await page.getByRole('tab', { name: 'Telephony' }).click();
    await page.getByRole('button', { name: 'New SIP secret' }).click();
    const secret = await page.getByTestId('new-secret').innerText();
    const renewed = await h.storage.db
      .selectFrom('sip_accounts')
      .select(['ha1_md5', 'realm', 'username'])
      .where('user_id', '=', made.id)
      .executeTakeFirstOrThrow();
    const { createHash } = await import('node:crypto');
    assert.equal(
      renewed.ha1_md5,
      createHash('md5').update(`${renewed.username}:${renewed.realm}:${secret}`).digest('hex'),
      'the secret shown once is the one the registrar checks',
    );
    await page.getByRole('tab', { name: 'Account' }).click();
    await page.getByLabel(/^New password/).fill('password');
    // The policy is checked as one types: its verdict shows at the field before anything is saved.
    await page
      .getByText(/(common|guess|weak|short|breach)/i)
      .first()
      .waitFor();
    await page.close();
  });

  it('edits a user and, when someone changed it meanwhile, says so instead of overwriting', async () => {
    const user = (await h.admin.post(`${base}/users`, { login: 'edited-twice', roles: ['agent'] })).body;
    const page = await browser.newPage();
    await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD }, `/users/${user.id}`);
    await page.getByRole('tab', { name: 'Agent' }).click();
    await page.getByLabel('Works as an agent').check();
    await page.getByRole('textbox', { name: 'Dial ratio' }).fill('2.5');
    await page.getByRole('tab', { name: 'Account' }).click();
    await page.getByLabel(/^Position/).fill('Team lead');
    await h.admin.patch(`${base}/users/${user.id}`, { description: 'changed elsewhere' });
    await page.getByRole('button', { name: 'Save' }).click();
    const dialog = page.getByRole('dialog', { name: 'Changed by someone else' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /description/);
    await screenshot(page, 'card-conflict');
    const now = (await h.admin.get(`${base}/users/${user.id}`)).body;
    assert.deepEqual([now.position, now.description], [null, 'changed elsewhere'], 'nothing was overwritten');
    await dialog.getByRole('button', { name: 'Reload' }).click();
    await page.getByRole('tab', { name: 'Agent' }).click();
    await page.getByLabel('Works as an agent').check();
    await page.getByRole('textbox', { name: 'Dial ratio' }).fill('2.5');
    await page.getByRole('button', { name: 'Save' }).click();
    for (let i = 0; i < 50 && !(await h.admin.get(`${base}/users/${user.id}`)).body.agent.enabled; i += 1) await new Promise((r) => setTimeout(r, 100));
    const saved = (await h.admin.get(`${base}/users/${user.id}`)).body;
    assert.deepEqual(
      [saved.agent.enabled, saved.agent.personalPredictiveQueue.dialRatio, saved.description],
      [true, 2.5, 'changed elsewhere'],
      'reloaded, the change goes in over theirs',
    );
    await page.close();
  });

  it('makes a user whose password must change set a new one first, then lets them in', async () => {
    await h.admin.post(`${base}/users`, { login: 'must-change', roles: ['agent'], password: 'Temporary-Heron-55!', passwordChangeRequired: true });
    const page = await browser.newPage();
    await signIn(page, url, { login: 'must-change', password: 'Temporary-Heron-55!' }, '/');
    await page.getByRole('heading', { name: 'Set a new password' }).waitFor();
    await page.getByLabel(/^Current password/).fill('Temporary-Heron-55!');
    await page.getByLabel(/^New password/).fill('Brand-New-Kestrel-81!');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.getByRole('heading', { name: 'My workspace' }).waitFor();
    assert.equal((await h.anonymous.post('/api/v1/auth/login', { domain: 'default', login: 'must-change', password: 'Brand-New-Kestrel-81!' })).status, 200);
    await page.close();
  });

  it('speaks Polish when asked', async () => {
    const page = await browser.newPage();
    await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD });
    await page.locator('[role=row][data-login="admin"]').waitFor();
    await page.getByRole('combobox', { name: 'Language' }).click();
    await page.getByRole('option', { name: 'PL' }).click();
    await page.getByRole('heading', { name: 'Użytkownicy' }).waitFor();
    assert.equal(await page.getByRole('columnheader', { name: 'Numer wewn.' }).count(), 1);
    await screenshot(page, 'users-polish');
    await page.getByRole('link', { name: 'Nowy użytkownik' }).click();
    await page.getByLabel(/^Login/).fill('admin');
    await page.getByRole('button', { name: 'Utwórz' }).click();
    await page.getByText('Ten login jest już zajęty w tej domenie').waitFor();
    await screenshot(page, 'card-polish');
    await page.close();
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_PASSWORD, passwordFor, userWithRoles } from '../harness.ts';
import { startReceiver, type Receiver } from '../webhook-receiver.ts';
import { consoleUnderTest, noticeSaid, screenshot, signIn } from './browser.ts';

const base = '/api/v1/domains/default';

/** The CRM gate in the domain settings, as an administrator sets it up and as a user who may only read sees the settings. */
describe('the CRM gate in the console', () => {
  const started = consoleUnderTest('sqlite', { SWITCHBOARD_WEBHOOK_ALLOW_PRIVATE: 'true' });
  let crm: Receiver;
  before(async () => {
    crm = await startReceiver({ answer: () => ({ status: 200, json: { users: [{ login: 'from-crm', externalId: 'C-42' }] } }) });
  });
  after(() => crm?.close());

  it('is set up by an administrator: a bad URL says what to fix, a good one is saved, tested and asked before a user is made', async () => {
    const { h, url, browser } = started();
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD }, '/settings');
    await page.getByRole('tab', { name: 'CRM gate' }).click();
    await page.getByLabel('CRM URL').fill('not a url');
    await page.getByRole('button', { name: 'Generate' }).click();
    await page.getByText('Give this secret to the CRM too').waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal((await h.admin.get(`${base}/crm-gate`)).body.configured, false, 'nothing saved from bad input');

    await page.getByLabel('CRM URL').fill(crm.url);
    await page.getByRole('button', { name: 'Save' }).click();
    await noticeSaid(page, 'CRM gate saved');
    await page.getByRole('button', { name: 'Test the connection' }).click();
    await noticeSaid(page, 'Test sent');
    await screenshot(page, 'crm-gate-saved');
    const gate = (await h.admin.get(`${base}/crm-gate`)).body;
    assert.deepEqual([gate.configured, gate.url, gate.secretSet, 'secret' in gate], [true, crm.url, true, false], 'the secret is never answered');

    const asked = crm.requests.length;
    const made = await h.admin.post(`${base}/users`, { login: 'from-crm', roles: ['agent'] });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal(crm.requests.length, asked + 1, 'the CRM was asked once');
    assert.deepEqual(made.body.externalIds, [{ system: 'creatio', id: 'C-42' }]);
    await page.close();
  });

  it('is neither shown nor offered to a user whose role may only read', async () => {
    const { h, url, browser } = started();
    assert.equal((await h.admin.post(`${base}/roles`, { name: 'viewer', permissions: ['users:read', 'profile:read', 'profile:update'] })).status, 201);
    await userWithRoles(h, 'crm-viewer', ['viewer']);
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await signIn(page, url, { login: 'crm-viewer', password: passwordFor('crm-viewer') }, '/settings');
    await page.getByRole('heading', { name: 'Domain settings' }).waitFor();
    await page.getByRole('tab').first().waitFor();
    assert.equal(await page.getByRole('tab', { name: 'CRM gate' }).count(), 0);
    await screenshot(page, 'crm-gate-viewer');
    await page.close();
  });
});

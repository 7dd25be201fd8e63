import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { listenSip, type SipListeners } from '../../src/server/registrar/transports.ts';
import { ADMIN_PASSWORD, passwordFor, type Harness } from '../harness.ts';
import { registerWithDigest } from '../sip-client.ts';
import { consoleUnderTest, engines, screenshot, signIn } from './browser.ts';

const base = '/api/v1/domains/default';
const SECRET = 'Quartz-Meadow-Sip-71';

/** What a card of the dashboard says, by its heading. */
const card = (page: Page, title: string) => page.getByRole('region', { name: title });

for (const engine of engines) {
  describe(`the dashboard, figure by figure against the API [${engine}]`, () => {
    const started = consoleUnderTest(engine);
    let h: Harness;
    let page: Page;
    let sip: SipListeners;
    before(async () => {
      const { h: harness, url, browser } = started();
      h = harness;
      sip = await listenSip(h.app.registrar, h.app.sipConnections, '127.0.0.1', 0, h.app.log);
      page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD }, '/dashboard');
    });
    after(async () => sip?.close());

    const agent = async (login: string, extension: string) =>
      (
        await h.admin.post(`${base}/users`, {
          login,
          roles: ['agent'],
          password: passwordFor(login),
          agent: { enabled: true },
          sip: { extension, secret: SECRET },
        })
      ).body.id as string;
    const statusCounts = async () => {
      const items = await page.getByTestId('status-counts').getByRole('listitem').allInnerTexts();
      return Object.fromEntries(items.map((text) => text.split(':').map((part) => part.trim())).map(([name, value]) => [name, Number(value)]));
    };
    const yTicks = async (title: string) =>
      (await card(page, title).locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value').allTextContents()).map(Number);

    it('says in words what an empty domain has nothing of, and counts its users in whole numbers', async () => {
      await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
      await card(page, 'Agents by status now').getByText('No agents in this domain yet').waitFor();
      await card(page, 'Time on break per agent, last 24 hours').getByText('No agent was on break in the last 24 hours.').waitFor();
      await card(page, 'License seats').getByText('No licenses in this domain.').waitFor();
      await card(page, 'Phones registered').getByText('No phone is registered now.').waitFor();
      assert.equal(await page.getByTestId('registered-of').innerText(), '0 of 1 users registered');
      // The dashboard's own connection makes the administrator online: one user, an axis of whole users.
      await card(page, 'Online, last 24 hours').locator('.recharts-area').waitFor();
      const ticks = await yTicks('Online, last 24 hours');
      assert.ok(ticks.length >= 2, 'the axis has ticks');
      assert.ok(
        ticks.every((n) => Number.isInteger(n)),
        `whole users on the axis, not ${ticks.join(', ')}`,
      );
      await screenshot(page, `dashboard-empty-${engine}`);
    });

    it('shows agents by status, breaks by reason, registered phones, time on break and license seats as the API counts them', async () => {
      await h.admin.post(`${base}/pause-reasons`, { name: 'Lunch', maxDuration: 1800 });
      await h.admin.post(`${base}/licenses`, { name: 'agent-seats', seats: 5 });
      const ready = await agent('dash-ready', '2201');
      const lunch = await agent('dash-lunch', '2202');
      const quiet = await agent('dash-quiet', '2203');
      const away = await agent('dash-away', '2204');
      const gone = await agent('dash-gone', '2205');
      for (const id of [ready, lunch]) assert.equal((await h.admin.post(`${base}/users/${id}/licenses/agent-seats`)).status, 204);
      for (const id of [ready, lunch, quiet, gone]) await h.admin.post(`${base}/users/${id}/cc/login`);
      await h.admin.put(`${base}/users/${lunch}/status`, { status: 'break', reason: 'Lunch' });
      await h.admin.put(`${base}/users/${quiet}/status`, { status: 'dnd' });
      await h.admin.put(`${base}/users/${gone}/status`, { status: 'break' });
      await h.admin.put(`${base}/users/${away}/status`, { status: 'available' });
      assert.match(
        await registerWithDigest(sip.port, { user: '2201', password: SECRET, host: 'default', realm: 'default', algorithm: 'MD5' }),
        /^SIP\/2\.0 200 OK/,
      );
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await h.admin.delete(`${base}/users/${gone}`);
      await page.reload();

      const summary = (await h.admin.get(`${base}/presence/summary`)).body;
      assert.deepEqual(summary.agents, { total: 4, inCc: 3, available: 1, break: 1, dnd: 1, offline: 1 }, 'the seeded states');
      await page.getByTestId('status-counts').getByText('Do not disturb: 1').waitFor();
      assert.deepEqual(await statusCounts(), {
        Available: summary.agents.available,
        Break: summary.agents.break,
        'Do not disturb': summary.agents.dnd,
        Offline: summary.agents.offline,
      });
      assert.equal(await page.getByTestId('break-reasons').innerText(), 'On break by reason: Lunch 1');
      assert.equal(await page.getByTestId('registered-of').innerText(), `${summary.users.registered} of ${summary.users.total} users registered`);
      assert.equal(summary.users.registered, 1);

      const report = (await h.admin.get(`${base}/reports/presence`)).body;
      const breakers = report.statusSeconds
        .filter((r: { break: number }) => r.break > 0)
        .map((r: { login: string }) => r.login)
        .sort();
      assert.deepEqual(breakers, ['dash-lunch'], 'the deleted agent is not in the report');
      const breakCard = page.getByTestId('break-per-agent');
      await breakCard.getByText('dash-lunch').waitFor();
      assert.equal(await breakCard.getByText('dash-gone').count(), 0, 'deleted users are not listed');
      assert.match(await breakCard.innerText(), /dash-lunch\s+\d+ s/, 'the time has its unit');

      const license = (await h.admin.get(`${base}/licenses/agent-seats`)).body;
      const seats = await page.getByTestId('license-seats').locator('[data-license="agent-seats"]').innerText();
      assert.equal(seats.replace(/\s+/g, ' '), `agent-seats ${license.used} used, ${license.free} free of ${license.seats}`);
      assert.deepEqual([license.used, license.free], [2, 3]);
      const ticks = await yTicks('Online, last 24 hours');
      assert.ok(
        ticks.every((n) => Number.isInteger(n)),
        `whole users on the axis, not ${ticks.join(', ')}`,
      );
      await screenshot(page, `dashboard-${engine}`);
    });

    it('follows a status change live, without a reload', async () => {
      const id = (await h.admin.get(`${base}/users?q=dash-quiet`)).body.items[0].id;
      await h.admin.put(`${base}/users/${id}/status`, { status: 'available' });
      await page.getByTestId('status-counts').getByText('Available: 2').waitFor();
      assert.equal((await h.admin.get(`${base}/presence/summary`)).body.agents.available, 2);
    });
  });
}

import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ADMIN_PASSWORD, passwordFor, type Harness } from '../harness.ts';
import { consoleUnderTest, engines, screenshot, signIn } from './browser.ts';

const base = '/api/v1/domains/default';

/** Picks options of a Mantine select or multi-select by its label, as a person clicks them. */
async function pick(page: Page, label: string, ...options: string[]) {
  for (const option of options) {
    await page.getByRole('combobox', { name: label, exact: true }).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }
  await page.keyboard.press('Escape');
}
const notice = (page: Page) => page.getByRole('status').filter({ hasNotText: /^$/ });
const localDay = (offsetDays: number) => {
  const d = new Date();
  d.setDate(d.getDate() + offsetDays);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

for (const engine of engines) {
  describe(`the administration pages, task by task [${engine}]`, () => {
    const started = consoleUnderTest(engine);
    let h: Harness;
    let url: string;
    let page: Page;
    let ann: string;
    before(async () => {
      const { h: harness, url: address, browser } = started();
      h = harness;
      url = address;
      ann = (await h.admin.post(`${base}/users`, { login: 'grp-ann', firstName: 'Ann', lastName: 'Lee', roles: ['agent'] })).body.id;
      page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD }, '/roles');
    });

    it('keeps the roles matrix header in view while scrolling, describes each permission in words, and says a tick was saved', async () => {
      const matrix = page.getByRole('table', { name: 'Permissions of each role' });
      await matrix.waitFor();
      const row = matrix.locator('tr[data-permission="users:force-status"]');
      assert.match(await row.getByRole('rowheader').innerText(), /users:force-status\s+Set other users' status and log them in or out of contact-center mode/);
      const scroller = page.getByTestId('roles-scroll');
      await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      const box = await scroller.boundingBox();
      const header = await matrix.getByRole('columnheader', { name: 'Permission' }).boundingBox();
      assert.ok(box && header, 'both are on the page');
      assert.ok(header.y >= box.y - 1 && header.y < box.y + 10, `the header stays at the top of the scrolled table (header at ${header.y}, table at ${box.y})`);
      assert.ok(((await scroller.evaluate((el) => el.scrollTop)) ?? 0) > 100, 'the table did scroll');
      await screenshot(page, `roles-matrix-scrolled-${engine}`);
      await page.getByRole('checkbox', { name: 'supervisor: users:restore' }).click();
      await notice(page).getByText('supervisor may now users:restore.').waitFor();
      assert.ok((await h.admin.get(`${base}/roles/supervisor`)).body.permissions.includes('users:restore'));
    });

    it('creates a group with the roles it grants, adds and takes out a member, changes its roles and deletes it', async () => {
      await page.getByRole('link', { name: 'Groups' }).click();
      const form = page.getByRole('form', { name: 'New group' });
      await form.getByRole('textbox', { name: /^Name/ }).fill('Night shift');
      await form.getByLabel('Description').fill('22:00 to 06:00');
      await pick(page, 'Roles it grants', 'supervisor');
      await form.getByRole('button', { name: 'Add' }).click();
      await notice(page).getByText('Group Night shift created.').waitFor();
      assert.deepEqual((await h.admin.get(`${base}/groups/Night shift`)).body.roles, ['supervisor']);

      const editor = page.getByRole('region', { name: 'Group Night shift' });
      await editor.getByRole('combobox', { name: 'Add a member' }).fill('grp');
      await page.getByRole('option', { name: 'grp-ann (Ann Lee)' }).click();
      await editor.getByRole('button', { name: 'Add', exact: true }).click();
      await notice(page).getByText('grp-ann (Ann Lee) is now in Night shift.').waitFor();
      await editor.locator('tr[data-member="grp-ann"]').waitFor();
      assert.deepEqual((await h.admin.get(`${base}/users/${ann}`)).body.groups, ['Night shift']);
      await page.locator('tr[data-group="Night shift"]').getByText('1', { exact: true }).waitFor();

      await editor.getByRole('combobox', { name: 'Roles the group grants' }).click();
      await page.getByRole('option', { name: 'agent', exact: true }).click();
      await page.keyboard.press('Escape');
      await editor.getByLabel('Name of the group').fill('Nights');
      await editor.getByRole('button', { name: 'Save' }).click();
      await notice(page).getByText('Group Nights saved.').waitFor();
      assert.deepEqual((await h.admin.get(`${base}/groups/Nights`)).body.roles.sort(), ['agent', 'supervisor']);
      await screenshot(page, `groups-${engine}`);

      const renamed = page.getByRole('region', { name: 'Group Nights' });
      await renamed.getByRole('button', { name: 'Take out grp-ann' }).click();
      await notice(page).getByText('grp-ann is no longer in Nights.').waitFor();
      assert.deepEqual((await h.admin.get(`${base}/users/${ann}`)).body.groups, []);

      await form.getByRole('textbox', { name: /^Name/ }).fill('Nights');
      await form.getByRole('button', { name: 'Add' }).click();
      await form.getByText('Already taken').waitFor();

      await renamed.getByRole('button', { name: 'Delete the group' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete Nights' }).click();
      await notice(page).getByText('Group Nights deleted; its members stay, without it.').waitFor();
      assert.equal((await h.admin.get(`${base}/groups/Nights`)).status, 404);
    });

    it('keeps pause reasons with their maximum duration in minutes, and says at the field what is out of range', async () => {
      await page.getByRole('link', { name: 'Pause reasons' }).click();
      const form = page.getByRole('form', { name: 'New pause reason' });
      await form.getByRole('textbox', { name: /^Name/ }).fill('Lunch');
      await form.getByLabel('Maximum duration (minutes)').fill('30');
      await form.getByRole('button', { name: 'Add' }).click();
      await notice(page).getByText('Pause reason Lunch added.').waitFor();
      await page.locator('tr[data-reason="Lunch"]').getByText('30 min').waitFor();
      assert.equal((await h.admin.get(`${base}/pause-reasons`)).body.items.find((r: { name: string }) => r.name === 'Lunch').maxDuration, 1800);

      await form.getByRole('textbox', { name: /^Name/ }).fill('Training');
      await form.getByLabel('Maximum duration (minutes)').fill('2000');
      await form.getByRole('button', { name: 'Add' }).click();
      await form.getByText('Give whole minutes from 1 to 1440, or leave it empty').waitFor();
      assert.equal((await h.admin.get(`${base}/pause-reasons`)).body.items.length, 1, 'nothing written');

      await page.getByRole('button', { name: 'Edit Lunch' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Maximum duration (minutes)').fill('45');
      await dialog.getByRole('button', { name: 'Save' }).click();
      await notice(page).getByText('Pause reason Lunch saved.').waitFor();
      await page.locator('tr[data-reason="Lunch"]').getByText('45 min').waitFor();
      assert.equal((await h.admin.get(`${base}/pause-reasons`)).body.items[0].maxDuration, 2700);
      await screenshot(page, `pause-reasons-${engine}`);
    });

    it('adds hot desks, shows who sits where, and signs a user out of one', async () => {
      const dan = (
        await h.admin.post(`${base}/users`, { login: 'desk-dan', password: passwordFor('desk-dan'), roles: ['agent'], sip: { assignment: 'dynamic' } })
      ).body.id;
      await page.getByRole('link', { name: 'Hot desks' }).click();
      const form = page.getByRole('form', { name: 'New hot desk' });
      await form.getByLabel('Extension').fill('7001');
      await form.getByLabel('Description').fill('2nd floor, window');
      await form.getByRole('button', { name: 'Add' }).click();
      await notice(page).getByText('Desk 7001 added.').waitFor();
      await form.getByLabel('Extension').fill('7002');
      await form.getByRole('button', { name: 'Add' }).click();
      await page.locator('tr[data-desk="7002"]').waitFor();
      await form.getByLabel('Extension').fill('7001');
      await form.getByRole('button', { name: 'Add' }).click();
      await form.getByText('This extension is already taken').waitFor();

      const danClient = await h.signIn('default', 'desk-dan', passwordFor('desk-dan'));
      assert.equal((await danClient.post(`${base}/users/${dan}/sip/sign-in`, { extension: '7001' })).status, 200);
      await page.reload();
      const desk = page.locator('tr[data-desk="7001"]');
      await desk.getByRole('link', { name: 'desk-dan' }).waitFor();
      await page.getByText('1 of 2 desks taken').waitFor();
      assert.equal(await desk.getByRole('button', { name: 'Delete desk 7001' }).count(), 0, 'an occupied desk is not offered for deletion');
      await screenshot(page, `hot-desks-${engine}`);
      await desk.getByRole('button', { name: 'Sign out desk-dan from 7001' }).click();
      await notice(page).getByText('desk-dan signed out of desk 7001.').waitFor();
      await desk.getByText('Free').waitFor();
      assert.equal((await h.admin.get(`${base}/hot-desks`)).body.items[0].occupiedBy, null);
      await page.getByRole('button', { name: 'Delete desk 7002' }).click();
      await notice(page).getByText('Desk 7002 deleted.').waitFor();
      assert.deepEqual(
        (await h.admin.get(`${base}/hot-desks`)).body.items.map((d: { extension: string }) => d.extension),
        ['7001'],
      );
    });

    it('filters the audit log by days, who and what, and shows each change before and after', async () => {
      await h.admin.patch(`${base}/users/${ann}`, { firstName: 'Anna' });
      await page.getByRole('link', { name: 'Audit log' }).click();
      const log = page.getByRole('table', { name: 'Audit log' });
      await log.locator('tr[data-action="desk.created"]').first().waitFor();
      await page.getByLabel('What').fill('grp-ann');
      await page.getByLabel('Who').fill('admin');
      await log.locator('tr[data-action="user.updated"]').waitFor();
      await log.locator('tr[data-action="desk.created"]').first().waitFor({ state: 'detached' });
      const api = (await h.admin.get(`${base}/audit?target=grp-ann&actor=admin`)).body.items.map((e: { action: string }) => e.action);
      // The second filter is typed while the first one's rows are shown: wait for the page to show its answer.
      const shown = () => log.locator(':scope > tbody > tr').evaluateAll((found) => found.map((r) => r.getAttribute('data-action')));
      let actions = await shown();
      for (let tries = 0; tries < 50 && JSON.stringify(actions) !== JSON.stringify(api); tries += 1) {
        await page.waitForTimeout(100);
        actions = await shown();
      }
      assert.deepEqual(actions, api, 'the rows the API answers for the same filters');
      assert.ok(actions.includes('group.member_added') && actions.includes('group.member_removed'));
      const change = log.locator('tr[data-action="user.updated"] tr[data-field="firstName"]');
      assert.equal(await change.locator('del').innerText(), 'Ann');
      assert.equal(await change.locator('ins').innerText(), 'Anna');

      await page.getByLabel('From').fill(localDay(0));
      await page.getByLabel('To').fill(localDay(-1));
      await page.getByText('Pick a day on or after the first').waitFor();
      await page.getByLabel('To').fill(localDay(0));
      await log.locator('tr[data-action="user.updated"]').waitFor();
      await page.getByLabel('From').fill(localDay(1));
      await page.getByLabel('To').fill(localDay(1));
      await page.getByText('No entries match these filters.').waitFor();
      await page.getByLabel('From').fill('');
      await page.getByLabel('To').fill('');
      await log.locator('tr[data-action="user.updated"]').waitFor();
      await screenshot(page, `audit-filtered-${engine}`);
    });

    it('creates a range with tags, licenses, skills with levels and agent timers, then edits them in bulk', async () => {
      await h.admin.post(`${base}/tags`, { name: 'vip' });
      await h.admin.post(`${base}/tags`, { name: 'night' });
      await h.admin.post(`${base}/skills`, { name: 'polish' });
      await h.admin.post(`${base}/skills`, { name: 'english' });
      await h.admin.post(`${base}/licenses`, { name: 'dialer', seats: 10 });
      await page.getByRole('link', { name: 'Users' }).click();
      await page.getByRole('button', { name: 'Create range…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(/^From number/).fill('5001');
      await dialog.getByLabel(/^To number/).fill('5003');
      await pick(page, 'Tags', 'vip');
      await pick(page, 'Licenses', 'dialer');
      await pick(page, 'Skills', 'polish');
      await dialog.getByLabel('Level of polish').fill('80');
      await dialog.getByLabel('Wrap-up time (s)').fill('25');
      await dialog.getByLabel('Max no answer').fill('3');
      await screenshot(page, `range-template-${engine}`);
      await dialog.getByRole('button', { name: 'Create', exact: true }).click();
      await page.getByText('3 users created, 0 numbers left out.').waitFor();
      const made = (await h.admin.get(`${base}/users?q=5002`)).body.items[0];
      assert.deepEqual(made.tags, ['vip']);
      assert.deepEqual(made.licenses ?? (await h.admin.get(`${base}/users/${made.id}`)).body.licenses, ['dialer']);
      const agent = (await h.admin.get(`${base}/users/${made.id}/agent`)).body;
      assert.deepEqual([agent.skills, agent.wrapUpTime, agent.maxNoAnswer], [[{ skill: 'polish', level: 80 }], 25, 3]);
      assert.equal((await h.admin.get(`${base}/licenses/dialer`)).body.used, 3);
      await dialog.getByRole('button', { name: 'Close', exact: true }).click();

      await page.getByLabel('Search').fill('500');
      await page.locator('[role=row][data-login="admin"]').waitFor({ state: 'detached' });
      await page.locator('[role=row][data-login="5003"]').waitFor();
      await page.getByLabel('Select the users shown').check();
      await page.getByRole('button', { name: 'Edit…' }).click();
      await pick(page, 'Add tags', 'night');
      await pick(page, 'Remove tags', 'vip');
      await pick(page, 'Add skills', 'english');
      await page.getByRole('dialog').getByLabel('Level of english').fill('60');
      await pick(page, 'Take licenses back', 'dialer');
      await page.getByRole('dialog').getByLabel('Wrap-up time (s)').fill('40');
      await screenshot(page, `bulk-edit-${engine}`);
      await page.getByRole('button', { name: 'Change 3 users' }).click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      const edited = (await h.admin.get(`${base}/users/${made.id}`)).body;
      assert.deepEqual(edited.tags, ['night']);
      const after = (await h.admin.get(`${base}/users/${made.id}/agent`)).body;
      assert.deepEqual(
        [after.skills.map((s: { skill: string; level: number }) => `${s.skill}:${s.level}`).sort(), after.wrapUpTime, after.maxNoAnswer],
        [['english:60', 'polish:80'], 40, 3],
      );
      assert.equal((await h.admin.get(`${base}/licenses/dialer`)).body.used, 0);
    });
  });
}

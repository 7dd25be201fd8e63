import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ADMIN_PASSWORD, type Harness } from '../harness.ts';
import { consoleUnderTest, engines, noticeSaid, screenshot, signIn } from './browser.ts';

const base = '/api/v1/domains/default';

/** The logins of the rows on screen, top to bottom. */
const shownLogins = (page: Page) => page.locator('[role=row][data-login]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-login')));

/**
 * At 1440×900 the list fits the window, and no header runs into the next: each fits its column,
 * ends before the next starts, and the last ends where the rows do.
 */
async function headersApart(page: Page) {
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'nothing wider than the window');
  const boxes = await page.getByRole('columnheader').evaluateAll((cells) =>
    cells.map((c) => ({
      text: c.textContent,
      left: c.getBoundingClientRect().left,
      right: c.getBoundingClientRect().right,
      fits: c.scrollWidth <= c.clientWidth,
    })),
  );
  for (const [i, box] of boxes.entries()) {
    assert.ok(box.fits, `${box.text} fits its column`);
    const next = boxes[i + 1];
    if (next) assert.ok(box.right <= next.left + 0.5, `${box.text} ends before ${next.text}`);
  }
  const table = await page.getByTestId('users-scroller').evaluate((e) => e.getBoundingClientRect().right);
  assert.ok((boxes.at(-1)?.right ?? 0) <= table + 0.5, 'the last header ends within the list');
}

for (const engine of engines) {
  describe(`the users list, the deleted users and forcing a status [${engine}]`, () => {
    const started = consoleUnderTest(engine);
    let h: Harness;
    let url: string;
    let page: Page;
    before(async () => {
      const { h: harness, url: address, browser } = started();
      h = harness;
      url = address;
      page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await h.admin.post(`${base}/groups`, { name: 'Night' });
      // The directory the issue was found with: 2,000 users besides the administrator.
      const range = await h.admin.post(`${base}/users/range`, { from: '5000', to: '6999', template: { roles: ['agent'] } });
      assert.equal(range.body.created.length, 2000);
      for (const login of ['night-1', 'night-2', 'night-3'])
        await h.admin.post(`${base}/users`, { login, roles: ['agent'], groups: ['Night'], description: 'Covers the night shift, Monday to Friday' });
      await signIn(page, url, { login: 'admin', password: ADMIN_PASSWORD });
      await page.locator('[role=row][data-login="5000"]').waitFor();
    });

    it('says how many users match in all (not the 200 loaded), "1 user" for one, in Polish in its three forms', async () => {
      const total = page.getByTestId('users-total');
      await total.getByText('2,004 users', { exact: true }).waitFor();
      assert.equal((await shownLogins(page)).length < 200, true, 'only the rows in view are drawn');
      await page.getByLabel('Search').fill('5123');
      await total.getByText('1 user', { exact: true }).waitFor();
      await page.getByLabel('Search').fill('night');
      await total.getByText('3 users', { exact: true }).waitFor();
      await page.getByRole('combobox', { name: 'Language' }).click();
      await page.getByRole('option', { name: 'PL' }).click();
      await total.getByText('3 użytkownicy', { exact: true }).waitFor();
      // Inside extensions too: 5120–5129, 5512 and 6512.
      await page.getByLabel('Szukaj').fill('512');
      await total.getByText('12 użytkowników', { exact: true }).waitFor();
      await page.getByLabel('Szukaj').fill('5123');
      await total.getByText('1 użytkownik', { exact: true }).waitFor();
      await page.getByRole('combobox', { name: 'Język' }).click();
      await page.getByRole('option', { name: 'EN' }).click();
      await page.getByLabel('Search').fill('');
      await total.getByText('2,004 users', { exact: true }).waitFor();
    });

    it('shows the groups, keeps search and filters in the address through a reload and Back, and its headers apart', async () => {
      await page.goto(`${url}/users`);
      await page.locator('[role=row][data-login="5000"]').waitFor();
      const headers = await page.getByRole('columnheader').allInnerTexts();
      assert.ok(headers.includes('Groups'), `a Groups column among ${headers.join(', ')}`);
      await page.getByRole('combobox', { name: 'Group', exact: true }).click();
      await page.getByRole('option', { name: 'Night' }).click();
      await page.getByTestId('users-total').getByText('3 users', { exact: true }).waitFor();
      assert.match(page.url(), /[?&]group=Night/);
      await page.getByLabel('Search').fill('night-2');
      await page.waitForURL(/q=night-2/);
      await page.getByTestId('users-total').getByText('1 user', { exact: true }).waitFor();
      const row = page.locator('[role=row][data-login="night-2"]');
      assert.deepEqual(
        (await row.getByRole('cell').allInnerTexts()).filter((c) => c === 'Night'),
        ['Night'],
        'the row shows its group',
      );

      await page.reload();
      await page.getByTestId('users-total').getByText('1 user', { exact: true }).waitFor();
      assert.equal(await page.getByLabel('Search').inputValue(), 'night-2', 'the search is kept');
      assert.equal(await page.getByRole('combobox', { name: 'Group', exact: true }).inputValue(), 'Night', 'the filter is kept');
      assert.deepEqual(await shownLogins(page), ['night-2']);

      await page.goBack();
      await page.getByTestId('users-total').getByText('2,004 users', { exact: true }).waitFor();
      assert.equal(await page.getByLabel('Search').inputValue(), '', 'Back undoes the filter and the search typed after it');
      assert.equal(await page.getByRole('combobox', { name: 'Group', exact: true }).inputValue(), '');

      await headersApart(page);
      await screenshot(page, `users-list-${engine}`);
      await page.getByRole('combobox', { name: 'Language' }).click();
      await page.getByRole('option', { name: 'PL' }).click();
      await page.getByRole('columnheader', { name: 'Grupy' }).waitFor();
      await headersApart(page);
      await page.getByText('Usunięci użytkownicy', { exact: true }).click();
      await page.getByRole('columnheader', { name: 'Usunięty na zawsze' }).waitFor();
      await headersApart(page);
      await page.getByRole('combobox', { name: 'Język' }).click();
      await page.getByRole('option', { name: 'EN' }).click();
    });

    it('forces only what the presence rules allow: an agent out of CC is logged in first, a break asks its reason', async () => {
      await h.admin.post(`${base}/pause-reasons`, { name: 'Lunch' });
      await h.admin.post(`${base}/pause-reasons`, { name: 'Training' });
      const agent = (await h.admin.post(`${base}/users`, { login: 'cc-forced', roles: ['agent'], agent: { enabled: true } })).body;
      await h.admin.post(`${base}/users`, { login: 'cc-plain', roles: ['agent'] });
      await page.goto(`${url}/users?q=cc-`);
      const row = page.locator('[role=row][data-login="cc-forced"]');
      await row.waitFor();

      await page.getByRole('button', { name: 'Actions for cc-forced' }).click();
      const items = async () => (await page.getByRole('menuitem').allInnerTexts()).map((s) => s.trim());
      await page.getByRole('menuitem', { name: 'Log in to the contact center' }).waitFor();
      assert.deepEqual(
        await items(),
        ['Edit', 'Log in to the contact center', 'Sign out everywhere', 'Delete'],
        'out of CC there is no status to set, only the login',
      );
      await page.getByRole('menuitem', { name: 'Log in to the contact center' }).click();
      await noticeSaid(page, 'cc-forced is logged in to the contact center');
      await row.locator('[data-status="available"]').waitFor();

      await page.getByRole('button', { name: 'Actions for cc-forced' }).click();
      await page.getByRole('menuitem', { name: 'Break…' }).waitFor();
      assert.deepEqual(
        await items(),
        ['Edit', 'Break…', 'Do not disturb', 'Log out of the contact center', 'Sign out everywhere', 'Delete'],
        'in CC and available: the other statuses',
      );
      await page.getByRole('menuitem', { name: 'Break…' }).click();
      const dialog = page.getByRole('dialog', { name: 'Put cc-forced on a break' });
      await dialog.waitFor();
      assert.equal(await dialog.getByRole('button', { name: 'Put on a break' }).isDisabled(), true, 'not without a reason');
      await dialog.getByRole('combobox', { name: 'Pause reason' }).click();
      await page.getByRole('option', { name: 'Lunch' }).click();
      await screenshot(page, `force-break-${engine}`);
      await dialog.getByRole('button', { name: 'Put on a break' }).click();
      await noticeSaid(page, 'cc-forced: Break · Lunch');
      await row.locator('[data-status="break"]').waitFor();
      await row.getByText('Lunch').waitFor();
      const presence = (await h.admin.get(`${base}/users/${agent.id}/presence`)).body;
      assert.deepEqual([presence.cc.loggedIn, presence.status.value, presence.status.reason, presence.status.by], [true, 'break', 'Lunch', 'administrator']);

      await page.getByRole('button', { name: 'Actions for cc-plain' }).click();
      await page.getByRole('menuitem', { name: 'Edit' }).waitFor();
      assert.deepEqual(await items(), ['Edit', 'Sign out everywhere', 'Delete'], 'a user who is not an agent has no status to force');
      await page.keyboard.press('Escape');
    });

    it('deletes a user, finds it under Deleted users with its purge date, shows its card read-only and restores it; restores several in bulk', async () => {
      const leaver = (await h.admin.post(`${base}/users`, { login: 'leaver-one', firstName: 'Lea', lastName: 'Ver', roles: ['agent'], groups: ['Night'] }))
        .body;
      await page.goto(`${url}/users?q=leaver`);
      await page.getByRole('button', { name: 'Actions for leaver-one' }).click();
      await page.getByRole('menuitem', { name: 'Delete' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
      await noticeSaid(page, 'leaver-one deleted: find it under Deleted users to restore it.');
      await page.locator('[role=row][data-login="leaver-one"]').waitFor({ state: 'detached' });

      await page.getByText('Deleted users', { exact: true }).click();
      await page.waitForURL(/deleted=true/);
      const row = page.locator('[role=row][data-login="leaver-one"]');
      await row.waitFor();
      const read = (await h.admin.get(`${base}/users/${leaver.id}`)).body;
      const day = (iso: string) => new Date(iso).toLocaleDateString('en', { dateStyle: 'medium' });
      const cells = await row.getByRole('cell').allInnerTexts();
      assert.ok(
        cells.includes(day(read.deletedAt)) && cells.includes(day(read.purgeAt)),
        `deleted ${day(read.deletedAt)}, purged ${day(read.purgeAt)} in ${cells.join(' | ')}`,
      );
      await screenshot(page, `users-deleted-${engine}`);

      await row.getByRole('link', { name: 'leaver-one' }).click();
      const notice = page.getByTestId('deleted-notice');
      await notice.waitFor();
      const long = (iso: string) => new Date(iso).toLocaleDateString('en', { dateStyle: 'long' });
      assert.match(await notice.innerText(), new RegExp(`deleted on ${long(read.deletedAt)}.*restored until ${long(read.purgeAt)}`));
      assert.equal(await page.getByRole('textbox', { name: 'Login' }).isDisabled(), true, 'a deleted user cannot be edited');
      assert.equal(await page.getByRole('switch', { name: 'Active' }).isDisabled(), true);
      assert.equal(await page.getByRole('button', { name: 'Save' }).count(), 0, 'no Save that would answer "not found"');
      await screenshot(page, `user-card-deleted-${engine}`);
      await page.getByRole('button', { name: 'Restore' }).click();
      await noticeSaid(page, 'leaver-one restored');
      await notice.waitFor({ state: 'detached' });
      assert.equal(await page.getByRole('textbox', { name: 'Login' }).isDisabled(), false, 'restored, it is editable again');
      await page.getByRole('button', { name: 'Save' }).waitFor();
      assert.equal((await h.admin.get(`${base}/users/${leaver.id}`)).body.deletedAt, null);

      for (const login of ['bulk-leaver-1', 'bulk-leaver-2']) {
        const { id } = (await h.admin.post(`${base}/users`, { login, roles: ['agent'] })).body;
        await h.admin.delete(`${base}/users/${id}`);
      }
      await page.goto(`${url}/users?deleted=true&q=bulk-leaver`);
      await page.locator('[role=row][data-login="bulk-leaver-2"]').waitFor();
      await page.getByTestId('users-total').getByText('2 users', { exact: true }).waitFor();
      await page.getByLabel('Select the users shown').check();
      const toolbar = page.getByRole('toolbar', { name: 'Selected users' });
      assert.deepEqual(await toolbar.getByRole('button').allInnerTexts(), ['Restore…'], 'over deleted users: only the restore');
      await toolbar.getByRole('button', { name: 'Restore…' }).click();
      await page.getByRole('dialog').getByText('Restore 2 users?').waitFor();
      await page.getByRole('button', { name: 'Restore 2 users' }).click();
      await noticeSaid(page, '2 users restored');
      await page.locator('[role=row][data-login="bulk-leaver-1"]').waitFor({ state: 'detached' });
      assert.deepEqual(
        (await h.admin.get(`${base}/users?q=bulk-leaver`)).body.items.map((u: { login: string }) => u.login),
        ['bulk-leaver-1', 'bulk-leaver-2'],
      );
    });
  });
}

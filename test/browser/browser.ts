import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startHarness, type Harness } from '../harness.ts';
import type { Engine } from '../../src/server/db/connect.ts';

/**
 * The console is the same on either engine, and the API tests run on both; its walks run on SQLite,
 * the engine a new center starts on. `SWITCHBOARD_BROWSER_ENGINES=sqlite,postgres` walks both.
 */
export const engines = (process.env.SWITCHBOARD_BROWSER_ENGINES ?? 'sqlite').split(',') as Engine[];

const root = new URL('../../', import.meta.url).pathname;
/** Where the browser tests leave their screenshots. */
export const screenshots = join(root, 'test-results', 'browser');

/** The console as `npm run build` makes it; built here when a test runs without it. */
export function ensureConsoleBuilt(): void {
  if (existsSync(join(root, 'dist/web/index.html'))) return;
  execFileSync('npx', ['vite', 'build', '--config', 'src/web/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
}

/** Debian's Chromium, headless, sandbox and background networking off (loopback only). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-default-apps', '--disable-sync', '--no-first-run'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
}

/**
 * Waits for the notice that says a write worked; when it does not come, fails with what the page
 * said instead (a refusal in a dialog or a notice), not only with a timeout.
 */
export async function noticeSaid(page: Page, text: string): Promise<void> {
  try {
    await page.getByRole('status').filter({ hasText: text }).waitFor();
  } catch (error) {
    const alerts = await page.getByRole('alert').allInnerTexts();
    throw new Error(`no notice "${text}"; the page said: ${alerts.join(' | ') || 'nothing'}`, { cause: error });
  }
}

/** Signs in through the sign-in form, as a person would. */
export async function signIn(page: Page, base: string, who: { domain?: string; login: string; password: string }, path = '/users'): Promise<void> {
  await page.goto(`${base}${path}`);
  await page.getByLabel('Domain').fill(who.domain ?? 'default');
  await page.getByLabel('Login').fill(who.login);
  await page.getByLabel(/^Password/).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * The console under test for one describe: built if need be, served by an app on a fresh database
 * of the engine (SQLite unless told; `env` overrides the configuration) on a loopback port, and a Chromium — started before its
 * tests, closed after them. Tests of what the server does too loop over `engines`.
 */
export function consoleUnderTest(engine: Engine = 'sqlite', env: Record<string, string> = {}): () => { h: Harness; url: string; browser: Browser } {
  let state: { h: Harness; url: string; browser: Browser } | undefined;
  before(async () => {
    ensureConsoleBuilt();
    const h = await startHarness(engine, env);
    const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    state = { h, url, browser: await launchChromium() };
  });
  after(async () => {
    await state?.browser.close();
    await state?.h.close();
  });
  return () => {
    if (!state) throw new Error('the console is not started yet');
    return state;
  };
}

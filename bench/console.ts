/**
 * bench/console: the users page of a domain of 100,000 users in Debian's Chromium — time from
 * navigation to the first rows, frames while scrolling through the list for ten seconds — and the
 * size of the JavaScript the first page loads (gzip, from the build). SQLite; `npm run build` first.
 * Run: npm run bench:console
 */
import { readFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadConfig } from '../src/server/config.ts';
import { connect } from '../src/server/db/connect.ts';
import { migrateToLatest } from '../src/server/db/migrate.ts';
import { bootstrapDirectory } from '../src/server/setup/bootstrap.ts';
import { findDomain } from '../src/server/tenancy/domain-record.ts';
import { safeguardsFor } from '../src/server/users/safeguards.ts';
import { launchChromium } from '../test/browser/browser.ts';
import { freshStorage } from '../test/databases.ts';
import { seedUsers } from './seed.ts';
import { startServer } from './server-process.ts';

const PASSWORD = 'Bench-Heron-Quartz-61!';
const USERS = Number(process.env.BENCH_USERS ?? 100_000);

/** The JavaScript index.html loads before anything else: its entry and what it preloads. */
function initialJavaScript() {
  const dir = join(import.meta.dirname, '../dist/web');
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1] as string);
  const sizes = files.map((f) => {
    const body = readFileSync(join(dir, f));
    return { file: f, raw: body.length, gzip: gzipSync(body).length };
  });
  return { files: sizes, gzip: sizes.reduce((sum, s) => sum + s.gzip, 0), raw: sizes.reduce((sum, s) => sum + s.raw, 0) };
}

const database = await freshStorage('sqlite');
const storage = connect(database.url);
await migrateToLatest(storage.db);
await bootstrapDirectory(
  storage.db,
  { login: 'admin', password: PASSWORD },
  safeguardsFor(storage.db, loadConfig({ SWITCHBOARD_PWNED_URL: '', SWITCHBOARD_DATA_DIR: tmpdir() })),
);
const domain = await findDomain(storage.db, 'default');
if (!domain) throw new Error('no default domain');
await seedUsers(storage.db, domain.id, USERS);
await storage.close();
const server = await startServer(database.url);
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const signedIn = await context.request.post(`${server.base}/api/v1/auth/login`, { data: { domain: 'default', login: 'admin', password: PASSWORD } });
  if (!signedIn.ok()) throw new Error(`sign-in: ${signedIn.status()}`);
  const page = await context.newPage();
  const firstRows: number[] = [];
  for (let run = 0; run < 5; run += 1) {
    const started = Date.now();
    await page.goto(`${server.base}/users`);
    await page.locator('[role=row][aria-rowindex="2"]').waitFor();
    firstRows.push(Date.now() - started);
  }
  // Ten seconds of scrolling, 120 px a frame, counting frames over 25 ms (1.5 frames at 60 Hz).
  // Browser code as text: tsx's helpers (esbuild's __name) do not exist in the page.
  const frames = (await page.evaluate(`(async () => {
    const scroller = document.querySelector('[data-testid=users-scroller]');
    const gaps = [];
    let last = performance.now();
    const end = last + 10000;
    await new Promise((resolve) => {
      const step = (now) => {
        gaps.push(now - last);
        last = now;
        scroller.scrollTop += 120;
        if (now < end) requestAnimationFrame(step);
        else resolve();
      };
      requestAnimationFrame(step);
    });
    return { count: gaps.length, long: gaps.filter((g) => g > 25).length, worst: Math.round(Math.max(...gaps)), rows: document.querySelectorAll('[role=row][data-login]').length, top: scroller.scrollTop };
  })()`)) as { count: number; long: number; worst: number; rows: number; top: number };
  const js = initialJavaScript();
  const sorted = [...firstRows].sort((a, b) => a - b);
  process.stdout.write(
    [
      `bench/console — ${new Date().toISOString().slice(0, 10)}, ${USERS.toLocaleString('en')} users (SQLite), Chromium headless`,
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      '',
      `first rows after navigation to /users: median ${sorted[2]} ms, worst ${sorted[4]} ms (5 loads: ${firstRows.join(', ')} ms)`,
      `scrolling 10 s: ${frames.count} frames, ${frames.long} over 25 ms, worst ${frames.worst} ms; scrolled to ${Math.round(frames.top).toLocaleString('en')} px, ${frames.rows} rows in the DOM`,
      `initial JavaScript: ${(js.gzip / 1024).toFixed(0)} KiB gzip (${(js.raw / 1024).toFixed(0)} KiB) in ${js.files.length} files`,
    ].join('\n') + '\n',
  );
} finally {
  await browser.close();
  server.child.kill('SIGTERM');
  await database.drop();
}

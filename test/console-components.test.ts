import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';

// The console's component and logic tests are Vitest's (a browser-like DOM, JSX); run here so
// that `npm test` has one runner and one summary.
it('passes the console component tests (Vitest, happy-dom)', () => {
  const run = spawnSync('npx', ['vitest', 'run', '--config', 'src/web/vite.config.ts', '--reporter=dot'], {
    cwd: new URL('..', import.meta.url).pathname,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /Tests\s+.*\d+ passed/);
});

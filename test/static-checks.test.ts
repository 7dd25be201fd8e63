import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';

const root = new URL('..', import.meta.url).pathname;

/** Runs one of the project's own npm scripts; answers its exit code and what it printed. */
function npmRun(script: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], { cwd: root, env: { ...process.env, CI: 'true' } });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (status) => resolve({ status, output }));
  });
}

// The type check, the lint and the formatter's check run as tests, so that `npm test` keeps one runner and one summary.
it('type-checks the server, the CLI, the tests and the console', async () => {
  const { status, output } = await npmRun('typecheck');
  assert.equal(status, 0, output);
});

it('passes the lint with no warning', async () => {
  const { status, output } = await npmRun('lint');
  assert.equal(status, 0, output);
});

it('is formatted as Prettier formats it', async () => {
  const { status, output } = await npmRun('format:check');
  assert.equal(status, 0, output);
});

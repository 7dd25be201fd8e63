import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface ServeProcess {
  child: ChildProcess;
  /** The API's base address, e.g. http://127.0.0.1:41234. */
  url: string;
  /** The registrar's UDP and TCP port, or null when it is off. */
  sipPort: number | null;
}

export const CLUSTER_REDIS_URL = process.env.SWITCHBOARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CLUSTER_ADMIN_PASSWORD = 'Grey-Heron-Flies-42!';

/**
 * What every process of a test cluster shares: the database, Redis under the test's own prefix,
 * the secret key, the first administrator, a data folder; ports chosen by the system; no SIP.
 */
export const clusterEnv = (databaseUrl: string, redisPrefix: string, more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  SWITCHBOARD_DATABASE_URL: databaseUrl,
  SWITCHBOARD_REDIS_URL: CLUSTER_REDIS_URL,
  SWITCHBOARD_REDIS_PREFIX: redisPrefix,
  SWITCHBOARD_SECRET_KEY: randomBytes(32).toString('base64'),
  SWITCHBOARD_ADMIN_PASSWORD: CLUSTER_ADMIN_PASSWORD,
  SWITCHBOARD_PWNED_URL: '',
  SWITCHBOARD_LOG_LEVEL: 'warn',
  SWITCHBOARD_PORT: '0',
  SWITCHBOARD_SIP_PORT: 'off',
  SWITCHBOARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'switchboard-cluster-')),
  ...more,
});

/**
 * `switchboard serve` in a process of its own, as an operator runs it, started once its banner
 * names the registrar. `prefix` runs it under another command (e.g. prlimit).
 */
export async function serveProcess(env: NodeJS.ProcessEnv, prefix: string[] = []): Promise<ServeProcess> {
  // BENCH_NODE_ARGS: Node's own options for each process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/soak` (NODE_OPTIONS refuses them).
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const command = [...prefix, 'node', ...nodeArgs, '--import', 'tsx', 'src/cli/main.ts', 'serve'];
  const child = spawn(command[0] as string, command.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  while (!/SIP registrar: .*\n/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`serve did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const sip = /SIP registrar: +udp and tcp [^:]+:(\d+)/.exec(output);
  return { child, url: /API reference: +(\S+)\/api\/docs/.exec(output)?.[1] as string, sipPort: sip ? Number(sip[1]) : null };
}

/** Stops the processes still running (SIGTERM), and waits for each to exit. */
export async function stopProcesses(servers: (ServeProcess | undefined)[]): Promise<void> {
  for (const server of servers) {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
  }
}

/** Removes every Redis key a test run made under its prefix. */
export async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
}

import { spawn, type ChildProcess } from 'node:child_process';

/**
 * Starts bench/server.ts on a database in its own process and waits for its port.
 * BENCH_SERVER_NODE_ARGS gives the server's node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`.
 */
export async function startServer(url: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; base: string }> {
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn('node', [...nodeArgs, '--import', 'tsx', 'bench/server.ts'], {
    env: { ...process.env, SWITCHBOARD_DATABASE_URL: url, SWITCHBOARD_LOG_LEVEL: 'warn', SWITCHBOARD_PWNED_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim().split(' ')[0] as string));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The configuration block of docs/kamailio.md, exactly as documented. */
const documented = () => /```kamailio\n([\s\S]*?)```/.exec(readFileSync(new URL('../docs/kamailio.md', import.meta.url), 'utf8'))?.[1] as string;

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

export const hasKamailio = await new Promise<boolean>((resolve) =>
  spawn('kamailio', ['-v'])
    .on('error', () => resolve(false))
    .on('exit', (code) => resolve(code === 0)),
);

/** Kamailio with the documented configuration, authenticating against the sip_subscriber view of Switchboard's PostgreSQL database. */
export async function startKamailio(databaseUrl: string): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'kamailio-'));
  writeFileSync(join(dir, 'kamailio.cfg'), documented().replace('LISTEN', `udp:127.0.0.1:${port}`).replace('DB_URL', databaseUrl));
  const kamailio: ChildProcess = spawn('kamailio', ['-f', join(dir, 'kamailio.cfg'), '-DD', '-E', '-P', join(dir, 'kamailio.pid'), '-Y', dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  kamailio.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 10_000;
  while (!/INFO: .*init_tcp|listening on|bind_address/i.test(output) && Date.now() < deadline && kamailio.exitCode === null)
    await new Promise((resolve) => setTimeout(resolve, 100));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const stop = async () => {
    if (kamailio.exitCode === null) {
      kamailio.kill('SIGTERM');
      await once(kamailio, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  if (kamailio.exitCode !== null) {
    await stop();
    throw new Error(`kamailio did not start:\n${output}`);
  }
  return { port, stop };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The configuration a platform engineer deploys: the test runs nginx from this very file. */
const NGINX_CONF = new URL('../docs/deploy/nginx.conf', import.meta.url);

export interface Backend {
  /** host:port of a process's HTTP listener. */
  http: string;
  /** host:port of its registrar (UDP and TCP). */
  sip: string;
}

export interface SipFlow {
  /** address:port */
  client: string;
  protocol: string;
  /** Bytes from the client, to the client. */
  received: number;
  sent: number;
  upstream: string;
}

export interface LoadBalancer {
  /** http://127.0.0.1:port */
  url: string;
  /** The SIP port, UDP and TCP. */
  sipPort: number;
  /** The stream module's log (logs/sip.log): each SIP flow once it ended, the client's address and the process that took it. */
  sipLog(): SipFlow[];
  /** nginx's error log (logs/error.log, warnings and worse). */
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * Fills the placeholders of docs/deploy/nginx.conf, as envsubst would; a placeholder without a
 * value is an error, so the file and its users cannot drift apart unseen.
 */
function renderNginxConf(values: Record<string, string>): string {
  return readFileSync(NGINX_CONF, 'utf8').replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for \${${name}} in docs/deploy/nginx.conf`);
    return value;
  });
}

/** nginx from Debian, from docs/deploy/nginx.conf, on loopback ports, in a folder of its own, before the three backends. */
export async function startLoadBalancer(backends: [Backend, Backend, Backend]): Promise<LoadBalancer> {
  const prefix = mkdtempSync(join(tmpdir(), 'switchboard-nginx-'));
  // Run as root, nginx's workers are `nobody`, who must reach the temporary files under the prefix.
  chmodSync(prefix, 0o755);
  mkdirSync(join(prefix, 'logs'));
  mkdirSync(join(prefix, 'temp'));
  const [httpPort, sipPort] = [await freePort(), await freePort()];
  const values: Record<string, string> = { LB_HTTP: `127.0.0.1:${httpPort}`, LB_SIP: `127.0.0.1:${sipPort}` };
  backends.forEach((backend, i) => Object.assign(values, { [`APP_${i + 1}_HTTP`]: backend.http, [`APP_${i + 1}_SIP`]: backend.sip }));
  const conf = join(prefix, 'nginx.conf');
  let child: ChildProcess | undefined;
  try {
    writeFileSync(conf, renderNginxConf(values));
    child = spawn('nginx', ['-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await listening(child, httpPort, () => output);
  } catch (error) {
    child?.kill('SIGKILL');
    rmSync(prefix, { recursive: true, force: true });
    throw error;
  }
  const nginx = child;
  return {
    url: `http://127.0.0.1:${httpPort}`,
    sipPort,
    sipLog: () =>
      readFileSync(join(prefix, 'logs', 'sip.log'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [client, protocol, , received, sent] = line.split(' ') as [string, string, string, string, string];
          return { client, protocol, received: Number(received), sent: Number(sent), upstream: /"([^"]*)"$/.exec(line)?.[1] ?? '' };
        }),
    errorLog: () => readFileSync(join(prefix, 'logs', 'error.log'), 'utf8'),
    async stop() {
      if (nginx.exitCode === null && nginx.signalCode === null) {
        // TERM: nginx's fast stop (QUIT would wait for the open WebSockets).
        nginx.kill('SIGTERM');
        await once(nginx, 'exit');
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/** Waits until nginx takes connections on `port`; its own words if it stopped instead. */
async function listening(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx did not start:\n${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port}:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A loopback port free now (the kernel's choice), for a listener started next. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LinphoneRegistration {
  /** The registrar's port on 127.0.0.1. */
  port: number;
  transport: 'udp' | 'tcp';
  /** The AOR user and the digest username. */
  user: string;
  password: string;
  /** The AOR's host: the domain the registrar looks the account up in. */
  host: string;
  /** The digest realm the password is for; the host when absent. */
  realm?: string;
  expires: number;
  /** How long to wait for linphone to call its registration ok or failed. */
  timeoutMs?: number;
}

export interface LinphoneOutcome {
  ok: boolean;
  /** `failed`: linphone gave up on the registrar's answers; `timeout`: it reported neither. */
  state: 'ok' | 'failed' | 'timeout';
  /** The end of linphone's log when the registration did not succeed (digest responses masked). */
  log: string;
}

/**
 * linphonerc for one account: SIP on the given transport only, on a random port of 127.0.0.1
 * (bind_address), IPv4 only; linphone opens no media port until a call.
 */
const linphonerc = (o: LinphoneRegistration) => `[sip]
sip_port=${o.transport === 'udp' ? -1 : 0}
sip_tcp_port=${o.transport === 'tcp' ? -1 : 0}
sip_tls_port=0
bind_address=127.0.0.1
use_ipv6=0

[auth_info_0]
username=${o.user}
passwd=${o.password}
realm=${o.realm ?? o.host}

[proxy_0]
reg_proxy=<sip:127.0.0.1:${o.port};transport=${o.transport}>
reg_identity=sip:${o.user}@${o.host}
reg_expires=${o.expires}
reg_sendregister=1
`;

const STATE = /moving from state \[\w+\] to \[LinphoneRegistration(Ok|Failed)\]/;

/**
 * Runs Debian's linphonec with a fresh configuration and HOME of its own until its account reports
 * registered or failed (or the time is up); while registered, `whileRegistered` runs. Then linphone
 * quits (unregistering, as a phone does when switched off) and its folder is removed.
 */
export async function linphoneRegister(options: LinphoneRegistration, whileRegistered?: () => Promise<void>): Promise<LinphoneOutcome> {
  const home = mkdtempSync(join(tmpdir(), 'linphone-'));
  // Without its database folder, linphonec never opens a SIP transport.
  mkdirSync(join(home, '.local', 'share', 'linphone'), { recursive: true });
  writeFileSync(join(home, 'linphonerc'), linphonerc(options));
  const env = { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), XDG_DATA_HOME: join(home, '.local', 'share') };
  // Without -l, linphonec writes its log (level 6 shows every state change) to stdout; stdin stays
  // open because linphonec quits at its end.
  const child = spawn('linphonec', ['-c', join(home, 'linphonerc'), '-d', '6'], { cwd: home, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const log = { text: '' };
  child.on('error', (error) => (log.text += `${error.message}\n`));
  try {
    const state = await registrationState(child, log, options.timeoutMs ?? 15_000);
    if (state === 'ok') {
      assertLoopbackOnly(child.pid as number);
      await whileRegistered?.();
    }
    return { ok: state === 'ok', state, log: state === 'ok' ? '' : tail(log.text) };
  } finally {
    await stop(child, exited);
    rmSync(home, { recursive: true, force: true });
  }
}

function registrationState(child: ChildProcessWithoutNullStreams, log: { text: string }, timeoutMs: number) {
  return new Promise<LinphoneOutcome['state']>((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), timeoutMs);
    const read = (chunk: Buffer) => {
      log.text += chunk.toString();
      const reached = STATE.exec(log.text)?.[1];
      if (!reached) return;
      clearTimeout(timer);
      resolve(reached === 'Ok' ? 'ok' : 'failed');
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('close', () => resolve('timeout'));
  });
}

/** Every socket linphone listens on (UDP or TCP) must be on 127.0.0.1, as its linphonerc asks. */
function assertLoopbackOnly(pid: number) {
  const sockets = execFileSync('ss', ['-Htulnp'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(`pid=${pid},`));
  const elsewhere = sockets.filter((line) => !/\s127\.0\.0\.1:\d+\s/.test(line));
  if (sockets.length === 0 || elsewhere.length > 0) throw new Error(`linphonec listens beyond 127.0.0.1:\n${sockets.join('\n')}`);
}

/** SIGTERM lets linphone unregister first; one that hangs is killed. */
async function stop(child: ChildProcessWithoutNullStreams, exited: Promise<void>) {
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
  clearTimeout(killer);
}

const tail = (text: string) =>
  text
    .split('\n')
    .slice(-80)
    .join('\n')
    .replace(/(response|cnonce)="[^"]*"/g, '$1="…"');

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';

export const SUFFIX = 'dc=example,dc=com';
export const ROOT_DN = `cn=admin,${SUFFIX}`;
export const ROOT_PASSWORD = 'Root-Secret-1';
/** The service account a source binds as: an ordinary entry, so the size limit holds for it. */
export const SYNC_DN = `cn=sync,${SUFFIX}`;
export const SYNC_PASSWORD = 'Sync-Secret-1';
export const PEOPLE = `ou=people,${SUFFIX}`;
export const GROUPS = `ou=groups,${SUFFIX}`;
/** Entries a search answers without paging: below the seeded users, so a sync must page. */
export const SIZE_LIMIT = 500;

export const userDn = (n: number) => `uid=${loginOf(n)},${PEOPLE}`;
export const loginOf = (n: number) => `user${String(n).padStart(5, '0')}`;
export const passwordOf = (n: number) => `Pw-${n}-directory`;

export interface Slapd {
  url: string;
  dir: string;
  /** A client bound as the directory's root, to change entries as an administrator would. */
  admin(): Promise<Client>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** People and groups: every user in `agents`, the first ten also in `supervisors`. */
export function seedLdif(users: number): string {
  const entries = [
    `dn: ${SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example`,
    `dn: ${PEOPLE}\nobjectClass: organizationalUnit\nou: people`,
    `dn: ${GROUPS}\nobjectClass: organizationalUnit\nou: groups`,
    `dn: ${SYNC_DN}\nobjectClass: person\ncn: sync\nsn: sync\nuserPassword: ${SYNC_PASSWORD}`,
  ];
  for (let n = 1; n <= users; n += 1) {
    entries.push(
      [
        `dn: ${userDn(n)}`,
        'objectClass: inetOrgPerson',
        `uid: ${loginOf(n)}`,
        `cn: Person ${n}`,
        `givenName: Person`,
        `sn: Number${n}`,
        `mail: ${loginOf(n)}@example.com`,
        `telephoneNumber: +48 22 ${String(1_000_000 + n).slice(1)}`,
        `title: Agent`,
        `userPassword: ${passwordOf(n)}`,
      ].join('\n'),
    );
  }
  const members = (count: number) => Array.from({ length: count }, (_, i) => `member: ${userDn(i + 1)}`).join('\n');
  entries.push(`dn: cn=agents,${GROUPS}\nobjectClass: groupOfNames\ncn: agents\n${members(users)}`);
  entries.push(`dn: cn=supervisors,${GROUPS}\nobjectClass: groupOfNames\ncn: supervisors\n${members(Math.min(10, users))}`);
  return `${entries.join('\n\n')}\n`;
}

function configOf(dir: string): string {
  return [
    'include /etc/ldap/schema/core.schema',
    'include /etc/ldap/schema/cosine.schema',
    'include /etc/ldap/schema/inetorgperson.schema',
    'include /etc/ldap/schema/nis.schema',
    `pidfile ${join(dir, 'slapd.pid')}`,
    `argsfile ${join(dir, 'slapd.args')}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb',
    // Searches answer at most SIZE_LIMIT entries; paged ones (RFC 2696) may read everything.
    `sizelimit size.soft=${SIZE_LIMIT} size.hard=${SIZE_LIMIT} size.prtotal=unlimited`,
    'access to attrs=userPassword by anonymous auth by self write by * none',
    'access to * by * read',
    'database mdb',
    `suffix "${SUFFIX}"`,
    `rootdn "${ROOT_DN}"`,
    `rootpw ${ROOT_PASSWORD}`,
    `directory ${join(dir, 'data')}`,
    'maxsize 1073741824',
    'index uid eq',
    'index objectClass eq',
    '',
  ].join('\n');
}

/**
 * Debian's slapd in a folder of its own on a loopback port, seeded offline (slapadd) with
 * `users` people in groups. `stop` and `start` take the server down and up again on the same
 * port, with its data; `close` stops it and removes the folder.
 */
export async function startSlapd(users: number): Promise<Slapd> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-slapd-'));
  mkdirSync(join(dir, 'data'));
  const config = join(dir, 'slapd.conf');
  writeFileSync(config, configOf(dir));
  writeFileSync(join(dir, 'seed.ldif'), seedLdif(users));
  const seeded = spawnSync('/usr/sbin/slapadd', ['-q', '-f', config, '-l', join(dir, 'seed.ldif')], { encoding: 'utf8' });
  if (seeded.status !== 0) throw new Error(`slapadd failed: ${seeded.stderr}`);
  const port = await freePort();
  const url = `ldap://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    // -d 0 keeps slapd in the foreground, a child of this process that ends with it.
    child = spawn('/usr/sbin/slapd', ['-d', '0', '-h', `${url}/`, '-f', config], { stdio: 'ignore' });
    for (let i = 0; i < 100; i += 1) {
      const client = new Client({ url, connectTimeout: 500 });
      try {
        await client.bind(SYNC_DN, SYNC_PASSWORD);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      } finally {
        await client.unbind().catch(() => undefined);
      }
    }
    throw new Error('slapd did not start');
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGTERM');
    });
  };
  await start();
  return {
    url,
    dir,
    admin: async () => {
      const client = new Client({ url });
      await client.bind(ROOT_DN, ROOT_PASSWORD);
      return client;
    },
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

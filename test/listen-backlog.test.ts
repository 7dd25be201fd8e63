import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { LISTEN_BACKLOG } from '../src/server/http/listen-backlog.ts';
import { freshStorage } from './databases.ts';
import { clusterEnv, serveProcess, type ServeProcess } from './serve-process.ts';

/** The accept queue's bound of the TCP listener on `port`, as the kernel reports it (ss's Send-Q of a listening socket). */
const acceptQueueOf = (port: number) => {
  const line = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).trim();
  return Number(line.split(/\s+/)[2]);
};

describe('switchboard serve under a reconnection storm', () => {
  let database: Awaited<ReturnType<typeof freshStorage>>;
  let server: ServeProcess;
  before(async () => {
    database = await freshStorage('sqlite');
    // One process on SQLite alone: no Redis, the registrar on.
    server = await serveProcess(clusterEnv(database.url, 'backlog', { SWITCHBOARD_REDIS_URL: '', SWITCHBOARD_HOST: '127.0.0.1', SWITCHBOARD_SIP_PORT: '0' }));
  });
  after(async () => {
    if (server?.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
    await database?.drop();
  });

  it(`lets thousands of connections wait for accept on HTTP and SIP over TCP, not Node's 511`, () => {
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
    const expected = Math.min(LISTEN_BACKLOG, somaxconn);
    assert.ok(expected > 511, `this kernel allows ${somaxconn}`);
    assert.equal(acceptQueueOf(Number(new URL(server.url).port)), expected, 'HTTP');
    assert.equal(acceptQueueOf(server.sipPort as number), expected, 'SIP over TCP');
  });
});

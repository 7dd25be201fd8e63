import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, get } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import websocket from '@fastify/websocket';
import Fastify from 'fastify';
import { WebSocket } from 'ws';
import { drainApp, installDrain, SERVICE_RESTART } from './drain.ts';

/** A listening app with a slow route, one that never answers, and a WebSocket route. */
async function listeningApp() {
  const app = Fastify();
  await app.register(websocket);
  const drain = installDrain(app);
  app.get('/slow', async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { done: true };
  });
  app.get('/never', () => new Promise(() => {}));
  app.get('/live', { websocket: true }, () => {});
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, drain, address, port: Number(new URL(address).port) };
}

/** GET over a kept connection: the status and the Connection header, or the error that ended it. */
function request(url: string): Promise<{ status: number; connection: string | undefined } | Error> {
  return new Promise((resolve) => {
    get(url, { agent: new Agent({ keepAlive: true }) }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }));
    }).once('error', resolve);
  });
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('draining a process', () => {
  it('tells WebSocket clients 1012, refuses new connections, and lets a request in flight and tracked work finish', async () => {
    const { app, drain, address, port } = await listeningApp();
    const client = new WebSocket(`${address.replace(/^http/, 'ws')}/live`);
    await once(client, 'open');
    const closed = once(client, 'close');
    const slow = request(`${address}/slow`);
    let workDone = false;
    drain.track(new Promise((resolve) => setTimeout(resolve, 400)).then(() => (workDone = true)));
    await new Promise((resolve) => setTimeout(resolve, 50));

    const draining = drainApp(app, drain, 5000);
    const [code] = (await closed) as [number];
    assert.equal(code, SERVICE_RESTART);
    assert.equal(await refused(port), true, 'no new connection once draining');
    assert.deepEqual(await slow, { status: 200, connection: 'keep-alive' }, 'the request in flight answered');
    // Finished only once every connection ended, the kept one too: closed by the server once idle.
    assert.equal(await draining, true);
    assert.equal(workDone, true, 'the tracked work finished before the drain did');
    await app.close();
  });

  it('cuts what outlives the grace, and says so', async () => {
    const { app, drain, address } = await listeningApp();
    const hanging = request(`${address}/never`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    assert.equal(await drainApp(app, drain, 200), false);
    assert.ok(Date.now() - started < 1000, 'within the grace, not at the end of the request');
    assert.ok((await hanging) instanceof Error, 'the request past the grace was cut');
    await app.close();
  });
});

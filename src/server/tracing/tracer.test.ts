import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachEngine, passwordFor, userWithRoles } from '../../../test/harness.ts';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number };
}

/** An OTLP/HTTP receiver, as a collector is one: it keeps every span it is sent. */
const received: ExportedSpan[] = [];
const resources: unknown[] = [];
const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    assert.equal(request.url, '/v1/traces');
    assert.match(String(request.headers['content-type']), /json/);
    const body = JSON.parse(Buffer.concat(chunks).toString()) as {
      resourceSpans: { resource: unknown; scopeSpans: { spans: ExportedSpan[] }[] }[];
    };
    for (const { resource, scopeSpans } of body.resourceSpans) {
      resources.push(resource);
      for (const { spans } of scopeSpans) received.push(...spans);
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
receiver.listen(0, '127.0.0.1');
await new Promise((resolve) => receiver.once('listening', resolve));
after(() => receiver.close());

const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
/** OTLP/JSON ids are hex; some exporters send them base64: either is read as hex. */
const hex = (id: string | undefined) => (id === undefined ? undefined : /^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex'));
const attribute = (span: ExportedSpan, key: string) => Object.values(span.attributes.find((a) => a.key === key)?.value ?? {})[0];

const spansOf = async (traceId: string, atLeast: number) => {
  for (let i = 0; i < 100; i += 1) {
    const spans = received.filter((s) => hex(s.traceId) === traceId);
    if (spans.length >= atLeast) return spans;
    await sleep(100);
  }
  throw new Error(`fewer than ${atLeast} spans of trace ${traceId} arrived`);
};

forEachEngine(
  'OpenTelemetry traces',
  (h) => {
    it('joins the caller’s trace with a span per request, named by its route, and a span per query beneath it', async () => {
      const traceId = randomBytes(16).toString('hex');
      const user = await userWithRoles(h(), 'traced-user', ['agent']);
      const read = await h().admin.get(`/api/v1/domains/default/users/${user.id}`, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
      assert.equal(read.status, 200);
      const spans = await spansOf(traceId, 2);
      const server = spans.find((s) => s.kind === 2);
      assert.ok(server, 'a server span');
      assert.equal(server.name, 'GET /api/v1/domains/:domain/users/:id');
      assert.equal(hex(server.parentSpanId), '00f067aa0ba902b7', 'the caller’s span is its parent');
      assert.equal(Number(attribute(server, 'http.response.status_code')), 200);
      assert.equal(attribute(server, 'switchboard.request_id'), read.headers['x-request-id']);
      const queries = spans.filter((s) => s.kind === 3);
      assert.ok(queries.length > 0, 'the queries made for the request are traced');
      for (const query of queries) {
        assert.equal(hex(query.parentSpanId), hex(server.spanId));
        assert.equal(attribute(query, 'db.system.name'), h().engine === 'postgres' ? 'postgresql' : 'sqlite');
      }
      assert.ok(
        queries.some((q) => /from "users"/.test(String(attribute(q, 'db.query.text')))),
        'the user read is among them',
      );
      assert.ok(
        resources.some((r) => JSON.stringify(r).includes('"switchboard"')),
        'the service is named',
      );
    });

    it('sends no values and no secrets: a sign-in’s password and token appear in no span', async () => {
      const traceId = randomBytes(16).toString('hex');
      const password = passwordFor('otel-sign-in');
      await userWithRoles(h(), 'otel-sign-in', ['agent']);
      const signIn = await h().app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` },
        payload: { domain: 'default', login: 'otel-sign-in', password },
      });
      assert.equal(signIn.statusCode, 200);
      const spans = await spansOf(traceId, 2);
      const sent = JSON.stringify(spans);
      assert.ok(!sent.includes(password));
      assert.ok(!sent.includes((signIn.json() as { token: string }).token));
      assert.ok(!sent.includes('otel-sign-in'), 'query values are not sent, only the SQL');
    });

    it('marks a request that failed on the server as an error, and one refused for its input as not', async () => {
      const traceId = randomBytes(16).toString('hex');
      const refused = await h().admin.post('/api/v1/domains/default/users', { login: '' }, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
      assert.equal(refused.status, 400);
      const [server] = (await spansOf(traceId, 1)).filter((s) => s.kind === 2);
      assert.equal(Number(attribute(server as ExportedSpan, 'http.response.status_code')), 400);
      assert.notEqual(server?.status?.code, 2);
    });
  },
  { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
);

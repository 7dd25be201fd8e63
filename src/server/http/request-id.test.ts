import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('request ids', () => {
  let h: Harness;
  const lines: Record<string, unknown>[] = [];
  const linesOf = (id: string) => lines.filter((line) => line.reqId === id);

  before(async () => {
    // The server's own logger, as `serve` configures it, writing into this test.
    const stream = { write: (line: string) => void lines.push(JSON.parse(line)) };
    h = await startHarness('sqlite', {}, { level: 'info', stream });
  });
  after(() => h.close());

  it('gives every request a fresh id, answered in x-request-id', async () => {
    const [first, second] = [await h.admin.get(`${base}/users?limit=1`), await h.admin.get(`${base}/users?limit=1`)];
    assert.match(String(first.headers['x-request-id']), UUID);
    assert.match(String(second.headers['x-request-id']), UUID);
    assert.notEqual(first.headers['x-request-id'], second.headers['x-request-id']);
  });

  it("keeps the caller's x-request-id and puts it in every log line of the request", async () => {
    const answer = await h.admin.get(`${base}/users?limit=1`, { 'x-request-id': 'lb-7f3a.42:edge' });
    assert.equal(answer.headers['x-request-id'], 'lb-7f3a.42:edge');
    const logged = linesOf('lb-7f3a.42:edge');
    assert.deepEqual(
      logged.map((line) => line.msg),
      ['incoming request', 'request completed'],
    );
  });

  it('replaces an id that is too long or carries anything but a plain token', async () => {
    for (const given of ['a'.repeat(129), 'two words', 'quote"d', 'semi;colon', '']) {
      const answer = await h.admin.get(`${base}/users?limit=1`, { 'x-request-id': given });
      assert.match(String(answer.headers['x-request-id']), UUID, JSON.stringify(given));
    }
  });

  it("names the request in every problem's instance, as its log lines do", async () => {
    const missing = await h.admin.get(`${base}/users/nobody-here`, { 'x-request-id': 'trace-404' });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.instance, 'urn:request:trace-404');
    const invalid = await h.admin.post(`${base}/users`, { login: '' });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.instance, `urn:request:${invalid.headers['x-request-id']}`);
    assert.ok(linesOf(String(invalid.headers['x-request-id'])).length > 0);
    const unrouted = await h.anonymous.get('/api/v1/no-such-thing');
    assert.equal(unrouted.body.instance, `urn:request:${unrouted.headers['x-request-id']}`);
    const refused = await h.anonymous.get(`${base}/users`);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.instance, `urn:request:${refused.headers['x-request-id']}`);
  });
});

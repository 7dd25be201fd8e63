import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';
import { exchange, openSipStream, registerWithDigest, type DigestRegistration } from '../../../test/sip-client.ts';
import { UDP_RESPONSE_LIMIT } from './registrar.ts';
import { listenSip, type SipListeners } from './transports.ts';

const base = '/api/v1/domains/default';
const contactsIn = (answer: string) => answer.split('\r\n').filter((line) => line.startsWith('Contact: '));

forEachEngine('SIP contacts per account are bounded', (h) => {
  let sip: SipListeners;
  before(async () => {
    sip = await listenSip(h().app.registrar, h().app.sipConnections, '127.0.0.1', 0, h().app.log);
  });
  after(() => sip.close());

  const phone = async (login: string, extension: string) => {
    const created = await h().admin.post(`${base}/users`, { login, roles: ['agent'], sip: { extension } });
    assert.equal(created.status, 201);
    const register = (options: Partial<DigestRegistration> = {}) =>
      registerWithDigest(sip.port, { user: extension, password: created.body.sip.secret, host: 'default', realm: 'default', algorithm: 'MD5', ...options });
    const contacts = async () =>
      (await h().admin.get(`${base}/users/${created.body.id}/presence`)).body.registration.contacts.map((c: { uri: string }) => c.uri) as string[];
    return { register, contacts };
  };

  it('refuses the eleventh contact of an account whole, with 503 Too many registered contacts, and still refreshes the ten', async () => {
    const { register, contacts } = await phone('many-contacts', '3201');
    const device = (n: number) => `<sip:3201@127.0.0.1:${6000 + n}>`;
    for (let n = 1; n <= 10; n += 1) assert.match(await register({ contacts: [device(n)] }), /^SIP\/2\.0 200 OK\r\n/, `contact ${n}`);
    // The attack went on past 1,300 contacts; every one past the tenth is refused.
    for (let n = 11; n <= 20; n += 1) {
      const refused = await register({ contacts: [device(n)] });
      assert.match(refused, /^SIP\/2\.0 503 Service Unavailable\r\n/, `contact ${n}`);
      assert.match(refused, /\r\nP-Registrar-Error: Too many registered contacts\r\n/);
      assert.deepEqual(contactsIn(refused), []);
    }
    const together = await register({ contacts: [device(21), device(1)] });
    assert.match(together, /^SIP\/2\.0 503 /, 'a REGISTER adding one contact and refreshing another is refused whole');
    assert.equal((await contacts()).length, 10);
    assert.equal((await contacts()).includes('sip:3201@127.0.0.1:6021'), false);

    const refresh = await register({ contacts: [device(1)], expires: 600 });
    assert.match(refresh, /^SIP\/2\.0 200 OK\r\n/, 'a refresh adds no contact');
    assert.equal(contactsIn(refresh).length, 10);
    assert.match(await register({ contacts: ['*'], expires: 0 }), /^SIP\/2\.0 200 OK\r\n/);
    assert.match(await register({ contacts: [device(11)] }), /^SIP\/2\.0 200 OK\r\n/, 'room again once the bindings are gone');
  });

  it('never answers a UDP REGISTER past 1300 bytes: contacts stop growing before the 200 OK would, over any transport, and the real phone keeps its 200', async () => {
    const { register, contacts } = await phone('long-contacts', '3202');
    assert.match(await register({ contacts: ['<sip:3202@192.0.2.10:5060>'] }), /^SIP\/2\.0 200 OK\r\n/);
    const long = (n: number) => `<sip:3202-${String(n).repeat(240)}@127.0.0.1:${7000 + n}>`;
    const answers: string[] = [];
    for (let n = 1; n <= 8; n += 1) answers.push(await register({ contacts: [long(n)] }));
    for (const answer of answers) assert.ok(Buffer.byteLength(answer) <= UDP_RESPONSE_LIMIT, `an answer of ${Buffer.byteLength(answer)} bytes went over UDP`);
    const refused = answers.filter((a) => a.startsWith('SIP/2.0 503 '));
    assert.ok(refused.length > 0 && refused.length < 8, `${refused.length} of 8 long contacts refused`);
    for (const answer of refused) assert.match(answer, /\r\nP-Registrar-Error: Registered contacts do not fit a UDP response\r\n/);
    const bound = await contacts();

    const stream = await openSipStream(sip.port, '127.0.0.30');
    try {
      const overTcp = await register({ contacts: [long(9)], send: (m) => stream.send(m) });
      assert.match(overTcp, /^SIP\/2\.0 503 /, 'TCP does not grow the set past what a UDP answer holds');
    } finally {
      stream.socket.destroy();
    }
    assert.deepEqual(await contacts(), bound);

    const phoneRefresh = await register({ contacts: ['<sip:3202@192.0.2.10:5060>'] });
    assert.match(phoneRefresh, /^SIP\/2\.0 200 OK\r\n/);
    assert.ok(Buffer.byteLength(phoneRefresh) <= UDP_RESPONSE_LIMIT);
    assert.match(
      await exchange(
        sip.port,
        'OPTIONS sip:default SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bKopt\r\nFrom: <sip:a@default>;tag=1\r\nTo: <sip:a@default>\r\nCall-ID: o\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n',
      ),
      /^SIP\/2\.0 200 /,
    );
  });
});

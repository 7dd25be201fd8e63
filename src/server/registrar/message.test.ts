import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { MalformedMessage, parseNameAddr, parseRequest, parseSipUri, splitList } from './message.ts';

const register = [
  'REGISTER sip:example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK776asdhds, SIP/2.0/UDP 192.0.2.5;branch=z9hG4bK1',
  'f: "Ann, the agent" <sip:1000@example.com>;tag=1928301774',
  't: <sip:1000@example.com>',
  'i: a84b4c76e66710',
  'CSeq: 314159 REGISTER',
  'm: <sip:1000@192.0.2.4:5060;transport=udp>;expires=60, <sip:1000@[2001:db8::1]>;q=0.5',
  'Subject: folded',
  '  across lines',
  'l: 0',
  '',
  '',
].join('\r\n');

describe('SIP message parser', () => {
  it('reads compact headers, folded lines and comma-separated lists', () => {
    const request = parseRequest(register);
    assert.equal(request.method, 'REGISTER');
    assert.equal(request.headers.get('via')?.length, 2);
    assert.equal(request.headers.get('contact')?.length, 2);
    assert.equal(request.headers.get('subject')?.[0], 'folded across lines');
    assert.equal(parseNameAddr(request.headers.get('from')?.[0] as string).params.get('tag'), '1928301774');
    assert.deepEqual(parseSipUri(parseNameAddr(request.headers.get('contact')?.[1] as string).uri), { user: '1000', host: '[2001:db8::1]' });
    assert.deepEqual(splitList('"a,b" <sip:x@y;p=1,2>, <sip:z@w>'), ['"a,b" <sip:x@y;p=1,2>', '<sip:z@w>']);
  });

  it('refuses messages without the headers a response needs, or with a CSeq of another method', () => {
    for (const broken of [
      register.replace(/^i: .*\r\n/m, ''),
      register.replace('CSeq: 314159 REGISTER', 'CSeq: 1 INVITE'),
      'SIP/2.0 200 OK\r\n\r\n',
      'GET / HTTP/1.1\r\n\r\n',
    ]) {
      assert.throws(() => parseRequest(broken), MalformedMessage);
    }
  });

  it('survives 20,000 mutated and random messages: it parses them or throws MalformedMessage, nothing else', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = ['\r\n', ':', ';', ',', '<', '>', '"', '\\', '@', '=', ' ', '\t', 'SIP/2.0', 'sip:', '\u0000', '\u00ff', '%', '[', ']'];
    for (let i = 0; i < 20_000; i += 1) {
      let text = register;
      const edits = 1 + Math.floor(random() * 6);
      for (let e = 0; e < edits; e += 1) {
        const at = Math.floor(random() * text.length);
        const kind = random();
        if (kind < 0.3) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 20));
        else if (kind < 0.7) text = text.slice(0, at) + pieces[Math.floor(random() * pieces.length)] + text.slice(at);
        else text = text.slice(0, at) + randomBytes(1 + Math.floor(random() * 8)).toString('latin1') + text.slice(at);
      }
      if (i % 10 === 0) text = randomBytes(Math.floor(random() * 300)).toString('latin1');
      try {
        const parsed = parseRequest(text);
        for (const contact of parsed.headers.get('contact') ?? []) {
          try {
            parseSipUri(parseNameAddr(contact).uri);
          } catch (error) {
            if (!(error instanceof MalformedMessage)) throw error;
          }
        }
      } catch (error) {
        if (!(error instanceof MalformedMessage)) throw new Error(`${String(error)} on ${JSON.stringify(text)}`, { cause: error });
      }
    }
  });
});

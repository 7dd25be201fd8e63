import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

forEachEngine('SIP digests brought in a CSV import', (h) => {
  const upload = (text: string, query = '') =>
    h().app.inject({
      method: 'POST',
      url: `${base}/users/import${query}`,
      payload: text,
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${h().admin.token}` },
    });
  const user = async (login: string) => (await h().admin.get(`${base}/users?q=${login}`)).body.items.find((u: { login: string }) => u.login === login);

  it('keeps Kamailio-named ha1/ha1b columns as the MD5 digests, generating no secret: the account is md5-only', async () => {
    const done = await upload(`username,sipUsername,ha1,ha1b\n5501,5501,${md5('5501:default:pw-5501')},${md5('5501@default:default:pw-5501')}\n`);
    assert.equal(done.statusCode, 200, done.body);
    assert.deepEqual([done.json().created, done.json().generatedSecrets], [1, 0]);
    const made = await user('5501');
    assert.deepEqual([made.sip.username, made.sip.secretStatus], ['5501', 'md5-only']);
  });

  it('takes all four digests as current', async () => {
    const pw = 'pw-5502';
    const line = [md5(`5502:default:${pw}`), md5(`5502@default:default:${pw}`), sha256(`5502:default:${pw}`), sha256(`5502@default:default:${pw}`)];
    const done = await upload(`login,sipUsername,sipHa1Md5,sipHa1bMd5,sipHa1Sha256,sipHa1bSha256\n5502,5502,${line.join(',')}\n`);
    assert.equal(done.statusCode, 200, done.body);
    assert.equal((await user('5502')).sip.secretStatus, 'current');
  });

  it('refuses digests that are not hex of their length, SHA-256 without MD5, a secret beside digests and digests without their username, quoting no digest', async () => {
    const bad = 'zz'.repeat(16);
    const refused = await upload(
      `login,sipUsername,sipSecret,sipHa1Md5,sipHa1Sha256\n5503,5503,,${bad},\n5504,5504,,,${sha256('x')}\n5505,5505,Long-Enough-Secret-1,${md5('y')},\n5506,,,${md5('z')},\n`,
    );
    assert.equal(refused.statusCode, 400);
    const errors = refused.json().errors as { path: string; message: string }[];
    assert.deepEqual(
      errors.map((e) => e.path),
      ['rows/2/sipHa1Md5', 'rows/3/sipHa1Md5', 'rows/4/sipSecret', 'rows/5/sipHa1Md5'],
    );
    assert.deepEqual(
      errors.map((e) => e.message),
      [
        'Not a digest: 32 hexadecimal digits',
        "The MD5 HA1 is needed with the account's other digests",
        'Give a SIP secret or its digests, not both',
        'Digests need the SIP username they were made with (sipUsername)',
      ],
    );
    assert.equal(refused.body.includes(bad), false);
    assert.equal(await user('5503'), undefined);
  });
});

import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { it } from 'node:test';
import { sql } from 'kysely';
import { forEachEngine, passwordFor } from '../../../test/harness.ts';

const base = '/api/v1/domains/default';
const SECRET = 'freeswitch-shared-secret-0042';
const TURN_SECRET = 'coturn-static-auth-secret-77';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** The form FreeSWITCH 1.10's mod_xml_curl posts when sofia authenticates a REGISTER. */
const registerLookup = (user: string, domain: string) =>
  new URLSearchParams({
    hostname: 'fs1',
    section: 'directory',
    tag_name: 'domain',
    key_name: 'name',
    key_value: domain,
    'Event-Name': 'REQUEST_PARAMS',
    'Core-UUID': '6c6f6e67-2d6c-6976-652d-667265657377',
    'FreeSWITCH-Hostname': 'fs1',
    'FreeSWITCH-Switchname': 'fs1',
    'FreeSWITCH-IPv4': '127.0.0.1',
    'FreeSWITCH-IPv6': '::1',
    'Event-Date-Local': '2026-11-23 10:00:00',
    'Event-Date-GMT': 'Mon, 23 Nov 2026 10:00:00 GMT',
    'Event-Date-Timestamp': '1795428000000000',
    'Event-Calling-File': 'sofia_reg.c',
    'Event-Calling-Function': 'sofia_reg_parse_auth',
    'Event-Calling-Line-Number': '2837',
    'Event-Sequence': '517',
    action: 'sip_auth',
    sip_profile: 'internal',
    sip_user_agent: 'Yealink SIP-T46U',
    sip_auth_username: user,
    sip_auth_realm: domain,
    sip_auth_nonce: 'c2b4a4a2-1d4c-4a0e-b5a0-7f1f1c0c1e01',
    sip_auth_uri: `sip:${domain}`,
    sip_contact_user: user,
    sip_contact_host: '127.0.0.1',
    sip_to_user: user,
    sip_to_host: domain,
    sip_via_protocol: 'udp',
    sip_from_user: user,
    sip_from_host: domain,
    sip_call_id: 'ZjA3M2ZmN2E',
    sip_request_host: domain,
    sip_auth_qop: 'auth',
    sip_auth_cnonce: 'MTIzNDU2',
    sip_auth_nc: '00000001',
    sip_auth_response: '0123456789abcdef0123456789abcdef',
    sip_auth_method: 'REGISTER',
    client_port: '5060',
    key: 'id',
    user,
    domain,
    ip: '127.0.0.1',
  }).toString();

forEachEngine(
  'engine integrations',
  (h) => {
    const post = (body: string, password = SECRET) =>
      h().app.inject({
        method: 'POST',
        url: '/integrations/freeswitch/directory',
        payload: body,
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`freeswitch:${password}`).toString('base64')}` },
      });

    it('answers FreeSWITCH the user XML with its a1-hash, ACL, caller ID and number alias, or not found', async () => {
      const created = await h().admin.post(`${base}/users`, {
        login: 'fs-user',
        firstName: 'Olena',
        lastName: 'Shevchenko',
        roles: ['agent'],
        sip: {
          extension: '3100',
          virtualExtension: '3199',
          authAcl: ['192.0.2.0/24', '2001:db8::/32'],
          callerId: { name: 'Olena S', number: '+48 22 100 00 07' },
        },
      });
      const answer = await post(registerLookup('3100', 'default'));
      assert.equal(answer.statusCode, 200);
      assert.match(String(answer.headers['content-type']), /^text\/xml/);
      const xml = answer.body;
      assert.match(xml, /<domain name="default">/);
      assert.match(xml, /<user id="3100" number-alias="3199">/);
      assert.match(xml, new RegExp(`<param name="a1-hash" value="${md5(`3100:default:${created.body.sip.secret}`)}"/>`));
      assert.match(xml, /<param name="auth-acl" value="192.0.2.0\/24"\/>\s*<param name="auth-acl" value="2001:db8::\/32"\/>/);
      assert.match(xml, /<variable name="effective_caller_id_name" value="Olena S"\/>/);
      assert.match(xml, /<variable name="outbound_caller_id_number" value="\+48221000007"\/>/);
      assert.doesNotMatch(xml, new RegExp(created.body.sip.secret));
      for (const [user, domain] of [
        ['9999', 'default'],
        ['3100', 'elsewhere.example'],
      ] as const)
        assert.match((await post(registerLookup(user, domain))).body, /<result status="not found"\/>/);
      assert.match((await post('section=dialplan&Caller-Destination-Number=3100')).body, /<result status="not found"\/>/);
    });

    it('refuses FreeSWITCH requests without the shared secret', async () => {
      assert.equal((await post(registerLookup('3100', 'default'), 'wrong-secret-wrong-secret')).statusCode, 401);
      const bare = await h().app.inject({
        method: 'POST',
        url: '/integrations/freeswitch/directory',
        payload: registerLookup('3100', 'default'),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(bare.statusCode, 401);
    });

    it('lets Kamailio verify a digest from the sip_subscriber view', async () => {
      const created = await h().admin.post(`${base}/users`, { login: 'kam-user', roles: ['agent'], sip: { extension: '3200' } });
      const { rows } = await sql<{
        username: string;
        domain: string;
        ha1: string;
        ha1b: string;
      }>`select username, domain, ha1, ha1b from sip_subscriber where username = ${'3200'} and domain = ${'default'}`.execute(h().storage.db);
      assert.equal(rows.length, 1);
      // A phone's answer to a challenge, computed from the secret as the phone would, checked as auth_db does with the view's ha1.
      const [nonce, cnonce, uri] = ['4e1d2c3b', '0a4f113b', 'sip:default'];
      const phone = md5(`${md5(`3200:default:${created.body.sip.secret}`)}:${nonce}:00000001:${cnonce}:auth:${md5(`REGISTER:${uri}`)}`);
      const server = md5(`${rows[0]?.ha1}:${nonce}:00000001:${cnonce}:auth:${md5(`REGISTER:${uri}`)}`);
      assert.equal(server, phone);
      assert.equal(rows[0]?.ha1b, md5(`3200@default:default:${created.body.sip.secret}`));
      await h().admin.patch(`${base}/users/${created.body.id}`, { active: false });
      assert.equal(
        (await sql`select 1 from sip_subscriber where username = ${'3200'}`.execute(h().storage.db)).rows.length,
        0,
        'inactive users cannot register',
      );
    });

    it('hands WebRTC phones their STUN servers and TURN REST credentials (coturn use-auth-secret)', async () => {
      await h().admin.put(`${base}/sip-settings`, { stunServers: ['stun:stun.example.net:3478'], turnServers: ['turn:turn.example.net:3478?transport=udp'] });
      await h().admin.post(`${base}/users`, { login: 'webrtc-user', roles: ['agent'], password: passwordFor('webrtc-user'), sip: { extension: '3300' } });
      const client = await h().signIn('default', 'webrtc-user', passwordFor('webrtc-user'));
      const { body } = await client.get('/api/v1/me/ice-servers');
      assert.deepEqual(body.iceServers[0], { urls: ['stun:stun.example.net:3478'] });
      const turn = body.iceServers[1];
      const [expiry, user] = turn.username.split(':');
      assert.equal(user, 'webrtc-user@default');
      assert.ok(Math.abs(Number(expiry) - (Date.now() / 1000 + 86_400)) < 60);
      assert.equal(turn.credential, createHmac('sha1', TURN_SECRET).update(turn.username).digest('base64'));
      await h().admin.put(`${base}/sip-settings`, { stun: false, stunServers: ['stun:stun.example.net:3478'] });
      assert.deepEqual((await client.get('/api/v1/me/ice-servers')).body.iceServers, [], 'STUN off: nothing');
      await h().admin.put(`${base}/sip-settings`, {});
    });
  },
  { SWITCHBOARD_FREESWITCH_SECRET: SECRET, SWITCHBOARD_TURN_SECRET: TURN_SECRET },
);

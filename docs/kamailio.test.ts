import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startHarness, type Harness } from '../test/harness.ts';
import { hasKamailio, startKamailio } from '../test/kamailio-server.ts';
import { sippRegister } from '../test/sipp.ts';

describe(
  'the documented Kamailio configuration',
  { skip: hasKamailio ? false : 'Kamailio is not installed (apt-get install kamailio kamailio-postgres-modules)' },
  () => {
    let h: Harness;
    let kamailio: Awaited<ReturnType<typeof startKamailio>>;
    let secret: string;

    before(async () => {
      h = await startHarness('postgres');
      secret = (await h.admin.post('/api/v1/domains/default/users', { login: 'kamailio-phone', roles: ['agent'], sip: { extension: '5100' } })).body.sip.secret;
      kamailio = await startKamailio(h.config.databaseUrl);
    });

    after(async () => {
      await kamailio?.stop();
      await h?.close();
    });

    it('registers a phone with the secret Switchboard generated, and refuses a wrong one', async () => {
      const ok = await sippRegister({ port: kamailio.port, transport: 'udp', user: '5100', password: secret, host: 'default', expires: 300, expect: 200 });
      assert.ok(ok.ok, ok.output);
      const wrong = await sippRegister({
        port: kamailio.port,
        transport: 'udp',
        user: '5100',
        password: 'not-the-secret',
        host: 'default',
        expires: 300,
        expect: 401,
      });
      assert.ok(wrong.ok, wrong.output);
    });
  },
);

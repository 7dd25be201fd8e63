import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachEngine, userWithRoles } from '../../../test/harness.ts';

const numbers = '/api/v1/domains/default/numbers';

forEachEngine('number inventory', (h) => {
  it('keeps numbers in E.164 with their capabilities, and alphanumeric sender IDs', async () => {
    const number = await h().admin.post(numbers, { kind: 'number', value: '+48 (22) 123-45-67', sms: true });
    assert.equal(number.status, 201);
    assert.deepEqual([number.body.value, number.body.voice, number.body.sms], ['+48221234567', true, true]);
    const sender = await h().admin.post(numbers, { kind: 'sender', value: 'Switchbrd' });
    assert.deepEqual([sender.body.value, sender.body.voice, sender.body.sms], ['Switchbrd', false, true]);
    assert.equal((await h().admin.post(numbers, { kind: 'number', value: '+48221234567' })).body.code, 'number.exists');
  });

  it('refuses numbers that are not valid and sender IDs over 11 characters, naming the field', async () => {
    for (const body of [
      { kind: 'number', value: '+48 123' },
      { kind: 'number', value: '0221234567' },
      { kind: 'sender', value: 'Far too long a name' },
      { kind: 'sender', value: '12345' },
      { kind: 'sender', value: 'Żółw' },
    ]) {
      const refused = await h().admin.post(numbers, body);
      assert.equal(refused.status, 400, body.value);
      assert.deepEqual(
        refused.body.errors.map((e: { path: string }) => e.path),
        ['value'],
        body.value,
      );
    }
    assert.equal((await h().admin.post(numbers, { kind: 'fax', value: '+48221234568' })).status, 400);
  });

  it('filters by capability, changes one, and removes one addressed as written', async () => {
    await h().admin.post(numbers, { kind: 'number', value: '+380 44 123 4567', voice: true, sms: false });
    const voice = await h().admin.get(`${numbers}?capability=voice`);
    assert.deepEqual(
      voice.body.items.map((n: { value: string }) => n.value),
      ['+380441234567', '+48221234567'],
    );
    const sms = await h().admin.get(`${numbers}?capability=sms`);
    assert.deepEqual(
      sms.body.items.map((n: { value: string }) => n.value),
      ['+48221234567', 'Switchbrd'],
    );
    const changed = await h().admin.patch(`${numbers}/${encodeURIComponent('+380 44 123 4567')}`, { sms: true, description: 'Kyiv office' });
    assert.deepEqual([changed.body.sms, changed.body.description], [true, 'Kyiv office']);
    assert.equal((await h().admin.delete(`${numbers}/${encodeURIComponent('+380441234567')}`)).status, 204);
    assert.equal((await h().admin.delete(`${numbers}/Switchbrd`)).status, 204);
    assert.equal((await h().admin.get(numbers)).body.items.length, 1);
  });

  it('lets supervisors read the inventory but not change it', async () => {
    const { client } = await userWithRoles(h(), 'num-super', ['supervisor']);
    assert.equal((await client.get(numbers)).status, 200);
    assert.equal((await client.post(numbers, { kind: 'sender', value: 'Nope' })).status, 403);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { compileSerializer } from './serializer.ts';

describe('Response serializers', () => {
  const account = z.object({ username: z.string(), port: z.number().int().min(1).max(65535) });
  const serialize = compileSerializer(
    z.object({
      timeout: z.number().int().min(60).max(3600).nullable().describe('Idle seconds'),
      account: account.nullable(),
      mode: z.enum(['a', 'b']).nullable(),
    }),
  );

  it('writes nullable values with bounds or fields, and their nulls, as JSON.stringify does', () => {
    for (const value of [
      { timeout: 600, account: { username: 'jan', port: 5060 }, mode: 'a' },
      { timeout: null, account: null, mode: null },
    ])
      assert.equal(serialize(value), JSON.stringify(value));
  });

  it('leaves out fields the schema does not declare, in a nullable object too', () => {
    assert.equal(
      serialize({ timeout: 60, account: { username: 'jan', port: 1, secret: 'x' }, mode: 'b', hash: 'y' }),
      '{"timeout":60,"account":{"username":"jan","port":1},"mode":"b"}',
    );
  });
});

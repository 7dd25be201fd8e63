import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { permissionsBeyondActor } from '../permissions/rules.ts';

describe('granting permissions', () => {
  it('answers the permissions an actor would hand out without holding them', () => {
    const actor = { platformAdmin: false, permissions: new Set(['users:read', 'users:update'] as const) };
    assert.deepEqual(permissionsBeyondActor(actor, ['users:read', 'roles:create', 'audit:read', 'roles:create']), ['audit:read', 'roles:create']);
    assert.deepEqual(permissionsBeyondActor({ ...actor, platformAdmin: true }, ['roles:create']), []);
  });
});

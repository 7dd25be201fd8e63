import { describe, expect, it } from 'vitest';
import { grantedWith, roleChoices } from './provisioning-scope.ts';

const roles = [
  { name: 'admin', permissions: ['users:read', 'scim:provision', 'domains:read'] },
  { name: 'supervisor', permissions: ['users:read', 'groups:update', 'profile:read'] },
  { name: 'agent', permissions: ['profile:read', 'profile:update'] },
];

describe('the scope of a provisioning token', () => {
  it('is scim:provision and the permissions of the chosen roles, each once', () => {
    expect(grantedWith(roles, ['agent', 'supervisor'])).toEqual(['scim:provision', 'groups:update', 'profile:read', 'profile:update', 'users:read']);
    expect(grantedWith(roles, [])).toEqual(['scim:provision']);
    expect(grantedWith(roles, ['admin'])).toEqual(['scim:provision', 'domains:read', 'users:read']);
  });

  it('offers SCIM’s default role first, and no role holding what the administrator does not', () => {
    expect(roleChoices(roles, ['users:read', 'scim:provision', 'profile:read', 'profile:update'])).toEqual([
      { name: 'admin', byDefault: false, beyond: true },
      { name: 'supervisor', byDefault: false, beyond: true },
      { name: 'agent', byDefault: true, beyond: false },
    ]);
  });
});

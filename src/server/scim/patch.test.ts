import assert from 'node:assert/strict';
import { it } from 'node:test';
import { applyPatch, patchOperations } from './patch.ts';
import { lowerKeys } from './values.ts';
import type { ScimObject } from './schema.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user';
const user = (): ScimObject => ({
  username: 'anna',
  name: { givenname: 'Anna', familyname: 'Nowak' },
  emails: [{ value: 'a@contoso.com', type: 'work', primary: true }],
  active: true,
});
const run = (resource: ScimObject, ...Operations: unknown[]) =>
  applyPatch(resource, patchOperations({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations }));

it('reads operation names in any case and attribute names without regard to case', () => {
  const after = run(user(), { op: 'Replace', path: 'NAME.GivenName', value: 'Ann' }, { OP: 'ADD', Path: 'Title', Value: 'Lead' });
  assert.deepEqual([after.name, after.title], [{ givenname: 'Ann', familyname: 'Nowak' }, 'Lead']);
});

it('replaces without a path from an object, its keys paths or extension objects, and skips id and meta', () => {
  const after = run(user(), {
    op: 'replace',
    value: lowerKeys({ id: 'x', active: false, 'name.familyName': 'Kowalska', [ENTERPRISE]: { department: 'Sales' } }),
  });
  assert.deepEqual([after.active, (after.name as ScimObject).familyname, after[ENTERPRISE], after.id], [false, 'Kowalska', { department: 'Sales' }, undefined]);
});

it('adds to a multi-valued attribute by merging, a new primary taking the mark from the others', () => {
  const after = run(user(), { op: 'add', path: 'emails', value: [{ value: 'b@contoso.com', type: 'home', primary: true }, { value: 'a@contoso.com' }] });
  assert.deepEqual(after.emails, [
    { value: 'a@contoso.com', type: 'work', primary: false },
    { value: 'b@contoso.com', type: 'home', primary: true },
  ]);
});

it('sets a value path, adding the value its equality filter describes when none matches', () => {
  const after = run(user(), { op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '+48 22 555 01 01' });
  assert.deepEqual(after.phonenumbers, [{ type: 'work', value: '+48 22 555 01 01' }]);
  assert.throws(() => run(user(), { op: 'replace', path: 'emails[value co "zzz"].value', value: 'x' }), /matches the filter/);
});

it('removes the values a remove names, or those its filter selects', () => {
  const group = { members: [{ value: 'u1' }, { value: 'u2' }, { value: 'u3' }] };
  assert.deepEqual(run(group, { op: 'remove', path: 'members', value: [{ value: 'U2' }] }).members, [{ value: 'u1' }, { value: 'u3' }]);
  assert.deepEqual(run(group, { op: 'remove', path: 'members[value eq "u1"]' }).members, [{ value: 'u2' }, { value: 'u3' }]);
  assert.equal('members' in run(group, { op: 'remove', path: 'members' }), false);
});

it('refuses what RFC 7644 refuses', () => {
  assert.throws(() => run(user(), { op: 'remove' }), /needs a path/);
  assert.throws(() => run(user(), { op: 'replace', path: 'meta', value: {} }), /cannot be changed/);
  assert.throws(() => run(user(), { op: 'add', path: 'title' }), /needs a value/);
  assert.throws(() => patchOperations({ Operations: [] }), /non-empty/);
  assert.throws(() => run(user(), { op: 'add', path: 'urn:unknown:schema:title', value: 1 }), /Unknown schema/);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queryWords, searchTerms } from './rules.ts';
import { permissionsBeyondActor } from '../permissions/rules.ts';

describe('user search terms', () => {
  it('finds a user by login, its parts, the e-mail, its domain and parts, and each name', () => {
    const terms = searchTerms({ login: 'j.kowalski', email: 'Jan.K@Acme.pl', firstName: 'Jan Maria', lastName: 'Kowalski-Nowak' });
    for (const q of ['j.kowalski', 'kowalski', 'jan.k@acme.pl', 'acme.pl', 'acme', 'jan', 'maria', 'kowalski-nowak', 'nowak', 'k']) {
      assert.ok(
        terms.some((term) => term.startsWith(q)),
        q,
      );
    }
    assert.equal(new Set(terms).size, terms.length);
  });

  it('keeps no term that starts another, since every prefix of it is already found', () => {
    const terms = searchTerms({ login: 'anna', email: 'anna@acme.pl', firstName: 'Anna', lastName: 'Nowak' });
    assert.deepEqual(terms, ['acme.pl', 'anna@acme.pl', 'nowak', 'pl']);
  });

  it('splits a query into at most five distinct lower-case words', () => {
    assert.deepEqual(queryWords('  Jan  jan KOW '), ['jan', 'kow']);
    assert.equal(queryWords('a b c d e f g').length, 5);
  });
});

describe('granting permissions', () => {
  it('answers the permissions an actor would hand out without holding them', () => {
    const actor = { platformAdmin: false, permissions: new Set(['users:read', 'users:update'] as const) };
    assert.deepEqual(permissionsBeyondActor(actor, ['users:read', 'roles:create', 'audit:read', 'roles:create']), ['audit:read', 'roles:create']);
    assert.deepEqual(permissionsBeyondActor({ ...actor, platformAdmin: true }, ['roles:create']), []);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadOffline, parseRange } from './breached.ts';
import { personalWords, policyProblems } from './rules.ts';
import { defaultPasswordPolicy } from './schema.ts';
import { strengthOf } from './strength.ts';

const codes = (password: string, policy = defaultPasswordPolicy, identity = {}) => policyProblems(password, policy, identity).map((p) => p.code);

describe('password policy rules', () => {
  it('by default asks for 8 characters with a lower, an upper, a digit and a special one', () => {
    assert.deepEqual(codes('Ab1!efgh'), []);
    assert.deepEqual(codes('Ab1!efg'), ['password.too_short']);
    assert.deepEqual(codes('AB1!EFGH'), ['password.needs_lower']);
    assert.deepEqual(codes('ab1!efgh'), ['password.needs_upper']);
    assert.deepEqual(codes('Abc!efgh'), ['password.needs_digit']);
    assert.deepEqual(codes('Ab1cefgh'), ['password.needs_special']);
  });

  it('reports every failed rule at once, each with a readable message', () => {
    const problems = policyProblems('abc', defaultPasswordPolicy, {});
    assert.deepEqual(
      problems.map((p) => p.code),
      ['password.too_short', 'password.needs_upper', 'password.needs_digit', 'password.needs_special'],
    );
    assert.deepEqual(
      problems.map((p) => p.message),
      ['At least 8 characters', 'At least 1 upper-case letter', 'At least 1 digit', 'At least 1 special character (not a letter or digit)'],
    );
  });

  it('counts letters of every alphabet and refuses an over-long password', () => {
    assert.deepEqual(codes('Żółw-1ąę'), []);
    assert.deepEqual(codes('Ab1!'.repeat(40)), ['password.too_long']);
    assert.deepEqual(codes('aB1!aaaa', { ...defaultPasswordPolicy, minUpper: 2, minSpecial: 0 }), ['password.needs_upper']);
  });

  it('refuses the login, the e-mail and names inside the password, in any case', () => {
    const identity = { login: 'j.kowalski', email: 'jan.k@acme.pl', firstName: 'Jan', lastName: 'Kowalski' };
    assert.deepEqual(personalWords(identity), ['j.kowalski', 'kowalski', 'jan.k', 'jan']);
    assert.deepEqual(codes('X1!KOWALSKIx', defaultPasswordPolicy, identity), ['password.contains_personal_info']);
    assert.deepEqual(codes('X1!KOWALSKIx', { ...defaultPasswordPolicy, rejectPersonalInfo: false }, identity), []);
  });

  it('scores strength with common, English and Polish words', () => {
    assert.equal(strengthOf('Password1!', []), 1);
    assert.equal(strengthOf('Kochanie1!', []), 1, 'Polish: "darling"');
    assert.equal(strengthOf('Zaq12wsx!', []), 1, 'keyboard pattern');
    assert.ok(strengthOf('Grey-Heron-Flies-42!', []) >= 3);
  });

  it("knows the user's own words as easy guesses", () => {
    assert.equal(strengthOf('Jankowalski1!', []), 3);
    assert.equal(strengthOf('Jankowalski1!', ['jankowalski']), 1);
  });
});

describe('breach lists', () => {
  it('reads range answers, ignoring padding lines of count 0', () => {
    const suffixes = parseRange(
      '0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n00D4F6E8FA6EECAD2A3AA415EEC418D38EC:0\nbad line\n011053FD0102E94D6AE2F8B83D76FAF94F6:13',
    );
    assert.deepEqual([...suffixes], ['0018A45C4D1DEF81644B54AB7F969B88D65', '011053FD0102E94D6AE2F8B83D76FAF94F6']);
  });

  it('loads an offline list of hashes and plain passwords into a compact sorted set', () => {
    const list = loadOffline('5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:3861493\nletmein\n\n');
    assert.equal(list.length, 2);
    assert.ok(list[0]! < list[1]!);
  });
});

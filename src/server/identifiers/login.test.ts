import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LOGIN_PATTERN, sipUsernameOf } from './login.ts';

it('accepts plain logins and one @ with a domain, as identity providers send them', () => {
  for (const login of ['anna', 'anna.nowak', 'a_b-c.9', 'anna.nowak@contoso.com', 'j.doe@mail.contoso.onmicrosoft.com', 'x@localhost'])
    assert.match(login, LOGIN_PATTERN, login);
});

it('refuses two @, an empty side, spaces, non-Latin letters and a domain label ending with a hyphen', () => {
  for (const login of ['a@b@c.com', '@contoso.com', 'anna@', 'anna nowak', 'łukasz', 'anna@contoso-.com', 'anna@.com', 'anna@con..com', '.anna'])
    assert.doesNotMatch(login, LOGIN_PATTERN, login);
});

it('derives SIP usernames without @', () => {
  assert.equal(sipUsernameOf('anna.nowak@contoso.com'), 'anna.nowak');
  assert.equal(sipUsernameOf('anna'), 'anna');
});

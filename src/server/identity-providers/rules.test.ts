import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emailDomainAllowed, issuerProblem, loginFromClaim, usedSeveralFactors, vouchedIdentity } from './rules.ts';

describe('identity provider rules', () => {
  it('takes https issuers anywhere and plain http on loopback only', () => {
    assert.equal(issuerProblem('https://login.example.com/realms/center'), null);
    for (const local of ['http://127.0.0.1:8080', 'http://127.9.9.9', 'http://[::1]:9000/x', 'http://localhost:3000'])
      assert.equal(issuerProblem(local), null, local);
    for (const remote of ['http://login.example.com', 'http://10.0.0.1', 'http://[::ffff:10.0.0.1]', 'ftp://127.0.0.1', 'not a url'])
      assert.notEqual(issuerProblem(remote), null, remote);
  });

  it('counts several factors when amr says mfa or names two methods', () => {
    assert.equal(usedSeveralFactors(['pwd', 'otp']), true);
    assert.equal(usedSeveralFactors(['mfa']), true);
    assert.equal(usedSeveralFactors(['pwd']), false);
    assert.equal(usedSeveralFactors(['pwd', 'pwd']), false);
    assert.equal(usedSeveralFactors('mfa'), false);
    assert.equal(usedSeveralFactors(undefined), false);
  });

  it('vouches for an e-mail only when the provider verified it', () => {
    assert.deepEqual(vouchedIdentity({ sub: '1', email: 'a@b.example', email_verified: true }, 'email'), { value: 'a@b.example' });
    assert.deepEqual(vouchedIdentity({ sub: '1', email: 'a@b.example', email_verified: 'true' }, 'email'), { refused: 'email_unverified' });
    assert.deepEqual(vouchedIdentity({ sub: '1', email: 'a@b.example' }, 'email'), { refused: 'email_unverified' });
    assert.deepEqual(vouchedIdentity({ sub: '1' }, 'upn'), { refused: 'claim_missing' });
    assert.deepEqual(vouchedIdentity({ sub: '1', upn: 'jan@corp.example' }, 'upn'), { value: 'jan@corp.example' });
  });

  it('allows e-mail domains case-insensitively, any when none are listed', () => {
    assert.equal(emailDomainAllowed('Jan@Example.COM', ['example.com']), true);
    assert.equal(emailDomainAllowed('jan@sub.example.com', ['example.com']), false);
    assert.equal(emailDomainAllowed('jan@x.example', []), true);
  });

  it('makes a Latin login of a claim', () => {
    assert.equal(loginFromClaim('jan.kowalski@example.com'), 'jan.kowalski');
    assert.equal(loginFromClaim('Józef Żak'), 'JozefZak');
    assert.equal(loginFromClaim('___'), 'sso-user');
  });
});

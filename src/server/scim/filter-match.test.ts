import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFilter, parsePatchPath } from './filter.ts';
import { matchesFilter, matchesValue, type CaseExact } from './filter-match.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const anna = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'E-1001',
  userName: 'Anna.Nowak@contoso.com',
  name: { givenName: 'Anna', familyName: "O'Nowak" },
  displayName: 'Anna Nowak',
  title: '',
  active: true,
  emails: [
    { value: 'anna@contoso.com', type: 'work', primary: true },
    { value: 'anna@home.pl', type: 'home' },
  ],
  phoneNumbers: [],
  tags: ['vip', 'Night'],
  loginCount: 42,
  meta: { created: '2026-11-30T12:00:00.000Z', lastModified: '2026-11-30T13:00:00Z' },
  [ENTERPRISE]: { employeeNumber: '701984', manager: { value: '26118915', displayName: 'John Smith' } },
};

const matches = (filter: string, caseExact?: CaseExact) => matchesFilter(anna, parseFilter(filter), caseExact);
const holds = (filter: string, caseExact?: CaseExact) => assert.equal(matches(filter, caseExact), true, filter);
const fails = (filter: string, caseExact?: CaseExact) => assert.equal(matches(filter, caseExact), false, filter);

describe('matchesFilter', () => {
  it('answers the filters Entra and Okta send', () => {
    holds('userName eq "anna.nowak@contoso.com"');
    holds('externalId eq "E-1001"');
    holds('emails[type eq "work"].value eq "ANNA@contoso.com"');
    fails('emails[type eq "home"].value eq "anna@contoso.com"');
    holds('displayName eq "Anna Nowak"');
    fails('userName eq "anna.nowak@contoso.co"');
  });

  it('reads attribute names in any case, with or without their schema URN', () => {
    holds('USERNAME eq "anna.nowak@contoso.com"');
    holds('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "anna"');
    holds('name.FAMILYNAME eq "o\'nowak"');
    holds(`${ENTERPRISE}:employeeNumber eq "701984"`);
    holds(`${ENTERPRISE.toUpperCase()}:EmployeeNumber eq "701984"`);
    holds(`${ENTERPRISE}:manager.value eq "26118915"`);
    holds('employeeNumber eq "701984"');
    fails('nickName pr');
    // Names an object inherits are no attributes.
    fails('constructor pr');
    fails('toString pr or hasOwnProperty pr or name.valueOf pr');
  });

  it('compares text case-insensitively unless the attribute is case-exact', () => {
    const idExact: CaseExact = (path) => ['id', 'externalid'].includes(path.attribute.toLowerCase());
    holds('externalId eq "e-1001"');
    fails('externalId eq "e-1001"', idExact);
    holds('externalId eq "E-1001"', idExact);
    fails('externalId sw "e-"', idExact);
    holds('displayName co "NOWAK"', idExact);
    const emailExact: CaseExact = (path) => path.attribute === 'emails' && path.subAttribute === 'value';
    fails('emails[value eq "ANNA@contoso.com"]', emailExact);
    holds('emails[type eq "WORK"]', emailExact);
  });

  it('applies every operator', () => {
    holds('userName co "NOWAK@"');
    holds('userName sw "anna."');
    holds('userName ew ".COM"');
    fails('userName ew "contoso"');
    holds('userName ne "someone"');
    fails('userName ne "anna.nowak@contoso.com"');
    holds('displayName gt "Anna"');
    holds('displayName ge "anna nowak"');
    holds('displayName lt "b"');
    holds('displayName le "ANNA NOWAK"');
    fails('displayName lt "anna"');
    holds('loginCount gt 41.5 and loginCount le 42 and loginCount eq 42 and loginCount ne 41');
    fails('loginCount lt 42');
    fails('loginCount eq "42"');
    holds('active eq true');
    fails('active eq false');
    holds('active ne false');
    fails('active eq "true"');
  });

  it('compares date-times as instants', () => {
    holds('meta.created eq "2026-11-30T13:00:00+01:00"');
    holds('meta.created gt "2026-11-30T11:59:59.999Z"');
    fails('meta.created gt "2026-11-30T12:00:00Z"');
    holds('meta.lastModified ge "2026-11-30T14:00:00+01:00"');
    holds('meta.lastModified lt "2026-11-30T09:00:01-04:00"');
  });

  it('treats empty, null and missing as absent for pr and eq null', () => {
    fails('title pr');
    holds('title eq null');
    fails('title ne null');
    holds('displayName pr');
    holds('displayName ne null');
    fails('nickName pr');
    holds('nickName eq null');
    fails('phoneNumbers pr');
    holds('emails pr');
    holds('name pr');
    holds(`${ENTERPRISE}:manager pr`);
    fails('nickName eq "x"');
    fails('nickName ne "x"');
    holds('not (nickName eq "x")');
  });

  it('matches a multi-valued attribute when any of its values does', () => {
    holds('emails.value ew "@home.pl"');
    holds('emails.type eq "home"');
    holds('emails co "@contoso"');
    holds('tags eq "night"');
    holds('tags[value eq "VIP"]');
    fails('tags eq "day"');
    // Two different e-mails satisfy these parts; a value filter asks for one that satisfies both.
    holds('emails.type eq "home" and emails.value co "contoso"');
    fails('emails[type eq "home" and value co "contoso"]');
    holds('emails[type eq "home" or value co "contoso"]');
    holds('emails[not (type eq "home")]');
    holds('emails[primary eq true]');
    fails('emails[primary eq true and type eq "home"]');
    fails('phoneNumbers[type eq "work"]');
  });

  it('combines with and, or and not', () => {
    holds('userName sw "anna" and (title pr or active eq true)');
    fails('userName sw "anna" and not (title pr or active eq true)');
    holds('userType eq "Employee" or displayName co "Nowak"');
    holds('not (userType eq "Employee") and not (emails co "example.com" or emails.value co "example.org")');
    // Anna has no userType: no value of it differs from "Employee", as SQL's `<>` answers for a null.
    fails('userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")');
  });

  it('picks the values a PATCH path names', () => {
    const group = { members: [{ value: 'a1', display: 'Anna' }, { value: 'b2' }, { value: 'A1-x' }] };
    const { path, filter } = parsePatchPath('members[value eq "a1"]');
    assert.ok(filter);
    assert.deepEqual(
      group.members.filter((member) => matchesValue(member, path, filter)),
      [{ value: 'a1', display: 'Anna' }],
    );
    const { path: emails, filter: work } = parsePatchPath('emails[type eq "work"].value');
    assert.ok(work);
    assert.deepEqual(
      anna.emails.filter((email) => matchesValue(email, emails, work)),
      [anna.emails[0]],
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  FILTER_MAX_DEPTH,
  FILTER_MAX_LENGTH,
  ScimFilterError,
  ScimPathError,
  formatFilter,
  formatPatchPath,
  parseFilter,
  parsePatchPath,
  type AttributePath,
  type Comparison,
  type Filter,
} from './filter.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const path = (attribute: string, subAttribute?: string, schema?: string): AttributePath => ({
  ...(schema === undefined ? {} : { schema }),
  attribute,
  ...(subAttribute === undefined ? {} : { subAttribute }),
});
const eq = (attribute: string, value: string | number | boolean | null, subAttribute?: string): Filter => ({
  kind: 'compare',
  op: 'eq',
  path: path(attribute, subAttribute),
  value,
});

const refusal = (text: string, pattern: RegExp, at?: number) =>
  assert.throws(
    () => parseFilter(text),
    (error: unknown) => {
      assert.ok(error instanceof ScimFilterError, `${text}: ${String(error)}`);
      assert.equal(error.scimType, 'invalidFilter');
      assert.match(error.message, pattern);
      if (at !== undefined) assert.equal(error.position, at, error.message);
      return true;
    },
  );

describe('SCIM filter parser', () => {
  it('reads what Microsoft Entra ID and Okta send', () => {
    // Entra's provisioning service and its SCIM validator; Okta's SCIM 2.0 integration guide.
    assert.deepEqual(
      parseFilter('userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081"'),
      eq('userName', 'Test_User_dfeef4c5-5681-4387-b016-bdf221e82081'),
    );
    assert.deepEqual(parseFilter('userName eq "anna.nowak@contoso.com"'), eq('userName', 'anna.nowak@contoso.com'));
    assert.deepEqual(parseFilter('externalId eq "9950b140-90a0-4201-9d65-b5f209fb4cd0"'), eq('externalId', '9950b140-90a0-4201-9d65-b5f209fb4cd0'));
    assert.deepEqual(parseFilter('displayName eq "Sales Team"'), eq('displayName', 'Sales Team'));
    assert.deepEqual(parseFilter('emails[type eq "work"].value eq "anna.nowak@contoso.com"'), {
      kind: 'valuePath',
      path: path('emails'),
      filter: { kind: 'and', left: eq('type', 'work'), right: eq('value', 'anna.nowak@contoso.com') },
    });
    assert.deepEqual(parseFilter('id eq "5c4d" and members eq "8f1e"'), { kind: 'and', left: eq('id', '5c4d'), right: eq('members', '8f1e') });
    assert.deepEqual(parseFilter('userName eq "test.user@okta.local"'), eq('userName', 'test.user@okta.local'));
    assert.deepEqual(parseFilter('displayName eq "Test SCIMv2"'), eq('displayName', 'Test SCIMv2'));
  });

  it('reads the examples of RFC 7644 §3.4.2.2', () => {
    const examples = [
      'userName Eq "john"',
      'name.familyName co "O\'Malley"',
      'urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"',
      'title pr',
      'meta.lastModified gt "2011-05-13T04:42:34Z"',
      'title pr and userType eq "Employee"',
      'title pr or userType eq "Intern"',
      'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      'userType eq "Employee" and (emails.type eq "work")',
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
    ];
    for (const example of examples) assert.doesNotThrow(() => parseFilter(example), example);
    assert.deepEqual(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J"'), {
      kind: 'compare',
      op: 'sw',
      path: path('userName', undefined, 'urn:ietf:params:scim:schemas:core:2.0:User'),
      value: 'J',
    });
  });

  it('reads every comparison operator, pr, and keywords in any case', () => {
    for (const op of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as Comparison[]) {
      assert.deepEqual(parseFilter(`title ${op.toUpperCase()} "x"`), { kind: 'compare', op, path: path('title'), value: 'x' });
    }
    assert.deepEqual(parseFilter('title PR'), { kind: 'present', path: path('title') });
    assert.deepEqual(parseFilter('a pr AND b pr Or NOT (c pr)'), {
      kind: 'or',
      left: { kind: 'and', left: { kind: 'present', path: path('a') }, right: { kind: 'present', path: path('b') } },
      right: { kind: 'not', filter: { kind: 'present', path: path('c') } },
    });
  });

  it('binds and tighter than or, both from the left, and groups with parentheses', () => {
    const [a, b, c] = [eq('a', 1), eq('b', 2), eq('c', 3)];
    assert.deepEqual(parseFilter('a eq 1 or b eq 2 and c eq 3'), { kind: 'or', left: a, right: { kind: 'and', left: b, right: c } });
    assert.deepEqual(parseFilter('a eq 1 and b eq 2 or c eq 3'), { kind: 'or', left: { kind: 'and', left: a, right: b }, right: c });
    assert.deepEqual(parseFilter('(a eq 1 or b eq 2) and c eq 3'), { kind: 'and', left: { kind: 'or', left: a, right: b }, right: c });
    assert.deepEqual(parseFilter('a eq 1 or b eq 2 or c eq 3'), { kind: 'or', left: { kind: 'or', left: a, right: b }, right: c });
    assert.deepEqual(parseFilter('a eq 1 or (b eq 2 or c eq 3)'), { kind: 'or', left: a, right: { kind: 'or', left: b, right: c } });
  });

  it('reads not with and without a space before its parenthesis (RFC 7644 errata 7319)', () => {
    const expected: Filter = { kind: 'not', filter: { kind: 'present', path: path('title') } };
    assert.deepEqual(parseFilter('not (title pr)'), expected);
    assert.deepEqual(parseFilter('not(title pr)'), expected);
    // An attribute may be called "not": only "not (" negates.
    assert.deepEqual(parseFilter('not eq "x"'), eq('not', 'x'));
  });

  it('reads schema URNs, sub-attributes and $ref', () => {
    assert.deepEqual(parseFilter(`${ENTERPRISE}:employeeNumber eq "701984"`).valueOf(), {
      kind: 'compare',
      op: 'eq',
      path: path('employeeNumber', undefined, ENTERPRISE),
      value: '701984',
    });
    assert.deepEqual(parseFilter(`${ENTERPRISE}:manager.value eq "26118915"`), {
      kind: 'compare',
      op: 'eq',
      path: path('manager', 'value', ENTERPRISE),
      value: '26118915',
    });
    assert.deepEqual(parseFilter('name.familyName pr'), { kind: 'present', path: path('name', 'familyName') });
    assert.deepEqual(parseFilter('members[$ref pr]'), { kind: 'valuePath', path: path('members'), filter: { kind: 'present', path: path('$ref') } });
  });

  it('reads JSON values: strings with escapes, numbers, true, false and null', () => {
    assert.deepEqual(parseFilter('a eq "q\\"uo\\\\te\\u00e9\\n\\/"'), eq('a', 'q"uo\\teé\n/'));
    assert.deepEqual(parseFilter('a eq "zażółć 📞"'), eq('a', 'zażółć 📞'));
    assert.deepEqual(parseFilter('a eq -12.5e2'), eq('a', -1250));
    assert.deepEqual(parseFilter('a eq 0'), eq('a', 0));
    assert.deepEqual(parseFilter('a eq true'), eq('a', true));
    assert.deepEqual(parseFilter('a eq False'), eq('a', false));
    assert.deepEqual(parseFilter('a eq null'), eq('a', null));
    assert.deepEqual(parseFilter('a ne null'), { kind: 'compare', op: 'ne', path: path('a'), value: null });
  });

  it('reads value paths, with not and parentheses inside', () => {
    assert.deepEqual(parseFilter('emails[not (type eq "home") and (value ew "@x.pl" or primary eq true)]'), {
      kind: 'valuePath',
      path: path('emails'),
      filter: {
        kind: 'and',
        left: { kind: 'not', filter: eq('type', 'home') },
        right: { kind: 'or', left: { kind: 'compare', op: 'ew', path: path('value'), value: '@x.pl' }, right: eq('primary', true) },
      },
    });
    assert.deepEqual(parseFilter('emails[type eq "work"].value pr'), {
      kind: 'valuePath',
      path: path('emails'),
      filter: { kind: 'and', left: eq('type', 'work'), right: { kind: 'present', path: path('value') } },
    });
  });

  it('takes any run of white space between tokens', () => {
    assert.deepEqual(parseFilter('  userName\teq\n"x"  '), eq('userName', 'x'));
    assert.deepEqual(parseFilter('( a pr )'), { kind: 'present', path: path('a') });
  });

  it('refuses each malformed filter, naming where', () => {
    refusal('', /empty/);
    refusal('   ', /empty/);
    refusal('userName', /expected an operator .* found the end/, 8);
    refusal('userName eq', /expected a value/, 11);
    refusal('userName eq john', /expected a value .* found "john"/, 12);
    refusal('userName equals "x"', /expected an operator .* found "equals"/, 9);
    refusal('userName eq "x" nor title pr', /unexpected "nor" after the filter/, 16);
    refusal('userName eq "x" and', /expected an attribute name, found the end/);
    refusal('and eq "x" or', /expected an attribute name/);
    refusal('(title pr', /expected "\)" to close the "\("/, 9);
    refusal('title pr)', /unexpected "\)"/, 8);
    refusal('not title pr', /expected an operator .* after not, found "title"/);
    refusal('not (title pr', /expected "\)" to close the "not \("/);
    refusal('emails[type eq "work"', /expected "\]" to close the "\[" of emails/);
    refusal('emails[]', /emails\[\] holds no filter/);
    refusal('emails[type eq "work"]]', /unexpected "\]"/);
    refusal('emails[type eq "work"].', /"\." is not a sub-attribute/);
    refusal('emails[type eq "work"].value', /expected an operator/);
    refusal('emails[emails.type eq "work"]', /name a sub-attribute of emails alone, not emails\.type/);
    refusal(`emails[${ENTERPRISE}:type eq "work"]`, /name a sub-attribute of emails alone/);
    refusal('emails[type[value pr]]', /value filters do not nest/);
    refusal('name.familyName[value pr]', /follows a multi-valued attribute, not the sub-attribute name\.familyName/);
    refusal('name.familyName.x pr', /is not an attribute path/);
    refusal('1abc pr', /is not an attribute path/);
    refusal('user*name pr', /is not an attribute path/);
    refusal(':userName pr', /"" is not a schema URI/);
    refusal('urn:x:y: pr', /is not an attribute path/);
    refusal('title eq "open', /a string is not closed/, 9);
    refusal('title eq "bad \\x escape"', /not valid JSON/, 9);
    refusal('title eq "tab\there"', /not valid JSON/);
    refusal('title eq 01', /expected a value .* found "01"/);
    refusal('title eq 1.', /expected a value/);
    refusal('title eq +1', /expected a value/);
    refusal('title eq 1e400', /out of range/);
    refusal('title eq ()', /expected a value .* found "\("/);
    refusal('title co 5', /"co" compares text/);
    refusal('title sw true', /"sw" compares text/);
    refusal('title ew null', /"ew" compares text/);
    refusal('title gt true', /"gt" orders strings, numbers and dates, not true/);
    refusal('title le null', /"le" orders .* not null/);
  });

  it(`refuses filters longer than ${FILTER_MAX_LENGTH} characters or nested deeper than ${FILTER_MAX_DEPTH}`, () => {
    const long = `title eq "${'x'.repeat(FILTER_MAX_LENGTH)}"`;
    refusal(long, new RegExp(`longer than ${FILTER_MAX_LENGTH}`));
    const nested = (depth: number) => `${'('.repeat(depth)}title pr${')'.repeat(depth)}`;
    assert.doesNotThrow(() => parseFilter(nested(FILTER_MAX_DEPTH)));
    refusal(nested(FILTER_MAX_DEPTH + 1), /nests deeper than 32/);
    refusal(`${'not ('.repeat(FILTER_MAX_DEPTH + 1)}title pr${')'.repeat(FILTER_MAX_DEPTH + 1)}`, /nests deeper/);
    refusal(`${'('.repeat(2040)}title pr${')'.repeat(2040)}`, /nests deeper/);
    // Long chains are loops, not recursion: the longest allowed filter parses and formats.
    const chain = Array.from({ length: 340 }, (_, i) => `a${i} pr`).join(' and ');
    assert.ok(chain.length <= FILTER_MAX_LENGTH);
    assert.equal(formatFilter(parseFilter(chain)), chain);
  });

  it('formats canonically: lower-case keywords, parentheses only where the tree needs them', () => {
    assert.equal(formatFilter(parseFilter('(A Pr) AND ((b EQ "x") OR c pr)')), 'A pr and (b eq "x" or c pr)');
    assert.equal(formatFilter(parseFilter('a pr and (b pr and c pr)')), 'a pr and (b pr and c pr)');
    assert.equal(formatFilter(parseFilter('(a pr and b pr) and c pr')), 'a pr and b pr and c pr');
    assert.equal(formatFilter(parseFilter('not(a eq -0)')), 'not (a eq -0)');
    assert.equal(formatFilter(parseFilter('a eq "\\u00e9\\""')), 'a eq "é\\""');
  });
});

describe('SCIM PATCH path parser', () => {
  it('reads the paths Entra and Okta send', () => {
    assert.deepEqual(parsePatchPath('members[value eq "2819c223-7f76-453a-919d-413861904646"]'), {
      path: path('members'),
      filter: eq('value', '2819c223-7f76-453a-919d-413861904646'),
    });
    assert.deepEqual(parsePatchPath('emails[type eq "work"].value'), { path: path('emails'), filter: eq('type', 'work'), subAttribute: 'value' });
    assert.deepEqual(parsePatchPath('addresses[type eq "work"].formatted'), {
      path: path('addresses'),
      filter: eq('type', 'work'),
      subAttribute: 'formatted',
    });
    assert.deepEqual(parsePatchPath('name.givenName'), { path: path('name', 'givenName') });
    assert.deepEqual(parsePatchPath('active'), { path: path('active') });
    assert.deepEqual(parsePatchPath(`${ENTERPRISE}:manager`), { path: path('manager', undefined, ENTERPRISE) });
    assert.deepEqual(parsePatchPath(`${ENTERPRISE}:employeeNumber`), { path: path('employeeNumber', undefined, ENTERPRISE) });
  });

  it('refuses malformed paths as invalidPath, and a malformed value filter as invalidFilter', () => {
    const refused = (text: string, scimType: string, pattern: RegExp) =>
      assert.throws(
        () => parsePatchPath(text),
        (error: unknown) => error instanceof ScimPathError && error.scimType === scimType && pattern.test(error.message),
        text,
      );
    refused('', 'invalidPath', /empty/);
    refused('name.givenName.x', 'invalidPath', /not an attribute path/);
    refused('userName eq "x"', 'invalidPath', /unexpected "eq" after the path/);
    refused('emails[type eq "work"].value.x', 'invalidPath', /not a sub-attribute/);
    refused('emails[type eq "work"] extra', 'invalidPath', /unexpected "extra" after the path/);
    refused('"emails"', 'invalidPath', /expected an attribute name/);
    refused('members[value eq]', 'invalidFilter', /expected a value/);
    refused('members[value eq "x"', 'invalidFilter', /close the "\["/);
    refused('name.givenName[value pr]', 'invalidPath', /not the sub-attribute/);
  });
});

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,7}$/;
const names = fc.oneof(
  { weight: 5, arbitrary: fc.stringMatching(NAME) },
  // Names that are also keywords must still read as names where a name stands.
  { weight: 2, arbitrary: fc.constantFrom('and', 'or', 'not', 'pr', 'eq', 'true', 'null', 'AND', 'Not', '$ref', 'value') },
);
const schemas = fc.oneof(
  fc.constantFrom('urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE, 'urn:ietf:params:scim:schemas:core:2.0:Group'),
  fc.stringMatching(/^urn:[a-z][a-z0-9.-]{0,6}(:[A-Za-z0-9.]{1,5}){0,3}$/),
);
const attributePaths = (inside: boolean): fc.Arbitrary<AttributePath> =>
  inside
    ? names.map((attribute) => ({ attribute }))
    : fc
        .record({ schema: schemas, attribute: names, subAttribute: names }, { requiredKeys: ['attribute'], noNullPrototype: true })
        .map((p) => path(p.attribute, p.subAttribute, p.schema));
const strings = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('', '"', '\\', 'a b', ')]', '%_!'));
const numbers = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
const leaves = (inside: boolean): fc.Arbitrary<Filter> =>
  fc.oneof(
    attributePaths(inside).map((p): Filter => ({ kind: 'present', path: p })),
    fc.record(
      {
        kind: fc.constant('compare' as const),
        op: fc.constantFrom<Comparison>('co', 'sw', 'ew'),
        path: attributePaths(inside),
        value: strings,
      },
      { noNullPrototype: true },
    ),
    fc.record(
      {
        kind: fc.constant('compare' as const),
        op: fc.constantFrom<Comparison>('gt', 'ge', 'lt', 'le'),
        path: attributePaths(inside),
        value: fc.oneof(strings, numbers),
      },
      { noNullPrototype: true },
    ),
    fc.record(
      {
        kind: fc.constant('compare' as const),
        op: fc.constantFrom<Comparison>('eq', 'ne'),
        path: attributePaths(inside),
        value: fc.oneof(strings, numbers, fc.boolean(), fc.constant(null)),
      },
      { noNullPrototype: true },
    ),
  );
const filters = (inside: boolean, depth: number): fc.Arbitrary<Filter> => {
  if (depth === 0) return leaves(inside);
  const smaller = filters(inside, depth - 1);
  const branches: fc.Arbitrary<Filter>[] = [
    leaves(inside),
    fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: smaller, right: smaller }, { noNullPrototype: true }),
    fc.record({ kind: fc.constant('not' as const), filter: smaller }, { noNullPrototype: true }),
  ];
  if (!inside) {
    branches.push(
      fc.record(
        { kind: fc.constant('valuePath' as const), path: names.map((attribute) => ({ attribute })), filter: filters(true, depth - 1) },
        { noNullPrototype: true },
      ),
    );
  }
  return fc.oneof(...branches);
};
const generatedFilters = filters(false, 4);

describe('SCIM filter properties', () => {
  it('reads back every filter it formats (generated trees)', () => {
    fc.assert(
      fc.property(generatedFilters, (filter) => {
        assert.deepStrictEqual(parseFilter(formatFilter(filter)), filter);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads back every PATCH path it formats (generated paths)', () => {
    const patchPaths = fc.oneof(
      attributePaths(false).map((p) => ({ path: p })),
      fc
        .record({ attribute: names, filter: filters(true, 3), subAttribute: names }, { requiredKeys: ['attribute', 'filter'], noNullPrototype: true })
        .map(({ attribute, filter, subAttribute }) => ({ path: { attribute }, filter, ...(subAttribute === undefined ? {} : { subAttribute }) })),
    );
    fc.assert(
      fc.property(patchPaths, (patchPath) => {
        assert.deepStrictEqual(parsePatchPath(formatPatchPath(patchPath)), patchPath);
      }),
      { numRuns: 1000 },
    );
  });

  it('throws nothing but its own errors, whatever the text', () => {
    const pieces = fc.constantFrom(' ', '(', ')', '[', ']', '"', '\\', '.', ':', 'a', 'eq', 'pr', 'not', 'and', 'or', '1', '-', 'e', 'urn:x:', '$', 'true');
    const texts = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: pieces, maxLength: 40 }),
      // Near misses: a valid filter with one character dropped, doubled or replaced.
      fc.tuple(generatedFilters, fc.nat(), fc.constantFrom('', '(', ')', '"', ']', ' ', 'x', '.')).map(([filter, at, piece]) => {
        const text = formatFilter(filter);
        const i = at % (text.length + 1);
        return text.slice(0, i) + piece + text.slice(i + 1);
      }),
    );
    fc.assert(
      fc.property(texts, (text) => {
        for (const [parse, errorClass] of [
          [parseFilter, ScimFilterError],
          [parsePatchPath, ScimPathError],
        ] as const) {
          try {
            parse(text);
          } catch (error) {
            assert.ok(error instanceof errorClass, `${JSON.stringify(text)}: ${String(error)}`);
            assert.match(error.message, /^invalid (filter|path)( at character \d+)?: /);
          }
        }
      }),
      { numRuns: 5000 },
    );
  });
});

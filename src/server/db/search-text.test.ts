import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldForSearch, searchTextOf, searchWords } from './search-text.ts';

describe('search text', () => {
  it('folds diacritics, case and spaces', () => {
    assert.equal(foldForSearch('  Zaręba  Wójcik-ŚLIWA '), 'zareba wojcik-sliwa');
    assert.equal(foldForSearch('Ｋｏｗａｌ'), 'kowal');
  });

  it('folds ASCII text (taken as it is) as it folds the same text beside a transliterated letter', () => {
    const ascii = Array.from({ length: 0x80 }, (_, code) => String.fromCharCode(code)).join('');
    assert.equal(`${foldForSearch(ascii)}e`, foldForSearch(`${ascii}é`));
  });

  it('writes every script in Latin letters, without the apostrophes of soft signs', () => {
    assert.equal(foldForSearch('Łukasz Øre Straße'), 'lukasz ore strasse');
    assert.equal(foldForSearch('Ольга Шевченко'), 'olga shevchenko');
    assert.equal(foldForSearch("O'Brien"), 'obrien');
    assert.equal(searchTextOf({ login: 'o.s', email: null, firstName: 'Ольга', lastName: 'Ґудзь', extensions: [] }), 'olga gudz o.s');
    assert.deepEqual(searchWords("Ol'ga ЛЬВІВ"), ['olga', 'lviv']);
  });

  it('holds login, e-mail, names and extensions, leaving out a field another holds where a word starts', () => {
    assert.equal(
      searchTextOf({ login: 'anna.nowak', email: 'anna.nowak@acme.pl', firstName: 'Anna', lastName: 'Nowak', extensions: ['1001', null] }),
      'anna.nowak@acme.pl 1001',
    );
    // "ann" is inside "joanna" but starts no word of it: kept, so that a short search for "an" still finds it.
    assert.equal(searchTextOf({ login: 'joanna', email: null, firstName: 'Ann', lastName: 'Lee', extensions: [] }), 'joanna ann lee');
  });

  it('splits a search into at most five distinct folded words', () => {
    assert.deepEqual(searchWords('  Jan  jan KÓW '), ['jan', 'kow']);
    assert.equal(searchWords('a b c d e f g').length, 5);
  });
});

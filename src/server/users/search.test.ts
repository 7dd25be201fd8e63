import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { forEachEngine } from '../../../test/harness.ts';

const users = '/api/v1/domains/default/users';
const logins = (body: { items: { login: string }[] }) => body.items.map((u) => u.login);

forEachEngine('user search', (h) => {
  const search = async (q: string, extra = '') => {
    const response = await h().admin.get(`${users}?q=${encodeURIComponent(q)}${extra}`);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return logins(response.body);
  };
  /** Every page of a search, `limit` at a time, following the cursor. */
  const allPages = async (q: string, limit: number, extra = '') => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 50; pages += 1) {
      const page: { body: { items: { login: string }[]; nextCursor: string | null } } = await h().admin.get(
        `${users}?q=${encodeURIComponent(q)}&limit=${limit}${extra}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...logins(page.body));
      cursor = page.body.nextCursor;
      if (!cursor) break;
    }
    return seen;
  };
  const ids = new Map<string, string>();

  before(async () => {
    const people = [
      { login: 'j.kowalski', firstName: 'Jan', lastName: 'Kowalski', email: 'jan.kowalski@acme.pl', sip: { extension: '4711' } },
      { login: 'l.w', firstName: 'Łukasz', lastName: 'Wójcik', email: 'lw@acme.pl', sip: { extension: '5802' } },
      { login: 'olga.s', firstName: 'Ольга', lastName: 'Шевченко', sip: { extension: '6903' } },
      { login: 'zareba', firstName: 'Zofia', lastName: 'Zaręba', email: 'zofia_z@firma.pl' },
      { login: 'owen', firstName: 'Owen', lastName: 'Price', sip: { extension: '7100' } },
      { login: 'kowal.anna', firstName: 'Anna', lastName: 'Kowal' },
      { login: 'ann.b', firstName: 'Ann', lastName: 'Bowal', sip: { extension: '4712' } },
      { login: 'percent', firstName: 'Per', lastName: 'Per%cent' },
      { login: 'mia', firstName: 'Mia', lastName: 'Lund', sip: { extension: '5710' } },
    ];
    for (const person of people) {
      const created = await h().admin.post(users, { roles: ['agent'], ...person });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      ids.set(person.login, created.body.id as string);
    }
  });

  it('finds three letters or more inside any word of login, e-mail and names', async () => {
    assert.deepEqual(await search('owal'), ['ann.b', 'j.kowalski', 'kowal.anna']);
    assert.deepEqual(await search('OWAL'), ['ann.b', 'j.kowalski', 'kowal.anna']);
    assert.deepEqual(await search('wen'), ['owen']);
    assert.deepEqual(await search('rma.p'), ['zareba']);
    assert.deepEqual(await search('owal jan'), ['j.kowalski']);
    assert.deepEqual(await search('xyz'), []);
  });

  it('finds a user by the last digits of its extension, and first by its first digits', async () => {
    assert.deepEqual(await search('711'), ['j.kowalski']);
    assert.deepEqual(await search('903'), ['olga.s']);
    assert.deepEqual(await search('471'), ['ann.b', 'j.kowalski']);
  });

  it('finds letters with diacritics by the letters without them, and the other way round', async () => {
    assert.deepEqual(await search('wojcik'), ['l.w']);
    assert.deepEqual(await search('Wójcik'), ['l.w']);
    assert.deepEqual(await search('zareba'), ['zareba']);
    assert.deepEqual(await search('ZARĘBA'), ['zareba']);
    assert.deepEqual(await search('Ольга'), ['olga.s']);
    assert.deepEqual(await search('шевч'), ['olga.s']);
  });

  it('finds ł by l and the other way round', async () => {
    // l.w is Łukasz only by first name: neither login nor e-mail holds "lukasz".
    assert.deepEqual(await search('lukasz'), ['l.w']);
    assert.deepEqual(await search('Łukasz'), ['l.w']);
    assert.deepEqual(await search('ŁUK'), ['l.w']);
  });

  it('finds Cyrillic names by their Latin spelling and Latin names by a Cyrillic one', async () => {
    // Шевченко is only in Cyrillic; Mia only in Latin.
    assert.deepEqual(await search('shevchenko'), ['olga.s']);
    assert.deepEqual(await search('Миа'), ['mia']);
    // A soft sign transliterates to an apostrophe (Ol'ga), which a search leaves out as the stored text does.
    assert.deepEqual(await search("Ol'ga Shev"), ['olga.s']);
  });

  it('matches a word shorter than three letters only where a word starts', async () => {
    assert.deepEqual(await search('ow'), ['owen']);
    assert.deepEqual(await search('z'), ['zareba']);
    assert.deepEqual(await search('ko'), ['kowal.anna', 'j.kowalski']);
    assert.deepEqual(await search('an ko'), ['kowal.anna']);
    assert.deepEqual(await search('71'), ['owen']);
  });

  it('takes % and _ in a search as themselves', async () => {
    assert.deepEqual(await search('r%c'), ['percent']);
    assert.deepEqual(await search('a_z'), ['zareba']);
    // jan.kowalski holds "n.k": an underscore that matched any letter would find it.
    assert.deepEqual(await search('n_k'), []);
  });

  it('lists first the users whose login or extension starts with the search, each part in the list order', async () => {
    // kowal.anna's login starts with "kowal"; the others only hold it.
    assert.deepEqual(await search('kowal'), ['kowal.anna', 'j.kowalski']);
    assert.deepEqual(await search('kowal', '&sort=-login'), ['kowal.anna', 'j.kowalski']);
    // The extension 7100 starts with 710; 5710 only holds it.
    assert.deepEqual(await search('710'), ['owen', 'mia']);
    assert.deepEqual(await search('ann'), ['ann.b', 'kowal.anna']);
  });

  it('pages through a ranked search once, in the same order as one page', async () => {
    const whole = await search('a', '&limit=100');
    assert.ok(whole.length >= 5, whole.join());
    for (const limit of [1, 2, 3]) assert.deepEqual(await allPages('a', limit), whole);
    assert.deepEqual(await allPages('kowal', 1), ['kowal.anna', 'j.kowalski']);
    assert.deepEqual(await allPages('owal', 1, '&sort=-lastName'), ['j.kowalski', 'kowal.anna', 'ann.b']);
  });

  it('keeps a page boundary when users are added before it', async () => {
    const first = await h().admin.get(`${users}?q=owal&limit=2`);
    assert.deepEqual(logins(first.body), ['ann.b', 'j.kowalski']);
    const early = await h().admin.post(users, { login: 'aowal', firstName: 'A', lastName: 'Owal', roles: ['agent'] });
    const next = await h().admin.get(`${users}?q=owal&limit=2&cursor=${first.body.nextCursor}`);
    assert.deepEqual(logins(next.body), ['kowal.anna']);
    await h().admin.delete(`${users}/${early.body.id}`);
  });

  it('follows a changed name, e-mail and extension, and a deletion', async () => {
    const id = ids.get('owen') as string;
    const before = await h().admin.get(`${users}/${id}`);
    const changed = await h().admin.patch(
      `${users}/${id}`,
      { lastName: 'Żak', email: 'owen@example.org', sip: { extension: '7299' } },
      { 'if-match': before.headers.etag as string },
    );
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.deepEqual(await search('price'), []);
    assert.deepEqual(await search('zak'), ['owen']);
    assert.deepEqual(await search('example.org'), ['owen']);
    assert.deepEqual(await search('7100'), []);
    assert.deepEqual(await search('299'), ['owen']);
    await h().admin.delete(`${users}/${id}`);
    assert.deepEqual(await search('zak'), []);
    assert.deepEqual(await search('zak', '&deleted=true'), ['owen']);
    await h().admin.post(`${users}/${id}/restore`);
    assert.deepEqual(await search('zak'), ['owen']);
  });
});

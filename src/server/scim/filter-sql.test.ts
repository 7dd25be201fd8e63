import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { engines, freshStorage } from '../../../test/databases.ts';
import { connect, type Storage } from '../db/connect.ts';
import { ScimFilterError, parseFilter, type AttributePath, type Comparison, type Filter } from './filter.ts';
import { matchesFilter } from './filter-match.ts';
import { ENTERPRISE_USER, filterToWhere, type ColumnMapping } from './filter-sql.ts';

/** A small stand-in for users and their e-mails, made by the test itself. */
interface Probe {
  probes: {
    id: number;
    user_name: string;
    user_name_key: string;
    display_name: string | null;
    title: string | null;
    active: number;
    created: string;
    age: number | null;
    rating: number | null;
  };
  probe_emails: { probe_id: number; value: string; type: string };
}
type Row = Omit<Probe['probes'], 'user_name_key'> & { emails: { value: string; type: string }[] };

const mapping: ColumnMapping<Probe, 'probes'> = {
  username: { column: 'probes.user_name', type: 'string', key: { column: 'probes.user_name_key', normalize: (value) => value.toLowerCase() } },
  displayname: { column: 'probes.display_name', type: 'string' },
  title: { column: 'probes.title', type: 'string', caseExact: true },
  active: { column: 'probes.active', type: 'boolean' },
  'meta.created': { column: 'probes.created', type: 'dateTime' },
  age: { column: 'probes.age', type: 'number' },
  rating: { column: 'probes.rating', type: 'number' },
  // The enterprise extension's attribute, stored (for this test) in the display name's column.
  employeenumber: { column: 'probes.display_name', type: 'string' },
  emails: {
    column: 'probe_emails.value',
    type: 'string',
    exists: (eb, inner) =>
      eb.exists(eb.selectFrom('probe_emails').whereRef('probe_emails.probe_id', '=', 'probes.id').where(inner).select(sql.lit(1).as('one'))),
  },
  'emails.value': { column: 'probe_emails.value', type: 'string' },
  'emails.type': { column: 'probe_emails.type', type: 'string' },
  'emails.primary': { constant: true, type: 'boolean' },
};
const ownSchemas = ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE_USER];
/** What the mapping declares case-exact, told to the in-memory matcher. */
const caseExact = (path: AttributePath) => path.attribute.toLowerCase() === 'title';

/** The SCIM resource a row stands for, as the matcher reads it. */
function resourceOf(row: Row): Record<string, unknown> {
  return {
    userName: row.user_name,
    ...(row.display_name === null ? {} : { displayName: row.display_name }),
    ...(row.title === null ? {} : { title: row.title }),
    active: row.active === 1,
    meta: { created: row.created },
    ...(row.age === null ? {} : { age: row.age }),
    ...(row.rating === null ? {} : { rating: row.rating }),
    emails: row.emails.map((email) => ({ ...email, primary: true })),
    ...(row.display_name === null ? {} : { [ENTERPRISE_USER]: { employeeNumber: row.display_name } }),
  };
}

async function createTables(db: Kysely<Probe>): Promise<void> {
  await db.schema
    .createTable('probes')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('user_name_key', 'text', (c) => c.notNull())
    .addColumn('display_name', 'text')
    .addColumn('title', 'text')
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('created', 'text', (c) => c.notNull())
    .addColumn('age', 'integer')
    .addColumn('rating', 'double precision')
    .execute();
  await db.schema.createIndex('probes__user_name_key').on('probes').column('user_name_key').execute();
  await db.schema
    .createTable('probe_emails')
    .addColumn('probe_id', 'integer', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .execute();
}

async function replaceRows(db: Kysely<Probe>, rows: Row[]): Promise<void> {
  await db.deleteFrom('probe_emails').execute();
  await db.deleteFrom('probes').execute();
  for (const { emails, ...row } of rows) {
    await db
      .insertInto('probes')
      .values({ ...row, user_name_key: row.user_name.toLowerCase() })
      .execute();
    for (const email of emails)
      await db
        .insertInto('probe_emails')
        .values({ probe_id: row.id, ...email })
        .execute();
  }
}

async function idsMatching(db: Kysely<Probe>, filter: Filter): Promise<number[]> {
  const rows = await db
    .selectFrom('probes')
    .select('probes.id')
    .where((eb) => filterToWhere(eb, filter, mapping, ownSchemas))
    .orderBy('probes.id')
    .execute();
  return rows.map((row) => Number(row.id));
}

const expectedIds = (rows: Row[], filter: Filter) => rows.filter((row) => matchesFilter(resourceOf(row), filter, caseExact)).map((row) => row.id);

const people: Row[] = [
  {
    id: 1,
    user_name: 'Anna.Nowak@contoso.com',
    display_name: 'Anna Nowak',
    title: 'Agent',
    active: 1,
    created: '2026-11-30T12:00:00.000Z',
    age: 30,
    rating: 4.5,
    emails: [
      { value: 'anna@contoso.com', type: 'work' },
      { value: 'anna@home.pl', type: 'home' },
    ],
  },
  {
    id: 2,
    user_name: 'piotr_100%@contoso.com',
    display_name: 'Sales Team',
    title: '',
    active: 0,
    created: '2026-11-29T08:30:00.000Z',
    age: null,
    rating: null,
    emails: [{ value: 'piotr@contoso.com', type: 'home' }],
  },
  {
    id: 3,
    user_name: 'pa!x',
    display_name: null,
    title: null,
    active: 1,
    created: '2026-12-01T00:00:00.000Z',
    age: -7,
    rating: -1,
    emails: [],
  },
];

for (const engine of engines) {
  describe(`filterToWhere on ${engine}`, () => {
    let database: { url: string; drop(): Promise<void> };
    let storage: Storage;
    let db: Kysely<Probe>;
    before(async () => {
      database = await freshStorage(engine);
      storage = connect(database.url);
      db = storage.db as unknown as Kysely<Probe>;
      await createTables(db);
      await replaceRows(db, people);
    });
    after(async () => {
      await storage.close();
      await database.drop();
    });

    const finds = async (text: string, ids: number[]) => {
      const filter = parseFilter(text);
      assert.deepEqual(await idsMatching(db, filter), ids, text);
      assert.deepEqual(expectedIds(people, filter), ids, `${text} (in memory)`);
    };

    it('answers the filters Entra and Okta send', async () => {
      await finds('userName eq "anna.nowak@CONTOSO.com"', [1]);
      await finds('emails[type eq "work"].value eq "Anna@contoso.com"', [1]);
      await finds('emails[type eq "work"].value eq "piotr@contoso.com"', []);
      await finds('displayName eq "Sales Team"', [2]);
      await finds('employeeNumber eq "sales team"', [2]);
    });

    it('compares userName eq through its indexed key column', async () => {
      const query = db
        .selectFrom('probes')
        .select('probes.id')
        .where((eb) => filterToWhere(eb, parseFilter('userName eq "Anna.Nowak@Contoso.com"'), mapping, ownSchemas));
      const compiled = query.compile();
      assert.match(compiled.sql, /"probes"\."user_name_key" = /);
      assert.deepEqual(compiled.parameters, ['anna.nowak@contoso.com']);
      if (engine === 'sqlite') {
        const plan = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${compiled.sql}`, [...compiled.parameters]));
        assert.ok(
          plan.rows.some((row) => /USING (COVERING )?INDEX probes__user_name_key/.test(row.detail)),
          JSON.stringify(plan.rows),
        );
      }
    });

    it('takes %, _ and ! in co, sw and ew literally', async () => {
      await finds('userName co "%"', [2]);
      await finds('userName co "_"', [2]);
      await finds('userName sw "pa!"', [3]);
      await finds('userName sw "p_"', []);
      await finds('userName ew "0%@contoso.com"', [2]);
      await finds('userName co "A.N"', [1]);
    });

    it('keeps case for case-exact attributes in every operator', async () => {
      await finds('title eq "Agent"', [1]);
      await finds('title eq "agent"', []);
      await finds('title sw "Ag"', [1]);
      await finds('title sw "ag"', []);
      await finds('title ew "nt"', [1]);
      await finds('title ew "NT"', []);
      await finds('title co "gen"', [1]);
      await finds('title co "GEN"', []);
      await finds('title co ""', [1, 2]);
      await finds('title gt "B"', []);
      await finds('displayName gt "b"', [2]);
    });

    it('answers pr, eq null and not alike for empty and missing values', async () => {
      await finds('title pr', [1]);
      await finds('title eq null', [2, 3]);
      await finds('displayName ne null', [1, 2]);
      await finds('age pr', [1, 3]);
      await finds('not (title eq "Agent")', [2, 3]);
      await finds('title ne "Agent"', [2]);
      await finds('emails pr', [1, 2]);
      await finds('not (emails.value pr)', [3]);
    });

    it('compares booleans, numbers beyond 32 bits and fractions, and date-times as instants', async () => {
      await finds('active eq true', [1, 3]);
      await finds('active ne true', [2]);
      await finds('age gt 29.5', [1]);
      await finds('age lt 3000000000', [1, 3]);
      await finds('age ge -3000000000.5', [1, 3]);
      await finds('age ge 3000000000', []);
      await finds('rating lt 0', [3]);
      await finds('rating eq 4.5 and age eq 30', [1]);
      await finds('meta.created eq "2026-11-30T13:00:00+01:00"', [1]);
      await finds('meta.created gt "2026-11-30T12:00:00Z"', [3]);
      await finds('meta.created lt "2026-11-30T07:00:00-05:00"', [2]);
      await finds('meta.created sw "2026-11-30t"', [1]);
    });

    it('reads one e-mail for a value filter, any e-mail for separate conditions', async () => {
      await finds('emails[type eq "home" and value co "contoso"]', [2]);
      await finds('emails.type eq "home" and emails.value co "anna"', [1]);
      await finds('emails[type eq "home" and value co "anna"]', [1]);
      await finds('emails co "@home"', [1]);
      await finds('emails[primary eq true]', [1, 2]);
      await finds('emails.primary eq true', [1, 2]);
      await finds('not (emails[type eq "work"])', [2, 3]);
    });

    it('writes schema URNs or not, and refuses what it cannot filter on', async () => {
      await finds('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "pa"', [3]);
      await finds(`${ENTERPRISE_USER}:employeeNumber eq "Anna Nowak"`, [1]);
      const refused = (text: string, pattern: RegExp) =>
        assert.throws(
          () => db.selectFrom('probes').where((eb) => filterToWhere(eb, parseFilter(text), mapping, ownSchemas)),
          (error: unknown) => error instanceof ScimFilterError && pattern.test(error.message),
          text,
        );
      refused('nickName eq "x"', /^cannot filter on nickName$/);
      refused('constructor pr', /^cannot filter on constructor$/);
      refused('emails[toString pr]', /^cannot filter on emails\.toString$/);
      refused('userName eq "a\\u0000b"', /cannot contain the NUL character/);
      refused('urn:example:other:userName eq "x"', /^cannot filter on urn:example:other:userName$/);
      refused('emails[display eq "x"]', /^cannot filter on emails\.display$/);
      refused('active eq "true"', /active is true or false/);
      refused('age eq "30"', /age is a number/);
      refused('age co "3"', /age is no text/);
      refused('userName eq 5', /userName is text/);
      refused('meta.created gt "yesterday"', /meta\.created is a date-time/);
    });

    it('runs every filter it translates, and refuses the rest with its own error (generated filters)', async () => {
      await fc.assert(
        fc.asyncProperty(anyFilters, async (filter) => {
          let query;
          try {
            query = db
              .selectFrom('probes')
              .select('probes.id')
              .where((eb) => filterToWhere(eb, filter, mapping, ownSchemas));
          } catch (error) {
            assert.ok(error instanceof ScimFilterError, `${JSON.stringify(filter)}: ${String(error)}`);
            return;
          }
          await query.execute();
        }),
        { numRuns: engine === 'sqlite' ? 1500 : 600 },
      );
    });

    it('answers what matchesFilter answers (generated rows and filters)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(rows, { minLength: 1, maxLength: 6 }), fc.array(filters, { minLength: 1, maxLength: 8 }), async (generated, list) => {
          const table = generated.map((row, i) => ({ ...row, id: i + 1 }));
          await replaceRows(db, table);
          for (const filter of list) assert.deepEqual(await idsMatching(db, filter), expectedIds(table, filter), JSON.stringify(filter));
        }),
        { numRuns: engine === 'sqlite' ? 150 : 60 },
      );
    });
  });
}

const text = fc.string({ unit: fc.constantFrom('a', 'A', 'b', 'B', '%', '_', '!', '.', '@'), maxLength: 4 });
const instants = fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 0, 3) }).map((ms) => Math.floor(ms / 3_600_000) * 3_600_000);
/** The same instant written with another offset, as an identity provider may write it. */
const withOffset = (ms: number, minutes: number) => {
  const local = new Date(ms + minutes * 60_000).toISOString().slice(0, 19);
  const sign = minutes < 0 ? '-' : '+';
  const hours = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0');
  return `${local}${sign}${hours}:${String(Math.abs(minutes) % 60).padStart(2, '0')}`;
};
const rows: fc.Arbitrary<Omit<Row, 'id'>> = fc.record(
  {
    user_name: text,
    display_name: fc.option(text),
    title: fc.option(text),
    active: fc.constantFrom(0, 1),
    created: instants.map((ms) => new Date(ms).toISOString()),
    age: fc.option(fc.integer({ min: -2, max: 2 })),
    rating: fc.option(fc.constantFrom(-1.5, 0, 0.25, 2)),
    emails: fc.array(fc.record({ value: text, type: fc.constantFrom('work', 'home', 'Work', '') }, { noNullPrototype: true }), { maxLength: 3 }),
  },
  { noNullPrototype: true },
);

const compare = (attribute: string, op: Comparison, value: string | number | boolean | null, subAttribute?: string): Filter => ({
  kind: 'compare',
  op,
  path: subAttribute === undefined ? { attribute } : { attribute, subAttribute },
  value,
});
const stringOps = fc.constantFrom<Comparison>('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le');
const orderOps = fc.constantFrom<Comparison>('eq', 'ne', 'gt', 'ge', 'lt', 'le');
const present = (attribute: string, subAttribute?: string): Filter => ({
  kind: 'present',
  path: subAttribute === undefined ? { attribute } : { attribute, subAttribute },
});
const leaves: fc.Arbitrary<Filter> = fc.oneof(
  fc.tuple(fc.constantFrom('userName', 'USERNAME', 'displayName', 'title'), stringOps, text).map(([a, op, v]) => compare(a, op, v)),
  fc.tuple(fc.constantFrom('displayName', 'title', 'age', 'rating'), fc.constantFrom<Comparison>('eq', 'ne')).map(([a, op]) => compare(a, op, null)),
  fc.constantFrom('userName', 'displayName', 'title', 'age', 'rating', 'active', 'meta').map((a) => (a === 'meta' ? present(a, 'created') : present(a))),
  fc.tuple(fc.constantFrom<Comparison>('eq', 'ne'), fc.boolean()).map(([op, v]) => compare('active', op, v)),
  fc.tuple(fc.constantFrom('age', 'rating'), orderOps, fc.constantFrom(-2, -1.5, 0, 0.25, 1, 2, 3e9)).map(([a, op, v]) => compare(a, op, v)),
  fc
    .tuple(orderOps, instants, fc.constantFrom(0, 0, 60, -150, 330), fc.constantFrom(0, 0, 1, -1))
    .map(([op, ms, offset, nudge]) => compare('meta', op, withOffset(ms + nudge * 1000, offset), 'created')),
  fc
    .tuple(fc.constantFrom<Comparison>('co', 'sw', 'ew'), fc.constantFrom('2026', 't', 'T0', 'z', ':00.000Z'))
    .map(([op, v]) => compare('meta', op, v, 'created')),
  fc.tuple(fc.constantFrom('value', 'type'), stringOps, text).map(([sub, op, v]) => compare('emails', op, v, sub)),
  fc.tuple(fc.constantFrom('value', 'type')).map(([sub]) => present('emails', sub)),
  fc.tuple(fc.constantFrom<Comparison>('co', 'eq', 'sw'), text).map(([op, v]) => compare('emails', op, v)),
);
const emailLeaves: fc.Arbitrary<Filter> = fc.oneof(
  fc.tuple(fc.constantFrom('value', 'type', 'TYPE'), stringOps, fc.oneof(text, fc.constantFrom('work', 'home'))).map(([a, op, v]) => compare(a, op, v)),
  fc.constantFrom('value', 'type', 'primary').map((a) => present(a)),
  fc.tuple(fc.constantFrom<Comparison>('eq', 'ne'), fc.boolean()).map(([op, v]) => compare('primary', op, v)),
);
const combined = (leaf: fc.Arbitrary<Filter>, depth: number): fc.Arbitrary<Filter> => {
  if (depth === 0) return leaf;
  const smaller = combined(leaf, depth - 1);
  return fc.oneof(
    leaf,
    fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), left: smaller, right: smaller }, { noNullPrototype: true }),
    fc.record({ kind: fc.constant('not' as const), filter: smaller }, { noNullPrototype: true }),
  );
};
const valuePaths = combined(emailLeaves, 2).map((filter): Filter => ({ kind: 'valuePath', path: { attribute: 'emails' }, filter }));
const filters = combined(fc.oneof({ weight: 4, arbitrary: leaves }, { weight: 1, arbitrary: valuePaths }), 3);

/** Filters of any shape over names known and unknown, with values of every type. */
const anyPaths = fc.record(
  {
    schema: fc.constantFrom('urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE_USER, 'urn:example:other'),
    attribute: fc.constantFrom('userName', 'DISPLAYNAME', 'title', 'active', 'meta', 'age', 'rating', 'employeeNumber', 'emails', 'nickName', 'constructor'),
    subAttribute: fc.constantFrom('created', 'value', 'type', 'primary', 'display', 'toString'),
  },
  { requiredKeys: ['attribute'], noNullPrototype: true },
);
const anyValues = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.constantFrom('2026-01-01T00:00:00Z', '9999-12-31T23:59:59.999+14:00', '2026-13-45T99:99:99Z', '\u0000'),
  fc.double(),
  fc.constantFrom(3e9, -0, 1e308, Number.MAX_SAFE_INTEGER),
  fc.boolean(),
  fc.constant(null),
);
const anyLeaves = (paths: fc.Arbitrary<AttributePath>): fc.Arbitrary<Filter> =>
  fc.oneof(
    paths.map((path): Filter => ({ kind: 'present', path })),
    fc.record({ kind: fc.constant('compare' as const), op: stringOps, path: paths, value: anyValues }, { noNullPrototype: true }),
  );
const anyValuePaths = combined(anyLeaves(fc.constantFrom('value', 'type', 'primary', 'display', 'constructor').map((attribute) => ({ attribute }))), 1).map(
  (filter): Filter => ({ kind: 'valuePath', path: { attribute: 'emails' }, filter }),
);
const anyFilters = combined(fc.oneof(anyLeaves(anyPaths), anyValuePaths), 2);

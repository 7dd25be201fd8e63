import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import pg from 'pg';

const POSTGRES_URL = process.env.SWITCHBOARD_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MARIADB_URL = process.env.SWITCHBOARD_TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306';

/** A subscriber as a test knows it: its password, from which its row's digests are made. */
export interface Subscriber {
  username: string;
  domain: string;
  password: string;
  /** Keep the password in the table's `password` column too (auth_db's calculate_ha1 setups). */
  inClear?: boolean;
  /** Leave ha1b empty, as tables filled by hand often do. */
  withoutHa1b?: boolean;
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** The row Kamailio's kamctl writes for a subscriber: ha1 = MD5(user:realm:pw), ha1b = MD5(user@domain:realm:pw). */
export const subscriberRow = (s: Subscriber) => ({
  username: s.username,
  domain: s.domain,
  password: s.inClear ? s.password : '',
  ha1: md5(`${s.username}:${s.domain}:${s.password}`),
  ha1b: s.withoutHa1b ? '' : md5(`${s.username}@${s.domain}:${s.domain}:${s.password}`),
});

export interface KamailioDatabase {
  /** The URL Switchboard reads it by. */
  url: string;
  add(subscribers: Subscriber[]): Promise<void>;
  /** Runs SQL of the test's own (a bench filling 100,000 rows set-wise). */
  run(statement: string): Promise<void>;
  drop(): Promise<void>;
}

/** The table definitions Debian's kamailio packages ship, as `kamdbctl create` runs them. */
const shipped = (engine: 'postgres' | 'mysql') =>
  ['standard-create.sql', 'auth_db-create.sql'].map((file) => readFileSync(`/usr/share/kamailio/${engine}/${file}`, 'utf8')).join('\n');

/** A scratch Kamailio database on this machine's PostgreSQL, its tables made by Kamailio's own definitions. */
export async function kamailioOnPostgres(): Promise<KamailioDatabase> {
  const name = `kamailio_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = POSTGRES_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(shipped('postgres'));
  return {
    url,
    add: async (subscribers) => {
      for (const row of subscribers.map(subscriberRow))
        await client.query('insert into subscriber (username, domain, password, ha1, ha1b) values ($1, $2, $3, $4, $5)', [
          row.username,
          row.domain,
          row.password,
          row.ha1,
          row.ha1b,
        ]);
    },
    run: async (statement) => void (await client.query(statement)),
    drop: async () => {
      await client.end();
      const again = new pg.Client({ connectionString: POSTGRES_URL });
      await again.connect();
      await again.query(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

/** A scratch Kamailio database on this machine's MariaDB, its tables made by Kamailio's own MySQL definitions. */
export async function kamailioOnMariadb(): Promise<KamailioDatabase> {
  const name = `kamailio_${randomBytes(5).toString('hex')}`;
  const admin = await mysql.createConnection({ uri: MARIADB_URL, multipleStatements: true });
  await admin.query(`create database ${name}`);
  await admin.query(`use ${name}`);
  await admin.query(shipped('mysql'));
  return {
    url: `${MARIADB_URL.replace(/^mysql:/, 'mariadb:')}/${name}`,
    add: async (subscribers) => {
      for (const row of subscribers.map(subscriberRow))
        await admin.query('insert into subscriber (username, domain, password, ha1, ha1b) values (?, ?, ?, ?, ?)', [
          row.username,
          row.domain,
          row.password,
          row.ha1,
          row.ha1b,
        ]);
    },
    run: async (statement) => void (await admin.query(statement)),
    drop: async () => {
      await admin.query(`drop database if exists ${name}`);
      await admin.end();
    },
  };
}

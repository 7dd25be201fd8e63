/**
 * The import benchmarks' pieces: the CSV they post (users with a SIP account and extension, agent
 * settings and a skill, two groups, no web passwords) and its upload to a server, timed.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** Writes `rows` users to `file`; `first` numbers the first (logins and extensions follow from it). */
export async function writeCsv(file: string, rows: number, first = 0) {
  const out = createWriteStream(file);
  out.write('login,firstName,lastName,email,groups,extension,connection,agent,skills,wrapUpTime,maxNoAnswer\n');
  for (let n = first; n < first + rows; n += 1) {
    const line = `bench${n},Agent,Number ${n},bench${n}@example.com,Sales|Support,${3_000_000 + n},pbx,true,English:${n % 100},15,3\n`;
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await finished(out);
}

/** Signs in to a server; answers the bearer token. */
export async function signIn(base: string, login: string, password: string): Promise<string> {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ domain: 'default', login, password }),
  });
  return ((await response.json()) as { token: string }).token;
}

/** Posts the file to the default domain's import, from the first byte sent to the report; fails unless every row was created. */
export async function uploadCsv(base: string, token: string, file: string, rows: number): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${base}/api/v1/domains/default/users/import`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` },
    body: Readable.toWeb(createReadStream(file)) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const report = (await response.json()) as { created: number; problemCount: number; detail?: string };
  const ms = performance.now() - started;
  if (!response.ok || report.created !== rows)
    throw new Error(`import: ${response.status} ${report.detail ?? ''} created ${report.created}, ${report.problemCount} problems`);
  return ms;
}

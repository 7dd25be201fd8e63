/**
 * The import benchmarks' pieces: the CSV they post (users with a SIP account and extension, agent
 * settings and a skill, two groups, no web passwords) and its upload to a server, timed.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { finished, pipeline } from 'node:stream/promises';

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

/**
 * Posts the file to the default domain's import, from the first byte sent to the report; fails unless every row was created.
 * Through node:http, not fetch: fetch gives up on an answer that takes over 300 s (a million rows on a busy machine).
 */
export async function uploadCsv(base: string, token: string, file: string, rows: number): Promise<number> {
  const started = performance.now();
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = httpRequest(
      `${base}/api/v1/domains/default/users/import`,
      { method: 'POST', headers: { 'content-type': 'text/csv', authorization: `Bearer ${token}` } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    pipeline(createReadStream(file), request).catch(reject);
  });
  const report = JSON.parse(body) as { created: number; problemCount: number; detail?: string };
  const ms = performance.now() - started;
  if (status !== 200 || report.created !== rows)
    throw new Error(`import: ${status} ${report.detail ?? ''} created ${report.created}, ${report.problemCount} problems`);
  return ms;
}

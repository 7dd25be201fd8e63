import { Client, InvalidCredentialsError, NoSuchObjectError, ResultCodeError } from 'ldapts';
import { Problem } from '../http/problem.ts';
import type { DirectoryEntry } from './rules.ts';

/** Where a directory server is, and how the connection is secured. */
export interface ServerAddress {
  url: string;
  startTls: boolean;
}

const CONNECT_MS = 5000;
const OPERATION_MS = 30_000;
/** Entries a page of a search brings (RFC 2696): below every server's size limit that matters. */
const PAGE_SIZE = 500;

/** The server could not be reached or did not answer: not the client's fault, and worth trying again later. */
export const unreachable = (detail: string) =>
  new Problem(503, 'directory_source.unreachable', `The directory server did not answer: ${detail}`, undefined, { 'retry-after': '30' });

const causeOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function opened(server: ServerAddress, operationMs = OPERATION_MS): Promise<Client> {
  const client = new Client({ url: server.url, connectTimeout: CONNECT_MS, timeout: operationMs, strictDN: false });
  if (server.startTls) await client.startTLS({ servername: new URL(server.url).hostname });
  return client;
}

/**
 * A connection bound as the source's service account, for one sync. A refused bind is the
 * configuration's problem (409); a server that does not answer is 503.
 */
export async function withDirectory<T>(server: ServerAddress & { bindDn: string; bindPassword: string }, work: (session: DirectorySession) => Promise<T>) {
  let client: Client;
  try {
    client = await opened(server);
    await client.bind(server.bindDn, server.bindPassword);
  } catch (error) {
    if (error instanceof InvalidCredentialsError)
      throw new Problem(409, 'directory_source.bind_refused', 'The directory refused the bind DN and password of the source; correct them');
    if (error instanceof ResultCodeError) throw new Problem(409, 'directory_source.bind_refused', `The directory refused the bind: ${error.message}`);
    throw unreachable(causeOf(error));
  }
  try {
    return await work(new DirectorySession(client));
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

export class DirectorySession {
  constructor(private readonly client: Client) {}

  /** Every entry under the base DN the filter matches, a page at a time, so any directory is read whole. */
  async *entries(baseDn: string, filter: string, attributes: string[]): AsyncGenerator<DirectoryEntry[]> {
    try {
      for await (const page of this.client.searchPaginated(baseDn, { scope: 'sub', filter, attributes, paged: { pageSize: PAGE_SIZE } })) {
        yield page.searchEntries.map(entryOf);
      }
    } catch (error) {
      throw searchProblem(error, baseDn);
    }
  }

  /** The DNs a groupOfNames (or groupOfUniqueNames) entry names as members; none for a group that does not exist. */
  async members(groupDn: string): Promise<string[]> {
    try {
      const { searchEntries } = await this.client.search(groupDn, { scope: 'base', attributes: ['member', 'uniqueMember'] });
      const entry = searchEntries[0];
      return entry ? [...(entryOf(entry).attributes.get('member') ?? []), ...(entryOf(entry).attributes.get('uniquemember') ?? [])] : [];
    } catch (error) {
      if (error instanceof NoSuchObjectError) return [];
      throw searchProblem(error, groupDn);
    }
  }
}

function searchProblem(error: unknown, dn: string): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof NoSuchObjectError)
    return new Problem(409, 'directory_source.no_such_base', `The directory has no entry ${JSON.stringify(dn)}; correct the base DN`);
  if (error instanceof ResultCodeError) return new Problem(409, 'directory_source.search_refused', `The directory refused the search: ${error.message}`);
  return unreachable(causeOf(error));
}

function entryOf(entry: { dn: string; [attribute: string]: unknown }): DirectoryEntry {
  const attributes = new Map<string, string[]>();
  for (const [name, value] of Object.entries(entry)) {
    if (name === 'dn') continue;
    const values = (Array.isArray(value) ? value : [value]).map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
    attributes.set(name.toLowerCase(), values);
  }
  return { dn: entry.dn, attributes };
}

/**
 * Whether the directory takes this password for this DN: a bind as the user, on a connection of
 * its own, closed at once. An empty password is refused here: LDAP reads it as an anonymous
 * bind, which most servers accept. A server that does not answer throws (503): the caller must
 * not count that as a wrong password.
 */
export async function passwordBinds(server: ServerAddress, dn: string, password: string): Promise<boolean> {
  if (password === '') return false;
  const unavailable = () =>
    new Problem(503, 'auth.directory_unavailable', "The directory that checks this account's password does not answer; try again later", undefined, {
      'retry-after': '30',
    });
  let client: Client;
  try {
    client = await opened(server, 10_000);
  } catch {
    throw unavailable();
  }
  try {
    await client.bind(dn, password);
    return true;
  } catch (error) {
    // A result code is the directory's answer about the password (wrong, expired, disabled); anything else is a connection lost.
    if (error instanceof ResultCodeError) return false;
    throw unavailable();
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

import { identifierKey } from '../identifiers/normal-form.ts';
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { addressAllowed } from '../networks/networks.ts';
import { countRefusedCredentials, countRegisterAnswer } from '../metrics/counters.ts';
import type { Config } from '../config.ts';
import type { DirectoryCache } from '../directory-cache.ts';
import type { Db } from '../db/schema.ts';
import type { PresenceEngine } from '../presence/engine.ts';
import { register, type Contact } from '../presence/rules.ts';
import { challengeHeaders, expectedResponse, NonceKeeper, parseDigest, sameHex, type DigestAlgorithm } from './challenge.ts';
import { detached, header, MalformedMessage, parseNameAddr, parseRequest, parseSipUri, respond, type SipRequest } from './message.ts';
import { type RegistrarAccount, type RegistrarDomain, sipDomainByHost, accountByUsername, accountOfRow, accountOfUser, accountsByUsername } from './store.ts';

export interface Source {
  address: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';
  /** Told how long a registration bound through this connection lasts, in seconds (connection-oriented transports). */
  holds?: (seconds: number) => void;
  /**
   * A WebSocket opened by a signed-in console page (the browser phone): who its session belongs to
   * while it lives, null once it ended. Such a connection registers its owner's own account
   * without digest, so the browser needs no secret of the account and never changes it.
   */
  session?: () => Promise<SessionOwner | null>;
  /** Told which contacts a session-authenticated REGISTER bound (expires > 0) or removed (0). */
  bound?: (account: SessionOwner, bindings: { uri: string; expires: number }[]) => void;
}

/** The user a console session belongs to, in its domain. */
export interface SessionOwner {
  userId: string;
  domainId: string;
}

const ALLOW = 'REGISTER, OPTIONS';
/**
 * RFC 3261 18.1.1: a message larger than 1300 bytes (the path MTU being unknown) is not to go over
 * UDP. A response cannot move to TCP by itself, so the binding set stops growing before its 200 OK
 * would pass this size, whatever the transport, and a UDP REGISTER whose 200 OK would pass it
 * anyway is refused out loud instead of being dropped as a datagram too large.
 */
export const UDP_RESPONSE_LIMIT = 1300;

type Refusal = 'too-many-contacts' | 'too-large-for-udp';

/** P-Registrar-Error texts, as Kamailio's registrar words them where it has one. */
const refusals: Record<Refusal, string> = {
  'too-many-contacts': 'Too many registered contacts',
  'too-large-for-udp': 'Registered contacts do not fit a UDP response',
};

/**
 * Why a REGISTER taking the bindings from `before` to `after` is refused, if it is. As Kamailio's
 * max_contacts: refused whole when it would leave more bindings than the maximum; a refresh or a
 * removal, which adds none, always passes that test.
 */
function refusal(before: Contact[], after: Contact[], now: number, answer: string, transport: Source['transport'], maxContacts: number): Refusal | null {
  const live = (contacts: Contact[]) => contacts.filter((c) => c.expiresAt > now);
  const [was, will] = [live(before), live(after)];
  const adds = will.some((c) => !was.some((w) => w.uri === c.uri));
  if (adds && will.length > maxContacts) return 'too-many-contacts';
  const grows = will.reduce((sum, c) => sum + c.uri.length, 0) > was.reduce((sum, c) => sum + c.uri.length, 0);
  if (Buffer.byteLength(answer) > UDP_RESPONSE_LIMIT && (grows || transport === 'udp')) return 'too-large-for-udp';
  return null;
}

type Reply = (status: number, extra?: [string, string][]) => string;

const contactLine =
  (now: number) =>
  (c: Contact): [string, string] => ['Contact', `<${c.uri}>;expires=${Math.round((c.expiresAt - now) / 1000)}`];
const FAILURES_BEFORE_THROTTLE = 5;
const THROTTLE_WINDOW_MS = 60_000;

/**
 * The registrar (RFC 3261 section 10): authenticates REGISTER with digest (RFC 7616/8760, MD5 and
 * SHA-256, qop=auth), enforces the account's auth ACL and the expiry bounds, and hands bindings to
 * the presence engine. Answers OPTIONS; refuses other methods with 405. It never throws on input:
 * a message it cannot answer is dropped (null).
 */
export class Registrar {
  readonly #nonces: NonceKeeper;
  readonly #failures = new Map<string, { count: number; since: number }>();
  readonly #toTag = randomBytes(6).toString('hex');
  /**
   * Answers already given, by transaction (RFC 3261 17.2): a retransmitted request gets the same
   * answer again instead of being processed twice (which would also spend its nonce count).
   */
  readonly #answered = new Map<string, { answer: Buffer; until: number }>();
  readonly #batches = new Map<
    string,
    { waiting: Map<string, ((account: RegistrarAccount | null) => void)[]>; failing: Map<string, ((error: unknown) => void)[]> }
  >();

  constructor(
    private readonly db: Db,
    private readonly presence: PresenceEngine,
    private readonly cache: DirectoryCache,
    private readonly config: Pick<Config, 'sipExpires' | 'sipMaxContacts'>,
    nonceKey: Buffer,
    private readonly clock: () => number = Date.now,
    private readonly log?: Pick<FastifyBaseLogger, 'warn'>,
  ) {
    this.#nonces = new NonceKeeper(nonceKey, 300_000, clock);
  }

  async handle(text: string, source: Source): Promise<string | null> {
    let request: SipRequest;
    try {
      request = parseRequest(text);
    } catch (error) {
      if (error instanceof MalformedMessage) return badRequest(text);
      throw error;
    }
    try {
      if (request.method === 'ACK') return null;
      if (request.method === 'OPTIONS')
        return respond(
          request,
          200,
          [
            ['Allow', ALLOW],
            ['Accept', 'application/sdp'],
          ],
          this.#toTag,
        );
      if (request.method !== 'REGISTER') return respond(request, 405, [['Allow', ALLOW]], this.#toTag);
      // Joined, not templated: a copy of its pieces, which would otherwise keep the whole request alive.
      const transaction = [`${source.address}:${source.port}`, header(request, 'via'), header(request, 'call-id'), header(request, 'cseq')].join('|');
      const now = this.clock();
      const previous = this.#answered.get(transaction);
      if (previous && previous.until > now) return previous.answer.toString('utf8');
      const answer = await this.#register(request, source);
      countRegisterAnswer(source.transport, answer);
      // A challenge to a REGISTER without credentials changes nothing and spends no nonce count: a
      // retransmission gets a new, equally good challenge (RFC 3261 8.2.7 allows a stateless UAS
      // for exactly these). Not keeping it halves the transaction memory, 32 s of entries that
      // every young collection copied and promoted and that grew the old space.
      if (request.headers.has('authorization') || !answer.startsWith('SIP/2.0 401')) this.#remember(transaction, answer, now);
      return answer;
    } catch (error) {
      if (error instanceof MalformedMessage) return respond(request, 400, [], this.#toTag);
      throw error;
    }
  }

  async #register(request: SipRequest, source: Source): Promise<string> {
    const reply = (status: number, extra: [string, string][] = []) => respond(request, status, extra, this.#toTag);
    if (this.#throttled(source.address)) return reply(503, [['Retry-After', String(THROTTLE_WINDOW_MS / 1000)]]);
    const to = parseSipUri(parseNameAddr(header(request, 'to') as string).uri);
    const domain = await sipDomainByHost(this.db, this.cache, to.host);
    if (!domain) return reply(404);
    const authorization = request.headers
      .get('authorization')
      ?.map(parseDigest)
      .find((p) => p?.get('realm') === domain.realm);
    const challenge = async (stale = false) =>
      reply(401, challengeHeaders(domain.realm, this.#nonces.issue(domain.realm), stale, await this.#offered(domain, to.user)));
    if (source.session && !authorization) return this.#registerBySession(request, source, source.session, domain, to.user, reply, challenge);
    if (!authorization) return challenge();

    const nonce = authorization.get('nonce') ?? '';
    const freshness = this.#nonces.check(nonce, domain.realm);
    if (freshness === 'stale') return challenge(true);
    const algorithm = (authorization.get('algorithm') ?? 'MD5').toUpperCase() as DigestAlgorithm;
    const username = authorization.get('username') ?? '';
    const account = await this.#account(domain, username);
    const nc = parseInt(authorization.get('nc') ?? '', 16);
    const valid =
      freshness === 'ok' &&
      authorization.get('qop') === 'auth' &&
      account !== null &&
      account.realm === domain.realm &&
      algorithmsFor(domain, account).includes(algorithm) &&
      this.#ha1(account, username, algorithm) !== '' &&
      sameHex(authorization.get('response') ?? '', expectedResponse(algorithm, this.#ha1(account, username, algorithm), 'REGISTER', authorization));
    if (!valid) {
      if (account !== null || username) this.#fail(source.address, source.transport);
      return challenge();
    }
    if (!Number.isFinite(nc) || !this.#nonces.accept(nonce, nc)) return challenge(true);
    if (to.user !== account.username && to.user !== account.extension) return reply(403);
    if (!addressAllowed(source.address, account.authAcl)) return reply(403);
    this.#failures.delete(source.address);
    return this.#bind(request, source, account, reply);
  }

  /**
   * A REGISTER over a connection opened by a console session: its owner's own account (AOR its
   * username or extension, in its domain) is bound without digest while the session lives, within
   * the account's auth ACL. The account's secret is neither needed nor touched. An ended session
   * is refused outright (403, counted as no failure: the address may be an office's shared one);
   * any other AOR is asked for digest as over any connection.
   */
  async #registerBySession(
    request: SipRequest,
    source: Source,
    session: () => Promise<SessionOwner | null>,
    domain: RegistrarDomain,
    aor: string | null,
    reply: Reply,
    challenge: () => Promise<string>,
  ) {
    const owner = await session();
    if (!owner) return reply(403);
    const account = owner.domainId === domain.id ? await this.#accountOf(owner.userId) : null;
    if (!account || (aor !== account.username && aor !== account.extension)) return challenge();
    if (!addressAllowed(source.address, account.authAcl)) return reply(403);
    return this.#bind(request, source, account, reply, owner);
  }

  /**
   * Removes contacts bound through a connection that is gone: a browser phone's contact (RFC 7118
   * §5, an `.invalid` host) can be reached through its WebSocket only, so it dies with it.
   */
  async unbind(owner: SessionOwner, uris: string[]): Promise<void> {
    if (!uris.length) return;
    await this.presence.change(owner.domainId, owner.userId, (state, now) =>
      register(
        state,
        uris.map((uri) => ({ uri, expires: 0 })),
        { userAgent: null, source: '', transport: 'ws', callId: '', cseq: 0, owner: null },
        now,
      ),
    );
  }

  async #bind(request: SipRequest, source: Source, account: RegistrarAccount, reply: Reply, owner?: SessionOwner) {
    const { min, max } = this.config.sipExpires;
    const headerExpires = header(request, 'expires');
    const fallback = headerExpires !== undefined && /^\d+$/.test(headerExpires) ? Number(headerExpires) : 3600;
    const contacts = request.headers.get('contact') ?? [];
    let bindings: { uri: string; expires: number }[];
    if (contacts.length === 1 && contacts[0] === '*') {
      if (fallback !== 0) return reply(400);
      const state = await this.presence.store.get(account.domainId, account.userId);
      bindings = (state?.registrations ?? []).map((c) => ({ uri: c.uri, expires: 0 }));
    } else {
      bindings = contacts.map((value) => {
        const { uri, params } = parseNameAddr(value);
        parseSipUri(uri);
        const own = params.get('expires');
        return { uri: detached(uri), expires: own !== undefined && /^\d+$/.test(own) ? Number(own) : fallback };
      });
      if (bindings.some((b) => b.expires > 0 && b.expires < min)) return reply(423, [['Min-Expires', String(min)]]);
      bindings = bindings.map((b) => ({ ...b, expires: Math.min(b.expires, max) }));
    }
    // Kept with the binding until it expires: copies, not pieces that would keep the request alive.
    const userAgent = header(request, 'user-agent');
    const details = {
      userAgent: userAgent === undefined ? null : detached(userAgent),
      source: `${source.address}:${source.port}`,
      transport: source.transport,
      callId: detached(header(request, 'call-id') as string),
      cseq: Number((header(request, 'cseq') as string).split(/\s+/)[0]),
      owner: this.presence.contactOwner(source.transport),
    };
    const accepted = (registrations: Contact[], now: number) =>
      reply(200, [...registrations.filter((c) => c.expiresAt > now).map(contactLine(now)), ['Date', new Date(now).toUTCString()]]);
    let outcome = { answer: '' } as { answer: string } | { refused: Refusal; size: number };
    await this.presence.change(account.domainId, account.userId, (state, now) => {
      // Decided inside the update, which runs atomically per account: concurrent REGISTERs cannot
      // together pass the limit. A refused REGISTER changes nothing.
      const next = bindings.length ? register(state, bindings, details, now) : state;
      const answer = accepted(next.registrations, now);
      const refused = refusal(state.registrations, next.registrations, now, answer, source.transport, this.config.sipMaxContacts);
      outcome = refused ? { refused, size: Buffer.byteLength(answer) } : { answer };
      return refused ? state : next;
    });
    if ('answer' in outcome) {
      const held = bindings.filter((b) => b.expires > 0).map((b) => b.expires);
      if (held.length) source.holds?.(Math.max(...held));
      if (owner) source.bound?.(owner, bindings);
      return outcome.answer;
    }
    this.log?.warn(
      {
        account: account.username,
        domainId: account.domainId,
        source: details.source,
        transport: source.transport,
        refused: outcome.refused,
        answerBytes: outcome.size,
      },
      'SIP REGISTER refused',
    );
    return reply(503, [['P-Registrar-Error', refusals[outcome.refused]]]);
  }

  /**
   * Entries go in order of expiry (a Map keeps insertion order), so the expired are dropped from
   * the front a few at a time, and past the bound the oldest: never a pass over all of them.
   */
  #remember(transaction: string, answer: string, now: number) {
    this.#answered.delete(transaction);
    // As bytes: outside the JavaScript heap, which the collector neither copies nor walks.
    this.#answered.set(transaction, { answer: Buffer.from(answer, 'utf8'), until: now + 32_000 });
    for (const [key, entry] of this.#answered) {
      if (entry.until > now && this.#answered.size <= 200_000) break;
      this.#answered.delete(key);
    }
  }

  /**
   * The challenges a REGISTER to this AOR gets: the domain's, or MD5 alone for an account brought
   * in with MD5 digests only — it could answer no other. Looked up only where it can matter.
   */
  async #offered(domain: RegistrarDomain, aor: string | null): Promise<readonly DigestAlgorithm[]> {
    if (!domain.algorithms.includes('SHA-256') || !aor) return domain.algorithms;
    const account = await this.#account(domain, aor);
    return account ? algorithmsFor(domain, account) : domain.algorithms;
  }

  /** The stored HA1 the response is checked against; empty where the account has none of that kind (never to be matched). */
  #ha1(account: RegistrarAccount, username: string, algorithm: DigestAlgorithm) {
    const qualified = username.includes('@');
    if (algorithm === 'SHA-256') return qualified ? account.ha1b_sha256 : account.ha1_sha256;
    return qualified ? account.ha1b_md5 : account.ha1_md5;
  }

  #throttled(address: string) {
    const entry = this.#failures.get(address);
    if (!entry) return false;
    if (this.clock() - entry.since > THROTTLE_WINDOW_MS) {
      this.#failures.delete(address);
      return false;
    }
    return entry.count >= FAILURES_BEFORE_THROTTLE;
  }

  #fail(address: string, transport: Source['transport']) {
    countRefusedCredentials(transport);
    const now = this.clock();
    const entry = this.#failures.get(address);
    if (!entry || now - entry.since > THROTTLE_WINDOW_MS) this.#failures.set(address, { count: 1, since: now });
    else entry.count += 1;
    if (this.#failures.size > 100_000) this.#failures.clear();
  }

  /** The SIP account of a user, by id (a session's owner): read each time, as a session is checked each time. */
  async #accountOf(userId: string): Promise<RegistrarAccount | null> {
    return accountOfUser(this.db, userId);
  }

  async #account(domain: RegistrarDomain, username: string): Promise<RegistrarAccount | null> {
    const user = username.includes('@') ? (username.split('@')[0] as string) : username;
    const key = identifierKey(user);
    if (!key) return null;
    return this.cache.sipAccounts.get(`${domain.id}/${key}`, () => this.#lookUp(domain.id, key));
  }

  /**
   * Look-ups asked for in the same turn of the event loop go to the database as one query: under
   * a burst of registrations that is one round trip for dozens of phones.
   */
  #lookUp(domainId: string, usernameKey: string): Promise<RegistrarAccount | null> {
    let batch = this.#batches.get(domainId);
    if (!batch) {
      const waiting = new Map<string, ((account: RegistrarAccount | null) => void)[]>();
      const failing = new Map<string, ((error: unknown) => void)[]>();
      const created = { waiting, failing };
      void new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        this.#batches.delete(domainId);
        const keys = [...waiting.keys()];
        try {
          const rows =
            keys.length === 1
              ? await accountByUsername(this.db, { domainId, usernameKey: keys[0] as string, active: 1 })
              : await accountsByUsername(this.db, domainId, keys);
          const found = new Map(rows.map((row) => [row.username_key, row]));
          for (const [key, resolvers] of waiting) {
            const row = found.get(key);
            const account = row ? accountOfRow(row, domainId) : null;
            for (const resolve of resolvers) resolve(account);
          }
        } catch (error) {
          // The database failed: every waiting REGISTER fails with it (logged, unanswered; the phone retries).
          for (const rejecters of failing.values()) for (const reject of rejecters) reject(error);
        }
      });
      this.#batches.set(domainId, (batch = created));
    }
    const current = batch;
    return new Promise((resolve, reject) => {
      current.waiting.set(usernameKey, [...(current.waiting.get(usernameKey) ?? []), resolve]);
      current.failing.set(usernameKey, [...(current.failing.get(usernameKey) ?? []), reject]);
    });
  }
}

/** The digest algorithms an account can be checked with in its domain: MD5 alone where it has no SHA-256 digest. */
const algorithmsFor = (domain: RegistrarDomain, account: RegistrarAccount): readonly DigestAlgorithm[] =>
  account.ha1_sha256 === '' ? ['MD5'] : domain.algorithms;

/** A 400 for a message that still has what a response needs; anything less is dropped. */
function badRequest(text: string): string | null {
  const via = text.match(/^(?:Via|v)\s*:\s*(.+)$/im);
  const from = text.match(/^(?:From|f)\s*:\s*(.+)$/im);
  const to = text.match(/^(?:To|t)\s*:\s*(.+)$/im);
  const callId = text.match(/^(?:Call-ID|i)\s*:\s*(.+)$/im);
  const cseq = text.match(/^CSeq\s*:\s*(.+)$/im);
  if (!/^[A-Z]+ \S+ SIP\/2\.0\r?\n/.test(text) || !via || !from || !to || !callId || !cseq) return null;
  return [
    `SIP/2.0 400 Bad Request`,
    `Via: ${via[1]?.trim()}`,
    `From: ${from[1]?.trim()}`,
    `To: ${to[1]?.trim()}`,
    `Call-ID: ${callId[1]?.trim()}`,
    `CSeq: ${cseq[1]?.trim()}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

import { Problem, type FieldProblem } from '../http/problem.ts';
import type { ExternalId } from '../external-ids/schema.ts';

/** What the CRM is asked about one user: why (made, or given a SIP account) and who it is. */
export interface CrmCandidate {
  reason: 'user.create' | 'sip.create';
  login: string;
  email: string | null;
  firstName: string;
  lastName: string;
  /** Null when Switchboard picks it from the domain's range as it writes. */
  extension: string | null;
  externalIds: ExternalId[];
}

/** What the CRM let through: the ids it gave, by login in lower case, to keep under the gate's system. */
export interface Passage {
  system: string;
  ids: Map<string, string>;
}

/** The most users one request to the CRM lists: a range is asked about in batches of this many, as an import is per chunk. */
export const CRM_BATCH = 1000;

/** The CRM's own words, as a problem repeats them: one line, without control characters, at most this long. */
export const MESSAGE_LIMIT = 500;

export const GATE_EVENT = 'users.admission';
export const TEST_EVENT = 'users.admission.test';

/** The signed body: Standard Webhooks' envelope, the users in `data.users`. */
export function gateBody(domain: string, system: string, candidates: readonly CrmCandidate[], at: Date, type = GATE_EVENT): string {
  return JSON.stringify({ type, timestamp: at.toISOString(), data: { domain, system, users: candidates } });
}

export function crmMessage(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is taken out
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > MESSAGE_LIMIT ? `${line.slice(0, MESSAGE_LIMIT - 1)}…` : line;
}

function parsed(answer: string): unknown {
  try {
    return JSON.parse(answer);
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const words = (value: Record<string, unknown>) => (typeof value.detail === 'string' ? value.detail : typeof value.message === 'string' ? value.message : '');

/**
 * The ids a 2xx answer gives (`{ users: [{ login, externalId }] }`), for users that were asked
 * about; an empty or other answer gives none. An id that could not be stored is the CRM's fault:
 * the write is refused as when the CRM is down, rather than made without the link.
 */
export function passageOf(answer: string, system: string, candidates: readonly CrmCandidate[]): Passage {
  const ids = new Map<string, string>();
  const body = parsed(answer);
  const asked = new Set(candidates.map((c) => c.login.toLowerCase()));
  if (!isObject(body) || !Array.isArray(body.users)) return { system, ids };
  for (const entry of body.users) {
    if (!isObject(entry) || typeof entry.login !== 'string' || !asked.has(entry.login.toLowerCase())) continue;
    const id = entry.externalId;
    if (id === undefined || id === null) continue;
    const text = typeof id === 'number' ? String(id) : typeof id === 'string' ? id.trim() : '';
    if (text === '' || text.length > 255 || text.includes('\u0000'))
      throw unavailable(`the CRM answered an id for ${entry.login} that cannot be stored (text of 1 to 255 characters)`);
    ids.set(entry.login.toLowerCase(), text);
  }
  return { system, ids };
}

/**
 * A 4xx: the CRM's reason (`detail` or `message` of a JSON body, else its text) as a 422, with
 * one problem per user it names (`users: [{ login, detail }]`), else one for them all.
 */
export function refusalOf(status: number, answer: string, candidates: readonly CrmCandidate[]): Problem {
  const body = parsed(answer);
  const overall = crmMessage(isObject(body) ? words(body) : answer) || `The CRM answered ${status} without a reason`;
  const at = new Map(candidates.map((c, index) => [c.login.toLowerCase(), index]));
  const named: FieldProblem[] =
    isObject(body) && Array.isArray(body.users)
      ? body.users.flatMap((entry) => {
          if (!isObject(entry) || typeof entry.login !== 'string') return [];
          const index = at.get(entry.login.toLowerCase());
          if (index === undefined) return [];
          return [{ path: `users/${index}`, code: 'crm.refused', message: crmMessage(words(entry)) || overall }];
        })
      : [];
  const errors = named.length ? named : candidates.map((_, index) => ({ path: `users/${index}`, code: 'crm.refused', message: overall }));
  return new Problem(422, 'crm.refused', `The CRM refused: ${overall}`, errors);
}

/** No answer in time, no connection, a 3xx or a 5xx: nothing is written, and the administrator may try again. */
export function unavailable(why: string): Problem {
  return new Problem(503, 'crm.unavailable', `The CRM did not let the users through (${why}); nothing was written, try again when the CRM answers`, undefined, {
    'retry-after': '5',
  });
}

/** Which users of a refusal the CRM named: their logins in lower case, or every one. */
export function refusedLogins(problem: Problem, candidates: readonly CrmCandidate[]): Map<string, string> {
  const refused = new Map<string, string>();
  for (const error of problem.errors ?? []) {
    const candidate = candidates[Number(error.path.split('/')[1])];
    if (candidate) refused.set(candidate.login.toLowerCase(), error.message);
  }
  return refused;
}

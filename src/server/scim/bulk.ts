import { invalidSyntax, invalidValue, scimErrorOf, ScimProblem } from './errors.ts';
import {
  createScimGroup,
  createScimUser,
  createScimUsers,
  deleteScimGroup,
  deleteScimUser,
  patchScimGroup,
  patchScimUser,
  replaceScimGroup,
  replaceScimUser,
  type Made,
  type WriteContext,
} from './commands.ts';
import { BULK_RESPONSE_SCHEMA, limits, type ScimObject } from './schema.ts';
import { weakEtag } from './user-mapping.ts';
import { isObject } from './values.ts';

interface BulkOperation {
  method: string;
  bulkId?: string;
  path: string;
  data?: unknown;
  version?: string;
}

interface Outcome {
  method: string;
  bulkId?: string;
  location?: string;
  version?: string;
  status: string;
  response?: ScimObject;
}

const BULK_REFERENCE = /bulkId:([^"/\s?]+)/g;

/** The bulkIds an operation refers to, in its path and anywhere in its data. */
const referencesOf = (operation: BulkOperation): string[] =>
  [...`${operation.path} ${JSON.stringify(operation.data ?? null)}`.matchAll(BULK_REFERENCE)].map((m) => m[1] as string);

function operationsOf(body: unknown): { operations: BulkOperation[]; failOnErrors: number } {
  if (!isObject(body)) throw invalidSyntax('Send a BulkRequest message');
  const key = (name: string) => Object.keys(body).find((k) => k.toLowerCase() === name);
  const list = body[key('operations') ?? 'Operations'];
  if (!Array.isArray(list)) throw invalidSyntax('Operations must be an array');
  if (list.length > limits.bulkMaxOperations)
    throw new ScimProblem(413, 'tooMany', `At most ${limits.bulkMaxOperations} operations in one request (maxOperations); this one has ${list.length}`);
  const fail = body[key('failonerrors') ?? 'failOnErrors'];
  if (fail !== undefined && (typeof fail !== 'number' || !Number.isInteger(fail) || fail < 1)) throw invalidValue('failOnErrors must be a positive integer');
  const operations = list.map((raw, index) => {
    if (!isObject(raw)) throw invalidSyntax(`Operations[${index}] must be an object`);
    const field = (name: string) => raw[Object.keys(raw).find((k) => k.toLowerCase() === name) ?? name];
    const [method, path, bulkId, version] = ['method', 'path', 'bulkid', 'version'].map(field);
    if (typeof method !== 'string' || typeof path !== 'string') throw invalidSyntax(`Operations[${index}] needs a method and a path`);
    if (bulkId !== undefined && typeof bulkId !== 'string') throw invalidSyntax(`Operations[${index}].bulkId must be a string`);
    if (version !== undefined && typeof version !== 'string') throw invalidSyntax(`Operations[${index}].version must be a string`);
    return { method: method.toUpperCase(), path, data: field('data'), ...(bulkId ? { bulkId } : {}), ...(version ? { version } : {}) };
  });
  return { operations, failOnErrors: typeof fail === 'number' ? fail : Number.POSITIVE_INFINITY };
}

/** Puts the ids made by earlier operations where their bulkIds stand. */
function resolved<T>(value: T, ids: Map<string, string>): T {
  if (typeof value === 'string') return value.replace(BULK_REFERENCE, (whole, bulkId: string) => ids.get(bulkId) ?? whole) as T;
  if (Array.isArray(value)) return value.map((v) => resolved(v, ids)) as T;
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolved(v, ids)])) as T;
  return value;
}

/**
 * RFC 7644 §3.7: each operation runs as it would alone, in order, except that one referring to a
 * bulkId not made yet waits for it; references that can never be met (unknown, failed or
 * circular) fail their operation. Processing stops after `failOnErrors` failures.
 */
export async function runBulk(context: WriteContext, body: unknown) {
  const { operations, failOnErrors } = operationsOf(body);
  const declared = new Set(operations.flatMap((o) => (o.bulkId ? [o.bulkId] : [])));
  const ids = new Map<string, string>();
  const outcomes = new Map<number, Outcome>();
  let errors = 0;
  let pending = operations.map((operation, index) => ({ operation, index }));
  const creations: Pending[] = [];
  while (pending.length && errors < failOnErrors) {
    const waiting: typeof pending = [];
    let progressed = false;
    for (const entry of pending) {
      if (errors >= failOnErrors) break;
      const refs = referencesOf(entry.operation);
      const unmet = refs.filter((ref) => !ids.has(ref));
      const impossible = unmet.filter((ref) => !declared.has(ref) || [...outcomes.values()].some((o) => o.bulkId === ref));
      if (unmet.length && !impossible.length) {
        waiting.push(entry);
        continue;
      }
      progressed = true;
      if (!impossible.length && failOnErrors === Number.POSITIVE_INFINITY && isUserCreation(entry.operation)) {
        creations.push(entry);
        continue;
      }
      errors += await flush(context, creations, ids, outcomes);
      const outcome = impossible.length
        ? failed(entry.operation, invalidValue(`No resource was made for bulkId ${impossible.join(', ')}`))
        : await run(context, resolved(entry.operation, ids));
      if (Number(outcome.status) >= 400) errors += 1;
      else if (entry.operation.bulkId && outcome.location) ids.set(entry.operation.bulkId, outcome.location.split('/').pop() as string);
      outcomes.set(entry.index, outcome);
    }
    errors += await flush(context, creations, ids, outcomes);
    if (!progressed)
      for (const entry of waiting) {
        outcomes.set(entry.index, failed(entry.operation, invalidValue('The bulkId references of this operation are circular')));
        errors += 1;
      }
    pending = progressed ? waiting : [];
  }
  return { schemas: [BULK_RESPONSE_SCHEMA], Operations: [...outcomes.entries()].sort(([a], [b]) => a - b).map(([, o]) => o) };
}

type Pending = { operation: BulkOperation; index: number };

const isUserCreation = (operation: BulkOperation) => operation.method === 'POST' && /^\/Users\/?$/i.test(operation.path.trim());

/**
 * Makes the user creations gathered so far in one write (createScimUsers), records their
 * outcomes and bulkIds, and answers how many failed. Only without failOnErrors: with it, every
 * operation must be judged before the next one runs.
 */
async function flush(context: WriteContext, creations: Pending[], ids: Map<string, string>, outcomes: Map<number, Outcome>): Promise<number> {
  if (creations.length === 0) return 0;
  const batch = creations.splice(0);
  const made = await createScimUsers(
    context,
    batch.map((entry) => resolved(entry.operation, ids).data),
  );
  let errors = 0;
  batch.forEach((entry, i) => {
    const result = made[i] as Made;
    if ('error' in result) {
      errors += 1;
      outcomes.set(entry.index, failed(entry.operation, result.error));
      return;
    }
    if (entry.operation.bulkId) ids.set(entry.operation.bulkId, result.id);
    outcomes.set(entry.index, {
      method: 'POST',
      ...(entry.operation.bulkId ? { bulkId: entry.operation.bulkId } : {}),
      location: `${context.base}/Users/${result.id}`,
      version: weakEtag(1),
      status: '201',
    });
  });
  return errors;
}

function failed(operation: BulkOperation, error: unknown): Outcome {
  const answer = scimErrorOf(error);
  return { method: operation.method, ...(operation.bulkId ? { bulkId: operation.bulkId } : {}), status: String(answer.status), response: answer.body };
}

async function run(context: WriteContext, operation: BulkOperation): Promise<Outcome> {
  const match = /^\/(Users|Groups)(?:\/([^/?#]+))?$/i.exec(operation.path.trim());
  const head = { method: operation.method, ...(operation.bulkId ? { bulkId: operation.bulkId } : {}) };
  try {
    if (!match) throw invalidValue(`No bulk operation on ${operation.path}: use /Users, /Users/{id}, /Groups or /Groups/{id}`);
    const [, kind, id] = match as unknown as [string, string, string | undefined];
    const users = kind.toLowerCase() === 'users';
    const location = (resourceId: string) => `${context.base}/${users ? 'Users' : 'Groups'}/${resourceId}`;
    if (operation.method === 'POST' && !id) {
      if (users) {
        const user = await createScimUser(context, operation.data);
        return { ...head, location: location(user.id), version: weakEtag(user.version), status: '201' };
      }
      const group = await createScimGroup(context, operation.data);
      return { ...head, location: location(group.id as string), version: (group.meta as ScimObject).version as string, status: '201' };
    }
    if (!id) throw invalidValue(`${operation.method} needs a resource: ${operation.path}/{id}`);
    const version = users ? expectedVersionOf(operation.version) : operation.version;
    switch (operation.method) {
      case 'PUT':
      case 'PATCH': {
        if (users) {
          const user = await (operation.method === 'PUT' ? replaceScimUser : patchScimUser)(context, id, operation.data, version as number | undefined);
          return { ...head, location: location(id), version: weakEtag(user.version), status: '200' };
        }
        if (operation.method === 'PUT') await replaceScimGroup(context, id, operation.data, version as string | undefined);
        else await patchScimGroup(context, id, operation.data, version as string | undefined);
        return { ...head, location: location(id), status: operation.method === 'PUT' ? '200' : '204' };
      }
      case 'DELETE':
        if (users) await deleteScimUser(context, id, version as number | undefined);
        else await deleteScimGroup(context, id, version as string | undefined);
        return { ...head, location: location(id), status: '204' };
    }
    throw invalidValue(`No bulk method ${operation.method}: use POST, PUT, PATCH or DELETE`);
  } catch (error) {
    return failed(operation, error);
  }
}

/** A bulk operation's `version` is a user's ETag, as If-Match would carry it. */
function expectedVersionOf(version: string | undefined): number | undefined {
  if (version === undefined || version.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"(\d+)"\s*$/.exec(version);
  if (!match) throw new ScimProblem(412, undefined, 'The version is no ETag of this user');
  return Number(match[1]);
}

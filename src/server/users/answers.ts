import { z } from 'zod';
import { compileSerializer } from '../http/serializer.ts';
import { presenceView, type PresenceView } from '../presence/schema.ts';
import { userResponse, type UserView } from './schema.ts';

/**
 * Users as the API writes them. A read user is cached as its JSON, so a cached answer costs no
 * serialization.
 */
export const serializeUser = compileSerializer(userResponse);

/**
 * A listed user's JSON without its presence, in two parts: the list's users are read and
 * serialized in a reader thread (threads/readers.ts), which hands over strings instead of an
 * object graph to copy, but presence is live state of the server's own (presence/engine.ts), put
 * in where the page is answered. fast-json-stringify writes an object's required fields first and
 * then its optional ones in order: `presence`, then `purgeAt` (a deleted user's).
 */
export interface ListedUserJson {
  id: string;
  /** Every required field. */
  head: string;
  /** `{}`, or the purge date of a deleted user. */
  tail: string;
}

const serializeHead = compileSerializer(userResponse.omit({ presence: true, purgeAt: true }));
const serializeTail = compileSerializer(userResponse.pick({ purgeAt: true }));
const serializePresence = compileSerializer(presenceView);
const serializeCursor = compileSerializer(z.object({ nextCursor: z.string().nullable() }));

export const listedUserJson = (user: UserView & { purgeAt?: string }): ListedUserJson => ({
  id: user.id,
  head: serializeHead(user),
  tail: serializeTail(user),
});

/** A page of the list (`pageSchema(userResponse)`) as JSON: each user's parts joined around its presence. */
export function userPageJson(items: ListedUserJson[], presence: PresenceView[], nextCursor: string | null): string {
  const users = items.map(
    ({ head, tail }, i) => `${head.slice(0, -1)},"presence":${serializePresence(presence[i])}${tail === '{}' ? '}' : `,${tail.slice(1)}`}`,
  );
  return `{"items":[${users.join(',')}],${serializeCursor({ nextCursor }).slice(1)}`;
}

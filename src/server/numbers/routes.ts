import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { recordAudit } from '../audit/store.ts';
import { diff } from '../audit/rules.ts';
import type { Database, Db } from '../db/schema.ts';
import { uniqueViolationAs } from '../db/errors.ts';
import { actorOf, domainOf } from '../http/access.ts';
import { decodeCursor, encodeCursor, pageSchema, toPage } from '../http/paging.ts';
import { conflict, notFound } from '../http/problem.ts';
import type { Deps, Router } from '../deps.ts';
import { usersPresenting } from '../sip-accounts/store.ts';
import { e164 } from '../identifiers/phone-numbers.ts';
import { numberCreate, numberListQuery, numberUpdate, numberView } from './schema.ts';

type NumberRow = Database['numbers'];
const tags = ['numbers'];
const domainParams = z.object({ domain: z.string() });
const numberParams = z.object({ domain: z.string(), value: z.string() });

const toView = (row: NumberRow) => ({
  value: row.value,
  kind: row.kind === 'sender' ? ('sender' as const) : ('number' as const),
  voice: row.voice === 1,
  sms: row.sms === 1,
  description: row.description,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const taken = (value: string) =>
  conflict('number.exists', `${value} is already in the domain's inventory`, [{ path: 'value', code: 'number.exists', message: 'Already in the inventory' }]);

/**
 * A number in users' presentation pools stays until they no longer present it: the 409 names them.
 * `purpose` narrows the check to calls (losing voice) or SMS (losing sms).
 */
async function assertNotPresented(db: Db, row: NumberRow, purpose?: 'call' | 'sms') {
  const users = await usersPresenting(db, row.id, purpose);
  if (users.length === 0) return;
  const logins = [...new Set(users.map((u) => u.login))];
  throw conflict(
    'number.in_use',
    `${row.value} is in the ${purpose === 'sms' ? 'SMS sender' : purpose === 'call' ? 'call number' : 'presentation'} pool of ${logins.length} user(s): ${logins.slice(0, 20).join(', ')}${logins.length > 20 ? ', …' : ''}`,
    users.map((u) => ({ path: `users/${u.id}`, code: 'number.in_use', message: `${u.login} presents it (${u.purpose === 'sms' ? 'SMS' : 'calls'})` })),
  );
}

/** A number is addressed as written in the path (`+48221234567`, URL-encoded) or as a sender ID. */
async function mustFind(db: Db, domainId: string, value: string): Promise<NumberRow> {
  const parsed = e164.safeParse(value);
  const row = await db
    .selectFrom('numbers')
    .selectAll()
    .where('domain_id', '=', domainId)
    .where('value', '=', parsed.success ? parsed.data : value)
    .executeTakeFirst();
  if (!row) throw notFound(`Number ${JSON.stringify(value)}`);
  return row;
}

export function numberRoutes(router: Router, { db }: Deps): void {
  router.get('/api/v1/domains/:domain/numbers', {
    config: { access: { permission: 'numbers:read' } },
    schema: {
      tags,
      summary: "The domain's numbers and SMS sender IDs",
      params: domainParams,
      querystring: numberListQuery,
      response: { 200: pageSchema(numberView) },
    },
    handler: async (request) => {
      const { capability, limit, cursor } = request.query;
      let query = db
        .selectFrom('numbers')
        .selectAll()
        .where('domain_id', '=', domainOf(request).id)
        .orderBy('value')
        .limit(limit + 1);
      if (capability) query = query.where(capability, '=', 1);
      if (cursor) query = query.where('value', '>', String(decodeCursor(cursor)[0]));
      return toPage(await query.execute(), limit, toView, (row) => encodeCursor(row.value, row.id));
    },
  });

  router.post('/api/v1/domains/:domain/numbers', {
    config: { access: { permission: 'numbers:manage' } },
    schema: {
      tags,
      summary: 'Add a number (E.164, voice and/or SMS) or an alphanumeric SMS sender ID',
      params: domainParams,
      body: numberCreate,
      response: { 201: numberView },
    },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const input = request.body;
      const now = new Date().toISOString();
      const row: NumberRow = {
        id: randomUUID(),
        domain_id: domain.id,
        value: input.value,
        kind: input.kind,
        voice: input.kind === 'number' && input.voice ? 1 : 0,
        sms: input.kind === 'sender' || input.sms ? 1 : 0,
        description: input.description ?? null,
        created_at: now,
        updated_at: now,
      };
      await db
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto('numbers').values(row).execute();
          await recordAudit(trx, {
            domainId: domain.id,
            actor: actorOf(request),
            action: 'number.created',
            target: { type: 'number', id: row.value, name: row.value },
            changes: diff(null, toView(row)),
          });
        })
        .catch(uniqueViolationAs(() => taken(row.value)));
      return reply.code(201).send(toView(row));
    },
  });

  router.patch('/api/v1/domains/:domain/numbers/:value', {
    config: { access: { permission: 'numbers:manage' } },
    schema: { tags, summary: "Change a number's capabilities or description", params: numberParams, body: numberUpdate, response: { 200: numberView } },
    handler: async (request) => {
      const domain = domainOf(request);
      const row = await mustFind(db, domain.id, request.params.value);
      const change = request.body;
      const sender = row.kind === 'sender';
      const next: NumberRow = {
        ...row,
        // A sender ID can only send SMS; only the description of one changes.
        voice: sender || change.voice === undefined ? row.voice : change.voice ? 1 : 0,
        sms: sender || change.sms === undefined ? row.sms : change.sms ? 1 : 0,
        description: change.description === undefined ? row.description : change.description,
        updated_at: new Date().toISOString(),
      };
      await db.transaction().execute(async (trx) => {
        if (row.voice === 1 && next.voice === 0) await assertNotPresented(trx, row, 'call');
        if (row.sms === 1 && next.sms === 0) await assertNotPresented(trx, row, 'sms');
        await trx
          .updateTable('numbers')
          .set({ voice: next.voice, sms: next.sms, description: next.description, updated_at: next.updated_at })
          .where('id', '=', row.id)
          .execute();
        await recordAudit(trx, {
          domainId: domain.id,
          actor: actorOf(request),
          action: 'number.updated',
          target: { type: 'number', id: row.value, name: row.value },
          changes: diff(toView(row), toView(next)),
        });
      });
      return toView(next);
    },
  });

  router.delete('/api/v1/domains/:domain/numbers/:value', {
    config: { access: { permission: 'numbers:manage' } },
    schema: { tags, summary: 'Remove a number or sender ID from the inventory', params: numberParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      const domain = domainOf(request);
      const row = await mustFind(db, domain.id, request.params.value);
      await db.transaction().execute(async (trx) => {
        await assertNotPresented(trx, row);
        await trx.deleteFrom('numbers').where('id', '=', row.id).execute();
        await recordAudit(trx, {
          domainId: domain.id,
          actor: actorOf(request),
          action: 'number.deleted',
          target: { type: 'number', id: row.value, name: row.value },
          changes: diff(toView(row), null),
        });
      });
      return reply.code(204).send(null);
    },
  });
}

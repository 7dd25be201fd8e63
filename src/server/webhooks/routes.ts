import { z } from 'zod';
import { actorOf, domainOf } from '../http/access.ts';
import { pageSchema } from '../http/paging.ts';
import type { Deps, Router } from '../deps.ts';
import { createWebhook, deleteWebhook, mustFindSubscription, ping, redeliverOne, rotateSecret, updateWebhook, type WebhookTools } from './commands.ts';
import { deliveriesQuery, deliveryView, webhookCreate, webhookCreated, webhookSecret, webhookUpdate, webhookView } from './schema.ts';
import { listDeliveries, listSubscriptions, toWebhookView } from './store.ts';

const tags = ['webhooks'];
const access = { access: { permission: 'webhooks:manage' as const } };
const domainParams = z.object({ domain: z.string() });
const webhookParams = domainParams.extend({ id: z.string() });
const deliveryParams = webhookParams.extend({ delivery: z.string() });

export function webhookRoutes(router: Router, { db, cipher, config }: Deps): void {
  const tools: WebhookTools = { cipher, settings: config.webhooks };

  router.get('/api/v1/domains/:domain/webhooks', {
    config: access,
    schema: {
      tags,
      summary: "The domain's webhook subscriptions (never their secrets)",
      params: domainParams,
      response: { 200: z.object({ items: z.array(webhookView), nextCursor: z.null() }) },
    },
    handler: async (request) => ({ items: (await listSubscriptions(db, domainOf(request).id)).map(toWebhookView), nextCursor: null }),
  });

  router.post('/api/v1/domains/:domain/webhooks', {
    config: access,
    schema: {
      tags,
      summary: 'Subscribe a URL to changes of the domain; the signing secret is answered only now',
      description:
        'Deliveries follow the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`), at least once and in order per resource, for the changes committed after the subscription.',
      params: domainParams,
      body: webhookCreate,
      response: { 201: webhookCreated },
    },
    handler: async (request, reply) => reply.code(201).send(await createWebhook(db, tools, actorOf(request), domainOf(request), request.body)),
  });

  router.get('/api/v1/domains/:domain/webhooks/:id', {
    config: access,
    schema: { tags, summary: 'A webhook subscription', params: webhookParams, response: { 200: webhookView } },
    handler: async (request) => toWebhookView(await mustFindSubscription(db, domainOf(request).id, request.params.id)),
  });

  router.patch('/api/v1/domains/:domain/webhooks/:id', {
    config: access,
    schema: {
      tags,
      summary: 'Change a subscription: URL, event types, description, on or off',
      params: webhookParams,
      body: webhookUpdate,
      response: { 200: webhookView },
    },
    handler: async (request) => updateWebhook(db, tools, actorOf(request), domainOf(request), request.params.id, request.body),
  });

  router.delete('/api/v1/domains/:domain/webhooks/:id', {
    config: access,
    schema: { tags, summary: 'Remove a subscription with its deliveries', params: webhookParams, response: { 204: z.null() } },
    handler: async (request, reply) => {
      await deleteWebhook(db, actorOf(request), domainOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  });

  router.post('/api/v1/domains/:domain/webhooks/:id/secret', {
    config: access,
    schema: { tags, summary: 'Replace the signing secret; the new one is answered only now', params: webhookParams, response: { 200: webhookSecret } },
    handler: async (request) => rotateSecret(db, tools, actorOf(request), domainOf(request), request.params.id),
  });

  router.post('/api/v1/domains/:domain/webhooks/:id/ping', {
    config: access,
    schema: { tags, summary: 'Send a `webhook.ping` event, delivered like any other', params: webhookParams, response: { 202: z.object({ id: z.string() }) } },
    handler: async (request, reply) => reply.code(202).send(await ping(db, tools, domainOf(request), request.params.id)),
  });

  router.get('/api/v1/domains/:domain/webhooks/:id/deliveries', {
    config: access,
    schema: {
      tags,
      summary: 'The delivery log: each delivery, newest first, with every attempt (time, status, latency)',
      params: webhookParams,
      querystring: deliveriesQuery,
      response: { 200: pageSchema(deliveryView) },
    },
    handler: async (request) => {
      const subscription = await mustFindSubscription(db, domainOf(request).id, request.params.id);
      return listDeliveries(db, subscription.id, request.query);
    },
  });

  router.post('/api/v1/domains/:domain/webhooks/:id/deliveries/:delivery/redeliver', {
    config: access,
    schema: { tags, summary: 'Send a delivery again now, with the same webhook-id', params: deliveryParams, response: { 202: z.null() } },
    handler: async (request, reply) => {
      await redeliverOne(db, tools, actorOf(request), domainOf(request), request.params.id, request.params.delivery);
      return reply.code(202).send(null);
    },
  });
}

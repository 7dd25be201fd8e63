import type { Kysely, Migration } from 'kysely';

/**
 * Webhooks: subscriptions that follow their domain's change feed from a cursor of their own, and
 * an outbox of deliveries (one per change and subscription) that survives restarts. A delivery
 * is leased by one process at a time; its attempts are kept as the subscription's delivery log.
 */
export const webhooks: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('webhook_subscriptions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('event_types', 'text', (c) => c.notNull())
      .addColumn('active', 'integer', (c) => c.notNull())
      .addColumn('disabled_reason', 'text')
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('cursor_seq', 'bigint', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('webhook_subscriptions__domain_id').on('webhook_subscriptions').column('domain_id').execute();
    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('subscription_id', 'text', (c) => c.notNull().references('webhook_subscriptions.id').onDelete('cascade'))
      .addColumn('seq', 'bigint')
      .addColumn('resource_key', 'text', (c) => c.notNull())
      .addColumn('event_type', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('give_up_at', 'text', (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('delivered_at', 'text')
      .execute();
    await db.schema.createIndex('webhook_deliveries__subscription_id__seq').unique().on('webhook_deliveries').columns(['subscription_id', 'seq']).execute();
    // The deliverer's two questions: what is due for a subscription, and is an earlier delivery of this resource still pending.
    await db.schema
      .createIndex('webhook_deliveries__subscription_id__state__next_attempt_at__id')
      .on('webhook_deliveries')
      .columns(['subscription_id', 'state', 'next_attempt_at', 'id'])
      .execute();
    await db.schema.createIndex('webhook_deliveries__resource_key__state__seq').on('webhook_deliveries').columns(['resource_key', 'state', 'seq']).execute();
    await db.schema.createIndex('webhook_deliveries__state__created_at').on('webhook_deliveries').columns(['state', 'created_at']).execute();
    await db.schema
      .createTable('webhook_attempts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id').onDelete('cascade'))
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('latency_ms', 'integer', (c) => c.notNull())
      .addColumn('error', 'text')
      .execute();
    await db.schema.createIndex('webhook_attempts__delivery_id').on('webhook_attempts').column('delivery_id').execute();
    await db.schema.createIndex('webhook_attempts__at').on('webhook_attempts').column('at').execute();
    // The admin role holds every permission of its domain, the webhooks' included.
    const admins = await db.selectFrom('roles').select(['id', 'permissions']).where('builtin', '=', 1).where('name_key', '=', 'admin').execute();
    for (const role of admins) {
      const permissions = [...new Set([...(JSON.parse(role.permissions) as string[]), 'webhooks:manage'])];
      await db
        .updateTable('roles')
        .set({ permissions: JSON.stringify(permissions) })
        .where('id', '=', role.id)
        .execute();
    }
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('webhook_attempts').execute();
    await db.schema.dropTable('webhook_deliveries').execute();
    await db.schema.dropTable('webhook_subscriptions').execute();
  },
};

/**
 * One invoice per customer and billing day (issue 11, docs/design/consolidation.md).
 * - `invoice_subscriptions` (Lago's name): which part of which subscription each subscription
 *   invoice bills. A subscription starts once, is closed once per billing date and terminates once:
 *   UNIQUE (subscription_id, occasion), occasion `start`, `close:<YYYY-MM-DD>` or `termination`. The
 *   first close of a customer's billing day writes every due subscription's part with the invoice,
 *   in its transaction; a later close of one of them finds its row and writes nothing.
 * - `subscriptions.consolidate_invoice` (Lago's switch, default true): false bills the subscription
 *   on its own invoice.
 * Invoices issued before this migration get their rows from their business keys and billing periods.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('subscriptions', (t) => {
    t.boolean('consolidate_invoice').notNullable().defaultTo(true);
  });
  await knex.schema.createTable('invoice_subscriptions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('invoice_id').notNullable().references('invoices.id').onDelete('CASCADE');
    t.uuid('subscription_id').notNullable().references('subscriptions.id');
    // `start`, `close:<billing date>` or `termination`: what of the subscription's life the part bills.
    t.text('occasion').notNullable();
    t.text('invoicing_reason').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['subscription_id', 'occasion']);
  });
  await knex.raw('CREATE INDEX invoice_subscriptions_invoice ON invoice_subscriptions (invoice_id)');
  await knex.raw(`
    INSERT INTO invoice_subscriptions (organization_id, invoice_id, subscription_id, occasion, invoicing_reason, created_at)
    SELECT i.organization_id, i.id, (bp.value->>'lago_subscription_id')::uuid,
      CASE
        WHEN bp.value->>'invoicing_reason' = 'subscription_starting' THEN 'start'
        WHEN bp.value->>'invoicing_reason' = 'subscription_periodic' THEN 'close:' || substring(i.idempotency_key from ':periodic:(\\d{4}-\\d{2}-\\d{2})$')
        WHEN i.idempotency_key ~ ':downgrade:\\d{4}-\\d{2}-\\d{2}$' THEN 'close:' || substring(i.idempotency_key from ':downgrade:(\\d{4}-\\d{2}-\\d{2})$')
        ELSE 'termination'
      END,
      bp.value->>'invoicing_reason', i.created_at
    FROM invoices i CROSS JOIN LATERAL jsonb_array_elements(i.billing_periods) AS bp(value)
    WHERE i.idempotency_key LIKE 'subscription:%'
      AND bp.value->>'invoicing_reason' IN ('subscription_starting', 'subscription_periodic', 'subscription_terminating')
    ON CONFLICT (subscription_id, occasion) DO NOTHING
  `);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

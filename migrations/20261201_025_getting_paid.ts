/**
 * Getting paid, the rest of issue 14: refunds, the dunning campaign, payment requests.
 *
 * Money out: the refunds a credit note's `refund_amount_cents` makes at the provider
 * that collected its invoice. One row per credit note and payment refunded (its idempotency key,
 * `credit_note:<id>:payment:<id>`, is Stripe's too), so a retried activity refunds once; its
 * provider id matches Stripe's `charge.refunded` and `charge.refund.updated` webhooks to it.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('refunds', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('credit_note_id').notNullable().references('credit_notes.id');
    t.uuid('payment_id').notNullable().references('payments.id');
    t.text('provider_type').notNullable();
    t.text('provider_refund_id');
    t.text('idempotency_key').notNullable();
    t.bigInteger('amount_cents').notNullable();
    t.text('currency').notNullable();
    t.text('status').notNullable();
    t.jsonb('provider_error');
    t.timestamp('refunded_at', { useTz: true });
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['organization_id', 'idempotency_key']);
    t.unique(['organization_id', 'provider_type', 'provider_refund_id']);
    t.check('amount_cents > 0', [], 'refunds_amount_positive');
    t.check("status IN ('pending', 'succeeded', 'failed')", [], 'refunds_status');
  });
  await knex.raw('CREATE INDEX refunds_credit_note ON refunds (credit_note_id)');
  await knex.raw('CREATE INDEX refunds_payment ON refunds (payment_id)');

  // Dunning: one campaign per organization (Lago's dunning campaigns have no public API; Billow's
  // `PUT /api/v1/dunning_campaign`). An invoice whose collection failed is attempted again every
  // `days_between_attempts`, up to `max_attempts` attempts in all, when what it still owes reaches
  // the threshold of its currency (`thresholds`: [{ currency, amount_cents }]; no threshold for a
  // currency: no dunning in it). Each attempt is a payment row of its own.
  await knex.schema.createTable('dunning_campaigns', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE').unique();
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.integer('max_attempts').notNullable();
    t.integer('days_between_attempts').notNullable();
    t.jsonb('thresholds').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('max_attempts BETWEEN 1 AND 20', [], 'dunning_campaigns_max_attempts');
    t.check('days_between_attempts BETWEEN 1 AND 365', [], 'dunning_campaigns_days_between');
  });

  // Payment requests (Lago's `POST /payment_requests`): a customer's overdue invoices gathered into
  // one request, collected by one payment. Each invoice's part is what it owed when the request was
  // made; the request's payment, once succeeded, pays each its part.
  await knex.schema.createTable('payment_requests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('customer_id').notNullable().references('customers.id');
    t.text('email').notNullable();
    t.bigInteger('amount_cents').notNullable();
    t.text('currency').notNullable();
    t.text('payment_status').notNullable().defaultTo('pending');
    // 'stripe' when the request is collected at Stripe (its customer pays through it); null: paid by hand.
    t.text('provider_type');
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('amount_cents > 0', [], 'payment_requests_amount_positive');
    t.check("payment_status IN ('pending', 'succeeded', 'failed')", [], 'payment_requests_payment_status');
  });
  await knex.raw('CREATE INDEX payment_requests_customer ON payment_requests (organization_id, customer_id, created_at)');
  await knex.schema.createTable('payment_request_invoices', (t) => {
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('payment_request_id').notNullable().references('payment_requests.id');
    t.uuid('invoice_id').notNullable().references('invoices.id');
    t.bigInteger('amount_cents').notNullable();
    t.primary(['payment_request_id', 'invoice_id']);
    t.check('amount_cents > 0', [], 'payment_request_invoices_amount_positive');
  });
  await knex.raw('CREATE INDEX payment_request_invoices_invoice ON payment_request_invoices (invoice_id)');
  // A payment pays one invoice, or one payment request (and through it its invoices).
  await knex.raw('ALTER TABLE payments ALTER COLUMN invoice_id DROP NOT NULL');
  await knex.schema.alterTable('payments', (t) => {
    t.uuid('payment_request_id').references('payment_requests.id');
  });
  await knex.raw('ALTER TABLE payments ADD CONSTRAINT payments_one_payable CHECK ((invoice_id IS NULL) <> (payment_request_id IS NULL))');
  await knex.raw('CREATE INDEX payments_payment_request ON payments (payment_request_id) WHERE payment_request_id IS NOT NULL');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

/** Invoices and fees: created once per business key, numbered gaplessly. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('invoices', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('customer_id').notNullable().references('customers.id');
    t.uuid('subscription_id').references('subscriptions.id');
    // The business key (e.g. "subscription:<id>:periodic:2027-02-19"): a retry can never create a second invoice.
    t.text('idempotency_key').notNullable();
    t.text('invoice_type').notNullable();
    t.text('invoicing_reason');
    t.text('status').notNullable();
    t.text('payment_status').notNullable();
    t.bigInteger('sequential_id');
    t.bigInteger('organization_sequential_id');
    t.text('number').notNullable();
    t.date('issuing_date').notNullable();
    t.date('payment_due_date').notNullable();
    t.integer('net_payment_term').notNullable().defaultTo(0);
    t.text('currency').notNullable();
    t.bigInteger('fees_amount_cents').notNullable().defaultTo(0);
    t.bigInteger('coupons_amount_cents').notNullable().defaultTo(0);
    t.bigInteger('credit_notes_amount_cents').notNullable().defaultTo(0);
    t.bigInteger('sub_total_excluding_taxes_amount_cents').notNullable().defaultTo(0);
    t.bigInteger('taxes_amount_cents').notNullable().defaultTo(0);
    t.bigInteger('sub_total_including_taxes_amount_cents').notNullable().defaultTo(0);
    t.bigInteger('prepaid_credit_amount_cents').notNullable().defaultTo(0);
    t.bigInteger('total_amount_cents').notNullable().defaultTo(0);
    t.jsonb('applied_taxes').notNullable().defaultTo('[]');
    t.jsonb('billing_periods').notNullable().defaultTo('[]');
    t.text('file_path');
    t.timestamp('voided_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['organization_id', 'idempotency_key']);
  });
  await knex.raw('CREATE INDEX invoices_customer ON invoices (customer_id, created_at)');
  await knex.raw('CREATE INDEX invoices_subscription ON invoices (subscription_id)');

  await knex.schema.createTable('fees', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('invoice_id').references('invoices.id').onDelete('CASCADE');
    t.uuid('subscription_id').references('subscriptions.id');
    t.uuid('charge_id').references('charges.id');
    t.text('fee_type').notNullable();
    t.text('fee_key').notNullable();
    t.text('item_code').notNullable();
    t.text('item_name').notNullable();
    t.text('invoice_display_name');
    t.decimal('units', 40, 15).notNullable().defaultTo(0);
    t.decimal('total_aggregated_units', 40, 15).notNullable().defaultTo(0);
    t.integer('events_count').notNullable().defaultTo(0);
    t.bigInteger('amount_cents').notNullable();
    t.decimal('precise_amount_cents', 40, 15).notNullable();
    t.decimal('precise_unit_amount', 40, 15).notNullable().defaultTo(0);
    t.bigInteger('unit_amount_cents').notNullable().defaultTo(0);
    t.decimal('precise_coupons_amount_cents', 40, 15).notNullable().defaultTo(0);
    t.bigInteger('taxes_amount_cents').notNullable().defaultTo(0);
    t.decimal('taxes_precise_amount_cents', 40, 15).notNullable().defaultTo(0);
    t.decimal('taxes_rate', 10, 5).notNullable().defaultTo(0);
    t.jsonb('applied_taxes').notNullable().defaultTo('[]');
    t.text('currency').notNullable();
    t.timestamp('from_datetime', { useTz: true });
    t.timestamp('to_datetime', { useTz: true });
    t.jsonb('amount_details').notNullable().defaultTo('{}');
    t.boolean('pay_in_advance').notNullable().defaultTo(false);
    t.boolean('invoiceable').notNullable().defaultTo(true);
    t.text('event_transaction_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['invoice_id', 'fee_key']);
  });
  await knex.raw('CREATE INDEX fees_subscription ON fees (subscription_id)');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

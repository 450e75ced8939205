/** Organizations, API keys, catalog, customers, subscriptions, events. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE EXTENSION IF NOT EXISTS pgcrypto');

  await knex.schema.createTable('organizations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.text('legal_name');
    t.text('legal_number');
    t.text('tax_identification_number');
    t.text('email');
    t.text('address_line1');
    t.text('address_line2');
    t.text('city');
    t.text('state');
    t.text('zipcode');
    t.text('country');
    t.text('logo_url');
    t.text('invoice_footer');
    t.text('document_number_prefix').notNullable();
    t.text('document_numbering').notNullable().defaultTo('per_customer');
    t.text('timezone').notNullable().defaultTo('UTC');
    t.text('default_currency').notNullable().defaultTo('USD');
    t.integer('net_payment_term').notNullable().defaultTo(0);
    t.text('hmac_key').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('key_hash').notNullable().unique();
    t.text('name');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_used_at', { useTz: true });
  });

  // Gapless counters (customer sequential ids, invoice numbers): row-locked inside the writer's transaction.
  await knex.schema.createTable('sequence_counters', (t) => {
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('scope').notNullable();
    t.bigInteger('value').notNullable().defaultTo(0);
    t.primary(['organization_id', 'scope']);
  });

  await knex.schema.createTable('taxes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.decimal('rate', 10, 5).notNullable();
    t.text('description');
    t.boolean('applied_to_organization').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['organization_id', 'code']);
  });

  await knex.schema.createTable('billable_metrics', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.text('description');
    t.text('aggregation_type').notNullable();
    t.text('field_name');
    t.boolean('recurring').notNullable().defaultTo(false);
    t.text('weighted_interval');
    t.text('rounding_function');
    t.integer('rounding_precision');
    t.text('expression');
    t.jsonb('filters').notNullable().defaultTo('[]');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX billable_metrics_code ON billable_metrics (organization_id, code) WHERE deleted_at IS NULL');

  await knex.schema.createTable('plans', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.text('invoice_display_name');
    t.text('description');
    t.text('interval').notNullable();
    t.bigInteger('amount_cents').notNullable();
    t.text('amount_currency').notNullable();
    t.boolean('pay_in_advance').notNullable().defaultTo(false);
    t.decimal('trial_period', 12, 5).notNullable().defaultTo(0);
    t.boolean('bill_charges_monthly');
    t.jsonb('metadata');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX plans_code ON plans (organization_id, code) WHERE deleted_at IS NULL');

  await knex.schema.createTable('charges', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('plan_id').notNullable().references('plans.id').onDelete('CASCADE');
    t.uuid('billable_metric_id').notNullable().references('billable_metrics.id');
    t.text('code').notNullable();
    t.text('charge_model').notNullable();
    t.jsonb('properties').notNullable().defaultTo('{}');
    t.jsonb('filters').notNullable().defaultTo('[]');
    t.boolean('pay_in_advance').notNullable().defaultTo(false);
    t.boolean('invoiceable').notNullable().defaultTo(true);
    t.boolean('prorated').notNullable().defaultTo(false);
    t.bigInteger('min_amount_cents').notNullable().defaultTo(0);
    t.text('invoice_display_name');
    t.text('regroup_paid_fees');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX charges_code ON charges (plan_id, code) WHERE deleted_at IS NULL');

  for (const [table, owner] of [['plan_taxes', 'plans'], ['charge_taxes', 'charges']] as const) {
    await knex.schema.createTable(table, (t) => {
      t.uuid('owner_id').notNullable().references(`${owner}.id`).onDelete('CASCADE');
      t.uuid('tax_id').notNullable().references('taxes.id').onDelete('CASCADE');
      t.primary(['owner_id', 'tax_id']);
    });
  }

  await knex.schema.createTable('customers', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('external_id').notNullable();
    t.bigInteger('sequential_id').notNullable();
    t.text('name');
    t.text('firstname');
    t.text('lastname');
    t.text('customer_type');
    t.text('email');
    t.text('phone');
    t.text('url');
    t.text('legal_name');
    t.text('legal_number');
    t.text('tax_identification_number');
    t.text('address_line1');
    t.text('address_line2');
    t.text('city');
    t.text('state');
    t.text('zipcode');
    t.text('country');
    t.text('currency');
    t.text('timezone');
    t.integer('net_payment_term');
    t.jsonb('billing_configuration').notNullable().defaultTo('{}');
    t.jsonb('metadata').notNullable().defaultTo('[]');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX customers_external_id ON customers (organization_id, external_id) WHERE deleted_at IS NULL');

  await knex.schema.createTable('customer_taxes', (t) => {
    t.uuid('owner_id').notNullable().references('customers.id').onDelete('CASCADE');
    t.uuid('tax_id').notNullable().references('taxes.id').onDelete('CASCADE');
    t.primary(['owner_id', 'tax_id']);
  });

  await knex.schema.createTable('subscriptions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('customer_id').notNullable().references('customers.id');
    t.uuid('plan_id').notNullable().references('plans.id');
    t.text('external_id').notNullable();
    t.text('name');
    t.text('status').notNullable();
    t.text('billing_time').notNullable();
    t.timestamp('subscription_at', { useTz: true }).notNullable();
    t.timestamp('started_at', { useTz: true });
    t.timestamp('trial_ended_at', { useTz: true });
    t.timestamp('ending_at', { useTz: true });
    t.timestamp('terminated_at', { useTz: true });
    t.timestamp('canceled_at', { useTz: true });
    t.uuid('previous_subscription_id').references('subscriptions.id');
    t.text('on_termination_credit_note');
    t.text('on_termination_invoice').notNullable().defaultTo('generate');
    t.text('workflow_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // One active (and at most one pending) subscription per external id: Lago's uniqueness rule.
  await knex.raw("CREATE UNIQUE INDEX subscriptions_active_external_id ON subscriptions (organization_id, external_id) WHERE status = 'active'");
  await knex.raw("CREATE UNIQUE INDEX subscriptions_pending_external_id ON subscriptions (organization_id, external_id) WHERE status = 'pending'");
  await knex.raw('CREATE INDEX subscriptions_customer ON subscriptions (customer_id)');

  await knex.schema.createTable('events', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('transaction_id').notNullable();
    t.text('external_subscription_id').notNullable();
    t.text('code').notNullable();
    t.timestamp('timestamp', { useTz: true, precision: 3 }).notNullable();
    t.jsonb('properties').notNullable().defaultTo('{}');
    t.decimal('precise_total_amount_cents', 40, 15);
    t.uuid('subscription_id');
    t.uuid('customer_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['organization_id', 'transaction_id']);
  });
  await knex.raw('CREATE INDEX events_usage ON events (organization_id, external_subscription_id, code, "timestamp")');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

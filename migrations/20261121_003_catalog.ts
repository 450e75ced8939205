/** Catalog: add-ons, coupons and applied coupons, and the metric column behind the legacy seat aggregation. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // A metric created as the legacy `recurring_count_agg` is stored as unique_count_agg + recurring;
  // this remembers it so its charges default to `prorated: true` (DESIGN.md §5).
  await knex.schema.alterTable('billable_metrics', (t) => {
    t.boolean('legacy_recurring_count').notNullable().defaultTo(false);
  });
  await knex.raw('CREATE INDEX charges_billable_metric ON charges (billable_metric_id) WHERE deleted_at IS NULL');
  await knex.raw('CREATE INDEX charges_plan ON charges (plan_id) WHERE deleted_at IS NULL');

  await knex.schema.createTable('add_ons', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.text('invoice_display_name');
    t.text('description');
    t.bigInteger('amount_cents').notNullable();
    t.text('amount_currency').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX add_ons_code ON add_ons (organization_id, code) WHERE deleted_at IS NULL');

  await knex.schema.createTable('add_on_taxes', (t) => {
    t.uuid('owner_id').notNullable().references('add_ons.id').onDelete('CASCADE');
    t.uuid('tax_id').notNullable().references('taxes.id').onDelete('CASCADE');
    t.primary(['owner_id', 'tax_id']);
  });

  await knex.schema.createTable('coupons', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.text('description');
    t.text('coupon_type').notNullable(); // fixed_amount | percentage
    t.bigInteger('amount_cents'); // fixed_amount only
    t.text('amount_currency'); // fixed_amount only
    t.decimal('percentage_rate', 10, 5); // percentage only, in percent
    t.text('frequency').notNullable(); // once | recurring | forever
    t.integer('frequency_duration'); // recurring only: invoices it applies to
    t.boolean('reusable').notNullable().defaultTo(true);
    t.text('expiration').notNullable().defaultTo('no_expiration'); // no_expiration | time_limit
    t.timestamp('expiration_at', { useTz: true });
    t.boolean('limited_plans').notNullable().defaultTo(false);
    t.boolean('limited_billable_metrics').notNullable().defaultTo(false);
    t.text('status').notNullable().defaultTo('active'); // active | terminated
    t.timestamp('terminated_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX coupons_code ON coupons (organization_id, code) WHERE deleted_at IS NULL');

  // What a limited coupon applies to: plans or billable metrics (never both on one coupon).
  await knex.schema.createTable('coupon_targets', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('coupon_id').notNullable().references('coupons.id').onDelete('CASCADE');
    t.uuid('plan_id').references('plans.id').onDelete('CASCADE');
    t.uuid('billable_metric_id').references('billable_metrics.id').onDelete('CASCADE');
    t.check('(plan_id IS NULL) <> (billable_metric_id IS NULL)', [], 'coupon_targets_one_target');
  });
  await knex.raw('CREATE INDEX coupon_targets_coupon ON coupon_targets (coupon_id)');

  // A coupon applied to a customer, with the terms (possibly overridden) and what is left of it:
  // the invoicing core reads the active ones oldest first and writes the consumption back.
  await knex.schema.createTable('applied_coupons', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('coupon_id').notNullable().references('coupons.id');
    t.uuid('customer_id').notNullable().references('customers.id');
    t.text('status').notNullable().defaultTo('active'); // active | terminated
    t.bigInteger('amount_cents');
    t.bigInteger('amount_cents_remaining'); // fixed_amount once: what is left to draw
    t.text('amount_currency');
    t.decimal('percentage_rate', 10, 5);
    t.text('frequency').notNullable();
    t.integer('frequency_duration');
    t.integer('frequency_duration_remaining'); // recurring: invoices left
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('terminated_at', { useTz: true });
    t.check('amount_cents_remaining IS NULL OR amount_cents_remaining >= 0', [], 'applied_coupons_remaining_not_negative');
  });
  await knex.raw('CREATE INDEX applied_coupons_customer ON applied_coupons (customer_id, status, created_at)');
  await knex.raw('CREATE INDEX applied_coupons_coupon ON applied_coupons (coupon_id)');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

/**
 * Issue 15, progressive billing and lifetime usage (reference/lago-api.md §4):
 * - `usage_thresholds`: a plan's (`plan_id`) or a subscription's own (`subscription_id`, which
 *   replace its plan's); at most one `recurring` per owner (a partial unique index);
 * - `subscriptions.progressive_billing_disabled`;
 * - `applied_usage_thresholds`: each threshold level a subscription's lifetime usage crossed, once
 *   (UNIQUE (subscription, threshold, level)), with the progressive invoice that billed it and the
 *   charges period it fell in; written in the invoice writer's transaction;
 * - `invoices.progressive_billing_credit_amount_cents`: what a period's progressive invoices billed,
 *   deducted from its closing invoice, and each usage fee's share (`fees.progressive_credit_amount_cents`);
 * - `lifetime_usages`: the historical usage a `PUT /subscriptions/:id/lifetime_usage` seeds.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('usage_thresholds', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('plan_id').references('plans.id').onDelete('CASCADE');
    t.uuid('subscription_id').references('subscriptions.id').onDelete('CASCADE');
    t.bigInteger('amount_cents').notNullable();
    t.text('threshold_display_name');
    t.boolean('recurring').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
    t.check('amount_cents > 0', [], 'usage_thresholds_amount_positive');
    t.check('(plan_id IS NULL) <> (subscription_id IS NULL)', [], 'usage_thresholds_one_owner');
  });
  await knex.raw('CREATE INDEX usage_thresholds_plan ON usage_thresholds (plan_id) WHERE deleted_at IS NULL');
  await knex.raw('CREATE INDEX usage_thresholds_subscription ON usage_thresholds (subscription_id) WHERE deleted_at IS NULL');
  await knex.raw('CREATE UNIQUE INDEX usage_thresholds_one_recurring ON usage_thresholds (COALESCE(plan_id, subscription_id)) WHERE recurring AND deleted_at IS NULL');

  await knex.schema.alterTable('subscriptions', (t) => {
    t.boolean('progressive_billing_disabled').notNullable().defaultTo(false);
  });

  await knex.schema.alterTable('invoices', (t) => {
    t.bigInteger('progressive_billing_credit_amount_cents').notNullable().defaultTo(0);
  });
  // Each usage fee's share of it: what the period's progressive invoices billed of that fee.
  await knex.schema.alterTable('fees', (t) => {
    t.bigInteger('progressive_credit_amount_cents').notNullable().defaultTo(0);
  });

  await knex.schema.createTable('applied_usage_thresholds', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('subscription_id').notNullable().references('subscriptions.id').onDelete('CASCADE');
    t.uuid('usage_threshold_id').notNullable().references('usage_thresholds.id');
    // The lifetime usage amount this crossing is for: the threshold's amount, or for a recurring
    // threshold the largest fixed one plus k times its amount.
    t.bigInteger('level_amount_cents').notNullable();
    t.uuid('invoice_id').references('invoices.id');
    t.timestamp('charges_from_datetime', { useTz: true }).notNullable();
    t.bigInteger('lifetime_usage_amount_cents').notNullable();
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.unique(['subscription_id', 'usage_threshold_id', 'level_amount_cents']);
  });
  await knex.raw('CREATE INDEX applied_usage_thresholds_invoice ON applied_usage_thresholds (invoice_id)');
  await knex.raw('CREATE INDEX applied_usage_thresholds_period ON applied_usage_thresholds (subscription_id, charges_from_datetime)');

  await knex.schema.createTable('lifetime_usages', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('subscription_id').notNullable().unique().references('subscriptions.id').onDelete('CASCADE');
    t.bigInteger('historical_usage_amount_cents').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('historical_usage_amount_cents >= 0', [], 'lifetime_usages_historical_non_negative');
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

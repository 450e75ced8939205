/**
 * Issue 15 pt 4, live wallets: what a wallet may pay for (Lago's `applies_to`: fee types and the
 * billable metrics of charge fees; both empty: everything) and the limits of one paid top-up
 * (`paid_top_up_min/max_amount_cents`, null: no limit). The ongoing balance is computed when read
 * (services/credits/ongoing-balances.ts): nothing is stored for it.
 *
 * A wallet's recurring top-up rule (Lago's `recurring_transaction_rules`, one active per wallet)
 * and one row per top-up a rule made, under a unique key: a threshold crossing (`threshold:<what
 * the wallet had been given until then>`) tops up once however many events (or concurrent
 * batches) find the balance below; an interval date (`interval:<YYYY-MM-DD>`) once however often
 * its workflow's activity is retried.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('wallets', (t) => {
    t.specificType('applies_to_fee_types', 'text[]').notNullable().defaultTo('{}');
    t.specificType('applies_to_billable_metric_ids', 'uuid[]').notNullable().defaultTo('{}');
    t.bigInteger('paid_top_up_min_amount_cents');
    t.bigInteger('paid_top_up_max_amount_cents');
    t.check('paid_top_up_min_amount_cents IS NULL OR paid_top_up_min_amount_cents > 0', [], 'wallets_top_up_min_positive');
    t.check('paid_top_up_max_amount_cents IS NULL OR paid_top_up_max_amount_cents > 0', [], 'wallets_top_up_max_positive');
  });

  await knex.schema.createTable('wallet_recurring_rules', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('wallet_id').notNullable().references('wallets.id');
    t.text('status').notNullable().defaultTo('active'); // active | terminated
    t.text('trigger').notNullable(); // threshold | interval
    t.text('method').notNullable().defaultTo('fixed'); // fixed | target
    t.text('interval');
    t.decimal('threshold_credits', 30, 5);
    t.decimal('paid_credits', 30, 5).notNullable().defaultTo(0);
    t.decimal('granted_credits', 30, 5).notNullable().defaultTo(0);
    t.decimal('target_ongoing_balance', 30, 5);
    t.boolean('grants_target_top_up');
    t.boolean('ignore_paid_top_up_limits').notNullable().defaultTo(false);
    t.timestamp('started_at', { useTz: true });
    t.timestamp('expiration_at', { useTz: true });
    t.text('transaction_name');
    t.jsonb('transaction_metadata').notNullable().defaultTo('[]');
    t.text('purchase_order_number');
    t.timestamp('terminated_at', { useTz: true });
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw("CREATE UNIQUE INDEX wallet_recurring_rules_one_active ON wallet_recurring_rules (wallet_id) WHERE status = 'active'");

  await knex.schema.createTable('wallet_rule_top_ups', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('rule_id').notNullable().references('wallet_recurring_rules.id');
    t.text('top_up_key').notNullable();
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.unique(['rule_id', 'top_up_key'], { indexName: 'wallet_rule_top_ups_once' });
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

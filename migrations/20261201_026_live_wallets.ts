/**
 * Issue 15 pt 4, live wallets: what a wallet may pay for (Lago's `applies_to`: fee types and the
 * billable metrics of charge fees; both empty: everything) and the limits of one paid top-up
 * (`paid_top_up_min/max_amount_cents`, null: no limit). The ongoing balance is computed when read
 * (services/credits/ongoing-balances.ts): nothing is stored for it.
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
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

/**
 * Issue 15 pt 4, wallet alerts (Lago's `/customers/:external_id/wallets/:code/alerts`, the
 * `wallet_*` types of `usage_monitoring_alerts`, direction `decreasing`): alerts on a wallet, their
 * thresholds and the alerts they triggered. Kept apart from the subscription alerts' tables
 * (migration 024): they belong to the credits domain, have no period, and fire on a fall.
 *
 * Exactly once: an evaluation holds the wallet's and the alert's row locks and reads the alert's
 * `evaluations` count; a triggered alert is unique per (alert, evaluation), so two evaluations that
 * read the same state cannot both record a crossing.
 */
import type { Knex } from 'knex';

const WALLET_ALERT_TYPES = ['wallet_balance_amount', 'wallet_credits_balance', 'wallet_ongoing_balance_amount', 'wallet_credits_ongoing_balance'];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('wallet_alerts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('wallet_id').notNullable().references('wallets.id');
    t.text('alert_type').notNullable();
    t.text('code').notNullable();
    t.text('name');
    // The value the last evaluation read (cents or credits, exact); at creation, the value then (Lago).
    t.specificType('previous_value', 'numeric').notNullable().defaultTo(0);
    t.integer('evaluations').notNullable().defaultTo(0);
    t.timestamp('last_processed_at', { useTz: true });
    // The instant of the insert, not of the transaction: a batch lists in the order it was given.
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.raw('clock_timestamp()'));
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
    t.check(`alert_type IN (${WALLET_ALERT_TYPES.map((type) => `'${type}'`).join(', ')})`, [], 'wallet_alerts_type');
  });
  // As Lago's indexes: one live alert per code, and per type, on a wallet.
  await knex.raw('CREATE UNIQUE INDEX wallet_alerts_code ON wallet_alerts (wallet_id, code) WHERE deleted_at IS NULL');
  await knex.raw('CREATE UNIQUE INDEX wallet_alerts_type ON wallet_alerts (wallet_id, alert_type) WHERE deleted_at IS NULL');

  await knex.schema.createTable('wallet_alert_thresholds', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('wallet_alert_id').notNullable().references('wallet_alerts.id').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.text('code');
    // Cents for the `*_amount` types, credits for the `*_credits_*` ones (Lago's decimal(30, 5)).
    t.decimal('value', 30, 5).notNullable();
    t.boolean('recurring').notNullable().defaultTo(false);
    t.unique(['wallet_alert_id', 'position']);
  });
  await knex.raw('CREATE UNIQUE INDEX wallet_alert_thresholds_one_recurring ON wallet_alert_thresholds (wallet_alert_id) WHERE recurring');

  await knex.schema.createTable('wallet_triggered_alerts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('wallet_alert_id').notNullable().references('wallet_alerts.id');
    t.uuid('wallet_id').notNullable().references('wallets.id');
    // The alert's `evaluations` before the one that triggered: one triggered alert per evaluation.
    t.integer('evaluation').notNullable();
    t.specificType('current_value', 'numeric').notNullable();
    t.specificType('previous_value', 'numeric').notNullable();
    t.jsonb('crossed_thresholds').notNullable();
    t.timestamp('triggered_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['wallet_alert_id', 'evaluation'], { indexName: 'wallet_triggered_alerts_once' });
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

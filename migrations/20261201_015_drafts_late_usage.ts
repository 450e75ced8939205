/**
 * Drafts, grace periods and late usage (issue 11).
 *
 * - organizations: `invoice_grace_period` (days a periodic invoice stays a draft, unless the
 *   customer's `billing_configuration` sets its own) and `late_usage` (`next_invoice`: usage that
 *   arrives for a period already finalized is billed on the next invoice as an adjustment;
 *   `ignore`: it is never billed, as in Lago);
 * - invoices: `occasion` (what a subscription invoice bills, so a draft can be computed again) and
 *   `finalizes_on` (a draft's expected finalization date, Lago's `expected_finalization_date`);
 * - usage_windows: every usage window an invoice prices (a period's charges window, or an earlier
 *   window re-rated for its late usage), with the PostgreSQL snapshot taken before its events
 *   were read. An event is in the pricing exactly when its transaction is visible in that
 *   snapshot (`pg_visible_in_snapshot(events.xact_id, …)`): what tells late usage apart and what
 *   `GET /events/:transaction_id` answers. Rewritten with its draft on refresh;
 * - fees: `adjusted_window_id`, set on a late-usage adjustment: the window it re-rates.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('organizations', (t) => {
    t.integer('invoice_grace_period').notNullable().defaultTo(0);
    t.text('late_usage').notNullable().defaultTo('next_invoice');
  });
  await knex.raw('ALTER TABLE organizations ADD CONSTRAINT organizations_invoice_grace_period_range CHECK (invoice_grace_period BETWEEN 0 AND 365)');
  await knex.raw("ALTER TABLE organizations ADD CONSTRAINT organizations_late_usage_values CHECK (late_usage IN ('next_invoice', 'ignore'))");

  await knex.schema.alterTable('invoices', (t) => {
    t.jsonb('occasion');
    t.date('finalizes_on');
  });

  await knex.schema.createTable('usage_windows', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    // Pricing order: a later row's snapshot sees at least what an earlier one saw.
    t.specificType('seq', 'bigint GENERATED ALWAYS AS IDENTITY');
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('invoice_id').notNullable().references('invoices.id').onDelete('CASCADE');
    t.uuid('subscription_id').notNullable().references('subscriptions.id');
    t.text('external_subscription_id').notNullable();
    t.text('kind').notNullable();
    t.uuid('adjusted_window_id').references('usage_windows.id');
    t.timestamp('from_datetime', { useTz: true }).notNullable();
    t.timestamp('to_datetime', { useTz: true }).notNullable();
    t.text('usage_snapshot').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['invoice_id', 'kind', 'subscription_id', 'from_datetime']);
  });
  await knex.raw("ALTER TABLE usage_windows ADD CONSTRAINT usage_windows_kind CHECK (kind IN ('period', 'late_usage'))");
  await knex.raw("ALTER TABLE usage_windows ADD CONSTRAINT usage_windows_adjusts CHECK ((kind = 'late_usage') = (adjusted_window_id IS NOT NULL))");
  await knex.raw('CREATE INDEX usage_windows_subscription ON usage_windows (organization_id, external_subscription_id, from_datetime)');
  await knex.raw('CREATE INDEX usage_windows_adjusted ON usage_windows (adjusted_window_id) WHERE adjusted_window_id IS NOT NULL');

  await knex.schema.alterTable('fees', (t) => {
    t.uuid('adjusted_window_id').references('usage_windows.id');
  });
  await knex.raw('CREATE INDEX fees_adjusted_window ON fees (adjusted_window_id) WHERE adjusted_window_id IS NOT NULL');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

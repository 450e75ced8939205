/**
 * Issue 10's last answers in Lago's shape:
 * - `coupon_credits`: what each invoice drew from each applied coupon (Lago's `credits` of an
 *   applied coupon, and the coupon lines of an invoice's `credits`), written by the invoice writer
 *   in the invoice's transaction (services/invoicing/invoice-adjustments.ts); one row per invoice
 *   and applied coupon.
 * - The charge filter a fee billed (`fees.charge_filter_id`, with the filter's values and invoice
 *   display name as they were when billed), for Lago's `lago_charge_filter_id`, `item.filters` and
 *   `item.filter_invoice_display_name`. Fees billed before are filled from their key
 *   (`…charge:<charge id>:<filter id>`) and their charge's filters.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('coupon_credits', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('invoice_id').notNullable().references('invoices.id');
    t.uuid('applied_coupon_id').notNullable().references('applied_coupons.id');
    t.bigInteger('amount_cents').notNullable();
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.unique(['invoice_id', 'applied_coupon_id']);
    t.check('amount_cents > 0', [], 'coupon_credits_amount_positive');
  });
  await knex.raw('CREATE INDEX coupon_credits_applied_coupon ON coupon_credits (applied_coupon_id)');

  await knex.schema.alterTable('fees', (t) => {
    t.uuid('charge_filter_id').nullable();
    t.jsonb('charge_filter_values').nullable();
    t.text('charge_filter_invoice_display_name').nullable();
  });
  await knex.raw(`
    UPDATE fees SET charge_filter_id = (regexp_match(fee_key, ':([0-9a-f-]{36})$'))[1]::uuid
    WHERE fee_type = 'charge' AND charge_id IS NOT NULL AND fee_key ~ ('(^|:)charge:' || charge_id::text || ':[0-9a-f-]{36}$')`);
  await knex.raw(`
    UPDATE fees SET charge_filter_values = filter.value -> 'values', charge_filter_invoice_display_name = filter.value ->> 'invoice_display_name'
    FROM charges, jsonb_array_elements(charges.filters) AS filter(value)
    WHERE fees.charge_filter_id IS NOT NULL AND charges.id = fees.charge_id AND filter.value ->> 'id' = fees.charge_filter_id::text`);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

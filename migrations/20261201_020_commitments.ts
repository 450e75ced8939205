/**
 * Issue 16 pt 4, commitments and minimums.
 * - `commitments`: a plan's minimum commitment (Lago's Commitment, `commitment_type`
 *   `minimum_commitment`, at most one per plan): the amount its subscriptions' fees of a period must
 *   reach, else a true-up fee (fee_type `commitment`) bills the difference at the period's close;
 *   its name on invoices. Its own taxes in `commitment_taxes` (as `plan_taxes`).
 * - `fees.true_up_fee_id` / `fees.true_up_parent_fee_id`: a charge's spending-minimum true-up fee and
 *   the fee it tops up, linked both ways within one invoice (Lago's `lago_true_up_fee_id` on the
 *   parent, `lago_true_up_parent_fee_id` on the true-up); null on every other fee.
 * Charges' `min_amount_cents` existed already (migration 001).
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('commitments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('plan_id').notNullable().references('plans.id').onDelete('CASCADE');
    t.text('commitment_type').notNullable().defaultTo('minimum_commitment');
    t.bigInteger('amount_cents').notNullable();
    t.text('invoice_display_name');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['plan_id', 'commitment_type']);
    t.check('amount_cents > 0', [], 'commitments_amount_positive');
    t.check("commitment_type IN ('minimum_commitment')", [], 'commitments_type');
  });
  await knex.schema.createTable('commitment_taxes', (t) => {
    t.uuid('owner_id').notNullable().references('commitments.id').onDelete('CASCADE');
    t.uuid('tax_id').notNullable().references('taxes.id').onDelete('CASCADE');
    t.primary(['owner_id', 'tax_id']);
  });
  await knex.schema.alterTable('fees', (t) => {
    t.uuid('true_up_fee_id').nullable().references('fees.id').onDelete('SET NULL');
    t.uuid('true_up_parent_fee_id').nullable().references('fees.id').onDelete('SET NULL');
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

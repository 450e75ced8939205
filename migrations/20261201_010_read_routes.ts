/**
 * The read routes of issue 10: an invoice-less fee's own payment status (Lago's `PUT /fees/:id`)
 * and its deletion while unpaid (soft: the row keeps the fee's business key taken, so a retried
 * activity never bills the event again). The metadata of wallets and credit notes that its
 * routes manage came with migration 009.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('fees', (t) => {
    // Meaningful for fees without an invoice; an invoiced fee shows its invoice's payment status.
    t.text('payment_status').notNullable().defaultTo('pending');
    t.timestamp('succeeded_at', { useTz: true });
    t.timestamp('failed_at', { useTz: true });
    t.timestamp('refunded_at', { useTz: true });
    t.timestamp('deleted_at', { useTz: true });
    t.check("payment_status IN ('pending', 'succeeded', 'failed', 'refunded')", [], 'fees_payment_status');
    t.check('deleted_at IS NULL OR invoice_id IS NULL', [], 'fees_only_invoiceless_deleted');
  });
  await knex.raw('CREATE INDEX fees_invoiceless ON fees (organization_id, created_at) WHERE invoice_id IS NULL AND deleted_at IS NULL');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

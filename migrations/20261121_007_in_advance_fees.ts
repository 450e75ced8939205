/** A pay-in-advance fee without an invoice (`invoiceable: false`) is still created once per event and charge. */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE UNIQUE INDEX fees_without_invoice_key ON fees (organization_id, fee_key) WHERE invoice_id IS NULL');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

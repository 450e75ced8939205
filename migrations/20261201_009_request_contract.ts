/**
 * Descriptive fields of Lago's requests that Billow used to drop and now stores and shows (honour
 * or refuse, src/api/contract.ts): a customer's logo URL and shipping address, purchase order
 * numbers of subscriptions, wallets and wallet transactions, and the key-value metadata of wallets
 * and credit notes. None of them changes an amount.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('customers', (t) => {
    t.text('logo_url');
    // Lago's six keys (address_line1, address_line2, city, state, zipcode, country), those set only.
    t.jsonb('shipping_address').notNullable().defaultTo('{}');
  });
  await knex.schema.alterTable('subscriptions', (t) => {
    t.text('purchase_order_number');
  });
  await knex.schema.alterTable('wallets', (t) => {
    t.text('purchase_order_number');
    // Lago's MetadataInput: string keys → string or null values; null when never set.
    t.jsonb('metadata');
  });
  await knex.schema.alterTable('wallet_transactions', (t) => {
    t.text('purchase_order_number');
  });
  await knex.schema.alterTable('credit_notes', (t) => {
    t.jsonb('metadata');
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

/**
 * Issue 16, grouped pricing: the pricing group a usage fee billed (Lago's `item.grouped_by`),
 * key → value (null for events without the property), as it was when billed; null for fees that
 * bill no group (every fee written before). And a usage fee's units by presentation keys
 * (`presentation_breakdowns`, display only): [] for fees without them.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('fees', (t) => {
    t.jsonb('grouped_by').nullable();
    t.jsonb('presentation_breakdowns').notNullable().defaultTo('[]');
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

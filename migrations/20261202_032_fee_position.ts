/**
 * An invoice's fees in the order its writer wrote them (its parts' order, then each part's lines):
 * fees written by one statement share their creation instant, and the reads that order fees by type
 * and creation instant left such ties to the database, so two reads of one invoice (its webhook, its
 * API answer, its PDF) could list them differently. Fees written before this migration, and fees
 * written before their invoice (pay-in-advance charges), have none; their id decides.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE fees ADD COLUMN position integer');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

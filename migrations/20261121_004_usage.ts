/**
 * Usage: each event row records the id of the transaction that inserted it, so the current-usage
 * cache (src/db/usage-cache.ts) can read exactly the rows committed since the snapshot it last
 * aggregated ("visible now, not visible then") through a small index, instead of re-reading a
 * period of events. Events are append-only, which is what makes that exact.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE events ADD COLUMN xact_id xid8 NOT NULL DEFAULT pg_current_xact_id()');
  await knex.raw('CREATE INDEX events_usage_delta ON events (organization_id, external_subscription_id, code, xact_id)');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

/**
 * Issue 12: every close asks whether its subscription has a pending successor, and every invoice's
 * webhook object reads its subscriptions' plan changes, both by `previous_subscription_id`, which had
 * no index: at 100,000 subscriptions each of those reads scanned the table.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX subscriptions_previous_subscription ON subscriptions (previous_subscription_id) WHERE previous_subscription_id IS NOT NULL');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

/**
 * Workflow starts (issue 12): the outbox of subscription workflows to start. `POST /subscriptions`
 * writes the subscription and the intent to start its workflow in one transaction; the API starts
 * it at once when Temporal answers, and the outbox relay does it otherwise (src/webhooks/relay.ts):
 * no subscription is left without its workflow. `input` is what the workflow is started with
 * (its state, search attributes), fixed when the subscription was created. One row per subscription.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('workflow_starts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('subscription_id').notNullable().unique().references('subscriptions.id').onDelete('CASCADE');
    t.text('workflow_id').notNullable();
    t.jsonb('input').notNullable();
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('dispatched_at', { useTz: true });
  });
  await knex.raw('CREATE INDEX workflow_starts_pending ON workflow_starts (created_at) WHERE dispatched_at IS NULL');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

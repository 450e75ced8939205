/**
 * Plans pending deletion (Lago's `pending_deletion`): `DELETE /plans/:code` marks the plan, ends its
 * subscriptions through their workflows, and the plan is soft-deleted once none is left
 * (src/services/subscriptions/deletions.ts). A plan pending deletion accepts no new subscription.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('plans', (t) => {
    t.boolean('pending_deletion').notNullable().defaultTo(false);
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

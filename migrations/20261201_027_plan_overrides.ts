/**
 * Issue 16 point 6, per-customer overrides (Lago's `plan_overrides`): a subscription's overrides
 * live in a child plan, a copy of its parent (`plans.parent_id`) with the same code, that the
 * subscription is billed on. A child is never found by its code (GET /plans, a new subscription's
 * `plan_code`): the code stays unique among parents only. Its charges and fixed charges name the
 * parent's they were copied from (`parent_id`, Lago's `lago_parent_id`), which is how an override
 * sent with the parent's charge id finds the child's, and how `cascade_updates` finds the children.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('plans', (t) => {
    t.uuid('parent_id').nullable().references('plans.id');
    t.index(['parent_id'], 'plans_parent');
  });
  await knex.raw('DROP INDEX plans_code');
  await knex.raw('CREATE UNIQUE INDEX plans_code ON plans (organization_id, code) WHERE deleted_at IS NULL AND parent_id IS NULL');
  await knex.schema.alterTable('charges', (t) => {
    t.uuid('parent_id').nullable().references('charges.id');
    t.index(['parent_id'], 'charges_parent');
  });
  await knex.schema.alterTable('fixed_charges', (t) => {
    t.uuid('parent_id').nullable().references('fixed_charges.id');
    t.index(['parent_id'], 'fixed_charges_parent');
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

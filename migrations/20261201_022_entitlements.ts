/**
 * Issue 16, features and entitlements (Lago's `entitlement_*` tables): an organization's features,
 * each with its privileges (typed values: integer, string, boolean, select with its options); a
 * plan's entitlements (a feature granted, with a value per privilege); a subscription's overrides
 * (an entitlement of its own: a feature the plan lacks, or other values for the plan's privileges);
 * and its removals (a feature or a privilege of the plan that this subscription does not get).
 *
 * Deleting a feature or a privilege deletes what refers to it (Lago: "removes it from all plans and
 * subscriptions"); nothing billed refers to them, so the rows go rather than being soft-deleted.
 * Values are stored as text, as Lago does, and cast to the privilege's type when shown.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('features', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('code').notNullable();
    t.text('name');
    t.text('description');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['organization_id', 'code'], { indexName: 'features_code' });
  });

  await knex.schema.createTable('privileges', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('feature_id').notNullable().references('features.id').onDelete('CASCADE');
    t.text('code').notNullable();
    t.text('name');
    t.text('value_type').notNullable();
    // `{"select_options": [...]}` for a select, `{}` otherwise.
    t.jsonb('config').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['feature_id', 'code'], { indexName: 'privileges_code' });
    t.check("value_type IN ('integer', 'string', 'boolean', 'select')", [], 'privileges_value_type');
  });

  // A plan's entitlement (plan_id) or a subscription's override (subscription_id), one per feature.
  await knex.schema.createTable('entitlements', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('feature_id').notNullable().references('features.id').onDelete('CASCADE');
    t.uuid('plan_id').references('plans.id').onDelete('CASCADE');
    t.uuid('subscription_id').references('subscriptions.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('(plan_id IS NULL) <> (subscription_id IS NULL)', [], 'entitlements_one_owner');
  });
  await knex.raw('CREATE UNIQUE INDEX entitlements_plan_feature ON entitlements (plan_id, feature_id) WHERE plan_id IS NOT NULL');
  await knex.raw('CREATE UNIQUE INDEX entitlements_subscription_feature ON entitlements (subscription_id, feature_id) WHERE subscription_id IS NOT NULL');

  await knex.schema.createTable('entitlement_values', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('entitlement_id').notNullable().references('entitlements.id').onDelete('CASCADE');
    t.uuid('privilege_id').notNullable().references('privileges.id').onDelete('CASCADE');
    t.text('value').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['entitlement_id', 'privilege_id'], { indexName: 'entitlement_values_privilege' });
  });

  // What a subscription does not get of its plan: a whole feature, or one privilege.
  await knex.schema.createTable('entitlement_removals', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('subscription_id').notNullable().references('subscriptions.id').onDelete('CASCADE');
    t.uuid('feature_id').references('features.id').onDelete('CASCADE');
    t.uuid('privilege_id').references('privileges.id').onDelete('CASCADE');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.check('(feature_id IS NULL) <> (privilege_id IS NULL)', [], 'entitlement_removals_one_target');
  });
  await knex.raw('CREATE UNIQUE INDEX entitlement_removals_feature ON entitlement_removals (subscription_id, feature_id) WHERE feature_id IS NOT NULL');
  await knex.raw('CREATE UNIQUE INDEX entitlement_removals_privilege ON entitlement_removals (subscription_id, privilege_id) WHERE privilege_id IS NOT NULL');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

/**
 * Issue 16 point 5, fixed charges (Lago's `fixed_charges` on plans): a quantity-priced recurring fee
 * attached to an add-on, its units set by API rather than by events.
 * - `fixed_charges`: one per plan and code (live ones), with its add-on, charge model
 *   (standard, graduated, volume), properties, plan-level units, timing and proration;
 * - `fixed_charge_taxes`: its own taxes (Lago's precedence: the fixed charge's, else the plan's,
 *   else the customer's);
 * - `fixed_charge_units`: a subscription's units history (Lago's fixed charge events): the units
 *   in force from `effective_at` on. Read when a period's invoice is computed, so a change of
 *   units needs nothing from the subscription's workflow;
 * - `plans.bill_fixed_charges_monthly` (yearly and semiannual plans only, null otherwise);
 * - `fees.fixed_charge_id`: the fixed charge a `fixed_charge` fee bills.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('plans', (t) => {
    t.boolean('bill_fixed_charges_monthly').nullable();
  });

  await knex.schema.createTable('fixed_charges', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('plan_id').notNullable().references('plans.id').onDelete('CASCADE');
    t.uuid('add_on_id').notNullable().references('add_ons.id');
    t.text('code').notNullable();
    t.text('invoice_display_name');
    t.text('charge_model').notNullable();
    t.boolean('pay_in_advance').notNullable().defaultTo(false);
    t.boolean('prorated').notNullable().defaultTo(false);
    t.jsonb('properties').notNullable().defaultTo('{}');
    t.decimal('units', 30, 10).notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
  });
  await knex.raw('CREATE UNIQUE INDEX fixed_charges_code ON fixed_charges (plan_id, code) WHERE deleted_at IS NULL');
  await knex.raw(`ALTER TABLE fixed_charges ADD CONSTRAINT fixed_charges_model CHECK (charge_model IN ('standard', 'graduated', 'volume'))`);
  await knex.raw('ALTER TABLE fixed_charges ADD CONSTRAINT fixed_charges_units CHECK (units >= 0)');

  await knex.schema.createTable('fixed_charge_taxes', (t) => {
    t.uuid('owner_id').notNullable().references('fixed_charges.id').onDelete('CASCADE');
    t.uuid('tax_id').notNullable().references('taxes.id').onDelete('CASCADE');
    t.primary(['owner_id', 'tax_id']);
  });

  await knex.schema.createTable('fixed_charge_units', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('subscription_id').notNullable().references('subscriptions.id').onDelete('CASCADE');
    t.uuid('fixed_charge_id').notNullable().references('fixed_charges.id').onDelete('CASCADE');
    t.decimal('units', 30, 10).notNullable();
    /** The instant the units apply from (now, or the next period's start when not applied immediately). */
    t.timestamp('effective_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.specificType('seq', 'bigserial');
  });
  await knex.raw('ALTER TABLE fixed_charge_units ADD CONSTRAINT fixed_charge_units_units CHECK (units >= 0)');
  await knex.raw('CREATE INDEX fixed_charge_units_subscription ON fixed_charge_units (subscription_id, fixed_charge_id, seq)');

  await knex.schema.alterTable('fees', (t) => {
    t.uuid('fixed_charge_id').nullable().references('fixed_charges.id');
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

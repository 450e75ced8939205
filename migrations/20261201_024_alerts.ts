/**
 * Issue 15 pt 3, usage alerts (Lago's `usage_monitoring_*`): alerts on a subscription (by its
 * external id, as Lago: they outlive a plan change), their thresholds, the alerts triggered, and
 * one row per threshold crossed per period whose primary key makes each threshold (or each step of
 * the recurring one) trigger once per period, however many evaluations run at once.
 */
import type { Knex } from 'knex';

const ALERT_TYPES = ['current_usage_amount', 'billable_metric_current_usage_amount', 'billable_metric_current_usage_units', 'lifetime_usage_amount'];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('alerts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('subscription_external_id').notNullable();
    t.uuid('billable_metric_id').references('billable_metrics.id');
    t.text('alert_type').notNullable();
    t.text('code').notNullable();
    t.text('name');
    // The value the last evaluation read (exact), and the period it was read in: a new period starts from 0.
    t.specificType('previous_value', 'numeric').notNullable().defaultTo(0);
    t.timestamp('previous_period_start', { useTz: true });
    t.timestamp('last_processed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
    t.check(`alert_type IN (${ALERT_TYPES.map((type) => `'${type}'`).join(', ')})`, [], 'alerts_type');
    t.check("(billable_metric_id IS NOT NULL) = (alert_type LIKE 'billable_metric_%')", [], 'alerts_metric');
  });
  // As Lago's indexes: one live alert per code, and per type (and metric), on a subscription.
  await knex.raw('CREATE UNIQUE INDEX alerts_code ON alerts (organization_id, subscription_external_id, code) WHERE deleted_at IS NULL');
  await knex.raw('CREATE UNIQUE INDEX alerts_type ON alerts (organization_id, subscription_external_id, alert_type) WHERE deleted_at IS NULL AND billable_metric_id IS NULL');
  await knex.raw('CREATE UNIQUE INDEX alerts_type_metric ON alerts (organization_id, subscription_external_id, alert_type, billable_metric_id) WHERE deleted_at IS NULL AND billable_metric_id IS NOT NULL');

  await knex.schema.createTable('alert_thresholds', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('alert_id').notNullable().references('alerts.id').onDelete('CASCADE');
    t.integer('position').notNullable();
    t.text('code');
    // Cents for the amount types, units for billable_metric_current_usage_units (Lago's decimal(30, 5)).
    t.decimal('value', 30, 5).notNullable();
    t.boolean('recurring').notNullable().defaultTo(false);
    t.unique(['alert_id', 'position']);
  });
  await knex.raw('CREATE UNIQUE INDEX alert_thresholds_one_recurring ON alert_thresholds (alert_id) WHERE recurring');

  await knex.schema.createTable('triggered_alerts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('alert_id').notNullable().references('alerts.id');
    t.uuid('subscription_id').notNullable().references('subscriptions.id');
    t.timestamp('period_start', { useTz: true }).notNullable();
    t.specificType('current_value', 'numeric').notNullable();
    t.specificType('previous_value', 'numeric').notNullable();
    // [{code, value, recurring}] as the webhook shows them.
    t.jsonb('crossed_thresholds').notNullable();
    t.timestamp('triggered_at', { useTz: true }).notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX triggered_alerts_alert ON triggered_alerts (alert_id)');

  // Once per threshold per period: `fixed:<value>` or `recurring:<step value>`.
  await knex.schema.createTable('alert_crossings', (t) => {
    t.uuid('alert_id').notNullable().references('alerts.id');
    t.timestamp('period_start', { useTz: true }).notNullable();
    t.text('threshold_key').notNullable();
    t.uuid('triggered_alert_id').notNullable().references('triggered_alerts.id');
    t.primary(['alert_id', 'period_start', 'threshold_key']);
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

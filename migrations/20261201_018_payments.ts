/**
 * Getting paid (issue 14): payment providers (an organization's Stripe connection, its secrets
 * sealed at rest), payments (manual, partial, or one per provider attempt), the provider events
 * already handled (a replayed webhook changes nothing), and the outbox of workflows to start (a
 * payment workflow per finalized invoice to collect at a provider). Invoices get what they were
 * paid and whether they are overdue.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('invoices', (t) => {
    // The sum of the invoice's succeeded payments (never more than its total: overpayment is refused).
    t.bigInteger('total_paid_amount_cents').notNullable().defaultTo(0);
    // Set by the invoice's payment workflow when its due date has passed unpaid; cleared when paid.
    t.boolean('payment_overdue').notNullable().defaultTo(false);
  });
  await knex.raw('CREATE INDEX invoices_overdue ON invoices (organization_id, customer_id) WHERE payment_overdue');

  // One connection per provider type and organization. Secrets are sealed (src/runtime/secrets.ts),
  // bound to their row and column, and never shown.
  await knex.schema.createTable('payment_providers', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('provider_type').notNullable();
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.text('secret_key').notNullable();
    t.text('webhook_secret').notNullable();
    t.text('success_redirect_url');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['organization_id', 'provider_type']);
    t.check("provider_type IN ('stripe')", [], 'payment_providers_type');
  });

  // Payments: a manual one, or one per attempt at a provider (its idempotency key: invoice or
  // request, and attempt). Each succeeded one counts once towards what its invoices were paid.
  await knex.schema.createTable('payments', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('customer_id').notNullable().references('customers.id');
    t.uuid('invoice_id').notNullable().references('invoices.id');
    t.text('payment_type').notNullable();
    t.text('provider_type');
    t.uuid('payment_provider_id').references('payment_providers.id').onDelete('SET NULL');
    t.text('provider_customer_id');
    t.text('provider_payment_id');
    t.integer('attempt');
    t.text('idempotency_key');
    t.bigInteger('amount_cents').notNullable();
    t.text('currency').notNullable();
    // The provider's own status (Stripe's PaymentIntent status); `succeeded` for a manual payment.
    t.text('status').notNullable();
    // Lago's normalized status.
    t.text('payment_status').notNullable();
    t.text('reference');
    t.jsonb('next_action');
    t.jsonb('provider_error');
    t.timestamp('paid_at', { useTz: true });
    t.timestamp('failed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['organization_id', 'idempotency_key']);
    t.unique(['organization_id', 'provider_type', 'provider_payment_id']);
    t.check('amount_cents > 0', [], 'payments_amount_positive');
    t.check("payment_type IN ('manual', 'provider')", [], 'payments_payment_type');
    t.check("payment_status IN ('pending', 'processing', 'succeeded', 'failed')", [], 'payments_payment_status');
  });
  await knex.raw('CREATE INDEX payments_invoice ON payments (invoice_id, created_at)');
  await knex.raw('CREATE INDEX payments_customer ON payments (organization_id, customer_id, created_at)');

  // Events a provider sent that were handled: the same event twice is handled once.
  await knex.schema.createTable('provider_events', (t) => {
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('provider_type').notNullable();
    t.text('event_id').notNullable();
    t.text('event_type').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['organization_id', 'provider_type', 'event_id']);
  });

  // The outbox of workflows to start: written in the transaction of the change that needs them,
  // started once by the relay (payment/invoice/<id>, refund/credit_note/<id>).
  await knex.schema.createTable('workflow_requests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('workflow_type').notNullable();
    t.text('workflow_id').notNullable();
    t.jsonb('args').notNullable();
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('dispatched_at', { useTz: true });
    t.unique(['organization_id', 'workflow_id']);
  });
  await knex.raw('CREATE INDEX workflow_requests_pending ON workflow_requests (created_at) WHERE dispatched_at IS NULL');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

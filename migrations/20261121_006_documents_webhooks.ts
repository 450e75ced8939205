/**
 * Documents and webhooks: endpoints, the transactional outbox of webhook events, one delivery
 * state per (event, endpoint), the log of every attempt, and the instance's signing keys.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  // PDF paper size of the organization's documents: 'A4' or 'Letter'; null = by its country.
  await knex.schema.alterTable('organizations', (t) => {
    t.text('document_paper_size');
  });
  // Where a credit note's PDF is stored (invoices.file_path has existed since 002).
  await knex.schema.alterTable('credit_notes', (t) => {
    t.text('file_path');
  });

  await knex.schema.createTable('webhook_endpoints', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('webhook_url').notNullable();
    t.text('signature_algo').notNullable().defaultTo('jwt');
    t.text('name');
    // null = every event type; otherwise a JSON array of webhook types.
    t.jsonb('event_types');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['organization_id', 'webhook_url']);
    t.check("signature_algo IN ('jwt', 'hmac')", [], 'webhook_endpoints_signature_algo');
  });

  // The outbox: written in the transaction of the change it reports, relayed to Temporal afterwards.
  await knex.schema.createTable('webhook_events', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('webhook_type').notNullable();
    t.text('object_type').notNullable();
    t.text('object_id');
    // Optional business key (e.g. "invoice.generated:<invoice id>") so an event is recorded once.
    t.text('idempotency_key');
    // `json`, not `jsonb`: the payload keeps its key order, so the body reads like Lago's.
    t.json('payload').notNullable();
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('dispatched_at', { useTz: true });
    t.unique(['organization_id', 'idempotency_key']);
  });
  await knex.raw('CREATE INDEX webhook_events_pending ON webhook_events (created_at) WHERE dispatched_at IS NULL');
  await knex.raw('CREATE INDEX webhook_events_object ON webhook_events (organization_id, object_type, object_id)');

  // One delivery per (event, endpoint): its current state (Lago's `webhooks`).
  await knex.schema.createTable('webhooks', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('event_id').notNullable().references('webhook_events.id').onDelete('CASCADE');
    t.uuid('endpoint_id').references('webhook_endpoints.id').onDelete('SET NULL');
    t.text('webhook_url').notNullable();
    t.text('webhook_type').notNullable();
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('last_http_status');
    t.text('last_error');
    t.timestamp('last_attempt_at', { useTz: true });
    t.timestamp('succeeded_at', { useTz: true });
    t.timestamp('failed_at', { useTz: true });
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['event_id', 'endpoint_id']);
    t.check("status IN ('pending', 'retrying', 'succeeded', 'failed')", [], 'webhooks_status');
  });
  await knex.raw('CREATE INDEX webhooks_organization ON webhooks (organization_id, status, created_at)');
  await knex.raw('CREATE INDEX webhooks_endpoint ON webhooks (endpoint_id, created_at)');

  // Every attempt, automatic (Temporal's retries) or manual (POST /webhooks/:id/retry).
  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('webhook_id').notNullable().references('webhooks.id').onDelete('CASCADE');
    t.uuid('event_id').notNullable().references('webhook_events.id').onDelete('CASCADE');
    t.uuid('endpoint_id').references('webhook_endpoints.id').onDelete('SET NULL');
    t.integer('attempt').notNullable();
    t.text('trigger').notNullable().defaultTo('automatic');
    t.integer('http_status');
    t.text('error');
    t.text('response_body');
    t.timestamp('started_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true, precision: 6 });
    t.integer('duration_ms');
    t.unique(['webhook_id', 'attempt']);
  });
  await knex.raw('CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, started_at)');

  // Keys generated once per installation (the RSA key that signs JWT webhooks).
  await knex.schema.createTable('instance_keys', (t) => {
    t.text('name').primary();
    t.text('private_key').notNullable();
    t.text('public_key').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

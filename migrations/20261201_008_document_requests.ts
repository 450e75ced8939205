/**
 * Document requests: the outbox of PDFs to render. A service that finalizes an invoice or creates
 * a credit note asks for its document in the same transaction (`requestDocument`); the relay
 * starts `document/<type>/<id>` for each committed request. One request per document.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('document_requests', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.text('document_type').notNullable();
    t.uuid('document_id').notNullable();
    t.timestamp('created_at', { useTz: true, precision: 6 }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('dispatched_at', { useTz: true });
    t.unique(['organization_id', 'document_type', 'document_id']);
    t.check("document_type IN ('invoice', 'credit_note')", [], 'document_requests_document_type');
  });
  await knex.raw('CREATE INDEX document_requests_pending ON document_requests (created_at) WHERE dispatched_at IS NULL');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

/**
 * Console sessions: the Billow Console exchanges an organization's API key for a session cookie
 * (src/console/session.ts). Only a SHA-256 hash of the session token is stored, as for API keys, so
 * every API process sees the session and a leaked table opens nothing. A session belongs to the
 * key it was opened with: deleting (revoking) the key deletes its sessions.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('console_sessions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('organization_id').notNullable().references('organizations.id').onDelete('CASCADE');
    t.uuid('api_key_id').notNullable().references('api_keys.id').onDelete('CASCADE');
    t.text('token_hash').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
  await knex.raw('CREATE INDEX console_sessions_api_key ON console_sessions (api_key_id)');
  await knex.raw('CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at)');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

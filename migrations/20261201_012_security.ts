/**
 * Security (issue 12): API keys get a mask (shown by `npm run api-key -- list`, never the key) and a
 * revocation date (a revoked key is refused on the next request, in every API process); an
 * organization may allow its webhooks to reach private addresses (off by default). Secrets already
 * stored in clear (HMAC keys, the webhook signing key) are encrypted by the first start that has
 * BILLOW_ENCRYPTION_KEY (src/bootstrap/secrets.ts): a migration has no key.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('api_keys', (t) => {
    // e.g. `blw_…x7Qz`: enough to tell keys apart, useless to call the API with. Null for keys made before.
    t.text('mask');
    t.timestamp('revoked_at', { useTz: true });
  });
  await knex.schema.alterTable('organizations', (t) => {
    // Self-hosted receivers on loopback or a private network (RFC 1918, CGNAT, ULA). Link-local,
    // metadata, multicast and reserved addresses stay refused whatever this says.
    t.boolean('webhooks_allow_private_addresses').notNullable().defaultTo(false);
  });
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only');
}

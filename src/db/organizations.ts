/**
 * Organizations and their API keys. Keys are stored as SHA-256 hashes with a mask (`blw_…x7Qz`),
 * never in clear; a revoked key stays listed and opens nothing. The organization's HMAC key is
 * sealed at rest (runtime/secrets.ts) and never part of `OrganizationRow`: only
 * `organizationHmacKey` reads it, for the one signature that needs it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Conn, Db } from './knex';
import { defaultDocumentPrefix } from '../billing/numbering';
import { isUuid } from '../runtime/errors';
import { isSealed, openSecret, sealSecret, sealedWith } from '../runtime/secrets';

export const LATE_USAGE_POLICIES = ['next_invoice', 'ignore'] as const;
export type LateUsagePolicy = (typeof LATE_USAGE_POLICIES)[number];

export interface OrganizationRow {
  id: string;
  name: string;
  legal_name: string | null;
  legal_number: string | null;
  tax_identification_number: string | null;
  email: string | null;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  zipcode: string | null;
  country: string | null;
  logo_url: string | null;
  invoice_footer: string | null;
  document_number_prefix: string;
  document_numbering: 'per_customer' | 'per_organization';
  timezone: string;
  default_currency: string;
  net_payment_term: number;
  /** Webhooks may reach loopback and private addresses (self-hosted receivers); false by default. */
  webhooks_allow_private_addresses: boolean;
  /** Days a periodic invoice stays a draft, for customers without their own (migration 015). */
  invoice_grace_period: number;
  /** Usage arriving for a finalized period: billed on the next invoice, or ignored as Lago does. */
  late_usage: LateUsagePolicy;
  created_at: Date;
}

/** The row as stored: with the sealed HMAC key that OrganizationRow leaves out. */
type StoredOrganization = OrganizationRow & { hmac_key: string };

/** Drops the secret column, whatever other columns the table grows. */
function withoutSecrets(row: StoredOrganization): OrganizationRow;
function withoutSecrets(row: StoredOrganization | undefined): OrganizationRow | undefined;
function withoutSecrets(row: StoredOrganization | undefined): OrganizationRow | undefined {
  if (!row) return undefined;
  const { hmac_key: _secret, ...organization } = row;
  return organization;
}

const hmacContext = (organizationId: string) => `organizations.hmac_key:${organizationId}`;

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

export function generateApiKey(): string {
  return `blw_${randomBytes(24).toString('base64url')}`;
}

/** `blw_…x7Qz`: the prefix of generated keys and the last four characters. */
export function maskApiKey(apiKey: string): string {
  return `${apiKey.startsWith('blw_') ? 'blw_' : ''}…${apiKey.slice(-4)}`;
}

export interface NewOrganization {
  name: string;
  legalName?: string;
  addressLine1?: string;
  city?: string;
  zipcode?: string;
  country?: string;
  email?: string;
  logoUrl?: string;
  invoiceFooter?: string;
  timezone?: string;
  documentNumbering?: 'per_customer' | 'per_organization';
  webhooksAllowPrivateAddresses?: boolean;
  apiKey?: string;
}

export async function createOrganization(db: Db, input: NewOrganization): Promise<{ organization: OrganizationRow; apiKey: string }> {
  return db.transaction(async (trx) => {
    const id = (await trx.raw<{ rows: { id: string }[] }>('SELECT gen_random_uuid() AS id')).rows[0]!.id;
    const [organization] = await trx<StoredOrganization>('organizations')
      .insert({
        id,
        name: input.name,
        legal_name: input.legalName ?? null,
        address_line1: input.addressLine1 ?? null,
        city: input.city ?? null,
        zipcode: input.zipcode ?? null,
        country: input.country ?? null,
        email: input.email ?? null,
        logo_url: input.logoUrl ?? null,
        invoice_footer: input.invoiceFooter ?? null,
        timezone: input.timezone ?? 'UTC',
        document_numbering: input.documentNumbering ?? 'per_customer',
        document_number_prefix: defaultDocumentPrefix(input.name, id),
        webhooks_allow_private_addresses: input.webhooksAllowPrivateAddresses ?? false,
        hmac_key: sealSecret(randomBytes(32).toString('hex'), hmacContext(id)),
      })
      .returning('*');
    const { apiKey } = await insertApiKey(trx, id, { name: 'default', apiKey: input.apiKey });
    return { organization: withoutSecrets(organization!), apiKey };
  });
}

export async function findOrganization(db: Conn, id: string): Promise<OrganizationRow | undefined> {
  return withoutSecrets(await db<StoredOrganization>('organizations').where({ id }).first());
}

export async function firstOrganization(db: Conn): Promise<OrganizationRow | undefined> {
  return withoutSecrets(await db<StoredOrganization>('organizations').orderBy('created_at').orderBy('id').first());
}

export async function listOrganizations(db: Conn): Promise<OrganizationRow[]> {
  return (await db<StoredOrganization>('organizations').orderBy('created_at').orderBy('id')).map((row) => withoutSecrets(row));
}

/** The organization's HMAC key in clear, for signing a webhook (never logged, never answered). */
export async function organizationHmacKey(db: Conn, organizationId: string): Promise<string> {
  const row = await db<StoredOrganization>('organizations').where({ id: organizationId }).first('hmac_key');
  if (!row) throw new Error(`Organization ${organizationId} does not exist`);
  return openSecret(row.hmac_key, hmacContext(organizationId));
}

export async function setWebhooksAllowPrivateAddresses(db: Conn, organizationId: string, allowed: boolean): Promise<OrganizationRow | undefined> {
  const [row] = await db<StoredOrganization>('organizations').where({ id: organizationId })
    .update({ webhooks_allow_private_addresses: allowed } as never).returning('*');
  return withoutSecrets(row);
}

// ---- secrets at rest ------------------------------------------------------------------------

/** How the HMAC keys are stored: how many in clear, and the fingerprints of the keys that sealed the rest. */
export async function hmacKeysAtRest(db: Conn): Promise<{ clear: number; sealedWith: string[] }> {
  const rows = await db<StoredOrganization>('organizations').select('hmac_key');
  const fingerprints = new Set<string>();
  let clear = 0;
  for (const { hmac_key: value } of rows) {
    if (isSealed(value)) fingerprints.add(sealedWith(value)!);
    else clear++;
  }
  return { clear, sealedWith: [...fingerprints] };
}

/** Seals every HMAC key still in clear (compare-and-set per row, so two processes never seal one twice). */
export async function sealClearHmacKeys(db: Conn): Promise<number> {
  const rows = await db<StoredOrganization>('organizations').whereNot('hmac_key', 'like', 'blwenc:%').select('id', 'hmac_key');
  let sealed = 0;
  for (const row of rows) {
    sealed += await db('organizations').where({ id: row.id, hmac_key: row.hmac_key })
      .update({ hmac_key: sealSecret(row.hmac_key, hmacContext(row.id)) });
  }
  return sealed;
}

// ---- API keys ---------------------------------------------------------------------------------

export interface ApiKeyRow {
  id: string;
  organization_id: string;
  name: string | null;
  /** Null for keys created before masks were kept. */
  mask: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const API_KEY_COLUMNS = ['id', 'organization_id', 'name', 'mask', 'created_at', 'last_used_at', 'revoked_at'] as const;

/** Adds a key to an organization (a generated one unless given); the clear key is returned once, here. */
export async function insertApiKey(conn: Conn, organizationId: string, input: { name: string | null; apiKey?: string }): Promise<{ row: ApiKeyRow; apiKey: string }> {
  const apiKey = input.apiKey ?? generateApiKey();
  const [row] = await conn<ApiKeyRow>('api_keys')
    .insert({ organization_id: organizationId, key_hash: hashApiKey(apiKey), name: input.name, mask: maskApiKey(apiKey) } as never)
    .returning([...API_KEY_COLUMNS]);
  return { row: row as ApiKeyRow, apiKey };
}

/** The key a clear API key is, revoked or not. */
export async function findApiKey(conn: Conn, apiKey: string): Promise<ApiKeyRow | undefined> {
  return conn('api_keys').where('key_hash', hashApiKey(apiKey)).first([...API_KEY_COLUMNS]) as Promise<ApiKeyRow | undefined>;
}

export async function findApiKeyById(conn: Conn, id: string): Promise<ApiKeyRow | undefined> {
  if (!isUuid(id)) return undefined;
  return conn('api_keys').where({ id }).first([...API_KEY_COLUMNS]) as Promise<ApiKeyRow | undefined>;
}

/** Keys oldest first; active ones only unless `includeRevoked`. */
export async function listApiKeys(conn: Conn, filters: { organizationId?: string; includeRevoked?: boolean } = {}): Promise<ApiKeyRow[]> {
  const query = conn<ApiKeyRow>('api_keys').select([...API_KEY_COLUMNS]).orderBy('created_at').orderBy('id');
  if (filters.organizationId) query.where({ organization_id: filters.organizationId });
  if (!filters.includeRevoked) query.whereNull('revoked_at');
  return query as unknown as Promise<ApiKeyRow[]>;
}

/** Revokes a key at once (the next request with it is refused); a revoked key stays revoked. */
export async function revokeApiKey(conn: Conn, id: string): Promise<ApiKeyRow | undefined> {
  if (!isUuid(id)) return undefined;
  await conn('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: conn.fn.now() });
  return findApiKeyById(conn, id);
}

/**
 * The organization an active key opens, and the key's id: one indexed query per request, no
 * cache, so a revocation committed in any process is refused on the very next request.
 */
export async function findOrganizationByApiKey(db: Conn, apiKey: string): Promise<{ organization: OrganizationRow; apiKeyId: string } | undefined> {
  const row = await db<StoredOrganization & { api_key_id: string }>('organizations')
    .join('api_keys', 'api_keys.organization_id', 'organizations.id')
    .where('api_keys.key_hash', hashApiKey(apiKey))
    .whereNull('api_keys.revoked_at')
    .first('organizations.*', 'api_keys.id as api_key_id');
  if (!row) return undefined;
  const { api_key_id: apiKeyId, ...organization } = row;
  return { organization: withoutSecrets(organization), apiKeyId };
}

/**
 * Organizations' connections to payment providers (one per provider type). The secret key and the
 * webhook signing secret are sealed here (AES-256-GCM, src/runtime/secrets.ts), each bound to its
 * row and column; rows read by the rest of the code carry them opened, and nothing else shows them.
 */
import type { Conn } from './knex';
import { isUuid } from '../runtime/errors';
import { isSealed, openSecret, sealSecret, sealedWith } from '../runtime/secrets';

export const PROVIDER_TYPES = ['stripe'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

interface StoredProvider {
  id: string;
  organization_id: string;
  provider_type: ProviderType;
  code: string;
  name: string;
  secret_key: string;
  webhook_secret: string;
  success_redirect_url: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A connection with its secrets in clear: never log it, never serialize it. */
export type PaymentProviderRow = StoredProvider;

export interface PaymentProviderFields {
  code: string;
  name: string;
  secretKey: string;
  webhookSecret: string;
  successRedirectUrl: string | null;
}

const secretContext = (column: 'secret_key' | 'webhook_secret', id: string) => `payment_providers.${column}:${id}`;

function opened(row: StoredProvider): PaymentProviderRow {
  return {
    ...row,
    secret_key: openSecret(row.secret_key, secretContext('secret_key', row.id)),
    webhook_secret: openSecret(row.webhook_secret, secretContext('webhook_secret', row.id)),
  };
}

/**
 * Creates or replaces the organization's connection to `type`, secrets sealed with the row's id.
 * The id is kept across replacements (payments point at it).
 */
export async function savePaymentProvider(conn: Conn, organizationId: string, type: ProviderType, fields: PaymentProviderFields): Promise<PaymentProviderRow> {
  const existing = await conn<StoredProvider>('payment_providers').where({ organization_id: organizationId, provider_type: type }).forUpdate().first();
  const id = existing?.id ?? (await conn.raw<{ rows: { id: string }[] }>('SELECT gen_random_uuid() AS id')).rows[0]!.id;
  const columns = {
    code: fields.code,
    name: fields.name,
    secret_key: sealSecret(fields.secretKey, secretContext('secret_key', id)),
    webhook_secret: sealSecret(fields.webhookSecret, secretContext('webhook_secret', id)),
    success_redirect_url: fields.successRedirectUrl,
  };
  const [row] = existing
    ? await conn<StoredProvider>('payment_providers').where({ id }).update({ ...columns, updated_at: conn.fn.now() } as never).returning('*')
    : await conn<StoredProvider>('payment_providers').insert({ id, organization_id: organizationId, provider_type: type, ...columns } as never).returning('*');
  return opened(row as StoredProvider);
}

export async function findPaymentProvider(conn: Conn, organizationId: string, type: ProviderType): Promise<PaymentProviderRow | undefined> {
  const row = await conn<StoredProvider>('payment_providers').where({ organization_id: organizationId, provider_type: type }).first();
  return row ? opened(row) : undefined;
}

export async function findPaymentProviderById(conn: Conn, organizationId: string, id: string): Promise<PaymentProviderRow | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await conn<StoredProvider>('payment_providers').where({ organization_id: organizationId, id }).first();
  return row ? opened(row) : undefined;
}

/** The connection's code alone (no secret opened), for answers that name it. */
export async function findPaymentProviderCode(conn: Conn, organizationId: string, id: string): Promise<string | undefined> {
  const row = await conn<StoredProvider>('payment_providers').where({ organization_id: organizationId, id }).first('code');
  return row?.code;
}

/** Removes the connection; returns whether there was one. */
export async function deletePaymentProvider(conn: Conn, organizationId: string, type: ProviderType): Promise<boolean> {
  return (await conn('payment_providers').where({ organization_id: organizationId, provider_type: type }).delete()) > 0;
}

/** How the stored provider secrets are kept: how many in clear, and the keys the sealed ones need. */
export async function providerSecretsAtRest(conn: Conn): Promise<{ count: number; clear: number; sealedWith: string[] }> {
  const rows = await conn<StoredProvider>('payment_providers').select('secret_key', 'webhook_secret');
  const fingerprints = new Set<string>();
  let clear = 0;
  for (const row of rows) {
    for (const value of [row.secret_key, row.webhook_secret]) {
      if (isSealed(value)) fingerprints.add(sealedWith(value)!);
      else clear++;
    }
  }
  return { count: rows.length, clear, sealedWith: [...fingerprints] };
}

/** Seals the provider secrets still in clear (compare-and-set per value). */
export async function sealClearProviderSecrets(conn: Conn): Promise<number> {
  const rows = await conn<StoredProvider>('payment_providers').select('id', 'secret_key', 'webhook_secret');
  let sealed = 0;
  for (const row of rows) {
    for (const column of ['secret_key', 'webhook_secret'] as const) {
      if (isSealed(row[column])) continue;
      sealed += await conn('payment_providers').where({ id: row.id, [column]: row[column] })
        .update({ [column]: sealSecret(row[column], secretContext(column, row.id)) });
    }
  }
  return sealed;
}

/** Organizations and their API keys (stored as SHA-256 hashes, never in clear). */
import { createHash, randomBytes } from 'node:crypto';
import type { Conn, Db } from './knex';
import { defaultDocumentPrefix } from '../billing/numbering';

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
  hmac_key: string;
  created_at: Date;
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

export function generateApiKey(): string {
  return `blw_${randomBytes(24).toString('base64url')}`;
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
  apiKey?: string;
}

export async function createOrganization(db: Db, input: NewOrganization): Promise<{ organization: OrganizationRow; apiKey: string }> {
  return db.transaction(async (trx) => {
    const id = (await trx.raw<{ rows: { id: string }[] }>('SELECT gen_random_uuid() AS id')).rows[0]!.id;
    const [organization] = await trx<OrganizationRow>('organizations')
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
        hmac_key: randomBytes(32).toString('hex'),
      })
      .returning('*');
    const apiKey = input.apiKey ?? generateApiKey();
    await trx('api_keys').insert({ organization_id: id, key_hash: hashApiKey(apiKey), name: 'default' });
    return { organization: organization!, apiKey };
  });
}

export async function findOrganizationByApiKey(db: Db, apiKey: string): Promise<OrganizationRow | undefined> {
  return db<OrganizationRow>('organizations')
    .join('api_keys', 'api_keys.organization_id', 'organizations.id')
    .where('api_keys.key_hash', hashApiKey(apiKey))
    .first('organizations.*');
}

export async function findOrganization(db: Conn, id: string): Promise<OrganizationRow | undefined> {
  return db<OrganizationRow>('organizations').where({ id }).first();
}

export async function firstOrganization(db: Db): Promise<OrganizationRow | undefined> {
  return db<OrganizationRow>('organizations').orderBy('created_at').first();
}

/** Customers: upserted by external id, numbered per organization. */
import type { Knex } from 'knex';
import type { Db } from './knex';
import { nextSequenceValue } from './counters';

export interface CustomerRow {
  id: string;
  organization_id: string;
  external_id: string;
  sequential_id: bigint;
  name: string | null;
  firstname: string | null;
  lastname: string | null;
  customer_type: string | null;
  email: string | null;
  phone: string | null;
  url: string | null;
  legal_name: string | null;
  legal_number: string | null;
  tax_identification_number: string | null;
  address_line1: string | null;
  address_line2: string | null;
  city: string | null;
  state: string | null;
  zipcode: string | null;
  country: string | null;
  currency: string | null;
  timezone: string | null;
  net_payment_term: number | null;
  billing_configuration: Record<string, unknown>;
  metadata: unknown[];
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export type CustomerFields = Partial<Omit<CustomerRow, 'id' | 'organization_id' | 'external_id' | 'sequential_id' | 'created_at' | 'updated_at' | 'deleted_at'>>;

export function liveCustomers(db: Db | Knex.Transaction, organizationId: string) {
  return db<CustomerRow>('customers').where({ organization_id: organizationId }).whereNull('deleted_at');
}

export async function findCustomerByExternalId(db: Db | Knex.Transaction, organizationId: string, externalId: string): Promise<CustomerRow | undefined> {
  return liveCustomers(db, organizationId).where({ external_id: externalId }).first();
}

export async function findCustomerById(db: Db | Knex.Transaction, id: string): Promise<CustomerRow | undefined> {
  return db<CustomerRow>('customers').where({ id }).first();
}

/** Creates the customer, or updates the given fields of the existing one (Lago's POST semantics). */
export async function upsertCustomer(db: Db, organizationId: string, externalId: string, fields: CustomerFields): Promise<{ customer: CustomerRow; created: boolean }> {
  // A JS array given to a json column would be sent as a Postgres array literal: send JSON text.
  if (Array.isArray(fields.metadata)) fields = { ...fields, metadata: JSON.stringify(fields.metadata) as never };
  return db.transaction(async (trx) => {
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`customer:${organizationId}:${externalId}`]);
    const existing = await findCustomerByExternalId(trx, organizationId, externalId);
    if (existing) {
      if (Object.keys(fields).length === 0) return { customer: existing, created: false };
      const [customer] = await trx<CustomerRow>('customers').where({ id: existing.id })
        .update({ ...fields, updated_at: trx.fn.now() } as never).returning('*');
      return { customer: customer!, created: false };
    }
    const sequentialId = await nextSequenceValue(trx, organizationId, 'customers');
    const [customer] = await trx<CustomerRow>('customers')
      .insert({ ...fields, organization_id: organizationId, external_id: externalId, sequential_id: sequentialId } as never)
      .returning('*');
    return { customer: customer!, created: true };
  });
}

export async function replaceCustomerTaxes(trx: Db | Knex.Transaction, customerId: string, taxIds: string[]): Promise<void> {
  await trx('customer_taxes').where({ owner_id: customerId }).delete();
  if (taxIds.length > 0) await trx('customer_taxes').insert(taxIds.map((taxId) => ({ owner_id: customerId, tax_id: taxId })));
}

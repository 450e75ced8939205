/** Creating (upserting) and reading customers. */
import type { Db } from '../db/knex';
import { findCustomerByExternalId, replaceCustomerTaxes, upsertCustomer, type CustomerFields, type CustomerRow } from '../db/customers';
import { invalidField, notFound } from '../api/errors';
import type { CustomerInput } from '../api/schemas/customers';

export async function saveCustomer(db: Db, organizationId: string, input: CustomerInput): Promise<CustomerRow> {
  const { external_id: externalId, tax_codes: taxCodes, ...rest } = input;
  const fields = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)) as CustomerFields;
  const taxIds = taxCodes ? await taxIdsFor(db, organizationId, taxCodes) : undefined;
  const { customer } = await upsertCustomer(db, organizationId, externalId, fields);
  if (taxIds) await replaceCustomerTaxes(db, customer.id, taxIds);
  return customer;
}

async function taxIdsFor(db: Db, organizationId: string, codes: string[]): Promise<string[]> {
  const rows = await db('taxes').where({ organization_id: organizationId }).whereIn('code', codes).select('id', 'code');
  if (rows.length !== new Set(codes).size) throw invalidField('tax_codes', 'tax_not_found');
  return rows.map((row: { id: string }) => row.id);
}

export async function getCustomer(db: Db, organizationId: string, externalId: string): Promise<CustomerRow> {
  const customer = await findCustomerByExternalId(db, organizationId, externalId);
  if (!customer) throw notFound('customer');
  return customer;
}

/** Creating (upserting), listing, reading and deleting customers. */
import type { Db } from '../../db/knex';
import { findCustomerByExternalId, liveCustomers, replaceCustomerTaxes, upsertCustomer, type CustomerFields, type CustomerRow } from '../../db/customers';
import { terminateAppliedCoupons } from '../../db/coupons';
import { invalidField, methodNotAllowed, notFound } from '../../runtime/errors';
import type { CustomerInput } from '../../api/schemas/customers';

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

export interface CustomerFilters {
  searchTerm?: string;
  currencies?: string[];
  countries?: string[];
}

/** The organization's live customers, newest first, narrowed by Lago's list filters. */
export function customersQuery(db: Db, organizationId: string, filters: CustomerFilters) {
  const query = liveCustomers(db, organizationId).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  if (filters.searchTerm) {
    const pattern = `%${filters.searchTerm.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query.where((where) => {
      for (const column of ['name', 'firstname', 'lastname', 'legal_name', 'email', 'external_id']) where.orWhereILike(column, pattern);
    });
  }
  if (filters.currencies) query.whereIn('currency', filters.currencies.map((currency) => currency.toUpperCase()));
  if (filters.countries) query.whereIn('country', filters.countries.map((country) => country.toUpperCase()));
  return query;
}

/**
 * Soft-deletes a customer without pending or active subscriptions (405
 * `customer_has_active_subscriptions` otherwise: terminate them first) and terminates its
 * applied coupons. The external id can then be used again.
 */
export async function deleteCustomer(db: Db, organizationId: string, externalId: string, nowMs: number): Promise<CustomerRow> {
  return db.transaction(async (trx) => {
    const customer = await findCustomerByExternalId(trx, organizationId, externalId);
    if (!customer) throw notFound('customer');
    await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`customer:${organizationId}:${externalId}`]);
    const live = await trx('subscriptions').where({ customer_id: customer.id }).whereIn('status', ['pending', 'active']).first('id');
    if (live) throw methodNotAllowed('customer_has_active_subscriptions');
    const applied = (await trx('applied_coupons').where({ customer_id: customer.id, status: 'active' }).pluck('id')) as string[];
    await terminateAppliedCoupons(trx, applied, new Date(nowMs));
    const [deleted] = await trx<CustomerRow>('customers').where({ id: customer.id }).update({ deleted_at: new Date(nowMs), updated_at: trx.fn.now() } as never).returning('*');
    return deleted!;
  });
}

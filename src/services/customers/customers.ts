/** Creating (upserting), listing, reading and deleting customers, with their taxes. */
import type { Conn, Db } from '../../db/knex';
import {
  customerHasLiveSubscriptions,
  findCustomerByExternalId,
  listLiveCustomers,
  lockCustomerExternalId,
  replaceCustomerTaxes,
  softDeleteCustomer,
  upsertCustomer,
  type CustomerFields,
  type CustomerFilters,
  type CustomerRow,
} from '../../db/customers';
import { terminateAppliedCouponsOfCustomer } from '../../db/coupons';
import { taxesOfOwners, type TaxWithCounts } from '../../db/taxes';
import { methodNotAllowed, notFound } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { resolveTaxCodes } from '../catalog';

export interface CustomerInput {
  external_id: string;
  name?: string | null;
  firstname?: string | null;
  lastname?: string | null;
  customer_type?: 'company' | 'individual' | null;
  email?: string | null;
  phone?: string | null;
  url?: string | null;
  logo_url?: string | null;
  legal_name?: string | null;
  legal_number?: string | null;
  tax_identification_number?: string | null;
  address_line1?: string | null;
  address_line2?: string | null;
  city?: string | null;
  state?: string | null;
  zipcode?: string | null;
  /** ISO 3166 alpha-2, upper case. */
  country?: string | null;
  currency?: string | null;
  timezone?: string | null;
  net_payment_term?: number | null;
  /** Replaces the customer's taxes when given. */
  tax_codes?: string[];
  /** Payment-provider settings, stored as sent. */
  billing_configuration?: Record<string, unknown>;
  /** The keys given replace those stored; null changes nothing. */
  shipping_address?: Record<string, string | null> | null;
  metadata?: { key: string; value: string; display_in_invoice?: boolean }[];
}

/** Taxes by customer id, as the customer serializer takes them. */
export type CustomerTaxes = ReadonlyMap<string, TaxWithCounts[]>;

export interface CustomerWithTaxes {
  customer: CustomerRow;
  taxes: CustomerTaxes;
}

export interface CustomersPage extends Paginated<CustomerRow> {
  taxes: CustomerTaxes;
}

export type { CustomerFilters };

async function taxesOf(db: Conn, organizationId: string, customers: readonly CustomerRow[]): Promise<CustomerTaxes> {
  return taxesOfOwners(db, organizationId, 'customer_taxes', customers.map((customer) => customer.id));
}

async function withTaxes(db: Conn, organizationId: string, customer: CustomerRow): Promise<CustomerWithTaxes> {
  return { customer, taxes: await taxesOf(db, organizationId, [customer]) };
}

/** Creates the customer or updates the fields it sends (Lago's POST); `tax_codes` replaces its taxes. */
export async function saveCustomer(db: Db, organizationId: string, input: CustomerInput): Promise<CustomerWithTaxes> {
  const { external_id: externalId, tax_codes: taxCodes, ...rest } = input;
  const fields = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)) as CustomerFields;
  const taxIds = taxCodes ? await resolveTaxCodes(db, organizationId, taxCodes) : undefined;
  const { customer } = await upsertCustomer(db, organizationId, externalId, fields);
  if (taxIds) await replaceCustomerTaxes(db, customer.id, taxIds);
  return withTaxes(db, organizationId, customer);
}

export async function getCustomer(db: Conn, organizationId: string, externalId: string): Promise<CustomerRow> {
  const customer = await findCustomerByExternalId(db, organizationId, externalId);
  if (!customer) throw notFound('customer');
  return customer;
}

export async function getCustomerWithTaxes(db: Db, organizationId: string, externalId: string): Promise<CustomerWithTaxes> {
  return withTaxes(db, organizationId, await getCustomer(db, organizationId, externalId));
}

/** The organization's live customers, newest first, narrowed by Lago's list filters. */
export async function listCustomers(db: Db, organizationId: string, filters: CustomerFilters, page: Page): Promise<CustomersPage> {
  const { rows, meta } = await listLiveCustomers(db, organizationId, filters, page);
  return { rows, meta, taxes: await taxesOf(db, organizationId, rows) };
}

/**
 * Soft-deletes a customer without pending or active subscriptions (405
 * `customer_has_active_subscriptions` otherwise: terminate them first) and terminates its
 * applied coupons. The external id can then be used again. The answer shows the taxes the
 * customer had, counted before its deletion.
 */
export async function deleteCustomer(db: Db, organizationId: string, externalId: string, nowMs: number): Promise<CustomerWithTaxes> {
  return db.transaction(async (trx) => {
    const customer = await getCustomer(trx, organizationId, externalId);
    await lockCustomerExternalId(trx, organizationId, externalId);
    if (await customerHasLiveSubscriptions(trx, customer.id)) throw methodNotAllowed('customer_has_active_subscriptions');
    const taxes = await taxesOf(trx, organizationId, [customer]);
    await terminateAppliedCouponsOfCustomer(trx, customer.id, new Date(nowMs));
    return { customer: await softDeleteCustomer(trx, customer.id, new Date(nowMs)), taxes };
  });
}

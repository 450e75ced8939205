/**
 * Creating (upserting), listing, reading and deleting customers, with their taxes. A customer's
 * creation and each update record `customer.created` / `customer.updated` in their transaction
 * (Lago sends one for every `POST /customers`). A customer's currency is the currency of its
 * subscriptions' plans: it may not change to another while one is live (422
 * `currency: currencies_does_not_match`), and a customer without one takes its first plan's
 * (`adoptPlanCurrency`, called by the subscriptions domain).
 */
import { randomUUID } from 'node:crypto';
import type { Conn, Db, Tx } from '../../db/knex';
import {
  customerHasLiveSubscriptions,
  findCustomerByExternalId,
  findCustomerById,
  listLiveCustomers,
  liveSubscriptionCurrencies,
  lockCustomerExternalId,
  replaceCustomerTaxes,
  setCurrencyIfMissing,
  softDeleteCustomer,
  upsertCustomer,
  type CustomerFields,
  type CustomerFilters,
  type CustomerRow,
} from '../../db/customers';
import { findOrganization } from '../../db/organizations';
import { terminateAppliedCouponsOfCustomer } from '../../db/coupons';
import { taxesOfOwners, type TaxWithCounts } from '../../db/taxes';
import { customerView } from '../../serializers/customer';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { invalidField, methodNotAllowed, notFound } from '../../runtime/errors';
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

/** A stored metadata item: Lago's `lago_id` and `created_at` are given when its key first appears. */
interface StoredMetadataItem {
  lago_id?: string;
  key: string;
  value: string;
  display_in_invoice?: boolean;
  created_at?: string;
}

/** The given list replaces the customer's metadata; an item whose key was there keeps its id and date. */
function stampMetadata(current: unknown[] | undefined, given: NonNullable<CustomerInput['metadata']>, nowMs: number): StoredMetadataItem[] {
  const previous = (current ?? []) as StoredMetadataItem[];
  return given.map((item) => {
    const existing = previous.find((m) => m.key === item.key);
    return {
      lago_id: existing?.lago_id ?? randomUUID(),
      key: item.key,
      value: item.value,
      display_in_invoice: item.display_in_invoice ?? false,
      created_at: existing?.created_at ?? new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
  });
}

/** The customer as its webhooks carry it: the API's JSON, with its taxes. */
export async function customerWebhookObject(db: Conn, organizationId: string, customer: CustomerRow): Promise<Record<string, unknown>> {
  const organization = await findOrganization(db, organizationId);
  if (!organization) throw new Error(`Organization ${organizationId} does not exist`);
  return customerView(organization, await taxesOf(db, organizationId, [customer]))(customer);
}

async function recordCustomerEvent(trx: Tx, organizationId: string, customer: CustomerRow, created: boolean): Promise<void> {
  await recordWebhookEvent(trx, {
    organizationId,
    webhookType: created ? 'customer.created' : 'customer.updated',
    objectType: 'customer',
    object: await customerWebhookObject(trx, organizationId, customer),
  });
}

/**
 * Creates the customer or updates the fields it sends (Lago's POST); `tax_codes` replaces its
 * taxes. One transaction: the row, its taxes and its webhook.
 */
export async function saveCustomer(db: Db, organizationId: string, input: CustomerInput, nowMs: number): Promise<CustomerWithTaxes> {
  const { external_id: externalId, tax_codes: taxCodes, ...rest } = input;
  const fields = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined)) as CustomerFields;
  const taxIds = taxCodes ? await resolveTaxCodes(db, organizationId, taxCodes) : undefined;
  return db.transaction(async (trx) => {
    await lockCustomerExternalId(trx, organizationId, externalId);
    const existing = await findCustomerByExternalId(trx, organizationId, externalId);
    if (input.metadata) fields.metadata = stampMetadata(existing?.metadata, input.metadata, nowMs);
    if (existing && typeof fields.currency === 'string' && fields.currency !== existing.currency) {
      const planCurrencies = await liveSubscriptionCurrencies(trx, existing.id);
      if (planCurrencies.some((currency) => currency !== fields.currency)) throw invalidField('currency', 'currencies_does_not_match');
    }
    const { customer, created } = await upsertCustomer(trx, organizationId, externalId, fields);
    if (taxIds) await replaceCustomerTaxes(trx, customer.id, taxIds);
    await recordCustomerEvent(trx, organizationId, customer, created);
    return withTaxes(trx, organizationId, customer);
  });
}

/**
 * A subscription's plan must be in its customer's currency (Lago's 422
 * `currency: currencies_does_not_match`); a customer without a currency takes the plan's. Call it
 * in the transaction that creates the subscription.
 */
export async function adoptPlanCurrency(trx: Conn, customerId: string, planCurrency: string): Promise<void> {
  // Setting a missing currency locks the row: a concurrent subscription then reads the one set here.
  if (await setCurrencyIfMissing(trx, customerId, planCurrency)) return;
  const customer = await findCustomerById(trx, customerId);
  if (customer?.currency !== planCurrency) throw invalidField('currency', 'currencies_does_not_match');
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
 * `customer_has_active_subscriptions` otherwise: `DELETE /customers/:id` ends them first, through
 * their workflows, in the subscriptions domain) and terminates its applied coupons. The external
 * id can then be used again. The answer shows the taxes the customer had, counted before its deletion.
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

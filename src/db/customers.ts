/** Customers: upserted by external id, numbered per organization. */
import type { Conn, Db, Tx } from './knex';
import type { Page, Paginated } from '../runtime/pagination';
import { nextSequenceValue } from './counters';
import { paginate } from './pagination';
import { hasReadMemo, recall, remember } from './read-memo';
import { replaceTaxLinks } from './taxes';

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
  logo_url: string | null;
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
  /** Lago's shipping address keys that were set (address_line1, …, country). */
  shipping_address: Record<string, string | null>;
  metadata: unknown[];
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export type CustomerFields = Partial<Omit<CustomerRow, 'id' | 'organization_id' | 'external_id' | 'sequential_id' | 'created_at' | 'updated_at' | 'deleted_at'>>;

export function liveCustomers(db: Conn, organizationId: string) {
  return db<CustomerRow>('customers').where({ organization_id: organizationId }).whereNull('deleted_at');
}

/** Lago's list filters: a search term, currencies, countries. */
export interface CustomerFilters {
  /** Matched (case-insensitive, as a substring) against the names, email and external id. */
  searchTerm?: string;
  currencies?: string[];
  countries?: string[];
}

const SEARCHED_COLUMNS = ['name', 'firstname', 'lastname', 'legal_name', 'email', 'external_id'];

/** One page of the organization's live customers, newest first, narrowed by the filters. */
export async function listLiveCustomers(db: Conn, organizationId: string, filters: CustomerFilters, page: Page): Promise<Paginated<CustomerRow>> {
  const query = liveCustomers(db, organizationId).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  if (filters.searchTerm) {
    const pattern = `%${filters.searchTerm.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query.where((where) => {
      for (const column of SEARCHED_COLUMNS) where.orWhereILike(column, pattern);
    });
  }
  if (filters.currencies) query.whereIn('currency', filters.currencies.map((currency) => currency.toUpperCase()));
  if (filters.countries) query.whereIn('country', filters.countries.map((country) => country.toUpperCase()));
  return paginate<CustomerRow>(query, page);
}

export async function findCustomerByExternalId(db: Conn, organizationId: string, externalId: string): Promise<CustomerRow | undefined> {
  return liveCustomers(db, organizationId).where({ external_id: externalId }).first();
}

export async function findCustomerById(db: Conn, id: string): Promise<CustomerRow | undefined> {
  return db<CustomerRow>('customers').where({ id }).first();
}

/**
 * The organization's customers with these ids that the transaction's read memo does not hold yet,
 * read in one statement and left there (as `customer:<id>`, the key every memoized customer read
 * uses); a no-op without a memo.
 */
export async function rememberCustomers(trx: Tx, organizationId: string, ids: readonly string[]): Promise<void> {
  const missing = [...new Set(ids)].filter((id) => recall(trx, `customer:${id}`) === undefined);
  if (missing.length === 0 || !hasReadMemo(trx)) return;
  const rows = await trx<CustomerRow>('customers').where({ organization_id: organizationId }).whereIn('id', missing);
  for (const row of rows) remember(trx, `customer:${row.id}`, row);
}

/** Serializes writes to one external id (upsert, deletion) until the transaction ends. */
export async function lockCustomerExternalId(trx: Tx, organizationId: string, externalId: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`customer:${organizationId}:${externalId}`]);
}

/**
 * Creates the customer, or updates the given fields of the existing one (Lago's POST semantics);
 * in the billing configuration and the shipping address, the keys given replace those stored and
 * the others are kept, as Lago updates them one by one.
 */
export async function upsertCustomer(db: Db, organizationId: string, externalId: string, fields: CustomerFields): Promise<{ customer: CustomerRow; created: boolean }> {
  // A JS array given to a json column would be sent as a Postgres array literal: send JSON text.
  if (Array.isArray(fields.metadata)) fields = { ...fields, metadata: JSON.stringify(fields.metadata) as never };
  const merged = (['billing_configuration', 'shipping_address'] as const).filter((column) => fields[column] !== undefined)
    .map((column) => [column, JSON.stringify(fields[column] ?? {})] as const);
  return db.transaction(async (trx) => {
    await lockCustomerExternalId(trx, organizationId, externalId);
    const existing = await findCustomerByExternalId(trx, organizationId, externalId);
    if (existing) {
      if (Object.keys(fields).length === 0) return { customer: existing, created: false };
      const merges = Object.fromEntries(merged.map(([column, json]) => [column, trx.raw('?? || ?::jsonb', [column, json])]));
      const [customer] = await trx<CustomerRow>('customers').where({ id: existing.id })
        .update({ ...fields, ...merges, updated_at: trx.fn.now() } as never).returning('*');
      return { customer: customer!, created: false };
    }
    const sequentialId = await nextSequenceValue(trx, organizationId, 'customers');
    const [customer] = await trx<CustomerRow>('customers')
      .insert({ ...fields, ...Object.fromEntries(merged), organization_id: organizationId, external_id: externalId, sequential_id: sequentialId } as never)
      .returning('*');
    return { customer: customer!, created: true };
  });
}

export async function replaceCustomerTaxes(trx: Conn, customerId: string, taxIds: string[]): Promise<void> {
  await replaceTaxLinks(trx, 'customer_taxes', customerId, taxIds);
}

/** Whether any pending or active subscription is the customer's. */
export async function customerHasLiveSubscriptions(db: Conn, customerId: string): Promise<boolean> {
  return (await db('subscriptions').where({ customer_id: customerId }).whereIn('status', ['pending', 'active']).first('id')) !== undefined;
}

/** The currencies of the plans of the customer's pending and active subscriptions. */
export async function liveSubscriptionCurrencies(db: Conn, customerId: string): Promise<string[]> {
  return db('subscriptions').join('plans', 'plans.id', 'subscriptions.plan_id')
    .where('subscriptions.customer_id', customerId).whereIn('subscriptions.status', ['pending', 'active'])
    .distinct('plans.amount_currency').pluck('plans.amount_currency');
}

/** Gives a customer without a currency this one (a customer takes its first plan's currency): true when set. */
export async function setCurrencyIfMissing(db: Conn, id: string, currency: string): Promise<boolean> {
  return (await db('customers').where({ id }).whereNull('currency').update({ currency, updated_at: db.fn.now() })) > 0;
}

/** Soft-deletes the customer: its external id may then be used again. */
export async function softDeleteCustomer(db: Conn, id: string, at: Date): Promise<CustomerRow> {
  const [row] = await db<CustomerRow>('customers').where({ id }).update({ deleted_at: at, updated_at: db.fn.now() } as never).returning('*');
  return row!;
}

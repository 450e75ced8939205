/**
 * Wallets of prepaid credits (reference/lago-api.md §1.8): creating, updating, terminating and
 * showing them. Credits move through wallet-transactions.ts; invoices draw on them through
 * invoicing (services/invoicing/credit-draws.ts).
 */
import type { Conn, Db } from '../../db/knex';
import type { Dec } from '../../billing/money';
import { findCustomerByExternalId } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import {
  externalIdsOfWalletCustomers, findWallet, insertWallet, updateWallet as updateWalletRow, walletsPage,
  type WalletRow, type WalletTransactionRow,
} from '../../db/wallets';
import { isUniqueViolation } from '../../db/errors';
import { invalidField, notFound } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { applyMovements, type WalletMetadataItem } from './wallet-transactions';

export interface CreateWalletInput {
  external_customer_id: string;
  rate_amount: Dec;
  currency: string;
  name?: string | null;
  code?: string | null;
  priority?: number | null;
  paid_credits?: Dec | null;
  granted_credits?: Dec | null;
  expiration_at?: Date | null;
  transaction_name?: string | null;
  transaction_metadata?: WalletMetadataItem[] | null;
  /** Descriptive: stored, shown, and the default of the wallet's transactions. */
  purchase_order_number?: string | null;
  metadata?: Record<string, string | null> | null;
}

export interface UpdateWalletInput {
  name?: string | null;
  code?: string | null;
  priority?: number | null;
  expiration_at?: Date | null;
  purchase_order_number?: string | null;
  /** Replaces the wallet's metadata; null clears it. */
  metadata?: Record<string, string | null> | null;
}

/** A wallet with its customer's external id: what the API shows. */
export interface CustomerWallet {
  wallet: WalletRow;
  externalCustomerId: string;
}

const DEFAULT_PRIORITY = 50;

function checkExpiration(expirationAt: Date | null | undefined, nowMs: number): void {
  if (expirationAt && expirationAt.getTime() <= nowMs) throw invalidField('expiration_at', 'invalid_date');
}

/** A code already used by another active wallet of the organization is refused. */
async function refusingDuplicateCode<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error, 'wallets_active_code')) throw invalidField('code', 'value_already_exist');
    throw error;
  }
}

export async function createWallet(
  db: Db, organization: OrganizationRow, input: CreateWalletInput, nowMs: number,
): Promise<CustomerWallet & { transactions: WalletTransactionRow[] }> {
  const customer = await findCustomerByExternalId(db, organization.id, input.external_customer_id);
  if (!customer) throw notFound('customer');
  if (customer.currency && customer.currency !== input.currency) throw invalidField('currency', 'currencies_does_not_match');
  checkExpiration(input.expiration_at, nowMs);
  if (input.rate_amount.lte(0)) throw invalidField('rate_amount', 'value_is_invalid');
  return refusingDuplicateCode(() => db.transaction(async (trx) => {
    const created = await insertWallet(trx, {
      organization_id: organization.id,
      customer_id: customer.id,
      name: input.name ?? null,
      code: input.code ?? null,
      currency: input.currency,
      rate_amount: input.rate_amount.toFixed(),
      priority: input.priority ?? DEFAULT_PRIORITY,
      expiration_at: input.expiration_at ?? null,
      purchase_order_number: input.purchase_order_number ?? null,
      metadata: input.metadata ?? null,
    });
    const transactions = await applyMovements(trx, organization, customer, created, {
      paid: input.paid_credits ?? undefined,
      granted: input.granted_credits ?? undefined,
      name: input.transaction_name ?? null,
      metadata: input.transaction_metadata ?? [],
      purchaseOrderNumber: created.purchase_order_number,
    }, nowMs);
    const wallet = (await findWallet(trx, organization.id, created.id))!;
    return { wallet, externalCustomerId: customer.external_id, transactions };
  }));
}

async function getWallet(db: Conn, organizationId: string, id: string): Promise<WalletRow> {
  const wallet = await findWallet(db, organizationId, id);
  if (!wallet) throw notFound('wallet');
  return wallet;
}

export async function showWallet(db: Db, organizationId: string, id: string): Promise<CustomerWallet> {
  return withCustomer(db, organizationId, await getWallet(db, organizationId, id));
}

export async function updateWallet(db: Db, organizationId: string, id: string, input: UpdateWalletInput, nowMs: number): Promise<CustomerWallet> {
  const wallet = await getWallet(db, organizationId, id);
  if (input.expiration_at !== undefined) checkExpiration(input.expiration_at, nowMs);
  const fields: Partial<WalletRow> = {};
  if (input.name !== undefined) fields.name = input.name;
  if (input.code !== undefined) fields.code = input.code;
  if (input.priority !== undefined) fields.priority = input.priority ?? DEFAULT_PRIORITY;
  if (input.expiration_at !== undefined) fields.expiration_at = input.expiration_at;
  if (input.purchase_order_number !== undefined) fields.purchase_order_number = input.purchase_order_number;
  if (input.metadata !== undefined) fields.metadata = input.metadata;
  if (Object.keys(fields).length === 0) return withCustomer(db, organizationId, wallet);
  const updated = await refusingDuplicateCode(() => updateWalletRow(db, organizationId, wallet.id, fields));
  return withCustomer(db, organizationId, updated);
}

/** Terminates the wallet: it keeps its balance for the record but is never drawn on again. Idempotent. */
export async function terminateWallet(db: Db, organizationId: string, id: string, nowMs: number): Promise<CustomerWallet> {
  const wallet = await getWallet(db, organizationId, id);
  if (wallet.status === 'terminated') return withCustomer(db, organizationId, wallet);
  return withCustomer(db, organizationId, await updateWalletRow(db, organizationId, wallet.id, { status: 'terminated', terminated_at: new Date(nowMs) }));
}

/** The organization's wallets, newest first; only the customer's when an external id is given (404 if unknown). */
export async function listWallets(db: Db, organizationId: string, filters: { externalCustomerId?: string }, page: Page): Promise<Paginated<CustomerWallet>> {
  let customerId: string | undefined;
  if (filters.externalCustomerId !== undefined) {
    const customer = await findCustomerByExternalId(db, organizationId, filters.externalCustomerId);
    if (!customer) throw notFound('customer');
    customerId = customer.id;
  }
  const { rows, meta } = await walletsPage(db, organizationId, { customerId }, page);
  const externalIds = await externalIdsOfWalletCustomers(db, organizationId, rows);
  return { rows: rows.map((wallet) => ({ wallet, externalCustomerId: externalIds.get(wallet.customer_id)! })), meta };
}

async function withCustomer(db: Conn, organizationId: string, wallet: WalletRow): Promise<CustomerWallet> {
  const externalIds = await externalIdsOfWalletCustomers(db, organizationId, [wallet]);
  return { wallet, externalCustomerId: externalIds.get(wallet.customer_id)! };
}

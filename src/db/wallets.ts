/** Wallets (prepaid credits) and their transactions. Every query is scoped by organization. */
import type { Conn, Tx } from './knex';
import { paginate } from './pagination';
import { isUuid } from '../runtime/errors';
import type { Page, Paginated } from '../runtime/pagination';
import { Dec, type Cents } from '../billing/money';
import { centsToCredits } from '../billing/wallet-credits';
import { consumeInboundTransactions } from './wallet-consumptions';

// Still imported from here by code outside the wallets' domain.
export { isUuid };

export type WalletStatus = 'active' | 'terminated';

export interface WalletRow {
  id: string;
  organization_id: string;
  customer_id: string;
  status: WalletStatus;
  name: string | null;
  code: string | null;
  currency: string;
  /** Exact numeric string, major units per credit. */
  rate_amount: string;
  priority: number;
  balance_cents: bigint;
  credits_balance: string;
  consumed_amount_cents: bigint;
  consumed_credits: string;
  expiration_at: Date | null;
  last_balance_sync_at: Date | null;
  last_consumed_credit_at: Date | null;
  terminated_at: Date | null;
  /** Descriptive, shown back as sent. */
  purchase_order_number: string | null;
  /** Key → value (or null); null when never set. */
  metadata: Record<string, string | null> | null;
  /** Lago's `applies_to`: the fee types and the billable metrics (of charge fees) it pays; both empty: every fee. */
  applies_to_fee_types: string[];
  applies_to_billable_metric_ids: string[];
  /** The limits of one paid top-up, in cents; null: none. */
  paid_top_up_min_amount_cents: bigint | null;
  paid_top_up_max_amount_cents: bigint | null;
  /** Lago's setting, shown back: paid credits are granted once their invoice is paid (they always are in Billow). */
  invoice_requires_successful_payment: boolean;
  created_at: Date;
  updated_at: Date;
}

export const WALLET_TRANSACTION_TYPES = ['inbound', 'outbound'] as const;
export type WalletTransactionType = (typeof WALLET_TRANSACTION_TYPES)[number];
export const WALLET_TRANSACTION_STATUSES = ['purchased', 'granted', 'voided', 'invoiced'] as const;
export type WalletTransactionStatus = (typeof WALLET_TRANSACTION_STATUSES)[number];
export const WALLET_TRANSACTION_SETTLEMENTS = ['pending', 'settled', 'failed'] as const;
export type WalletTransactionSettlement = (typeof WALLET_TRANSACTION_SETTLEMENTS)[number];

export interface WalletTransactionRow {
  id: string;
  organization_id: string;
  wallet_id: string;
  invoice_id: string | null;
  transaction_type: WalletTransactionType;
  transaction_status: WalletTransactionStatus;
  status: WalletTransactionSettlement;
  source: string;
  amount_cents: bigint;
  credit_amount: string;
  name: string | null;
  metadata: unknown[];
  /** Descriptive, shown back: the one sent with the transaction, else the wallet's. */
  purchase_order_number: string | null;
  /** What is left of a settled inbound transaction for outbound ones to consume (null until it settles, and on outbound ones). */
  remaining_amount_cents: bigint | null;
  /** Lago's setting, shown back (services/credits/wallet-transactions.ts). */
  invoice_requires_successful_payment: boolean;
  settled_at: Date | null;
  failed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type NewWalletTransaction = Pick<WalletTransactionRow, 'wallet_id' | 'transaction_type' | 'transaction_status' | 'status' | 'amount_cents' | 'credit_amount'>
  & Partial<Pick<WalletTransactionRow, 'id' | 'invoice_id' | 'name' | 'metadata' | 'purchase_order_number' | 'settled_at' | 'failed_at' | 'source' | 'invoice_requires_successful_payment'>>;

export interface WalletTransactionFilters {
  status?: WalletTransactionSettlement;
  transaction_type?: WalletTransactionType;
  transaction_status?: WalletTransactionStatus;
}

/** The credits `cents` buy in this wallet (at its rate), as stored: an exact decimal string. */
export function walletCreditsOf(wallet: Pick<WalletRow, 'rate_amount' | 'currency'>, cents: Cents): string {
  return centsToCredits(cents, new Dec(wallet.rate_amount), wallet.currency).toFixed();
}

function walletsOf(db: Conn, organizationId: string) {
  return db<WalletRow>('wallets').where('wallets.organization_id', organizationId);
}

export async function findWallet(db: Conn, organizationId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<WalletRow | undefined> {
  if (!isUuid(id)) return undefined;
  const query = walletsOf(db, organizationId).where({ id });
  return (options.forUpdate ? query.forUpdate() : query).first();
}

/** The organization's wallets, newest first; only the customer's when given. */
export async function walletsPage(db: Conn, organizationId: string, filters: { customerId?: string }, page: Page): Promise<Paginated<WalletRow>> {
  let query = walletsOf(db, organizationId).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  if (filters.customerId) query = query.where({ customer_id: filters.customerId });
  return paginate<WalletRow>(query, page);
}

/** The external id of each customer the wallets belong to, by customer id. */
export async function externalIdsOfWalletCustomers(db: Conn, organizationId: string, wallets: readonly WalletRow[]): Promise<Map<string, string>> {
  const ids = [...new Set(wallets.map((w) => w.customer_id))];
  if (ids.length === 0) return new Map();
  const rows = (await db('customers').where({ organization_id: organizationId }).whereIn('id', ids).select('id', 'external_id')) as { id: string; external_id: string }[];
  return new Map(rows.map((row) => [row.id, row.external_id]));
}

export async function insertWallet(
  db: Conn,
  fields: Omit<WalletRow, 'id' | 'status' | 'balance_cents' | 'credits_balance' | 'consumed_amount_cents' | 'consumed_credits' | 'last_balance_sync_at' | 'last_consumed_credit_at' | 'terminated_at' | 'purchase_order_number' | 'metadata' | 'created_at' | 'updated_at'
      | 'applies_to_fee_types' | 'applies_to_billable_metric_ids' | 'paid_top_up_min_amount_cents' | 'paid_top_up_max_amount_cents' | 'invoice_requires_successful_payment'>
    & Partial<Pick<WalletRow, 'purchase_order_number' | 'metadata' | 'applies_to_fee_types' | 'applies_to_billable_metric_ids' | 'paid_top_up_min_amount_cents' | 'paid_top_up_max_amount_cents'
      | 'invoice_requires_successful_payment'>>,
): Promise<WalletRow> {
  const [row] = await db<WalletRow>('wallets').insert(fields as never).returning('*');
  return row!;
}

export async function updateWallet(db: Conn, organizationId: string, id: string, fields: Partial<WalletRow>): Promise<WalletRow> {
  const [row] = await walletsOf(db, organizationId).where({ id }).update({ ...fields, updated_at: db.fn.now() } as never).returning('*');
  return row!;
}

export interface BalanceChange {
  balanceCents: Cents;
  /** What the wallet has paid invoices with so far; unchanged when omitted. */
  consumedCents?: Cents;
  /** When the balance was synced. */
  at: Date;
  /** Set when the change is a draw by an invoice. */
  lastConsumedAt?: Date;
}

/** Sets a wallet's balance in cents; the credit columns follow from its rate. */
export async function setWalletBalance(db: Conn, wallet: WalletRow, change: BalanceChange): Promise<WalletRow> {
  const fields: Partial<WalletRow> = {
    balance_cents: change.balanceCents,
    credits_balance: walletCreditsOf(wallet, change.balanceCents),
    last_balance_sync_at: change.at,
  };
  if (change.consumedCents !== undefined) {
    fields.consumed_amount_cents = change.consumedCents;
    fields.consumed_credits = walletCreditsOf(wallet, change.consumedCents);
  }
  if (change.lastConsumedAt) fields.last_consumed_credit_at = change.lastConsumedAt;
  return updateWallet(db, wallet.organization_id, wallet.id, fields);
}

/** The customer's active wallets that have not expired at `asOf`; only those in `currency` when given. */
function usableWallets(db: Conn, customerId: string, filters: { organizationId?: string; currency?: string }, asOf: Date) {
  let query = db<WalletRow>('wallets')
    .where({ customer_id: customerId, status: 'active' })
    .where((q) => q.whereNull('expiration_at').orWhere('expiration_at', '>', asOf));
  if (filters.organizationId) query = query.where({ organization_id: filters.organizationId });
  if (filters.currency) query = query.where({ currency: filters.currency });
  return query;
}

/** Σ balance_cents of the customer's usable wallets (read-only, no lock). */
export async function usableWalletBalanceCents(db: Conn, customerId: string, filters: { organizationId?: string; currency?: string }, asOf: Date): Promise<Cents> {
  const [row] = (await usableWallets(db, customerId, filters, asOf).sum({ total: 'balance_cents' })) as { total: string | bigint | null }[];
  return row?.total ? BigInt(row.total) : 0n;
}

/** The customer's usable wallets at `asOf`, in drawing order (priority 1 first, then oldest); read-only. */
export async function usableWalletsOfCustomer(db: Conn, organizationId: string, customerId: string, asOf: Date): Promise<WalletRow[]> {
  return usableWallets(db, customerId, { organizationId }, asOf).orderBy([{ column: 'priority' }, { column: 'created_at' }, { column: 'id' }]);
}

/** The codes of billable metrics by id (the organization's; a deleted metric keeps its code). */
export async function billableMetricCodesByIds(db: Conn, organizationId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = (await db('billable_metrics').where({ organization_id: organizationId }).whereIn('id', [...new Set(ids)]).select('id', 'code')) as { id: string; code: string }[];
  return new Map(rows.map((row) => [row.id, row.code]));
}

/** Locks the customer's usable wallets that hold something, in the order they are drawn: priority (1 first), then oldest. */
export async function lockWalletsToDraw(trx: Tx, organizationId: string, customerId: string, currency: string, asOf: Date): Promise<WalletRow[]> {
  return usableWallets(trx, customerId, { organizationId, currency }, asOf)
    .where('balance_cents', '>', 0)
    .orderBy([{ column: 'priority' }, { column: 'created_at' }, { column: 'id' }])
    .forUpdate();
}

/**
 * Writes a transaction in the caller's transaction, which holds the wallet's lock: a settled
 * inbound one can be consumed for all of its amount; a settled outbound one consumes the wallet's
 * inbound ones there and then (db/wallet-consumptions.ts), so the history of what paid what is exact.
 */
export async function insertWalletTransaction(trx: Tx, organizationId: string, transaction: NewWalletTransaction): Promise<WalletTransactionRow> {
  const settledInbound = transaction.transaction_type === 'inbound' && transaction.status === 'settled';
  const [row] = await trx<WalletTransactionRow>('wallet_transactions')
    .insert({
      ...transaction, organization_id: organizationId, metadata: JSON.stringify(transaction.metadata ?? []),
      remaining_amount_cents: settledInbound ? transaction.amount_cents : null,
    } as never)
    .returning('*');
  if (row!.transaction_type === 'outbound' && row!.status === 'settled') {
    await consumeInboundTransactions(trx, {
      id: row!.id, organization_id: organizationId, wallet_id: row!.wallet_id, amount_cents: row!.amount_cents, at: row!.settled_at ?? row!.created_at,
    });
  }
  return row!;
}

function walletTransactionsOf(db: Conn, organizationId: string) {
  return db<WalletTransactionRow>('wallet_transactions').where('wallet_transactions.organization_id', organizationId);
}

export async function findWalletTransaction(db: Conn, organizationId: string, id: string): Promise<WalletTransactionRow | undefined> {
  if (!isUuid(id)) return undefined;
  return walletTransactionsOf(db, organizationId).where({ id }).first();
}

/** The organization's transactions with these ids, by id. */
export async function walletTransactionsByIds(db: Conn, organizationId: string, ids: readonly string[]): Promise<Map<string, WalletTransactionRow>> {
  if (ids.length === 0) return new Map();
  const rows = await walletTransactionsOf(db, organizationId).whereIn('id', [...new Set(ids)]);
  return new Map(rows.map((row) => [row.id, row]));
}

/** A wallet's transactions, newest first, narrowed by the filters given. */
export async function walletTransactionsPage(db: Conn, organizationId: string, walletId: string, filters: WalletTransactionFilters, page: Page): Promise<Paginated<WalletTransactionRow>> {
  const given = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined));
  const query = walletTransactionsOf(db, organizationId).where({ wallet_id: walletId, ...given })
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  return paginate<WalletTransactionRow>(query, page);
}

/** The transactions tied to an invoice, of one type (and status, when given), oldest first. */
export async function walletTransactionsOfInvoice(
  db: Conn, organizationId: string, invoiceId: string, kind: { transaction_type: WalletTransactionType; transaction_status?: WalletTransactionStatus },
): Promise<WalletTransactionRow[]> {
  return walletTransactionsOf(db, organizationId).where({ invoice_id: invoiceId, ...kind }).orderBy('id');
}

/** Locks the credit purchases an invoice bills that are in one of `statuses`, oldest first. */
export async function lockPurchasesOfInvoice(trx: Tx, organizationId: string, invoiceId: string, statuses: readonly WalletTransactionSettlement[]): Promise<WalletTransactionRow[]> {
  return walletTransactionsOf(trx, organizationId)
    .where({ invoice_id: invoiceId, transaction_type: 'inbound', transaction_status: 'purchased' })
    .whereIn('status', [...statuses])
    .orderBy('id')
    .forUpdate();
}

export async function linkWalletTransactionToInvoice(db: Conn, organizationId: string, id: string, invoiceId: string): Promise<WalletTransactionRow> {
  return updateWalletTransaction(db, organizationId, id, { invoice_id: invoiceId });
}

/** A pending (or failed) inbound transaction settles: all of its amount can now be consumed. */
export async function settleWalletTransaction(db: Conn, organizationId: string, id: string, at: Date): Promise<WalletTransactionRow> {
  return updateWalletTransaction(db, organizationId, id, {
    status: 'settled', settled_at: at, failed_at: null, remaining_amount_cents: db.raw('amount_cents') as unknown as bigint,
  });
}

export async function failWalletTransaction(db: Conn, organizationId: string, id: string, at: Date): Promise<WalletTransactionRow> {
  return updateWalletTransaction(db, organizationId, id, { status: 'failed', failed_at: at });
}

/** Fails the credit purchases an invoice bills that are still pending. */
export async function failPendingPurchasesOfInvoice(db: Conn, organizationId: string, invoiceId: string, at: Date): Promise<void> {
  await walletTransactionsOf(db, organizationId)
    .where({ invoice_id: invoiceId, transaction_type: 'inbound', transaction_status: 'purchased', status: 'pending' })
    .update({ status: 'failed', failed_at: at, updated_at: db.fn.now() });
}

async function updateWalletTransaction(db: Conn, organizationId: string, id: string, fields: Partial<WalletTransactionRow>): Promise<WalletTransactionRow> {
  const [row] = await walletTransactionsOf(db, organizationId).where({ id }).update({ ...fields, updated_at: db.fn.now() } as never).returning('*');
  return row!;
}

/**
 * What the period's progressive invoices of a subscription billed already (issue 15 pt 4; Lago's
 * `progressive_billing_fees` of `Customers::RefreshWalletsService`): their charge fees, not voided,
 * of the charges period starting at `chargesFromMs`, each fee minus its coupons plus its taxes, by
 * billable metric. The current usage of the period counts them again; the ongoing usage takes them off.
 */
export async function progressiveBilledFeeBuckets(
  db: Conn, subscriptionId: string, chargesFromMs: number,
): Promise<{ currency: string; feeType: string; billableMetricId: string | null; amountCents: Cents }[]> {
  const rows = (await db('fees')
    .join('invoices', 'invoices.id', 'fees.invoice_id')
    .leftJoin('charges', 'charges.id', 'fees.charge_id')
    .where({ 'invoices.subscription_id': subscriptionId, 'invoices.invoice_type': 'progressive_billing', 'fees.fee_type': 'charge' })
    .whereNot('invoices.status', 'voided')
    .whereIn('invoices.id', db('applied_usage_thresholds').select('invoice_id').where({ subscription_id: subscriptionId, charges_from_datetime: new Date(chargesFromMs) }))
    .groupBy('invoices.currency', 'charges.billable_metric_id')
    .select('invoices.currency as currency', 'charges.billable_metric_id as billable_metric_id')
    .select(db.raw('SUM(fees.amount_cents + fees.taxes_amount_cents - ROUND(fees.precise_coupons_amount_cents))::bigint AS amount'))) as
    { currency: string; billable_metric_id: string | null; amount: string | bigint }[];
  return rows.map((row) => ({ currency: row.currency, feeType: 'charge', billableMetricId: row.billable_metric_id, amountCents: BigInt(row.amount) }));
}

/** What the customer's draft invoices will ask of its wallets, by currency, fee type and metric: Σ (fee − coupons + taxes). */
export async function draftInvoiceFeeBuckets(
  db: Conn, organizationId: string, customerId: string,
): Promise<{ currency: string; feeType: string; billableMetricId: string | null; amountCents: Cents }[]> {
  const rows = (await db('fees')
    .join('invoices', 'invoices.id', 'fees.invoice_id')
    .leftJoin('charges', 'charges.id', 'fees.charge_id')
    .where({ 'invoices.organization_id': organizationId, 'invoices.customer_id': customerId, 'invoices.status': 'draft' })
    .groupBy('invoices.currency', 'fees.fee_type', 'charges.billable_metric_id')
    .select('invoices.currency as currency', 'fees.fee_type as fee_type', 'charges.billable_metric_id as billable_metric_id')
    .select(db.raw('SUM(fees.amount_cents + fees.taxes_amount_cents - ROUND(fees.precise_coupons_amount_cents))::bigint AS amount'))) as
    { currency: string; fee_type: string; billable_metric_id: string | null; amount: string | bigint }[];
  return rows.map((row) => ({ currency: row.currency, feeType: row.fee_type, billableMetricId: row.billable_metric_id, amountCents: BigInt(row.amount) }));
}

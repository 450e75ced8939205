/**
 * Wallet transactions (reference/lago-api.md §1.8): what moves credits in and out of a wallet by
 * hand. Paid credits are a pending purchase billed by a credit invoice; granted and voided credits
 * settle at once. Each transaction's `wallet_transaction.created` is recorded in its transaction.
 */
import { recordWebhookEvent } from '../../webhooks/outbox';
import { serializeWalletTransaction, type WalletTerms } from '../../serializers/wallet';
import { consumptionsOfInboundPage, fundingsOfOutboundPage, type WalletTransactionConsumptionRow } from '../../db/wallet-consumptions';
import type { Db, Tx } from '../../db/knex';
import { Dec, type Cents } from '../../billing/money';
import { creditsToCents } from '../../billing/wallet-credits';
import { findCustomerById, type CustomerRow } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import {
  findWallet, findWalletTransaction, insertWalletTransaction, linkWalletTransactionToInvoice, setWalletBalance, walletTransactionsByIds, walletTransactionsPage,
  WALLET_TRANSACTION_SETTLEMENTS, WALLET_TRANSACTION_STATUSES, WALLET_TRANSACTION_TYPES,
  type WalletRow, type WalletTransactionFilters, type WalletTransactionRow,
} from '../../db/wallets';
import { invalidField, notFound, Problems, validationErrors } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { issueCreditPurchaseInvoice } from '../invoicing';

export interface WalletMetadataItem {
  key: string;
  value: string;
}

export interface WalletTransactionInput {
  wallet_id: string;
  paid_credits?: Dec | null;
  granted_credits?: Dec | null;
  voided_credits?: Dec | null;
  name?: string | null;
  metadata?: WalletMetadataItem[] | null;
  /** Descriptive; the wallet's when omitted. */
  purchase_order_number?: string | null;
  /** The paid credits are not held to the wallet's top-up limits. */
  ignore_paid_top_up_limits?: boolean | null;
  /** Lago's setting (the wallet's when absent): the paid credits are granted once their invoice is paid, as they always are in Billow. */
  invoice_requires_successful_payment?: boolean | null;
}

/** Filters as the request gives them; each given one must be one of the values its field takes. */
export type WalletTransactionFilterInput = { [K in keyof WalletTransactionFilters]?: unknown };

/** Transactions with their wallet's currency and rate (their amounts are shown in them). */
export interface WalletTransactions {
  wallet: WalletTerms;
  transactions: WalletTransactionRow[];
}

/** Credits moving on one wallet in one request. */
export interface Movements {
  paid?: Dec;
  granted?: Dec;
  voided?: Dec;
  name: string | null;
  metadata: WalletMetadataItem[];
  purchaseOrderNumber?: string | null;
  /** Paid credits outside the wallet's paid_top_up_min/max_amount_cents are allowed. */
  ignoreTopUpLimits?: boolean;
  /** What made the transactions (Lago's `source`): `manual` unless a recurring rule did (`threshold`). */
  source?: 'manual' | 'threshold' | 'interval';
  /** Lago's `invoice_requires_successful_payment`, kept on the transactions (the wallet's when absent). */
  invoiceRequiresSuccessfulPayment?: boolean;
}

/** `POST /wallet_transactions`: paid, granted and voided credits on an active wallet, in one transaction. */
export async function createWalletTransactions(db: Db, organization: OrganizationRow, input: WalletTransactionInput, nowMs: number): Promise<WalletTransactions> {
  const found = await findWallet(db, organization.id, input.wallet_id);
  if (!found) throw notFound('wallet');
  return db.transaction(async (trx) => {
    const wallet = (await findWallet(trx, organization.id, found.id, { forUpdate: true }))!;
    if (wallet.status !== 'active') throw invalidField('wallet_id', 'wallet_is_terminated');
    const customer = (await findCustomerById(trx, wallet.customer_id))!;
    const transactions = await applyMovements(trx, organization, customer, wallet, {
      paid: input.paid_credits ?? undefined,
      granted: input.granted_credits ?? undefined,
      voided: input.voided_credits ?? undefined,
      name: input.name ?? null,
      metadata: input.metadata ?? [],
      purchaseOrderNumber: input.purchase_order_number ?? wallet.purchase_order_number,
      ignoreTopUpLimits: input.ignore_paid_top_up_limits === true,
      invoiceRequiresSuccessfulPayment: input.invoice_requires_successful_payment ?? undefined,
    }, nowMs);
    return { wallet, transactions };
  });
}

export async function getWalletTransaction(db: Db, organizationId: string, id: string): Promise<{ wallet: WalletTerms; transaction: WalletTransactionRow }> {
  const transaction = await findWalletTransaction(db, organizationId, id);
  if (!transaction) throw notFound('wallet_transaction');
  const wallet = (await findWallet(db, organizationId, transaction.wallet_id))!;
  return { wallet, transaction };
}

/** A consumption row with the transaction on its other side. */
export interface ConsumptionOf {
  consumption: WalletTransactionConsumptionRow;
  transaction: WalletTransactionRow;
}

/**
 * `GET /wallet_transactions/:id/consumptions` (an inbound transaction: the outbound ones that
 * consumed it) and `/fundings` (an outbound one: the inbound ones it consumed), in the order they
 * were consumed, one page. A transaction of the other direction is a 422 naming `transaction_type`.
 */
export async function listWalletTransactionConsumptions(
  db: Db, organizationId: string, id: string, side: 'consumptions' | 'fundings', page: Page,
): Promise<Paginated<ConsumptionOf> & { wallet: WalletTerms }> {
  const { wallet, transaction } = await getWalletTransaction(db, organizationId, id);
  const wanted = side === 'consumptions' ? 'inbound' : 'outbound';
  if (transaction.transaction_type !== wanted) throw invalidField('transaction_type', `must_be_${wanted}`);
  const listed = side === 'consumptions'
    ? await consumptionsOfInboundPage(db, organizationId, transaction.id, page)
    : await fundingsOfOutboundPage(db, organizationId, transaction.id, page);
  const others = await walletTransactionsByIds(db, organizationId, listed.rows.map((row) => (side === 'consumptions' ? row.outbound_wallet_transaction_id : row.inbound_wallet_transaction_id)));
  const rows = listed.rows.map((consumption) => ({
    consumption,
    transaction: others.get(side === 'consumptions' ? consumption.outbound_wallet_transaction_id : consumption.inbound_wallet_transaction_id)!,
  }));
  return { rows, meta: listed.meta, wallet };
}

/** A wallet's transactions, newest first, one page. */
export async function listWalletTransactions(
  db: Db, organizationId: string, walletId: string, input: WalletTransactionFilterInput, page: Page,
): Promise<Paginated<WalletTransactionRow> & { wallet: WalletTerms }> {
  const wallet = await findWallet(db, organizationId, walletId);
  if (!wallet) throw notFound('wallet');
  const listed = await walletTransactionsPage(db, organizationId, wallet.id, transactionFilters(input), page);
  return { ...listed, wallet };
}

const FILTER_VALUES: Record<keyof WalletTransactionFilters, readonly string[]> = {
  status: WALLET_TRANSACTION_SETTLEMENTS,
  transaction_type: WALLET_TRANSACTION_TYPES,
  transaction_status: WALLET_TRANSACTION_STATUSES,
};

function transactionFilters(input: WalletTransactionFilterInput): WalletTransactionFilters {
  const problems = new Problems();
  const filters: Record<string, string> = {};
  for (const [field, allowed] of Object.entries(FILTER_VALUES)) {
    const value = input[field as keyof WalletTransactionFilters];
    if (value === undefined) continue;
    if (typeof value === 'string' && allowed.includes(value)) filters[field] = value;
    else problems.add(field, 'value_is_invalid');
  }
  problems.throwIfAny();
  return filters as WalletTransactionFilters;
}

/**
 * Writes the movements on a wallet the caller has locked (or just created), in the caller's
 * transaction, and records each transaction's webhook there.
 */
export async function applyMovements(
  trx: Tx, organization: OrganizationRow, customer: CustomerRow, wallet: WalletRow, movements: Movements, nowMs: number,
): Promise<WalletTransactionRow[]> {
  const cents = movementCents(wallet, movements);
  const now = new Date(nowMs);
  const created: WalletTransactionRow[] = [];
  const common = {
    wallet_id: wallet.id, name: movements.name, metadata: movements.metadata, purchase_order_number: movements.purchaseOrderNumber ?? null, source: movements.source ?? 'manual',
    invoice_requires_successful_payment: movements.invoiceRequiresSuccessfulPayment ?? wallet.invoice_requires_successful_payment,
  };

  if (cents.paid > 0n) {
    const purchase = await insertWalletTransaction(trx, organization.id, {
      ...common, transaction_type: 'inbound', transaction_status: 'purchased', status: 'pending',
      amount_cents: cents.paid, credit_amount: movements.paid!.toFixed(),
    });
    const { invoice } = await issueCreditPurchaseInvoice(trx, {
      organization, customer, currency: wallet.currency, walletName: wallet.name, walletTransactionId: purchase.id,
      credits: movements.paid!, rateAmount: new Dec(wallet.rate_amount), amountCents: cents.paid, nowMs,
    });
    created.push(await linkWalletTransactionToInvoice(trx, organization.id, purchase.id, invoice.id));
  }
  if (cents.granted > 0n) {
    created.push(await insertWalletTransaction(trx, organization.id, {
      ...common, transaction_type: 'inbound', transaction_status: 'granted', status: 'settled', settled_at: now,
      amount_cents: cents.granted, credit_amount: movements.granted!.toFixed(),
    }));
  }
  if (cents.voided > 0n) {
    created.push(await insertWalletTransaction(trx, organization.id, {
      ...common, transaction_type: 'outbound', transaction_status: 'voided', status: 'settled', settled_at: now,
      amount_cents: cents.voided, credit_amount: movements.voided!.toFixed(),
    }));
  }
  const balance = wallet.balance_cents + cents.granted - cents.voided;
  if (balance !== wallet.balance_cents) await setWalletBalance(trx, wallet, { balanceCents: balance, at: now });
  for (const transaction of created) await recordTransactionCreated(trx, organization.id, wallet, transaction);
  return created;
}

/** The movements in cents at the wallet's rate, validated before the first write: bad input changes nothing. */
function movementCents(wallet: WalletRow, movements: Movements): { paid: Cents; granted: Cents; voided: Cents } {
  const rate = new Dec(wallet.rate_amount);
  const cents = (credits: Dec | undefined) => (credits && credits.gt(0) ? creditsToCents(credits, rate, wallet.currency) : 0n);
  const paid = cents(movements.paid);
  const granted = cents(movements.granted);
  const voided = cents(movements.voided);
  const errors: Record<string, string[]> = {};
  if (movements.paid?.gt(0) && paid === 0n) errors.paid_credits = ['value_is_invalid'];
  if (movements.granted?.gt(0) && granted === 0n) errors.granted_credits = ['value_is_invalid'];
  if (movements.voided?.gt(0) && voided === 0n) errors.voided_credits = ['value_is_invalid'];
  if (voided > wallet.balance_cents + granted) errors.voided_credits = ['insufficient_credits'];
  // Lago's WalletTransactionAmountLimitsValidator: a paid top-up's amount within the wallet's limits.
  const { paid_top_up_min_amount_cents: min, paid_top_up_max_amount_cents: max } = wallet;
  if (paid > 0n && !movements.ignoreTopUpLimits && !errors.paid_credits) {
    if (min !== null && paid < min) errors.paid_credits = ['amount_below_minimum'];
    else if (max !== null && paid > max) errors.paid_credits = ['amount_above_maximum'];
  }
  if (Object.keys(errors).length > 0) throw validationErrors(errors);
  return { paid, granted, voided };
}

async function recordTransactionCreated(trx: Tx, organizationId: string, wallet: WalletTerms, transaction: WalletTransactionRow): Promise<void> {
  await recordWebhookEvent(trx, {
    organizationId, webhookType: 'wallet_transaction.created', objectType: 'wallet_transaction',
    object: serializeWalletTransaction(transaction, wallet) as Record<string, unknown>,
    idempotencyKey: `wallet_transaction.created:${transaction.id}`,
  });
}

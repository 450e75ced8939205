/**
 * Wallets of prepaid credits (reference/lago-api.md §1.8).
 *
 * - Granted credits are free and settle at once.
 * - Paid credits create a `credit` invoice (one fee of type credit, numbered like any invoice) and a
 *   `pending` inbound transaction; the transaction settles, and the balance grows, when that invoice
 *   is marked paid (`PUT /invoices/:id` payment_status succeeded). A failed payment fails it.
 * - Voided credits leave at once and never exceed the balance.
 * - Invoices draw on the balance after taxes through consumeWalletCredits, inside the transaction that
 *   writes the invoice; wallets are drawn by priority (1 first), then oldest first.
 *
 * The balance in cents is the money; credits are derived from it (src/billing/wallet-credits.ts).
 */
import { recordWebhookEvent } from '../../webhooks/outbox';
import { serializeWalletTransaction } from '../../serializers/wallet';
import type { Knex } from 'knex';
import type { Db } from '../../db/knex';
import { Dec, type Cents } from '../../billing/money';
import { centsToCredits, creditsToCents, planDraws } from '../../billing/wallet-credits';
import { findCustomerByExternalId, findCustomerById, type CustomerRow } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import type { InvoiceRow } from '../../db/invoices';
import {
  findWallet, insertWallet, insertWalletTransaction, updateWallet as updateWalletRow, walletsOf, walletTransactionsOf,
  type WalletRow, type WalletTransactionRow,
} from '../../db/wallets';
import { invalidField, notFound, validationErrors } from '../../runtime/errors';
import { isUniqueViolation } from '../../db/errors';
import { issueCreditPurchaseInvoice } from '../invoicing';

type Conn = Db | Knex.Transaction;

export interface WalletMetadataItem {
  key: string;
  value: string;
}

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
}

export interface UpdateWalletInput {
  name?: string | null;
  code?: string | null;
  priority?: number | null;
  expiration_at?: Date | null;
}

export interface WalletTransactionInput {
  wallet_id: string;
  paid_credits?: Dec | null;
  granted_credits?: Dec | null;
  voided_credits?: Dec | null;
  name?: string | null;
  metadata?: WalletMetadataItem[] | null;
}

function rateOf(wallet: WalletRow): Dec {
  return new Dec(wallet.rate_amount);
}

function creditsOf(wallet: WalletRow, cents: Cents): string {
  return centsToCredits(cents, rateOf(wallet), wallet.currency).toFixed();
}

function checkExpiration(expirationAt: Date | null | undefined, nowMs: number): void {
  if (expirationAt && expirationAt.getTime() <= nowMs) throw invalidField('expiration_at', 'invalid_date');
}

export async function createWallet(db: Db, organization: OrganizationRow, input: CreateWalletInput, nowMs: number): Promise<{ wallet: WalletRow; transactions: WalletTransactionRow[] }> {
  const customer = await findCustomerByExternalId(db, organization.id, input.external_customer_id);
  if (!customer) throw notFound('customer');
  if (customer.currency && customer.currency !== input.currency) throw invalidField('currency', 'currencies_does_not_match');
  checkExpiration(input.expiration_at, nowMs);
  if (input.rate_amount.lte(0)) throw invalidField('rate_amount', 'value_is_invalid');
  try {
    return await db.transaction(async (trx) => {
      const created = await insertWallet(trx, {
        organization_id: organization.id,
        customer_id: customer.id,
        name: input.name ?? null,
        code: input.code ?? null,
        currency: input.currency,
        rate_amount: input.rate_amount.toFixed(),
        priority: input.priority ?? 50,
        expiration_at: input.expiration_at ?? null,
      });
      const transactions = await applyTransactions(trx, organization, customer, created, {
        paid: input.paid_credits ?? undefined,
        granted: input.granted_credits ?? undefined,
        name: input.transaction_name ?? null,
        metadata: input.transaction_metadata ?? [],
      }, nowMs);
      const wallet = (await findWallet(trx, organization.id, created.id))!;
      return { wallet, transactions };
    });
  } catch (error) {
    if (isUniqueViolation(error, 'wallets_active_code')) throw invalidField('code', 'value_already_exist');
    throw error;
  }
}

export async function getWallet(db: Conn, organizationId: string, id: string): Promise<WalletRow> {
  const wallet = await findWallet(db, organizationId, id);
  if (!wallet) throw notFound('wallet');
  return wallet;
}

export async function updateWallet(db: Db, organizationId: string, id: string, input: UpdateWalletInput, nowMs: number): Promise<WalletRow> {
  const wallet = await getWallet(db, organizationId, id);
  if (input.expiration_at !== undefined) checkExpiration(input.expiration_at, nowMs);
  const fields: Partial<WalletRow> = {};
  if (input.name !== undefined) fields.name = input.name;
  if (input.code !== undefined) fields.code = input.code;
  if (input.priority !== undefined) fields.priority = input.priority ?? 50;
  if (input.expiration_at !== undefined) fields.expiration_at = input.expiration_at;
  if (Object.keys(fields).length === 0) return wallet;
  try {
    return await updateWalletRow(db, organizationId, wallet.id, fields);
  } catch (error) {
    if (isUniqueViolation(error, 'wallets_active_code')) throw invalidField('code', 'value_already_exist');
    throw error;
  }
}

/** Terminates the wallet: it keeps its balance for the record but is never drawn on again. Idempotent. */
export async function terminateWallet(db: Db, organizationId: string, id: string, nowMs: number): Promise<WalletRow> {
  const wallet = await getWallet(db, organizationId, id);
  if (wallet.status === 'terminated') return wallet;
  return updateWalletRow(db, organizationId, wallet.id, { status: 'terminated', terminated_at: new Date(nowMs) });
}

/** `POST /wallet_transactions`: paid, granted and voided credits on an active wallet, in one transaction. */
export async function createWalletTransactions(db: Db, organization: OrganizationRow, input: WalletTransactionInput, nowMs: number): Promise<WalletTransactionRow[]> {
  const found = await findWallet(db, organization.id, input.wallet_id);
  if (!found) throw notFound('wallet');
  return db.transaction(async (trx) => {
    const wallet = (await findWallet(trx, organization.id, found.id, { forUpdate: true }))!;
    if (wallet.status !== 'active') throw invalidField('wallet_id', 'wallet_is_terminated');
    const customer = (await findCustomerById(trx, wallet.customer_id))!;
    return applyTransactions(trx, organization, customer, wallet, {
      paid: input.paid_credits ?? undefined,
      granted: input.granted_credits ?? undefined,
      voided: input.voided_credits ?? undefined,
      name: input.name ?? null,
      metadata: input.metadata ?? [],
    }, nowMs);
  });
}

interface Movements {
  paid?: Dec;
  granted?: Dec;
  voided?: Dec;
  name: string | null;
  metadata: WalletMetadataItem[];
}

/** Writes the movements on a wallet the caller has locked (or just created), in the caller's transaction. */
async function applyTransactions(
  trx: Knex.Transaction, organization: OrganizationRow, customer: CustomerRow, wallet: WalletRow, movements: Movements, nowMs: number,
): Promise<WalletTransactionRow[]> {
  const rate = rateOf(wallet);
  const now = new Date(nowMs);
  const cents = (credits: Dec | undefined) => (credits && credits.gt(0) ? creditsToCents(credits, rate, wallet.currency) : 0n);
  const paidCents = cents(movements.paid);
  const grantedCents = cents(movements.granted);
  const voidedCents = cents(movements.voided);

  // Validate everything before the first write: bad input changes nothing.
  const errors: Record<string, string[]> = {};
  if (movements.paid?.gt(0) && paidCents === 0n) errors.paid_credits = ['value_is_invalid'];
  if (movements.granted?.gt(0) && grantedCents === 0n) errors.granted_credits = ['value_is_invalid'];
  if (movements.voided?.gt(0) && voidedCents === 0n) errors.voided_credits = ['value_is_invalid'];
  if (voidedCents > wallet.balance_cents + grantedCents) errors.voided_credits = ['insufficient_credits'];
  if (Object.keys(errors).length > 0) throw validationErrors(errors);

  const created: WalletTransactionRow[] = [];
  let balance = wallet.balance_cents;
  const common = { wallet_id: wallet.id, name: movements.name, metadata: movements.metadata };

  if (paidCents > 0n) {
    const transaction = await insertWalletTransaction(trx, organization.id, {
      ...common, transaction_type: 'inbound', transaction_status: 'purchased', status: 'pending',
      amount_cents: paidCents, credit_amount: movements.paid!.toFixed(),
    });
    const invoice = await issueCreditInvoice(trx, organization, customer, wallet, transaction, nowMs);
    const [linked] = await walletTransactionsOf(trx, organization.id).where({ id: transaction.id })
      .update({ invoice_id: invoice.id, updated_at: trx.fn.now() }).returning('*');
    created.push(linked!);
  }
  if (grantedCents > 0n) {
    balance += grantedCents;
    created.push(await insertWalletTransaction(trx, organization.id, {
      ...common, transaction_type: 'inbound', transaction_status: 'granted', status: 'settled', settled_at: now,
      amount_cents: grantedCents, credit_amount: movements.granted!.toFixed(),
    }));
  }
  if (voidedCents > 0n) {
    balance -= voidedCents;
    created.push(await insertWalletTransaction(trx, organization.id, {
      ...common, transaction_type: 'outbound', transaction_status: 'voided', status: 'settled', settled_at: now,
      amount_cents: voidedCents, credit_amount: movements.voided!.toFixed(),
    }));
  }
  if (balance !== wallet.balance_cents) {
    await updateWalletRow(trx, organization.id, wallet.id, { balance_cents: balance, credits_balance: creditsOf(wallet, balance), last_balance_sync_at: now });
  }
  for (const transaction of created) {
    await recordWebhookEvent(trx, {
      organizationId: organization.id, webhookType: 'wallet_transaction.created', objectType: 'wallet_transaction',
      object: serializeWalletTransaction(transaction, wallet.currency) as Record<string, unknown>,
      idempotencyKey: `wallet_transaction.created:${transaction.id}`,
    });
  }
  return created;
}

/** The credit invoice of a purchase: one untaxed fee of type credit, paid credits × rate. */
async function issueCreditInvoice(
  trx: Knex.Transaction, organization: OrganizationRow, customer: CustomerRow, wallet: WalletRow, transaction: WalletTransactionRow, nowMs: number,
): Promise<InvoiceRow> {
  const { invoice } = await issueCreditPurchaseInvoice(trx, {
    organization, customer, currency: wallet.currency, walletName: wallet.name, walletTransactionId: transaction.id,
    credits: new Dec(transaction.credit_amount), rateAmount: rateOf(wallet), amountCents: transaction.amount_cents, nowMs,
  });
  return invoice;
}

/**
 * A credit invoice's payment status changed (called by PUT /invoices/:id in its transaction):
 * succeeded settles its pending or failed purchases and credits the wallets; failed fails the
 * pending ones. Returns the transactions it changed.
 */
export async function settleCreditInvoicePayment(
  trx: Knex.Transaction, organizationId: string, invoiceId: string, paymentStatus: 'pending' | 'succeeded' | 'failed', nowMs: number,
): Promise<WalletTransactionRow[]> {
  if (paymentStatus === 'pending') return [];
  const from = paymentStatus === 'succeeded' ? ['pending', 'failed'] : ['pending'];
  const transactions = await walletTransactionsOf(trx, organizationId)
    .where({ invoice_id: invoiceId, transaction_type: 'inbound', transaction_status: 'purchased' })
    .whereIn('status', from)
    .orderBy('id')
    .forUpdate();
  const now = new Date(nowMs);
  const changed: WalletTransactionRow[] = [];
  for (const transaction of transactions) {
    if (paymentStatus === 'failed') {
      const [row] = await walletTransactionsOf(trx, organizationId).where({ id: transaction.id })
        .update({ status: 'failed', failed_at: now, updated_at: trx.fn.now() }).returning('*');
      changed.push(row!);
      continue;
    }
    const wallet = (await findWallet(trx, organizationId, transaction.wallet_id, { forUpdate: true }))!;
    const balance = wallet.balance_cents + transaction.amount_cents;
    await updateWalletRow(trx, organizationId, wallet.id, { balance_cents: balance, credits_balance: creditsOf(wallet, balance), last_balance_sync_at: now });
    const [row] = await walletTransactionsOf(trx, organizationId).where({ id: transaction.id })
      .update({ status: 'settled', settled_at: now, failed_at: null, updated_at: trx.fn.now() }).returning('*');
    changed.push(row!);
  }
  return changed;
}

/** A credit invoice was voided: its purchases that never settled fail. */
export async function failPendingPurchases(trx: Knex.Transaction, organizationId: string, invoiceId: string, nowMs: number): Promise<void> {
  await walletTransactionsOf(trx, organizationId)
    .where({ invoice_id: invoiceId, transaction_type: 'inbound', transaction_status: 'purchased', status: 'pending' })
    .update({ status: 'failed', failed_at: new Date(nowMs), updated_at: trx.fn.now() });
}

function usableWallets(conn: Conn, organizationId: string | undefined, customerId: string, currency: string | undefined, asOf: Date) {
  let query = conn<WalletRow>('wallets')
    .where({ customer_id: customerId, status: 'active' })
    .where((q) => q.whereNull('expiration_at').orWhere('expiration_at', '>', asOf));
  if (organizationId) query = query.where({ organization_id: organizationId });
  if (currency) query = query.where({ currency });
  return query;
}

/**
 * What the customer's active, unexpired wallets hold, in cents (read-only, no lock). Give the
 * invoice's currency: a wallet only pays invoices in its own currency.
 */
export async function availableWalletCents(db: Conn, customerId: string, options: { currency?: string; organizationId?: string; asOf?: Date } = {}): Promise<Cents> {
  const [row] = (await usableWallets(db, options.organizationId, customerId, options.currency, options.asOf ?? new Date())
    .sum({ total: 'balance_cents' })) as { total: string | bigint | null }[];
  return row?.total ? BigInt(row.total) : 0n;
}

export interface ConsumeWalletCreditsInput {
  organizationId: string;
  customerId: string;
  /** The invoice being paid: it must already exist in `trx` and belong to the customer. */
  invoiceId: string;
  /** At most this much is drawn (the invoice's prepaid_credit_amount_cents). */
  amountCents: Cents;
  /** Wallets expiring at or before this instant are skipped (default: now). */
  asOf?: Date;
}

/**
 * Draws prepaid credits for an invoice, after taxes: locks the customer's active, unexpired
 * wallets in the invoice's currency (priority 1 first, then oldest), takes up to `amountCents`,
 * records one settled outbound `invoiced` transaction per wallet tied to the invoice, and returns
 * what it drew (≤ amountCents, ≤ what the wallets held).
 *
 * Idempotent per invoice: if the invoice already drew on wallets, nothing more is drawn and the
 * earlier total is returned. Call it inside the transaction that writes the invoice; if it returns
 * less than the invoice's prepaid_credit_amount_cents (another invoice drew in between), roll back
 * and recompute.
 */
export async function consumeWalletCredits(trx: Knex.Transaction, input: ConsumeWalletCreditsInput): Promise<Cents> {
  const { organizationId, customerId, invoiceId, amountCents } = input;
  if (amountCents < 0n) throw new RangeError(`Cannot draw a negative amount: ${amountCents}`);
  const invoice = await trx<InvoiceRow>('invoices').where({ id: invoiceId, organization_id: organizationId }).first();
  if (!invoice || invoice.customer_id !== customerId) throw new Error(`Invoice ${invoiceId} is not an invoice of customer ${customerId}`);

  const earlier = await walletTransactionsOf(trx, organizationId).where({ invoice_id: invoiceId, transaction_type: 'outbound' });
  if (earlier.length > 0) return earlier.reduce((sum, t) => sum + t.amount_cents, 0n);
  if (amountCents === 0n) return 0n;

  const asOf = input.asOf ?? new Date();
  const wallets = await usableWallets(trx, organizationId, customerId, invoice.currency, asOf)
    .where('balance_cents', '>', 0)
    .orderBy([{ column: 'priority' }, { column: 'created_at' }, { column: 'id' }])
    .forUpdate();
  const byId = new Map(wallets.map((w) => [w.id, w]));
  const draws = planDraws(amountCents, wallets.map((w) => ({ id: w.id, balanceCents: w.balance_cents })));
  let drawn = 0n;
  for (const draw of draws) {
    const wallet = byId.get(draw.id)!;
    const balance = wallet.balance_cents - draw.amountCents;
    const consumed = wallet.consumed_amount_cents + draw.amountCents;
    await updateWalletRow(trx, organizationId, wallet.id, {
      balance_cents: balance,
      credits_balance: creditsOf(wallet, balance),
      consumed_amount_cents: consumed,
      consumed_credits: creditsOf(wallet, consumed),
      last_consumed_credit_at: asOf,
      last_balance_sync_at: asOf,
    });
    await insertWalletTransaction(trx, organizationId, {
      wallet_id: wallet.id,
      invoice_id: invoiceId,
      transaction_type: 'outbound',
      transaction_status: 'invoiced',
      status: 'settled',
      settled_at: asOf,
      amount_cents: draw.amountCents,
      credit_amount: creditsOf(wallet, draw.amountCents),
    });
    drawn += draw.amountCents;
  }
  return drawn;
}

/**
 * An invoice that drew on wallets was voided (or its draft deleted): gives every cent back to the
 * wallets it came from, as settled inbound `granted` transactions tied to the invoice. Idempotent.
 */
export async function recreditWalletsOfInvoice(trx: Knex.Transaction, organizationId: string, invoiceId: string, nowMs: number): Promise<Cents> {
  const draws = await walletTransactionsOf(trx, organizationId).where({ invoice_id: invoiceId, transaction_type: 'outbound', transaction_status: 'invoiced' }).orderBy('id');
  const returned = await walletTransactionsOf(trx, organizationId).where({ invoice_id: invoiceId, transaction_type: 'inbound', transaction_status: 'granted' });
  if (draws.length === 0 || returned.length > 0) return 0n;
  const now = new Date(nowMs);
  let total = 0n;
  for (const draw of draws) {
    const wallet = (await findWallet(trx, organizationId, draw.wallet_id, { forUpdate: true }))!;
    const balance = wallet.balance_cents + draw.amount_cents;
    const consumed = wallet.consumed_amount_cents - draw.amount_cents;
    await updateWalletRow(trx, organizationId, wallet.id, {
      balance_cents: balance,
      credits_balance: creditsOf(wallet, balance),
      consumed_amount_cents: consumed,
      consumed_credits: creditsOf(wallet, consumed),
      last_balance_sync_at: now,
    });
    await insertWalletTransaction(trx, organizationId, {
      wallet_id: wallet.id,
      invoice_id: invoiceId,
      transaction_type: 'inbound',
      transaction_status: 'granted',
      status: 'settled',
      settled_at: now,
      amount_cents: draw.amount_cents,
      credit_amount: draw.credit_amount,
      name: 'Credits given back: invoice voided',
    });
    total += draw.amount_cents;
  }
  return total;
}

export function listWallets(db: Conn, organizationId: string, customerId?: string) {
  const query = walletsOf(db, organizationId).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  return customerId ? query.where({ customer_id: customerId }) : query;
}

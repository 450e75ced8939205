/**
 * Invoicing applies what the customer holds: available credit notes, then prepaid wallet credits,
 * both after taxes. The amounts are read before an invoice is computed and drawn inside the
 * transaction that writes it; voiding the invoice (or deleting its draft) gives them back. Paying
 * or voiding a credit (wallet top-up) invoice settles or fails the purchases it bills.
 *
 * Managing wallets and credit notes (create, top up, void…) is the credits domain's; this file only
 * moves balances for invoices.
 */
import type { Conn, Tx } from '../../db/knex';
import type { Cents } from '../../billing/money';
import { allocateToWallets, planDraws, type FeeBucket, type ScopedBalance } from '../../billing/wallet-credits';
import { findInvoice } from '../../db/invoices';
import {
  failPendingPurchasesOfInvoice, failWalletTransaction, findWallet, insertWalletTransaction, lockPurchasesOfInvoice, lockWalletsToDraw,
  setWalletBalance, settleWalletTransaction, usableWalletBalanceCents, usableWalletsOfCustomer, walletCreditsOf, walletTransactionsOfInvoice,
  type WalletRow, type WalletTransactionRow,
} from '../../db/wallets';
import {
  availableCreditNoteBalanceCents, creditsOfInvoice, deleteCreditsOfInvoice, findCreditNote, findInvoiceById, insertInvoiceCredit,
  lockCreditNotesToDraw, updateCreditNote,
} from '../../db/credit-notes';

// Wallets -------------------------------------------------------------------------------------

/**
 * What the customer's active wallets unexpired at `asOf` hold, in cents (read-only, no lock). Give
 * the invoice's currency: a wallet only pays invoices in its own currency.
 */
export async function availableWalletCents(db: Conn, customerId: string, options: { currency?: string; organizationId?: string; asOf: Date }): Promise<Cents> {
  return usableWalletBalanceCents(db, customerId, { organizationId: options.organizationId, currency: options.currency }, options.asOf);
}

/** A wallet as drawn: its balance and what its `applies_to` lets it pay. */
export function scopedBalanceOf(wallet: WalletRow): ScopedBalance {
  return { id: wallet.id, balanceCents: wallet.balance_cents, feeTypes: wallet.applies_to_fee_types, billableMetricIds: wallet.applies_to_billable_metric_ids };
}

/**
 * The customer's usable wallets in the invoice's currency that hold something, in drawing order,
 * when one of them is limited by `applies_to` (read-only, no lock); undefined when none is, and
 * every wallet pays every fee.
 */
export async function restrictedWalletScopes(db: Conn, customerId: string, options: { currency: string; organizationId: string; asOf: Date }): Promise<ScopedBalance[] | undefined> {
  const wallets = (await usableWalletsOfCustomer(db, options.organizationId, customerId, options.asOf))
    .filter((wallet) => wallet.currency === options.currency && wallet.balance_cents > 0n);
  const restricted = wallets.some((wallet) => wallet.applies_to_fee_types.length > 0 || wallet.applies_to_billable_metric_ids.length > 0);
  return restricted ? wallets.map(scopedBalanceOf) : undefined;
}

/**
 * Both of the above from one read of the customer's usable wallets: what those in `currency` hold
 * (`availableWalletCents`) and, when one of them is limited by `applies_to`, their scopes in drawing
 * order (`restrictedWalletScopes`).
 */
export async function walletCredits(
  db: Conn, customerId: string, options: { currency: string; organizationId: string; asOf: Date },
): Promise<{ prepaidCreditCents: Cents; walletScopes: ScopedBalance[] | undefined }> {
  const inCurrency = (await usableWalletsOfCustomer(db, options.organizationId, customerId, options.asOf)).filter((wallet) => wallet.currency === options.currency);
  const prepaidCreditCents = inCurrency.reduce((sum, wallet) => sum + BigInt(wallet.balance_cents), 0n);
  const holding = inCurrency.filter((wallet) => wallet.balance_cents > 0n);
  const restricted = holding.some((wallet) => wallet.applies_to_fee_types.length > 0 || wallet.applies_to_billable_metric_ids.length > 0);
  return { prepaidCreditCents, walletScopes: restricted ? holding.map(scopedBalanceOf) : undefined };
}

export interface ConsumeWalletCreditsInput {
  organizationId: string;
  customerId: string;
  /** The invoice being paid: it must already exist in `trx` and belong to the customer. */
  invoiceId: string;
  /** At most this much is drawn (the invoice's prepaid_credit_amount_cents). */
  amountCents: Cents;
  /** The instant of the draw: wallets expiring at or before it are skipped. */
  asOf: Date;
  /**
   * What the invoice's fees ask, after coupons and taxes, by fee type and metric: each wallet pays
   * only what its `applies_to` allows (allocateToWallets). Absent: every wallet pays every fee.
   */
  buckets?: readonly FeeBucket[];
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
export async function consumeWalletCredits(trx: Tx, input: ConsumeWalletCreditsInput): Promise<Cents> {
  const { organizationId, customerId, invoiceId, amountCents, asOf } = input;
  if (amountCents < 0n) throw new RangeError(`Cannot draw a negative amount: ${amountCents}`);
  const invoice = await findInvoice(trx, organizationId, invoiceId);
  if (!invoice || invoice.customer_id !== customerId) throw new Error(`Invoice ${invoiceId} is not an invoice of customer ${customerId}`);

  const earlier = await walletTransactionsOfInvoice(trx, organizationId, invoiceId, { transaction_type: 'outbound' });
  if (earlier.length > 0) return earlier.reduce((sum, t) => sum + t.amount_cents, 0n);
  if (amountCents === 0n) return 0n;

  const wallets = await lockWalletsToDraw(trx, organizationId, customerId, invoice.currency, asOf);
  const byId = new Map(wallets.map((w) => [w.id, w]));
  const plan = input.buckets
    ? allocateToWallets(wallets.map(scopedBalanceOf), input.buckets, amountCents)
    : planDraws(amountCents, wallets.map((w) => ({ id: w.id, balanceCents: w.balance_cents })));
  let drawn = 0n;
  for (const draw of plan) {
    const wallet = byId.get(draw.id)!;
    await setWalletBalance(trx, wallet, {
      balanceCents: wallet.balance_cents - draw.amountCents,
      consumedCents: wallet.consumed_amount_cents + draw.amountCents,
      at: asOf,
      lastConsumedAt: asOf,
    });
    await insertWalletTransaction(trx, organizationId, {
      wallet_id: wallet.id,
      invoice_id: invoiceId,
      transaction_type: 'outbound',
      transaction_status: 'invoiced',
      status: 'settled',
      settled_at: asOf,
      amount_cents: draw.amountCents,
      credit_amount: walletCreditsOf(wallet, draw.amountCents),
    });
    drawn += draw.amountCents;
  }
  return drawn;
}

/**
 * An invoice that drew on wallets was voided (or its draft deleted): gives every cent back to the
 * wallets it came from, as settled inbound `granted` transactions tied to the invoice. Idempotent.
 */
export async function recreditWalletsOfInvoice(trx: Tx, organizationId: string, invoiceId: string, nowMs: number): Promise<Cents> {
  const draws = await walletTransactionsOfInvoice(trx, organizationId, invoiceId, { transaction_type: 'outbound', transaction_status: 'invoiced' });
  const returned = await walletTransactionsOfInvoice(trx, organizationId, invoiceId, { transaction_type: 'inbound', transaction_status: 'granted' });
  if (draws.length === 0 || returned.length > 0) return 0n;
  const now = new Date(nowMs);
  let total = 0n;
  for (const draw of draws) {
    const wallet = (await findWallet(trx, organizationId, draw.wallet_id, { forUpdate: true }))!;
    await setWalletBalance(trx, wallet, {
      balanceCents: wallet.balance_cents + draw.amount_cents,
      consumedCents: wallet.consumed_amount_cents - draw.amount_cents,
      at: now,
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

/**
 * A credit invoice's payment status changed (called by PUT /invoices/:id in its transaction):
 * succeeded settles its pending or failed purchases and credits the wallets; failed fails the
 * pending ones. Returns the transactions it changed.
 */
export async function settleCreditInvoicePayment(
  trx: Tx, organizationId: string, invoiceId: string, paymentStatus: 'pending' | 'succeeded' | 'failed', nowMs: number,
): Promise<WalletTransactionRow[]> {
  if (paymentStatus === 'pending') return [];
  const purchases = await lockPurchasesOfInvoice(trx, organizationId, invoiceId, paymentStatus === 'succeeded' ? ['pending', 'failed'] : ['pending']);
  const now = new Date(nowMs);
  const changed: WalletTransactionRow[] = [];
  for (const purchase of purchases) {
    if (paymentStatus === 'failed') {
      changed.push(await failWalletTransaction(trx, organizationId, purchase.id, now));
      continue;
    }
    const wallet = (await findWallet(trx, organizationId, purchase.wallet_id, { forUpdate: true }))!;
    await setWalletBalance(trx, wallet, { balanceCents: wallet.balance_cents + purchase.amount_cents, at: now });
    changed.push(await settleWalletTransaction(trx, organizationId, purchase.id, now));
  }
  return changed;
}

/** A credit invoice was voided: its purchases that never settled fail. */
export async function failPendingPurchases(trx: Tx, organizationId: string, invoiceId: string, nowMs: number): Promise<void> {
  await failPendingPurchasesOfInvoice(trx, organizationId, invoiceId, new Date(nowMs));
}

// Credit notes --------------------------------------------------------------------------------

/** The customer's available credit-note balance, in cents (read-only, no lock); give the invoice's currency. */
export async function availableCreditNoteCents(db: Conn, customerId: string, options: { currency?: string; organizationId?: string } = {}): Promise<Cents> {
  return availableCreditNoteBalanceCents(db, customerId, options);
}

export interface ConsumeCreditNotesInput {
  customerId: string;
  /** The invoice being paid: it must already exist in `trx` and belong to the customer. */
  invoiceId: string;
  /** At most this much is drawn (the invoice's credit_notes_amount_cents). */
  amountCents: Cents;
  /** Optional: checked against the invoice's organization. */
  organizationId?: string;
}

/**
 * Draws available credit-note balances for an invoice (after taxes, before wallets): locks the
 * customer's available notes in the invoice's currency, oldest first, takes up to `amountCents`,
 * records what each note gave (the invoice's `credits`), marks emptied notes `consumed`, and
 * returns what it drew. Idempotent per invoice: a second call returns the first call's total.
 */
export async function consumeCreditNotes(trx: Tx, input: ConsumeCreditNotesInput): Promise<Cents> {
  const { customerId, invoiceId, amountCents } = input;
  if (amountCents < 0n) throw new RangeError(`Cannot draw a negative amount: ${amountCents}`);
  const invoice = await findInvoiceById(trx, invoiceId);
  if (!invoice || invoice.customer_id !== customerId || (input.organizationId && invoice.organization_id !== input.organizationId)) {
    throw new Error(`Invoice ${invoiceId} is not an invoice of customer ${customerId}`);
  }
  const organizationId = invoice.organization_id;
  const earlier = await creditsOfInvoice(trx, organizationId, invoiceId);
  if (earlier.length > 0) return earlier.reduce((sum, credit) => sum + credit.amount_cents, 0n);
  if (amountCents === 0n) return 0n;

  const notes = await lockCreditNotesToDraw(trx, organizationId, customerId, invoice.currency, invoiceId);
  const byId = new Map(notes.map((note) => [note.id, note]));
  let drawn = 0n;
  for (const draw of planDraws(amountCents, notes.map((n) => ({ id: n.id, balanceCents: n.balance_amount_cents })))) {
    const note = byId.get(draw.id)!;
    const balance = note.balance_amount_cents - draw.amountCents;
    await updateCreditNote(trx, organizationId, note.id, { balance_amount_cents: balance, credit_status: balance === 0n ? 'consumed' : 'available' });
    await insertInvoiceCredit(trx, { organization_id: organizationId, invoice_id: invoiceId, credit_note_id: note.id, amount_cents: draw.amountCents });
    drawn += draw.amountCents;
  }
  return drawn;
}

/**
 * An invoice that consumed credit notes was voided (or its draft deleted): gives each note back
 * what the invoice took, unless the note was voided since. Idempotent (the credits rows go).
 */
export async function recreditCreditNotesOfInvoice(trx: Tx, organizationId: string, invoiceId: string): Promise<Cents> {
  let total = 0n;
  for (const credit of await creditsOfInvoice(trx, organizationId, invoiceId)) {
    const note = (await findCreditNote(trx, organizationId, credit.credit_note_id, { forUpdate: true }))!;
    if (note.credit_status !== 'voided') {
      await updateCreditNote(trx, organizationId, note.id, { balance_amount_cents: note.balance_amount_cents + credit.amount_cents, credit_status: 'available' });
      total += credit.amount_cents;
    }
  }
  await deleteCreditsOfInvoice(trx, organizationId, invoiceId);
  return total;
}

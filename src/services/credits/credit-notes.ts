/**
 * Credit notes (reference/lago-api.md §1.10, §5.3): giving back part of a finalized invoice as
 * credit (a balance later invoices consume) and/or a refund.
 *
 * Rules (amounts in src/billing/credit-note-amounts.ts):
 * - Only finalized invoices that are not credit (wallet top-up) invoices take credit notes.
 * - Each item names a fee of the invoice and credits at most what is left of it: the fee amount
 *   minus every earlier item on it (voided notes included: a void only drops a note's balance).
 * - credit_amount_cents + refund_amount_cents must equal the note's total: the items, minus their
 *   coupon shares, plus their tax shares. Both omitted: the whole total is credited (or, with
 *   `allocate: 'refund'`, refunded as far as the payment goes and credited beyond).
 * - A refund needs a paid invoice and never exceeds what was paid minus earlier refunds.
 * - Numbers are `<invoice number>-CN<seq %03d>` from a gapless per-invoice counter (row-locked,
 *   given back if the transaction rolls back).
 */
import type { Knex } from 'knex';
import type { Db } from '../../db/knex';
import { Dec, maxCents, minCents, type Cents } from '../../billing/money';
import { creditNoteNumber } from '../../billing/numbering';
import { localDateOf, type LocalDate } from '../../billing/calendar';
import { computeCreditNoteAmounts, remainingCreditableCents, type CreditableFee, type FeeTaxInput } from '../../billing/credit-note-amounts';
import { planDraws } from '../../billing/wallet-credits';
import { nextSequenceValue } from '../../db/counters';
import { findCustomerById } from '../../db/customers';
import { findOrganization } from '../../db/organizations';
import type { FeeRow, InvoiceRow } from '../../db/invoices';
import { isUuid } from '../../db/wallets';
import {
  creditedAmountsByFee, creditNotesOf, findCreditNote,
  type CreditNoteReason, type CreditNoteRow, type InvoiceCreditRow, type RefundStatus,
} from '../../db/credit-notes';
import { methodNotAllowed, notFound, validationErrors } from '../../runtime/errors';
import { recordWebhookEvent } from '../../webhooks/outbox';
// A cycle (documents → routes → this file) that only meets at call time, after every module has loaded.
import { creditNoteObject } from '../../documents/credit-note-pdf';
import { applicableTimezone } from '../../billing/subscription-terms';

type Conn = Db | Knex.Transaction;

export interface CreateCreditNoteInput {
  organizationId: string;
  invoiceId: string;
  reason: CreditNoteReason;
  description?: string | null;
  items: readonly { feeId: string; amountCents: Cents }[];
  /** Both omitted: the whole total goes by `allocate`. Otherwise an omitted one is 0. */
  creditAmountCents?: Cents;
  refundAmountCents?: Cents;
  /**
   * With both amounts omitted: `credit` (default) credits the whole total; `refund` refunds what the
   * invoice's payment still covers and credits the rest (a subscription's on_termination_credit_note).
   */
  allocate?: 'credit' | 'refund';
  /** Default: today in the customer's timezone. */
  issuingDate?: LocalDate;
  /** A business key (e.g. `termination:<subscription id>`): the same key returns the note already created. */
  idempotencyKey?: string;
  /** The instant used for the default issuing date (default: now). */
  nowMs?: number;
}

interface FeeTaxJson {
  tax_code?: string | null;
  tax_name?: string | null;
  tax_rate?: number | string | null;
}

function feeTaxes(fee: FeeRow): FeeTaxInput[] {
  const taxes = (fee.applied_taxes as FeeTaxJson[] | null ?? []).map((tax) => {
    const rate = new Dec(String(tax.tax_rate ?? 0));
    return { key: tax.tax_code ?? `rate:${rate.toString()}`, taxCode: tax.tax_code ?? null, taxName: tax.tax_name ?? null, rate };
  });
  if (taxes.length === 0 && fee.taxes_amount_cents > 0n) {
    const rate = new Dec(fee.taxes_rate);
    taxes.push({ key: `rate:${rate.toString()}`, taxCode: null, taxName: null, rate });
  }
  return taxes;
}

async function lockInvoice(trx: Knex.Transaction, organizationId: string, invoiceId: string): Promise<InvoiceRow | undefined> {
  if (!isUuid(invoiceId)) return undefined;
  return trx<InvoiceRow>('invoices').where({ id: invoiceId, organization_id: organizationId }).forUpdate().first();
}

/**
 * Creates a credit note in the caller's transaction (locks the invoice first, so concurrent notes
 * on one invoice never over-credit a fee). Throws Lago-shaped ApiErrors: 404 invoice_not_found /
 * fee_not_found, 405 invalid_type_or_status, 422 validation_errors.
 */
export async function createCreditNote(trx: Knex.Transaction, input: CreateCreditNoteInput): Promise<{ creditNote: CreditNoteRow; created: boolean }> {
  const { organizationId } = input;
  const invoice = await lockInvoice(trx, organizationId, input.invoiceId);
  if (!invoice || !['finalized', 'voided', 'draft'].includes(invoice.status)) throw notFound('invoice');

  if (input.idempotencyKey) {
    const existing = await creditNotesOf(trx, organizationId).where({ idempotency_key: input.idempotencyKey }).first();
    if (existing) return { creditNote: existing, created: false };
  }
  if (invoice.status !== 'finalized') throw methodNotAllowed('invalid_type_or_status');
  if (invoice.invoice_type === 'credit') throw validationErrors({ base: ['cannot_credit_invoice'] });
  if (input.items.length === 0) throw validationErrors({ items: ['value_is_mandatory'] });

  const feeIds = [...new Set(input.items.map((item) => item.feeId))];
  const fees = feeIds.every(isUuid)
    ? await trx<FeeRow>('fees').where({ organization_id: organizationId, invoice_id: invoice.id }).whereIn('id', feeIds)
    : [];
  if (fees.length !== feeIds.length) throw notFound('fee');
  const credited = await creditedAmountsByFee(trx, organizationId, feeIds);
  const creditable: CreditableFee[] = fees.map((fee) => ({
    id: fee.id,
    amountCents: fee.amount_cents,
    couponsAmountCents: BigInt(new Dec(fee.precise_coupons_amount_cents).toDecimalPlaces(0, Dec.ROUND_HALF_UP).toFixed(0)),
    taxesAmountCents: fee.taxes_amount_cents,
    taxes: feeTaxes(fee),
    creditedAmountCents: credited.get(fee.id) ?? 0n,
  }));

  // Every item within what is left of its fee (items on the same fee add up).
  const errors: Record<string, string[]> = {};
  const asked = new Map<string, Cents>();
  for (const item of input.items) asked.set(item.feeId, (asked.get(item.feeId) ?? 0n) + item.amountCents);
  for (const fee of creditable) {
    if (input.items.some((i) => i.feeId === fee.id && i.amountCents <= 0n) || asked.get(fee.id)! > remainingCreditableCents(fee)) {
      errors.amount_cents = ['higher_than_remaining_fee_amount'];
    }
  }
  if (Object.keys(errors).length > 0) throw validationErrors(errors);

  const amounts = computeCreditNoteAmounts(creditable, input.items);
  const [{ refunded }] = (await creditNotesOf(trx, organizationId).where({ invoice_id: invoice.id })
    .sum({ refunded: 'refund_amount_cents' })) as [{ refunded: string | bigint | null }];
  const refundable = invoice.payment_status === 'succeeded' ? invoice.total_amount_cents - BigInt(refunded ?? 0) : 0n;
  let creditAmountCents = input.creditAmountCents ?? 0n;
  let refundAmountCents = input.refundAmountCents ?? 0n;
  if (input.creditAmountCents === undefined && input.refundAmountCents === undefined) {
    refundAmountCents = input.allocate === 'refund' ? minCents(amounts.totalAmountCents, maxCents(refundable, 0n)) : 0n;
    creditAmountCents = amounts.totalAmountCents - refundAmountCents;
  }

  if (refundAmountCents > 0n) {
    if (invoice.payment_status !== 'succeeded') errors.refund_amount_cents = ['cannot_refund_unpaid_invoice'];
    else if (refundAmountCents > refundable) errors.refund_amount_cents = ['higher_than_remaining_invoice_amount'];
  }
  if (creditAmountCents + refundAmountCents !== amounts.totalAmountCents) errors.base = ['does_not_match_item_amounts'];
  if (Object.keys(errors).length > 0) throw validationErrors(errors);

  const customer = (await findCustomerById(trx, invoice.customer_id))!;
  let issuingDate = input.issuingDate;
  if (!issuingDate) {
    const organization = (await findOrganization(trx, organizationId))!;
    issuingDate = localDateOf(input.nowMs ?? Date.now(), applicableTimezone(customer, organization));
  }
  const sequentialId = await nextSequenceValue(trx, organizationId, `invoice:${invoice.id}:credit_notes`);
  const [creditNote] = await trx<CreditNoteRow>('credit_notes').insert({
    organization_id: organizationId,
    customer_id: invoice.customer_id,
    invoice_id: invoice.id,
    idempotency_key: input.idempotencyKey ?? null,
    sequential_id: sequentialId,
    number: creditNoteNumber(invoice.number, sequentialId),
    issuing_date: issuingDate,
    credit_status: creditAmountCents > 0n ? 'available' : null,
    refund_status: refundAmountCents > 0n ? 'pending' : null,
    reason: input.reason,
    description: input.description ?? null,
    currency: invoice.currency,
    total_amount_cents: amounts.totalAmountCents,
    sub_total_excluding_taxes_amount_cents: amounts.subTotalExcludingTaxesAmountCents,
    coupons_adjustment_amount_cents: amounts.couponsAdjustmentAmountCents,
    taxes_amount_cents: amounts.taxesAmountCents,
    precise_taxes_amount_cents: amounts.preciseTaxesAmountCents.toFixed(),
    taxes_rate: amounts.taxesRate.toFixed(),
    credit_amount_cents: creditAmountCents,
    refund_amount_cents: refundAmountCents,
    offset_amount_cents: 0n,
    balance_amount_cents: creditAmountCents,
    applied_taxes: JSON.stringify(amounts.appliedTaxes.map((tax) => ({
      tax_code: tax.taxCode,
      tax_name: tax.taxName,
      tax_rate: Number(tax.rate),
      amount_cents: Number(tax.amountCents),
      base_amount_cents: Number(tax.baseAmountCents),
    }))),
  } as never).returning('*');
  await trx('credit_note_items').insert(amounts.items.map((item) => ({
    organization_id: organizationId,
    credit_note_id: creditNote!.id,
    fee_id: item.feeId,
    amount_cents: item.amountCents,
    coupons_adjustment_amount_cents: item.couponsAdjustmentAmountCents,
    taxes_amount_cents: item.taxesAmountCents,
  })));
  await recordCreditNoteCreated(trx, creditNote!);
  return { creditNote: creditNote!, created: true };
}

/** `credit_note.created` in the note's own transaction (webhook outbox; it also triggers the PDF). */
async function recordCreditNoteCreated(trx: Knex.Transaction, creditNote: CreditNoteRow): Promise<void> {
  const organization = (await trx('organizations').where({ id: creditNote.organization_id }).first())!;
  await recordWebhookEvent(trx, {
    organizationId: creditNote.organization_id,
    webhookType: 'credit_note.created',
    objectType: 'credit_note',
    object: await creditNoteObject(trx as unknown as Db, organization, creditNote as never, null),
    idempotencyKey: `credit_note.created:${creditNote.id}`,
  });
}

/**
 * What a fee can still be credited, in cents: its amount minus every item already credited on it
 * (voided notes included). Use it to cap an automatic note before calling createCreditNote.
 */
export async function remainingCreditableFeeCents(conn: Conn, organizationId: string, feeId: string): Promise<Cents> {
  const fee = isUuid(feeId) ? await conn<FeeRow>('fees').where({ id: feeId, organization_id: organizationId }).first() : undefined;
  if (!fee) return 0n;
  const credited = (await creditedAmountsByFee(conn, organizationId, [fee.id])).get(fee.id) ?? 0n;
  return remainingCreditableCents({ amountCents: fee.amount_cents, creditedAmountCents: credited });
}

export async function getCreditNote(db: Conn, organizationId: string, id: string): Promise<CreditNoteRow> {
  const creditNote = await findCreditNote(db, organizationId, id);
  if (!creditNote) throw notFound('credit_note');
  return creditNote;
}

/** Drops what is left of the note's credit: 405 no_voidable_amount when nothing is left (or already voided). */
export async function voidCreditNote(db: Db, organizationId: string, id: string, nowMs: number): Promise<CreditNoteRow> {
  await getCreditNote(db, organizationId, id);
  return db.transaction(async (trx) => {
    const creditNote = (await findCreditNote(trx, organizationId, id, { forUpdate: true }))!;
    if (creditNote.credit_status === 'voided' || creditNote.balance_amount_cents <= 0n) throw methodNotAllowed('no_voidable_amount');
    const [row] = await creditNotesOf(trx, organizationId).where({ id: creditNote.id })
      .update({ credit_status: 'voided', balance_amount_cents: 0n, voided_at: new Date(nowMs), updated_at: trx.fn.now() } as never)
      .returning('*');
    return row!;
  });
}

export async function updateCreditNoteRefundStatus(db: Db, organizationId: string, id: string, refundStatus: RefundStatus, nowMs: number): Promise<CreditNoteRow> {
  const creditNote = await getCreditNote(db, organizationId, id);
  const [row] = await creditNotesOf(db, organizationId).where({ id: creditNote.id })
    .update({
      refund_status: refundStatus,
      refunded_at: refundStatus === 'succeeded' ? new Date(nowMs) : null,
      updated_at: db.fn.now(),
    } as never)
    .returning('*');
  return row!;
}

function availableNotes(conn: Conn, customerId: string, currency: string | undefined, organizationId: string | undefined) {
  let query = conn<CreditNoteRow>('credit_notes')
    .where({ customer_id: customerId, credit_status: 'available' })
    .where('balance_amount_cents', '>', 0);
  if (currency) query = query.where({ currency });
  if (organizationId) query = query.where({ organization_id: organizationId });
  return query;
}

/** The customer's available credit-note balance, in cents (read-only, no lock); give the invoice's currency. */
export async function availableCreditNoteCents(db: Conn, customerId: string, options: { currency?: string; organizationId?: string } = {}): Promise<Cents> {
  const [row] = (await availableNotes(db, customerId, options.currency, options.organizationId).sum({ total: 'balance_amount_cents' })) as { total: string | bigint | null }[];
  return row?.total ? BigInt(row.total) : 0n;
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
export async function consumeCreditNotes(trx: Knex.Transaction, input: ConsumeCreditNotesInput): Promise<Cents> {
  const { customerId, invoiceId, amountCents } = input;
  if (amountCents < 0n) throw new RangeError(`Cannot draw a negative amount: ${amountCents}`);
  const invoice = isUuid(invoiceId) ? await trx<InvoiceRow>('invoices').where({ id: invoiceId }).first() : undefined;
  if (!invoice || invoice.customer_id !== customerId || (input.organizationId && invoice.organization_id !== input.organizationId)) {
    throw new Error(`Invoice ${invoiceId} is not an invoice of customer ${customerId}`);
  }
  const organizationId = invoice.organization_id;
  const earlier = await trx<InvoiceCreditRow>('invoice_credits').where({ organization_id: organizationId, invoice_id: invoiceId });
  if (earlier.length > 0) return earlier.reduce((sum, credit) => sum + credit.amount_cents, 0n);
  if (amountCents === 0n) return 0n;

  const notes = await availableNotes(trx, customerId, invoice.currency, organizationId)
    .whereNot({ invoice_id: invoiceId })
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .forUpdate();
  const byId = new Map(notes.map((note) => [note.id, note]));
  let drawn = 0n;
  for (const draw of planDraws(amountCents, notes.map((n) => ({ id: n.id, balanceCents: n.balance_amount_cents })))) {
    const note = byId.get(draw.id)!;
    const balance = note.balance_amount_cents - draw.amountCents;
    await creditNotesOf(trx, organizationId).where({ id: note.id })
      .update({ balance_amount_cents: balance, credit_status: balance === 0n ? 'consumed' : 'available', updated_at: trx.fn.now() } as never);
    await trx('invoice_credits').insert({ organization_id: organizationId, invoice_id: invoiceId, credit_note_id: note.id, amount_cents: draw.amountCents });
    drawn += draw.amountCents;
  }
  return drawn;
}

/**
 * An invoice that consumed credit notes was voided (or its draft deleted): gives each note back
 * what the invoice took, unless the note was voided since. Idempotent (the credits rows go).
 */
export async function recreditCreditNotesOfInvoice(trx: Knex.Transaction, organizationId: string, invoiceId: string): Promise<Cents> {
  const credits = await trx<InvoiceCreditRow>('invoice_credits').where({ organization_id: organizationId, invoice_id: invoiceId }).orderBy('id');
  let total = 0n;
  for (const credit of credits) {
    const note = (await findCreditNote(trx, organizationId, credit.credit_note_id, { forUpdate: true }))!;
    if (note.credit_status !== 'voided') {
      await creditNotesOf(trx, organizationId).where({ id: note.id })
        .update({ balance_amount_cents: note.balance_amount_cents + credit.amount_cents, credit_status: 'available', updated_at: trx.fn.now() } as never);
      total += credit.amount_cents;
    }
  }
  await trx('invoice_credits').where({ organization_id: organizationId, invoice_id: invoiceId }).delete();
  return total;
}

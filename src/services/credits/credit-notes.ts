/**
 * Credit notes (reference/lago-api.md §1.10, §5.3): giving back part of a finalized invoice as
 * credit (a balance later invoices consume, through invoicing's credit-draws.ts) and/or a refund.
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
import type { Conn, Db, Tx } from '../../db/knex';
import { centsToJson, Dec, maxCents, minCents, type Cents } from '../../billing/money';
import { creditNoteNumber } from '../../billing/numbering';
import { localDateOf, type LocalDate } from '../../billing/calendar';
import { applicableTimezone } from '../../billing/subscription-terms';
import {
  computeCreditNoteAmounts, remainingCreditableCents, type CreditableFee, type CreditNoteAmounts, type FeeTaxInput,
} from '../../billing/credit-note-amounts';
import { nextSequenceValue } from '../../db/counters';
import { findCustomerById } from '../../db/customers';
import { findOrganization, type OrganizationRow } from '../../db/organizations';
import type { FeeRow, InvoiceRow } from '../../db/invoices';
import {
  creditedAmountsByFee, creditNotesPage, findCreditNote, findCreditNoteByIdempotencyKey, feesOfInvoiceByIds, findFee, insertCreditNote,
  lockInvoiceToCredit, refundedCentsOfInvoice, updateCreditNote,
  type CreditNoteFilters, type CreditNoteReason, type CreditNoteRow, type RefundStatus,
} from '../../db/credit-notes';
import { isUuid, methodNotAllowed, notFound, validationErrors } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { recordWebhookEvent, requestDocument, requestRefund } from '../../webhooks/outbox';
import { creditNoteWebhookObject, presentCreditNote, presentCreditNotes, type PresentedCreditNote } from './credit-note-presenter';

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
  /** Default: the day of `nowMs` in the customer's timezone. */
  issuingDate?: LocalDate;
  /** A business key (e.g. `termination:<subscription id>`): the same key returns the note already created. */
  idempotencyKey?: string;
  /** The instant the note is written. */
  nowMs: number;
  /** Key → value, stored and shown as sent. */
  metadata?: Record<string, string | null> | null;
}

/** `POST /credit_notes`. */
export interface IssueCreditNoteInput {
  invoice_id: string;
  reason: CreditNoteReason;
  description?: string | null;
  credit_amount_cents?: Cents | null;
  refund_amount_cents?: Cents | null;
  items: { fee_id: string; amount_cents: Cents }[];
  metadata?: Record<string, string | null> | null;
}

/** `PUT /credit_notes/:id`. */
export interface UpdateCreditNoteInput {
  refund_status: RefundStatus;
  /** Replaces the note's metadata; null clears it. */
  metadata?: Record<string, string | null> | null;
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

/**
 * Creates a credit note in the caller's transaction (locks the invoice first, so concurrent notes
 * on one invoice never over-credit a fee) and records `credit_note.created` and asks for its PDF there. Throws domain
 * errors: not found invoice / fee, not allowed invalid_type_or_status, validation errors.
 */
export async function createCreditNote(trx: Tx, input: CreateCreditNoteInput): Promise<{ creditNote: CreditNoteRow; created: boolean }> {
  const { organizationId } = input;
  const invoice = await lockInvoiceToCredit(trx, organizationId, input.invoiceId);
  if (!invoice || !['finalized', 'voided', 'draft'].includes(invoice.status)) throw notFound('invoice');

  if (input.idempotencyKey) {
    const existing = await findCreditNoteByIdempotencyKey(trx, organizationId, input.idempotencyKey);
    if (existing) return { creditNote: existing, created: false };
  }
  if (invoice.status !== 'finalized') throw methodNotAllowed('invalid_type_or_status');
  if (invoice.invoice_type === 'credit') throw validationErrors({ base: ['cannot_credit_invoice'] });
  if (input.items.length === 0) throw validationErrors({ items: ['value_is_mandatory'] });

  const creditable = await creditableFees(trx, invoice, input.items);
  checkItems(creditable, input.items);
  const amounts = computeCreditNoteAmounts(creditable, input.items);
  const allocation = await allocate(trx, invoice, amounts, input);

  const customer = (await findCustomerById(trx, invoice.customer_id))!;
  const organization = (await findOrganization(trx, organizationId))!;
  const issuingDate = input.issuingDate ?? localDateOf(input.nowMs, applicableTimezone(customer, organization));
  const sequentialId = await nextSequenceValue(trx, organizationId, `invoice:${invoice.id}:credit_notes`);
  const creditNote = await insertCreditNote(trx, {
    organization_id: organizationId,
    customer_id: invoice.customer_id,
    invoice_id: invoice.id,
    idempotency_key: input.idempotencyKey ?? null,
    sequential_id: sequentialId,
    number: creditNoteNumber(invoice.number, sequentialId),
    issuing_date: issuingDate,
    credit_status: allocation.creditAmountCents > 0n ? 'available' : null,
    refund_status: allocation.refundAmountCents > 0n ? 'pending' : null,
    reason: input.reason,
    description: input.description ?? null,
    currency: invoice.currency,
    total_amount_cents: amounts.totalAmountCents,
    sub_total_excluding_taxes_amount_cents: amounts.subTotalExcludingTaxesAmountCents,
    coupons_adjustment_amount_cents: amounts.couponsAdjustmentAmountCents,
    taxes_amount_cents: amounts.taxesAmountCents,
    precise_taxes_amount_cents: amounts.preciseTaxesAmountCents.toFixed(),
    taxes_rate: amounts.taxesRate.toFixed(),
    credit_amount_cents: allocation.creditAmountCents,
    refund_amount_cents: allocation.refundAmountCents,
    offset_amount_cents: 0n,
    balance_amount_cents: allocation.creditAmountCents,
    metadata: input.metadata ?? null,
    applied_taxes: JSON.stringify(amounts.appliedTaxes.map((tax) => ({
      tax_code: tax.taxCode,
      tax_name: tax.taxName,
      tax_rate: Number(tax.rate),
      amount_cents: centsToJson(tax.amountCents),
      base_amount_cents: centsToJson(tax.baseAmountCents),
    }))),
  }, amounts.items.map((item) => ({
    fee_id: item.feeId,
    amount_cents: item.amountCents,
    coupons_adjustment_amount_cents: item.couponsAdjustmentAmountCents,
    taxes_amount_cents: item.taxesAmountCents,
  })));
  // In the note's transaction: its webhook and its PDF.
  await recordWebhookEvent(trx, {
    organizationId,
    webhookType: 'credit_note.created',
    objectType: 'credit_note',
    object: await creditNoteWebhookObject(trx, organization, creditNote, null),
    idempotencyKey: `credit_note.created:${creditNote.id}`,
  });
  await requestDocument(trx, { organizationId, documentType: 'credit_note', id: creditNote.id });
  // A refund goes back through the provider that collected the invoice (services/payments/refunds.ts).
  if (allocation.refundAmountCents > 0n) await requestRefund(trx, { organizationId, creditNoteId: creditNote.id });
  return { creditNote, created: true };
}

/** The invoice's fees the items name, with what each has been credited so far (not found: a fee is missing). */
async function creditableFees(trx: Tx, invoice: InvoiceRow, items: CreateCreditNoteInput['items']): Promise<CreditableFee[]> {
  const feeIds = [...new Set(items.map((item) => item.feeId))];
  const fees = feeIds.every(isUuid) ? await feesOfInvoiceByIds(trx, invoice.organization_id, invoice.id, feeIds) : [];
  if (fees.length !== feeIds.length) throw notFound('fee');
  const credited = await creditedAmountsByFee(trx, invoice.organization_id, feeIds);
  return fees.map((fee) => ({
    id: fee.id,
    amountCents: fee.amount_cents,
    // What progressive invoices billed of the fee (issue 15) was deducted like a coupon: it is not credited twice.
    couponsAmountCents: BigInt(new Dec(fee.precise_coupons_amount_cents).toDecimalPlaces(0, Dec.ROUND_HALF_UP).toFixed(0)) + (fee.progressive_credit_amount_cents ?? 0n),
    taxesAmountCents: fee.taxes_amount_cents,
    taxes: feeTaxes(fee),
    creditedAmountCents: credited.get(fee.id) ?? 0n,
  }));
}

/** Every item positive and within what is left of its fee (items on the same fee add up). */
function checkItems(creditable: readonly CreditableFee[], items: CreateCreditNoteInput['items']): void {
  const asked = new Map<string, Cents>();
  for (const item of items) asked.set(item.feeId, (asked.get(item.feeId) ?? 0n) + item.amountCents);
  const tooMuch = creditable.some((fee) =>
    items.some((i) => i.feeId === fee.id && i.amountCents <= 0n) || asked.get(fee.id)! > remainingCreditableCents(fee));
  if (tooMuch) throw validationErrors({ amount_cents: ['higher_than_remaining_fee_amount'] });
}

/** How the note's total splits into credit and refund, checked against what the invoice's payment allows. */
async function allocate(
  trx: Tx, invoice: InvoiceRow, amounts: CreditNoteAmounts, input: CreateCreditNoteInput,
): Promise<{ creditAmountCents: Cents; refundAmountCents: Cents }> {
  const refunded = await refundedCentsOfInvoice(trx, invoice.organization_id, invoice.id);
  const refundable = invoice.payment_status === 'succeeded' ? invoice.total_amount_cents - refunded : 0n;
  let creditAmountCents = input.creditAmountCents ?? 0n;
  let refundAmountCents = input.refundAmountCents ?? 0n;
  if (input.creditAmountCents === undefined && input.refundAmountCents === undefined) {
    refundAmountCents = input.allocate === 'refund' ? minCents(amounts.totalAmountCents, maxCents(refundable, 0n)) : 0n;
    creditAmountCents = amounts.totalAmountCents - refundAmountCents;
  }
  const errors: Record<string, string[]> = {};
  if (refundAmountCents > 0n) {
    if (invoice.payment_status !== 'succeeded') errors.refund_amount_cents = ['cannot_refund_unpaid_invoice'];
    else if (refundAmountCents > refundable) errors.refund_amount_cents = ['higher_than_remaining_invoice_amount'];
  }
  if (creditAmountCents + refundAmountCents !== amounts.totalAmountCents) errors.base = ['does_not_match_item_amounts'];
  if (Object.keys(errors).length > 0) throw validationErrors(errors);
  return { creditAmountCents, refundAmountCents };
}

/** `POST /credit_notes`: the note in its own transaction, presented. */
export async function issueCreditNote(db: Db, organization: OrganizationRow, input: IssueCreditNoteInput, nowMs: number): Promise<PresentedCreditNote> {
  const { creditNote } = await db.transaction((trx) => createCreditNote(trx, {
    organizationId: organization.id,
    invoiceId: input.invoice_id,
    reason: input.reason,
    description: input.description ?? null,
    items: input.items.map((item) => ({ feeId: item.fee_id, amountCents: item.amount_cents })),
    creditAmountCents: input.credit_amount_cents ?? undefined,
    refundAmountCents: input.refund_amount_cents ?? undefined,
    metadata: input.metadata ?? null,
    nowMs,
  }));
  return presentCreditNote(db, organization, creditNote);
}

/**
 * What a fee can still be credited, in cents: its amount minus every item already credited on it
 * (voided notes included). Use it to cap an automatic note before calling createCreditNote.
 */
export async function remainingCreditableFeeCents(conn: Conn, organizationId: string, feeId: string): Promise<Cents> {
  const fee = await findFee(conn, organizationId, feeId);
  if (!fee) return 0n;
  const credited = (await creditedAmountsByFee(conn, organizationId, [fee.id])).get(fee.id) ?? 0n;
  return remainingCreditableCents({ amountCents: fee.amount_cents, creditedAmountCents: credited });
}

async function getCreditNote(db: Conn, organizationId: string, id: string): Promise<CreditNoteRow> {
  const creditNote = await findCreditNote(db, organizationId, id);
  if (!creditNote) throw notFound('credit_note');
  return creditNote;
}

export async function showCreditNote(db: Db, organization: OrganizationRow, id: string): Promise<PresentedCreditNote> {
  return presentCreditNote(db, organization, await getCreditNote(db, organization.id, id));
}

export async function listCreditNotes(db: Db, organization: OrganizationRow, filters: CreditNoteFilters, page: Page): Promise<Paginated<PresentedCreditNote>> {
  const { rows, meta } = await creditNotesPage(db, organization.id, filters, page);
  return { rows: await presentCreditNotes(db, organization, rows), meta };
}

/** Drops what is left of the note's credit: not allowed (no_voidable_amount) when nothing is left or already voided. */
export async function voidCreditNote(db: Db, organization: OrganizationRow, id: string, nowMs: number): Promise<PresentedCreditNote> {
  await getCreditNote(db, organization.id, id);
  const voided = await db.transaction(async (trx) => {
    const creditNote = (await findCreditNote(trx, organization.id, id, { forUpdate: true }))!;
    if (creditNote.credit_status === 'voided' || creditNote.balance_amount_cents <= 0n) throw methodNotAllowed('no_voidable_amount');
    return updateCreditNote(trx, organization.id, creditNote.id, { credit_status: 'voided', balance_amount_cents: 0n, voided_at: new Date(nowMs) });
  });
  return presentCreditNote(db, organization, voided);
}

export async function updateCreditNoteRefundStatus(
  db: Db, organization: OrganizationRow, id: string, input: UpdateCreditNoteInput, nowMs: number,
): Promise<PresentedCreditNote> {
  const creditNote = await getCreditNote(db, organization.id, id);
  const updated = await updateCreditNote(db, organization.id, creditNote.id, {
    refund_status: input.refund_status,
    refunded_at: input.refund_status === 'succeeded' ? new Date(nowMs) : null,
    ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
  });
  return presentCreditNote(db, organization, updated);
}

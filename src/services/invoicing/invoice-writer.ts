/**
 * The one invoice writer. Every invoice Billow issues (a subscription's, an in-advance charge's, a
 * one-off, a credit purchase) comes through `issueInvoice`: its lines become fee rows by one
 * builder, its totals come from the billing core, its applied taxes have one shape, and before
 * anything is written the invariants are checked (fees add up, nothing negative, no subscription
 * billed twice for the same days). In one transaction, under a lock on the business key, it then
 * writes the invoice and its fees, draws what the customer holds, gives the invoice its gapless
 * numbers (last: the organization's counter row is locked until the commit), records the invoice's
 * webhook and asks for its PDF. A retry with the same business key returns the
 * invoice already written and writes nothing.
 *
 * Drafts (a grace period) take the same path: a draft has no numbers (`<PREFIX>-DRAFT`), draws
 * nothing (coupons, credit notes and prepaid credits apply at finalization, as in Lago), has no
 * PDF and announces `invoice.drafted`. Refreshing a draft is the same computation written again
 * over it (`replacesDraft`); finalizing it is that computation written as `finalized`: in one
 * transaction it takes its gapless numbers, draws what the customer holds and is announced
 * (`invoice.created`, its PDF). Once it is not a draft any more, a refresh or a second
 * finalization returns it unchanged.
 */
import { inTransaction, type Conn, type Tx } from '../../db/knex';
import {
  billedBaseFeeStretches, finalizeDraftRow, findInvoiceByKey, insertInvoiceWithFees, lockInvoiceKey, numberInvoice, replaceDraftContents,
  type FeeDraft, type InvoiceDraft, type InvoiceRow, type Numbering,
} from '../../db/invoices';
import { replaceUsageWindows, type UsageWindowDraft } from '../../db/usage-windows';
import type { CustomerRow } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import { addDays, type LocalDate } from '../../billing/calendar';
import type { FeeLine, TaxRate } from '../../billing/fee-lines';
import { computeInvoiceTotals, type FeeTotals, type InvoiceTotals } from '../../billing/invoice-totals';
import { assertInvoiceAddsUp, assertNoDoubleBilling, assertNoDoubleFixedCharges, assertProgressiveBilling, assertTrueUpsHold, InvoiceInvariantViolation } from '../../billing/invoice-invariants';
import { billedFixedChargeStretches } from '../../db/fixed-charges';
import { centsToJson, type Cents } from '../../billing/money';
import { allocateToWallets, type FeeBucket } from '../../billing/wallet-credits';
import { logger } from '../../runtime/logger';
import { consumeInvoiceAdjustments, type InvoiceAdjustments } from './invoice-adjustments';
import { announceIssued } from './invoice-events';
import { invoiceFeesKey, rememberNoCreditsOf } from './invoice-presenter';
import { hasReadMemo, remember } from '../../db/read-memo';

/** A line of the invoice: what it bills (the core's FeeLine) and what it belongs to. */
export interface InvoiceLine extends FeeLine {
  subscriptionId: string | null;
  /** For plan- and metric-limited coupons. */
  planId?: string | null;
  billableMetricId?: string | null;
  description?: string | null;
  addOnId?: string | null;
  walletTransactionId?: string | null;
  eventTransactionId?: string | null;
  /** A late-usage adjustment: the usage window it re-rates. */
  adjustedWindowId?: string | null;
  /** A closing invoice's usage fee: what the period's progressive invoices billed of it already (issue 15). */
  progressiveCreditCents?: bigint;
}

export type InvoiceType = 'subscription' | 'one_off' | 'credit' | 'progressive_billing';

/** Lago's `billing_periods` entry: one per subscription part of the invoice. */
export interface BillingPeriod {
  lago_subscription_id: string;
  external_subscription_id: string;
  lago_plan_id: string;
  subscription_from_datetime?: string | null;
  subscription_to_datetime?: string | null;
  charges_from_datetime: string | null;
  charges_to_datetime: string | null;
  invoicing_reason: string;
}

export interface NewInvoice {
  organization: OrganizationRow;
  customer: CustomerRow;
  /** The business key: issuing twice with the same key gives the same invoice. */
  idempotencyKey: string;
  type: InvoiceType;
  reason: string | null;
  /** The subscription the invoice is for, when it is for one. */
  subscriptionId: string | null;
  currency: string;
  issuingDate: LocalDate;
  lines: InvoiceLine[];
  billingPeriods: BillingPeriod[];
  /** What reduces a subscription invoice (read before, drawn inside the write), at `asOfMs`. Ignored for a draft. */
  adjustments?: InvoiceAdjustments & { asOfMs: number };
  /** `draft`: no numbers, nothing drawn, `invoice.drafted`. Finalized when absent. */
  status?: 'draft' | 'finalized';
  /** A draft's expected finalization date. */
  finalizesOn?: LocalDate | null;
  /** What a subscription invoice bills, stored so that a draft can be computed again. */
  occasion?: unknown;
  /** The usage windows the invoice prices, and the snapshot taken before their events were read. */
  usage?: { snapshot: string; windows: UsageWindowDraft[] };
  /**
   * This is a new computation of the draft that has the business key: its contents are replaced
   * (and, when `status` is finalized, it is finalized). An invoice that is no draft any more is
   * returned unchanged.
   */
  replacesDraft?: boolean;
  /**
   * The caller holds, in this transaction, a lock that every writer of this business key takes
   * (the customer's billing lock of a consolidated close), and found no invoice with the key under
   * it: the writer neither takes the key's own lock nor looks again. The key's unique index stays
   * the backstop.
   */
  keyCheckedUnderLock?: boolean;
}

export interface WrittenInvoice {
  invoice: InvoiceRow;
  /** False when the business key had an invoice already (a retry or a duplicate). */
  created: boolean;
}

/** Issues the invoice once per business key; see the header for what happens in its transaction. */
export async function issueInvoice(conn: Conn, input: NewInvoice): Promise<WrittenInvoice> {
  const drawn = input.status === 'draft' ? undefined : input.adjustments;
  const totalsWith = (prepaidCreditCents: Cents) => computeInvoiceTotals({
    currency: input.currency,
    fees: input.lines.map((line) => ({
      id: line.key, amountCents: line.amountCents, kind: line.kind, chargeId: line.chargeId, planId: line.planId ?? null,
      billableMetricId: line.billableMetricId ?? null, taxRates: line.taxes.map((tax) => ({ code: tax.code, rate: tax.rate })),
      progressiveCreditCents: line.progressiveCreditCents ?? 0n,
    })),
    coupons: drawn?.coupons ?? [],
    creditNoteCents: drawn?.creditNoteCents ?? 0n,
    prepaidCreditCents,
  });
  // What each fee asks of the wallets, after coupons and taxes: a wallet limited by `applies_to` pays only its fees.
  const walletBuckets = (computed: InvoiceTotals): FeeBucket[] => input.lines.map((line) => ({
    feeType: line.kind, billableMetricId: line.billableMetricId ?? null, amountCents: totalsOf(computed, line.key).totalAmountCents,
  }));
  let totals = totalsWith(drawn?.prepaidCreditCents ?? 0n);
  if (drawn?.walletScopes) {
    // Wallets limited by `applies_to`: the prepaid credits are what they may pay of the fees (Lago's allocation), not their sum.
    const before = totalsWith(0n);
    const payable = allocateToWallets(drawn.walletScopes, walletBuckets(before), before.subTotalIncludingTaxesAmountCents - before.creditNotesAmountCents)
      .reduce((sum, draw) => sum + draw.amountCents, 0n);
    totals = totalsWith(payable);
  }
  const draft = invoiceDraft(input, totals);
  const fees = input.lines.map((line) => feeRow(line, totalsOf(totals, line.key)));
  const numbering = {
    prefix: input.organization.document_number_prefix,
    mode: input.organization.document_numbering,
    customerSequentialId: input.customer.sequential_id,
  };
  return inTransaction(conn, async (trx) => {
    const existing = input.keyCheckedUnderLock ? undefined : await lockedInvoiceOfKey(trx, input.organization.id, input.idempotencyKey);
    if (existing && !(input.replacesDraft && existing.status === 'draft')) return { invoice: existing, created: false };
    if (!existing && input.replacesDraft) throw new Error(`No draft invoice ${input.idempotencyKey} to compute again`);
    await checkInvariants(trx, input, draft, fees, existing?.id ?? null);
    const written = existing
      ? await replaceDraftContents(trx, existing.id, draft, fees, numbering)
      : await insertedInvoice(trx, draft, fees, numbering);
    if (input.usage) await replaceUsageWindows(trx, written, input.usage.snapshot, input.usage.windows, { fresh: !existing });
    if (drawn) await consumeInvoiceAdjustments(trx, written, totals, drawn.asOfMs, walletBuckets(totals));
    // Only this writer gives a new invoice credits; without a coupon or a credit note drawn it has none to read back.
    if (!existing && totals.coupons.length === 0 && totals.creditNotesAmountCents === 0n) rememberNoCreditsOf(trx, written.id);
    // Numbered last but for the announcement, which needs the number: the organization's counter row is held to the commit.
    const invoice = await numberInvoice(trx, written, numbering);
    // A refreshed draft is not announced again; a new invoice, or a draft being finalized, is.
    if (!existing || invoice.status !== 'draft') await announceIssued(trx, invoice, input);
    return { invoice, created: !existing };
  });
}

/** A new invoice; its fees as stored are left for its presentation later in the transaction, when the insert answered them. */
async function insertedInvoice(trx: Tx, draft: InvoiceDraft, fees: FeeDraft[], numbering: Numbering): Promise<InvoiceRow> {
  const inserted = await insertInvoiceWithFees(trx, draft, fees, numbering);
  if (inserted.fees && hasReadMemo(trx)) remember(trx, invoiceFeesKey(inserted.invoice.id), inserted.fees);
  return inserted.invoice;
}

/** The invoice with this business key, read under the key's lock (held until the transaction ends). */
async function lockedInvoiceOfKey(trx: Tx, organizationId: string, idempotencyKey: string): Promise<InvoiceRow | undefined> {
  await lockInvoiceKey(trx, organizationId, idempotencyKey);
  return findInvoiceByKey(trx, organizationId, idempotencyKey);
}

/**
 * A draft with no computation behind it (not a subscription's) finalized as it stands: its numbers
 * and its announcement in one transaction; anything but a draft is returned unchanged.
 */
export async function finalizeDraftAsItStands(conn: Conn, draft: InvoiceRow, organization: OrganizationRow, customer: CustomerRow): Promise<InvoiceRow> {
  return inTransaction(conn, async (trx) => {
    await lockInvoiceKey(trx, draft.organization_id, draft.idempotency_key);
    const current = await findInvoiceByKey(trx, draft.organization_id, draft.idempotency_key);
    if (!current || current.status !== 'draft') return current ?? draft;
    const finalized = await finalizeDraftRow(trx, current, {
      prefix: organization.document_number_prefix, mode: organization.document_numbering, customerSequentialId: customer.sequential_id,
    });
    await announceIssued(trx, finalized, { customer, organization });
    return finalized;
  });
}

function invoiceDraft(input: NewInvoice, totals: InvoiceTotals): InvoiceDraft {
  const netPaymentTerm = input.customer.net_payment_term ?? input.organization.net_payment_term;
  return {
    organization_id: input.organization.id,
    customer_id: input.customer.id,
    subscription_id: input.subscriptionId,
    idempotency_key: input.idempotencyKey,
    invoice_type: input.type,
    invoicing_reason: input.reason,
    status: input.status ?? 'finalized',
    payment_status: totals.paymentStatus,
    issuing_date: input.issuingDate,
    payment_due_date: addDays(input.issuingDate, netPaymentTerm),
    net_payment_term: netPaymentTerm,
    currency: input.currency,
    fees_amount_cents: totals.feesAmountCents,
    progressive_billing_credit_amount_cents: totals.progressiveBillingCreditAmountCents,
    coupons_amount_cents: totals.couponsAmountCents,
    credit_notes_amount_cents: totals.creditNotesAmountCents,
    sub_total_excluding_taxes_amount_cents: totals.subTotalExcludingTaxesAmountCents,
    taxes_amount_cents: totals.taxesAmountCents,
    sub_total_including_taxes_amount_cents: totals.subTotalIncludingTaxesAmountCents,
    prepaid_credit_amount_cents: totals.prepaidCreditAmountCents,
    total_amount_cents: totals.totalAmountCents,
    applied_taxes: appliedTaxes(input.lines, totals, input.currency),
    billing_periods: input.billingPeriods,
    ...(input.occasion !== undefined ? { occasion: input.occasion } : {}),
    finalizes_on: input.status === 'draft' ? input.finalizesOn ?? null : null,
  };
}

function totalsOf(totals: InvoiceTotals, key: string): FeeTotals {
  const found = totals.fees.find((fee) => fee.id === key);
  if (!found) throw new Error(`No totals for fee ${key}`);
  return found;
}

/** The one fee-row builder: a line and its share of the invoice's totals. */
export function feeRow(line: InvoiceLine, totals: FeeTotals): FeeDraft {
  return {
    subscription_id: line.subscriptionId,
    charge_id: line.chargeId,
    fee_type: line.kind,
    fee_key: line.key,
    item_code: line.itemCode,
    item_name: line.itemName,
    invoice_display_name: line.invoiceDisplayName,
    description: line.description ?? null,
    add_on_id: line.addOnId ?? null,
    wallet_transaction_id: line.walletTransactionId ?? null,
    units: line.units.toFixed(),
    total_aggregated_units: line.totalAggregatedUnits.toFixed(),
    events_count: line.eventsCount,
    amount_cents: line.amountCents,
    precise_amount_cents: line.preciseAmountCents.toFixed(),
    precise_unit_amount: line.preciseUnitAmount.toFixed(),
    unit_amount_cents: line.unitAmountCents,
    precise_coupons_amount_cents: totals.couponsPreciseAmountCents.toFixed(),
    taxes_amount_cents: totals.taxesAmountCents,
    progressive_credit_amount_cents: totals.progressiveCreditCents,
    taxes_precise_amount_cents: totals.taxesPreciseAmountCents.toFixed(),
    taxes_rate: totals.taxesRate.toFixed(),
    applied_taxes: line.taxes.map(feeTax),
    from_datetime: line.fromMs === null ? null : new Date(line.fromMs),
    to_datetime: line.toMs === null ? null : new Date(line.toMs),
    amount_details: line.amountDetails,
    pay_in_advance: line.payInAdvance,
    invoiceable: true,
    event_transaction_id: line.eventTransactionId ?? null,
    ...(line.adjustedWindowId ? { adjusted_window_id: line.adjustedWindowId } : {}),
    ...(line.kind === 'fixed_charge' ? { fixed_charge_id: line.fixedChargeId ?? null } : {}),
    charge_filter_id: line.chargeFilter?.id ?? null,
    charge_filter_values: line.chargeFilter?.values ?? null,
    charge_filter_invoice_display_name: line.chargeFilter?.invoiceDisplayName ?? null,
    grouped_by: line.groupedBy ?? null,
    presentation_breakdowns: line.presentationBreakdowns ?? [],
    ...(line.trueUpOf ? { true_up_parent_fee_key: line.trueUpOf } : {}),
  };
}

/** A tax as stored on a fee (`fees.applied_taxes`). */
export function feeTax(tax: TaxRate) {
  return { lago_tax_id: tax.id ?? null, tax_code: tax.code, tax_name: tax.name, tax_description: tax.description ?? null, tax_rate: tax.rate.toNumber() };
}

/** The invoice's taxes (`invoices.applied_taxes`): one entry per tax, amounts adding up to the invoice tax. */
function appliedTaxes(lines: InvoiceLine[], totals: InvoiceTotals, currency: string) {
  const byCode = new Map(lines.flatMap((line) => line.taxes).map((tax) => [tax.code, tax]));
  return totals.appliedTaxes.map((applied) => {
    const tax = applied.taxCode ? byCode.get(applied.taxCode) : undefined;
    return {
      ...feeTax(tax ?? { code: applied.taxCode ?? applied.key, name: applied.taxCode ?? applied.key, rate: applied.rate }),
      amount_cents: centsToJson(applied.amountCents),
      amount_currency: currency,
      fees_amount_cents: centsToJson(applied.baseAmountCents),
    };
  });
}

/** The invariants, against what is billed already (a draft being computed again does not count its own fees). */
async function checkInvariants(trx: Tx, input: NewInvoice, draft: InvoiceDraft, fees: FeeDraft[], replacedInvoiceId: string | null): Promise<void> {
  const label = `${input.idempotencyKey} of customer ${input.customer.external_id}`;
  try {
    assertInvoiceAddsUp(label, draft, fees);
    assertProgressiveBilling(label, input.type, input.lines);
    assertTrueUpsHold(label, fees);
    const fresh = fees
      .filter((fee) => fee.fee_type === 'subscription' && fee.subscription_id && fee.from_datetime && fee.to_datetime)
      .map((fee) => ({ subscriptionId: fee.subscription_id!, fromMs: fee.from_datetime!.getTime(), toMs: fee.to_datetime!.getTime() }));
    assertNoDoubleBilling(fresh, await billedBaseFeeStretches(trx, [...new Set(fresh.map((stretch) => stretch.subscriptionId))], replacedInvoiceId));
    const fixed = fees
      .filter((fee) => fee.fee_type === 'fixed_charge' && fee.subscription_id && fee.from_datetime && fee.to_datetime && !fee.fee_key.includes(':increase:'))
      .map((fee) => ({ subscriptionId: fee.subscription_id!, fixedChargeId: fee.fixed_charge_id ?? null, payInAdvance: fee.pay_in_advance, fromMs: fee.from_datetime!.getTime(), toMs: fee.to_datetime!.getTime() }));
    if (fixed.length > 0) {
      const billed = await billedFixedChargeStretches(trx, fixed.map((stretch) => stretch.subscriptionId), replacedInvoiceId);
      assertNoDoubleFixedCharges(fixed, billed.map((row) => ({
        subscriptionId: row.subscription_id, fixedChargeId: row.fixed_charge_id, payInAdvance: row.pay_in_advance, fromMs: row.from_datetime.getTime(), toMs: row.to_datetime.getTime(),
      })));
    }
  } catch (error) {
    if (error instanceof InvoiceInvariantViolation) {
      logger.error({ err: error, organizationId: input.organization.id, idempotencyKey: input.idempotencyKey, subscriptionId: input.subscriptionId }, 'invoice refused: billing invariant violated');
    }
    throw error;
  }
}


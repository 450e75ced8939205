/**
 * The one invoice writer. Every invoice Billow issues (a subscription's, an in-advance charge's, a
 * one-off, a credit purchase) comes through `issueInvoice`: its lines become fee rows by one
 * builder, its totals come from the billing core, its applied taxes have one shape, and before
 * anything is written the invariants are checked (fees add up, nothing negative, no subscription
 * billed twice for the same days). In one transaction, under a lock on the business key, it then
 * writes the invoice with its gapless numbers and fees, draws what the customer holds, records
 * the invoice's webhook and asks for its PDF. A retry with the same business key returns the
 * invoice already written and writes nothing.
 */
import type { Conn, Tx } from '../../db/knex';
import {
  billedBaseFeeStretches, findInvoiceByKey, insertInvoiceWithFees, lockInvoiceKey, type FeeDraft, type InvoiceDraft, type InvoiceRow,
} from '../../db/invoices';
import type { CustomerRow } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import { addDays, type LocalDate } from '../../billing/calendar';
import type { FeeLine, TaxRate } from '../../billing/fee-lines';
import { computeInvoiceTotals, type FeeTotals, type InvoiceTotals } from '../../billing/invoice-totals';
import { assertInvoiceAddsUp, assertNoDoubleBilling, InvoiceInvariantViolation } from '../../billing/invoice-invariants';
import { centsToJson } from '../../billing/money';
import { logger } from '../../runtime/logger';
import { consumeInvoiceAdjustments, type InvoiceAdjustments } from './invoice-adjustments';
import { announceIssued } from './invoice-events';

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
}

export type InvoiceType = 'subscription' | 'one_off' | 'credit';

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
  /** What reduces a subscription invoice (read before, drawn inside the write), at `asOfMs`. */
  adjustments?: InvoiceAdjustments & { asOfMs: number };
}

export interface WrittenInvoice {
  invoice: InvoiceRow;
  /** False when the business key had an invoice already (a retry or a duplicate). */
  created: boolean;
}

/** Issues the invoice once per business key; see the header for what happens in its transaction. */
export async function issueInvoice(conn: Conn, input: NewInvoice): Promise<WrittenInvoice> {
  const totals = computeInvoiceTotals({
    currency: input.currency,
    fees: input.lines.map((line) => ({
      id: line.key, amountCents: line.amountCents, kind: line.kind, chargeId: line.chargeId, planId: line.planId ?? null,
      billableMetricId: line.billableMetricId ?? null, taxRates: line.taxes.map((tax) => ({ code: tax.code, rate: tax.rate })),
    })),
    coupons: input.adjustments?.coupons ?? [],
    creditNoteCents: input.adjustments?.creditNoteCents ?? 0n,
    prepaidCreditCents: input.adjustments?.prepaidCreditCents ?? 0n,
  });
  const draft = invoiceDraft(input, totals);
  const fees = input.lines.map((line) => feeRow(line, totalsOf(totals, line.key)));
  return conn.transaction(async (trx) => {
    await lockInvoiceKey(trx, input.organization.id, input.idempotencyKey);
    const existing = await findInvoiceByKey(trx, input.organization.id, input.idempotencyKey);
    if (existing) return { invoice: existing, created: false };
    await checkInvariants(trx, input, draft, fees);
    const invoice = await insertInvoiceWithFees(trx, draft, fees, {
      prefix: input.organization.document_number_prefix,
      mode: input.organization.document_numbering,
      customerSequentialId: input.customer.sequential_id,
    });
    if (input.adjustments) await consumeInvoiceAdjustments(trx, invoice, totals, input.adjustments.asOfMs);
    await announceIssued(trx, invoice);
    return { invoice, created: true };
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
    status: 'finalized',
    payment_status: totals.paymentStatus,
    issuing_date: input.issuingDate,
    payment_due_date: addDays(input.issuingDate, netPaymentTerm),
    net_payment_term: netPaymentTerm,
    currency: input.currency,
    fees_amount_cents: totals.feesAmountCents,
    coupons_amount_cents: totals.couponsAmountCents,
    credit_notes_amount_cents: totals.creditNotesAmountCents,
    sub_total_excluding_taxes_amount_cents: totals.subTotalExcludingTaxesAmountCents,
    taxes_amount_cents: totals.taxesAmountCents,
    sub_total_including_taxes_amount_cents: totals.subTotalIncludingTaxesAmountCents,
    prepaid_credit_amount_cents: totals.prepaidCreditAmountCents,
    total_amount_cents: totals.totalAmountCents,
    applied_taxes: appliedTaxes(input.lines, totals, input.currency),
    billing_periods: input.billingPeriods,
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
    taxes_precise_amount_cents: totals.taxesPreciseAmountCents.toFixed(),
    taxes_rate: totals.taxesRate.toFixed(),
    applied_taxes: line.taxes.map(feeTax),
    from_datetime: line.fromMs === null ? null : new Date(line.fromMs),
    to_datetime: line.toMs === null ? null : new Date(line.toMs),
    amount_details: line.amountDetails,
    pay_in_advance: line.payInAdvance,
    invoiceable: true,
    event_transaction_id: line.eventTransactionId ?? null,
    charge_filter_id: line.chargeFilter?.id ?? null,
    charge_filter_values: line.chargeFilter?.values ?? null,
    charge_filter_invoice_display_name: line.chargeFilter?.invoiceDisplayName ?? null,
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

async function checkInvariants(trx: Tx, input: NewInvoice, draft: InvoiceDraft, fees: FeeDraft[]): Promise<void> {
  const label = `${input.idempotencyKey} of customer ${input.customer.external_id}`;
  try {
    assertInvoiceAddsUp(label, draft, fees);
    const fresh = fees
      .filter((fee) => fee.fee_type === 'subscription' && fee.subscription_id && fee.from_datetime && fee.to_datetime)
      .map((fee) => ({ subscriptionId: fee.subscription_id!, fromMs: fee.from_datetime!.getTime(), toMs: fee.to_datetime!.getTime() }));
    assertNoDoubleBilling(fresh, await billedBaseFeeStretches(trx, [...new Set(fresh.map((stretch) => stretch.subscriptionId))]));
  } catch (error) {
    if (error instanceof InvoiceInvariantViolation) {
      logger.error({ err: error, organizationId: input.organization.id, idempotencyKey: input.idempotencyKey, subscriptionId: input.subscriptionId }, 'invoice refused: billing invariant violated');
    }
    throw error;
  }
}


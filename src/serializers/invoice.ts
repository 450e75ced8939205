import type { FeeRow, InvoiceRow } from '../db/invoices';
import type { CustomerRow } from '../db/customers';
import { createHash } from 'node:crypto';
import { cents, decimalString, isoSeconds } from './common';
import { Dec, roundCents } from '../billing/money';

/** Fee columns added by migration 005 (one-off and credit invoices). */
interface MoneyFeeColumns {
  description?: string | null;
  add_on_id?: string | null;
  wallet_transaction_id?: string | null;
}

const ITEM_TYPES: Record<string, string> = {
  charge: 'BillableMetric',
  subscription: 'Subscription',
  add_on: 'AddOn',
  credit: 'WalletTransaction',
  commitment: 'Commitment',
};

/** An amount an invoice drew from a credit note (Lago's `credits` on the invoice). */
export interface InvoiceCreditView {
  id: string;
  amount_cents: bigint;
  credit_note_id: string;
  number: string;
  description: string | null;
}

/** A tax as stored on an invoice or a fee (`applied_taxes` jsonb). */
interface StoredAppliedTax {
  lago_tax_id?: string | null;
  tax_code: string;
  tax_name: string;
  tax_rate: number;
  tax_description?: string | null;
  amount_cents?: number;
  fees_amount_cents?: number;
}

/** A stable id for an applied tax, which has no row of its own: derived from its owner and code. */
function appliedTaxId(ownerId: string, taxCode: string): string {
  const hex = createHash('sha1').update(`applied_tax:${ownerId}:${taxCode}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function appliedTaxBase(ownerId: string, tax: StoredAppliedTax, currency: string, createdAt: Date) {
  return {
    lago_id: appliedTaxId(ownerId, tax.tax_code),
    lago_tax_id: tax.lago_tax_id ?? null,
    tax_name: tax.tax_name,
    tax_code: tax.tax_code,
    tax_rate: Number(tax.tax_rate),
    tax_description: tax.tax_description ?? null,
    amount_currency: currency,
    created_at: isoSeconds(createdAt),
  };
}

/**
 * A fee's taxes with Lago's fields (lago_fee_id, amount_cents per tax): each tax's share of the
 * fee's taxes_amount_cents, the last one taking the rounding remainder so they add up exactly.
 */
function feeAppliedTaxes(fee: FeeRow, base: Dec) {
  const taxes = (fee.applied_taxes ?? []) as StoredAppliedTax[];
  let left = fee.taxes_amount_cents;
  return taxes.map((tax, index) => {
    const share = index === taxes.length - 1 ? left : roundCents(base.times(tax.tax_rate).div(100));
    left -= share;
    return { ...appliedTaxBase(fee.id, tax, fee.currency, fee.created_at), lago_fee_id: fee.id, amount_cents: cents(share) };
  });
}

/** Lago's graduated tier details: bounds as numbers, `flat_unit_amount` and `total_with_flat_amount`. */
function lagoAmountDetails(details: unknown): unknown {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return details;
  const out: Record<string, unknown> = { ...(details as Record<string, unknown>) };
  if (typeof out.plan_amount_cents === 'string' && /^\d+$/.test(out.plan_amount_cents)) out.plan_amount_cents = Number(out.plan_amount_cents);
  for (const key of ['graduated_ranges', 'graduated_percentage_ranges']) {
    if (!Array.isArray(out[key])) continue;
    out[key] = (out[key] as Record<string, unknown>[]).map((range) => ({
      ...range,
      from_value: range.from_value === null || range.from_value === undefined ? range.from_value : Number(range.from_value),
      to_value: range.to_value === null || range.to_value === undefined ? null : Number(range.to_value),
      flat_unit_amount: range.flat_unit_amount ?? range.flat_amount,
      total_with_flat_amount: range.total_with_flat_amount ?? range.total,
    }));
  }
  return out;
}

/** Whose fee it is and how it is paid: the invoice's customer and status, or the subscription's for a fee without invoice. */
export interface FeeOwner {
  customerId: string;
  externalCustomerId: string;
  paymentStatus: string;
}

export function serializeFee(fee: FeeRow, owner: FeeOwner, externalSubscriptionId: string | null) {
  return {
    lago_id: fee.id,
    lago_charge_id: fee.charge_id,
    lago_charge_filter_id: null,
    lago_invoice_id: fee.invoice_id,
    lago_true_up_fee_id: null,
    lago_true_up_parent_fee_id: null,
    lago_subscription_id: fee.subscription_id,
    external_subscription_id: externalSubscriptionId,
    lago_customer_id: owner.customerId,
    external_customer_id: owner.externalCustomerId,
    item: {
      type: fee.fee_type,
      code: fee.item_code,
      name: fee.item_name,
      description: (fee as MoneyFeeColumns).description ?? null,
      invoice_display_name: fee.invoice_display_name ?? fee.item_name,
      filters: null,
      filter_invoice_display_name: null,
      lago_item_id: fee.charge_id ?? fee.subscription_id ?? (fee as MoneyFeeColumns).add_on_id ?? (fee as MoneyFeeColumns).wallet_transaction_id ?? null,
      item_type: ITEM_TYPES[fee.fee_type] ?? 'AddOn',
      grouped_by: {},
    },
    pay_in_advance: fee.pay_in_advance,
    invoiceable: fee.invoiceable,
    amount_cents: cents(fee.amount_cents),
    amount_currency: fee.currency,
    precise_amount: decimalString(fee.precise_amount_cents),
    precise_unit_amount: decimalString(fee.precise_unit_amount),
    unit_amount_cents: cents(fee.unit_amount_cents),
    taxes_amount_cents: cents(fee.taxes_amount_cents),
    taxes_precise_amount: decimalString(fee.taxes_precise_amount_cents),
    taxes_rate: Number(fee.taxes_rate),
    total_amount_cents: cents(fee.amount_cents + fee.taxes_amount_cents),
    total_amount_currency: fee.currency,
    units: decimalString(fee.units),
    total_aggregated_units: decimalString(fee.total_aggregated_units),
    events_count: fee.events_count,
    precise_coupons_amount_cents: decimalString(fee.precise_coupons_amount_cents),
    sub_total_excluding_taxes_amount_cents: cents(fee.amount_cents - roundCents(fee.precise_coupons_amount_cents ?? '0')),
    sub_total_excluding_taxes_precise_amount_cents: new Dec(fee.precise_amount_cents ?? '0').minus(fee.precise_coupons_amount_cents ?? '0').toFixed(),
    payment_status: owner.paymentStatus,
    created_at: isoSeconds(fee.created_at),
    succeeded_at: null,
    failed_at: null,
    refunded_at: null,
    amount_details: lagoAmountDetails(fee.amount_details),
    from_date: isoSeconds(fee.from_datetime),
    to_date: isoSeconds(fee.to_datetime),
    event_transaction_id: fee.event_transaction_id,
    applied_taxes: feeAppliedTaxes(fee, new Dec(fee.precise_amount_cents ?? '0').minus(fee.precise_coupons_amount_cents ?? '0')),
  };
}

export interface InvoiceContext {
  customer: CustomerRow;
  customerView: unknown;
  fees?: FeeRow[];
  subscriptions?: unknown[];
  externalSubscriptionId: string | null;
  fileUrl: string | null;
  credits?: InvoiceCreditView[];
}

export function serializeInvoice(invoice: InvoiceRow, context: InvoiceContext) {
  const body = {
    lago_id: invoice.id,
    billing_entity_code: null,
    sequential_id: invoice.sequential_id === null ? null : Number(invoice.sequential_id),
    number: invoice.number,
    purchase_order_number: null,
    issuing_date: invoice.issuing_date,
    payment_due_date: invoice.payment_due_date,
    net_payment_term: invoice.net_payment_term,
    invoice_type: invoice.invoice_type,
    status: invoice.status,
    payment_status: invoice.payment_status,
    payment_dispute_lost_at: null,
    payment_overdue: false,
    currency: invoice.currency,
    fees_amount_cents: cents(invoice.fees_amount_cents),
    taxes_amount_cents: cents(invoice.taxes_amount_cents),
    progressive_billing_credit_amount_cents: 0,
    coupons_amount_cents: cents(invoice.coupons_amount_cents),
    credit_notes_amount_cents: cents(invoice.credit_notes_amount_cents),
    sub_total_excluding_taxes_amount_cents: cents(invoice.sub_total_excluding_taxes_amount_cents),
    sub_total_including_taxes_amount_cents: cents(invoice.sub_total_including_taxes_amount_cents),
    total_amount_cents: cents(invoice.total_amount_cents),
    total_due_amount_cents: cents(invoice.payment_status === 'succeeded' ? 0n : invoice.total_amount_cents),
    total_paid_amount_cents: cents(invoice.payment_status === 'succeeded' ? invoice.total_amount_cents : 0n),
    total_offsetted_credit_note_amount_cents: 0,
    prepaid_credit_amount_cents: cents(invoice.prepaid_credit_amount_cents),
    prepaid_granted_credit_amount_cents: 0,
    prepaid_purchased_credit_amount_cents: 0,
    file_url: context.fileUrl,
    xml_url: null,
    web_url: null,
    version_number: 4,
    self_billed: false,
    created_at: isoSeconds(invoice.created_at),
    updated_at: isoSeconds(invoice.updated_at),
    voided_at: isoSeconds(invoice.voided_at),
    customer: context.customerView,
    billing_periods: invoice.billing_periods,
    metadata: (invoice as InvoiceRow & { metadata?: unknown[] }).metadata ?? [],
    applied_taxes: ((invoice.applied_taxes ?? []) as StoredAppliedTax[]).map((tax) => ({
      ...tax,
      ...appliedTaxBase(invoice.id, tax, invoice.currency, invoice.created_at),
      lago_invoice_id: invoice.id,
      amount_cents: tax.amount_cents ?? 0,
      fees_amount_cents: tax.fees_amount_cents ?? 0,
    })),
    applied_usage_thresholds: [],
    credits: (context.credits ?? []).map((credit) => ({
      lago_id: credit.id,
      amount_cents: cents(credit.amount_cents),
      amount_currency: invoice.currency,
      before_taxes: false,
      item: { lago_item_id: credit.credit_note_id, type: 'credit_note', code: credit.number, name: credit.description ?? credit.number },
      invoice: { lago_id: invoice.id, payment_status: invoice.payment_status },
    })),
  };
  if (!context.fees) return body;
  return {
    ...body,
    subscriptions: context.subscriptions ?? [],
    fees: context.fees.map((fee) => serializeFee(fee, { customerId: invoice.customer_id, externalCustomerId: context.customer.external_id, paymentStatus: invoice.payment_status }, context.externalSubscriptionId)),
  };
}

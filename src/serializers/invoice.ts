import { z } from 'zod';
import type { FeeRow, InvoiceRow } from '../db/invoices';
import type { CustomerRow } from '../db/customers';
import type { CouponCreditView } from '../db/coupons';
import { cents, decimalString, derivedUuid, isoSeconds, responseSchemas, wire } from './common';
import { Dec, roundCents, toDecimalString } from '../billing/money';
import { presentationBreakdownsSchema } from './usage';
import { customerSchema, type CustomerJson } from './customer';
import { subscriptionSchema, type SubscriptionJson } from './subscription';
import { appliedUsageThresholdSchema, serializeAppliedUsageThreshold } from './usage-threshold';
import type { AppliedUsageThresholdRow, UsageThresholdRow } from '../db/usage-thresholds';

/** Fee columns added by migration 005 (one-off and credit invoices). */
interface MoneyFeeColumns {
  description?: string | null;
  add_on_id?: string | null;
  wallet_transaction_id?: string | null;
}

const ITEM_TYPES: Record<FeeRow['fee_type'], FeeJson['item']['item_type']> = {
  charge: 'BillableMetric',
  // Lago's item types have no FixedCharge: a fixed charge's fee is its add-on's (`lago_item_id`).
  fixed_charge: 'AddOn',
  subscription: 'Subscription',
  add_on: 'AddOn',
  credit: 'WalletTransaction',
  // Lago's Fee#item_type has no case of its own for a commitment true-up: its subscription's.
  commitment: 'Subscription',
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

/** Lago's `ChargeFilter#display_name`: its invoice display name, else every value it matches, joined by ", ". */
function filterDisplayName(fee: Pick<FeeRow, 'charge_filter_values' | 'charge_filter_invoice_display_name'>): string | null {
  if (fee.charge_filter_invoice_display_name) return fee.charge_filter_invoice_display_name;
  return fee.charge_filter_values ? Object.values(fee.charge_filter_values).flat().join(', ') : null;
}

/** A stable id for an applied tax, which has no row of its own: derived from its owner and code. */
export function appliedTaxId(ownerId: string, taxCode: string): string {
  return derivedUuid('applied_tax', ownerId, taxCode);
}

const appliedTaxBaseSchema = z.object({
  lago_id: wire.uuid,
  /** Null when the tax was not known by its id (taxes applied before ids were stored). */
  lago_tax_id: wire.uuid.nullable(),
  tax_name: z.string(),
  tax_code: z.string(),
  tax_rate: z.number(),
  tax_description: z.string().nullable(),
  amount_currency: wire.currency,
  created_at: wire.dateTime,
});

export const feeAppliedTaxSchema = appliedTaxBaseSchema.extend({
  lago_fee_id: wire.uuid,
  amount_cents: wire.cents,
}).register(responseSchemas, { id: 'FeeAppliedTax' });

export const invoiceAppliedTaxSchema = appliedTaxBaseSchema.extend({
  lago_invoice_id: wire.uuid,
  amount_cents: wire.cents,
  fees_amount_cents: wire.cents,
}).register(responseSchemas, { id: 'InvoiceAppliedTax' });

export const feeSchema = z.object({
  lago_id: wire.uuid,
  lago_charge_id: wire.uuid.nullable(),
  /** The charge filter a filtered charge's fee bills; null for its default bucket and every other fee. */
  lago_charge_filter_id: wire.uuid.nullable(),
  /** The fixed charge a `fixed_charge` fee bills; null for every other fee. */
  lago_fixed_charge_id: wire.uuid.nullable(),
  lago_invoice_id: wire.uuid.nullable(),
  /** A charge fee's spending-minimum true-up fee, and a true-up's parent fee (src/billing/spending-minimums.ts); null otherwise. */
  lago_true_up_fee_id: wire.uuid.nullable(),
  lago_true_up_parent_fee_id: wire.uuid.nullable(),
  lago_subscription_id: wire.uuid.nullable(),
  external_subscription_id: z.string().nullable(),
  lago_customer_id: wire.uuid,
  external_customer_id: z.string(),
  item: z.object({
    type: z.enum(['charge', 'fixed_charge', 'subscription', 'add_on', 'credit', 'commitment']),
    code: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    invoice_display_name: z.string(),
    /** The charge filter's values (metric filter key → values), as billed; null without a filter. */
    filters: z.record(z.string(), z.array(z.string())).nullable(),
    /** The filter's invoice display name, else its values joined by ", " (Lago's `ChargeFilter#display_name`); null without a filter. */
    filter_invoice_display_name: z.string().nullable(),
    /** The charge, subscription, add-on or wallet transaction billed. */
    lago_item_id: wire.uuid.nullable(),
    item_type: z.enum(['BillableMetric', 'Subscription', 'AddOn', 'WalletTransaction']),
    /** The pricing group the fee bills (key → value, null for events without the property); {} for a fee that bills no group. */
    grouped_by: z.record(z.string(), z.string().nullable()),
  }),
  /** A usage fee's units by presentation keys (display only); [] without them. */
  presentation_breakdowns: presentationBreakdownsSchema,
  pay_in_advance: z.boolean(),
  invoiceable: z.boolean(),
  amount_cents: wire.cents,
  amount_currency: wire.currency,
  precise_amount: wire.decimal.nullable(),
  precise_unit_amount: wire.decimal.nullable(),
  unit_amount_cents: wire.cents,
  taxes_amount_cents: wire.cents,
  taxes_precise_amount: wire.decimal.nullable(),
  taxes_rate: z.number(),
  total_amount_cents: wire.cents,
  total_amount_currency: wire.currency,
  units: wire.decimal,
  total_aggregated_units: wire.decimal.nullable(),
  events_count: z.number().int().nullable(),
  precise_coupons_amount_cents: wire.decimal.nullable(),
  sub_total_excluding_taxes_amount_cents: wire.cents,
  sub_total_excluding_taxes_precise_amount_cents: wire.decimal,
  /** An invoiced fee's is its invoice's; a fee billed without an invoice has its own (`PUT /fees/:id`), `refunded` included. */
  payment_status: z.enum(['pending', 'succeeded', 'failed', 'refunded']),
  created_at: wire.dateTime,
  /** When a fee billed without an invoice was marked so (`PUT /fees/:id`); null on an invoice's fees, paid with their invoice. */
  succeeded_at: wire.dateTime.nullable(),
  failed_at: wire.dateTime.nullable(),
  refunded_at: wire.dateTime.nullable(),
  /** The charge model's breakdown (tiers, packages, free units…), as Lago's `amount_details`. */
  amount_details: z.record(z.string(), z.unknown()),
  from_date: wire.dateTime.nullable(),
  to_date: wire.dateTime.nullable(),
  event_transaction_id: z.string().nullable(),
  applied_taxes: z.array(feeAppliedTaxSchema),
  /**
   * A Billow addition: a late-usage adjustment (usage that arrived after its period's invoice was
   * finalized, billed on a later invoice and dated with that period) names the invoice of the period
   * it re-rates; null for every other fee.
   */
  adjustment: z.object({
    type: z.enum(['late_usage']),
    lago_adjusted_invoice_id: wire.uuid.nullable(),
  }).nullable(),
}).register(responseSchemas, { id: 'Fee' });
export type FeeJson = z.output<typeof feeSchema>;

/** A fee estimated and never stored (`POST /events/estimate_fees`): no id, no invoice, no stored event. */
export const estimatedFeeSchema = feeSchema.extend({ lago_id: z.null() }).register(responseSchemas, { id: 'EstimatedFee' });
export type EstimatedFeeJson = z.output<typeof estimatedFeeSchema>;

export function estimatedFee(fee: FeeJson): EstimatedFeeJson {
  return { ...fee, lago_id: null, lago_invoice_id: null, event_transaction_id: null };
}

/** Lago's `billing_periods` entry: one per subscription part of the invoice. */
export const billingPeriodSchema = z.object({
  lago_subscription_id: wire.uuid,
  external_subscription_id: z.string(),
  lago_plan_id: wire.uuid,
  /** The base fee's period; null when the invoice bills no base fee (charges in advance, a termination). */
  subscription_from_datetime: wire.dateTime.nullable(),
  subscription_to_datetime: wire.dateTime.nullable(),
  /** The charges' period; null when the invoice bills no charges (a pay-in-advance start). */
  charges_from_datetime: wire.dateTime.nullable(),
  charges_to_datetime: wire.dateTime.nullable(),
  invoicing_reason: z.string(),
}).register(responseSchemas, { id: 'BillingPeriod' });
type BillingPeriodJson = z.output<typeof billingPeriodSchema>;

/**
 * A credit an invoice drew (Lago's CreditObject): from an applied coupon (before taxes; the item is
 * the coupon) or from a credit note (after taxes; the item is the note, by its number).
 */
export const invoiceCreditSchema = z.object({
  lago_id: wire.uuid,
  amount_cents: wire.cents,
  amount_currency: wire.currency,
  before_taxes: z.boolean(),
  item: z.object({ lago_item_id: wire.uuid, type: z.enum(['coupon', 'credit_note']), code: z.string(), name: z.string() }),
  invoice: z.object({ lago_id: wire.uuid, payment_status: z.enum(['pending', 'succeeded', 'failed']) }),
}).register(responseSchemas, { id: 'InvoiceCredit' });
export type InvoiceCreditJson = z.output<typeof invoiceCreditSchema>;

/** What an invoice drew from an applied coupon, as a credit of the invoice and of the applied coupon alike. */
export function serializeCouponCredit(credit: CouponCreditView): InvoiceCreditJson {
  return {
    lago_id: credit.id,
    amount_cents: cents(credit.amount_cents),
    amount_currency: credit.currency,
    before_taxes: true,
    item: { lago_item_id: credit.coupon_id, type: 'coupon', code: credit.coupon_code, name: credit.coupon_name },
    invoice: { lago_id: credit.invoice_id, payment_status: credit.invoice_payment_status },
  };
}

export const invoiceMetadataSchema = z.object({
  lago_id: wire.uuid,
  key: z.string(),
  value: z.string(),
  created_at: wire.dateTime,
}).register(responseSchemas, { id: 'InvoiceMetadata' });

const invoiceFields = {
  lago_id: wire.uuid,
  /** Billow has no billing entities. */
  billing_entity_code: z.null(),
  sequential_id: z.number().int().nullable(),
  number: z.string(),
  purchase_order_number: z.null(),
  issuing_date: wire.date,
  payment_due_date: wire.date,
  net_payment_term: z.number().int(),
  invoice_type: z.enum(['subscription', 'add_on', 'credit', 'one_off', 'advance_charges', 'progressive_billing']),
  status: z.enum(['draft', 'finalized', 'voided', 'failed', 'pending']),
  payment_status: z.enum(['pending', 'succeeded', 'failed']),
  /** Billow records no payment disputes. */
  payment_dispute_lost_at: z.null(),
  payment_overdue: z.boolean(),
  currency: wire.currency,
  fees_amount_cents: wire.cents,
  taxes_amount_cents: wire.cents,
  progressive_billing_credit_amount_cents: wire.cents,
  coupons_amount_cents: wire.cents,
  credit_notes_amount_cents: wire.cents,
  sub_total_excluding_taxes_amount_cents: wire.cents,
  sub_total_including_taxes_amount_cents: wire.cents,
  total_amount_cents: wire.cents,
  total_due_amount_cents: wire.cents,
  total_paid_amount_cents: wire.cents,
  total_offsetted_credit_note_amount_cents: wire.cents,
  prepaid_credit_amount_cents: wire.cents,
  prepaid_granted_credit_amount_cents: wire.cents,
  prepaid_purchased_credit_amount_cents: wire.cents,
  /** The PDF's authenticated download URL once rendered, else null (as Lago answers). */
  file_url: z.string().nullable(),
  xml_url: z.null(),
  web_url: z.null(),
  version_number: z.number().int(),
  self_billed: z.boolean(),
  created_at: wire.dateTime,
  updated_at: wire.dateTime,
  voided_at: wire.dateTime.nullable(),
  customer: customerSchema,
  billing_periods: z.array(billingPeriodSchema),
  metadata: z.array(invoiceMetadataSchema),
  applied_taxes: z.array(invoiceAppliedTaxSchema),
  /** The thresholds a progressive invoice was issued for (issue 15); [] for every other invoice. */
  applied_usage_thresholds: z.array(appliedUsageThresholdSchema),
  credits: z.array(invoiceCreditSchema),
};

/** The invoice; `fees` and `subscriptions` come with it when it is presented with its fees (every endpoint and webhook does). */
export const invoiceSchema = z.object({
  ...invoiceFields,
  subscriptions: z.array(subscriptionSchema).optional(),
  fees: z.array(feeSchema).optional(),
}).register(responseSchemas, { id: 'Invoice' });
export type InvoiceJson = z.output<typeof invoiceSchema>;

function appliedTaxBase(ownerId: string, tax: StoredAppliedTax, currency: string, createdAt: Date): z.output<typeof appliedTaxBaseSchema> {
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
function lagoAmountDetails(details: unknown): Record<string, unknown> {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return {};
  const out: Record<string, unknown> = { ...(details as Record<string, unknown>) };
  // Counts Lago types as integers.
  for (const key of ['plan_amount_cents', 'per_package_size']) {
    if (typeof out[key] === 'string' && /^\d+$/.test(out[key])) out[key] = Number(out[key]);
  }
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

export function serializeFee(fee: FeeRow, owner: FeeOwner, externalSubscriptionId: string | null): FeeJson {
  return {
    lago_id: fee.id,
    lago_charge_id: fee.charge_id,
    lago_charge_filter_id: fee.charge_filter_id ?? null,
    lago_fixed_charge_id: fee.fixed_charge_id ?? null,
    lago_invoice_id: fee.invoice_id,
    lago_true_up_fee_id: fee.true_up_fee_id ?? null,
    lago_true_up_parent_fee_id: fee.true_up_parent_fee_id ?? null,
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
      filters: fee.charge_filter_id ? (fee.charge_filter_values ?? null) : null,
      filter_invoice_display_name: fee.charge_filter_id ? filterDisplayName(fee) : null,
      lago_item_id: fee.fee_type === 'fixed_charge' ? fee.add_on_id : fee.charge_id ?? fee.subscription_id ?? (fee as MoneyFeeColumns).add_on_id ?? (fee as MoneyFeeColumns).wallet_transaction_id ?? null,
      item_type: ITEM_TYPES[fee.fee_type],
      grouped_by: (fee as { grouped_by?: Record<string, string | null> | null }).grouped_by ?? {},
    },
    presentation_breakdowns: ((fee as { presentation_breakdowns?: FeeRow['presentation_breakdowns'] }).presentation_breakdowns ?? [])
      .map((item) => ({ presentation_by: item.presentation_by, units: decimalString(toDecimalString(item.units)) })),
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
    // What progressive invoices billed of a closing invoice's usage fee is deducted, as its coupons are (issue 15).
    sub_total_excluding_taxes_amount_cents: cents(fee.amount_cents - (fee.progressive_credit_amount_cents ?? 0n) - roundCents(fee.precise_coupons_amount_cents ?? '0')),
    sub_total_excluding_taxes_precise_amount_cents: new Dec(fee.precise_amount_cents ?? '0').minus((fee.progressive_credit_amount_cents ?? 0n).toString()).minus(fee.precise_coupons_amount_cents ?? '0').toFixed(),
    payment_status: owner.paymentStatus as FeeJson['payment_status'],
    created_at: isoSeconds(fee.created_at),
    succeeded_at: null,
    failed_at: null,
    refunded_at: null,
    amount_details: lagoAmountDetails(fee.amount_details),
    from_date: isoSeconds(fee.from_datetime),
    to_date: isoSeconds(fee.to_datetime),
    event_transaction_id: fee.event_transaction_id,
    applied_taxes: feeAppliedTaxes(fee, new Dec(fee.precise_amount_cents ?? '0').minus((fee.progressive_credit_amount_cents ?? 0n).toString()).minus(fee.precise_coupons_amount_cents ?? '0')),
    adjustment: fee.adjusted_window_id ? { type: 'late_usage', lago_adjusted_invoice_id: fee.adjusted_invoice_id ?? null } : null,
  };
}

export interface InvoiceContext {
  customer: CustomerRow;
  customerView: CustomerJson;
  fees?: FeeRow[];
  subscriptions?: SubscriptionJson[];
  externalSubscriptionId: string | null;
  /** Each fee's subscription's external id, by subscription id (an invoice may bill several: consolidation). */
  externalSubscriptionIds?: ReadonlyMap<string, string>;
  fileUrl: string | null;
  credits?: InvoiceCreditView[];
  /** What the invoice drew from applied coupons. */
  couponCredits?: CouponCreditView[];
  /** A progressive invoice's crossed thresholds. */
  appliedUsageThresholds?: (AppliedUsageThresholdRow & { threshold: UsageThresholdRow })[];
}

/** A billing period as stored, every field present (older entries may lack the null ones). */
function billingPeriod(stored: Partial<BillingPeriodJson>): BillingPeriodJson {
  return {
    lago_subscription_id: stored.lago_subscription_id!,
    external_subscription_id: stored.external_subscription_id!,
    lago_plan_id: stored.lago_plan_id!,
    subscription_from_datetime: stored.subscription_from_datetime ?? null,
    subscription_to_datetime: stored.subscription_to_datetime ?? null,
    charges_from_datetime: stored.charges_from_datetime ?? null,
    charges_to_datetime: stored.charges_to_datetime ?? null,
    invoicing_reason: stored.invoicing_reason!,
  };
}

/**
 * What the invoice's payments paid: the sum of its succeeded payments, or all of it when its
 * payment status is `succeeded` (set by a payment, or by hand with `PUT /invoices/:id`, which Lago
 * keeps as an override of what was paid).
 */
export function paidOf(invoice: Pick<InvoiceRow, 'payment_status' | 'total_amount_cents' | 'total_paid_amount_cents'>): bigint {
  return invoice.payment_status === 'succeeded' ? invoice.total_amount_cents : invoice.total_paid_amount_cents;
}

export function serializeInvoice(invoice: InvoiceRow, context: InvoiceContext): InvoiceJson {
  const body: InvoiceJson = {
    lago_id: invoice.id,
    billing_entity_code: null,
    sequential_id: invoice.sequential_id === null ? null : Number(invoice.sequential_id),
    number: invoice.number,
    purchase_order_number: null,
    issuing_date: invoice.issuing_date,
    payment_due_date: invoice.payment_due_date,
    net_payment_term: invoice.net_payment_term,
    invoice_type: invoice.invoice_type as InvoiceJson['invoice_type'],
    status: invoice.status as InvoiceJson['status'],
    payment_status: invoice.payment_status,
    payment_dispute_lost_at: null,
    payment_overdue: invoice.payment_overdue,
    currency: invoice.currency,
    fees_amount_cents: cents(invoice.fees_amount_cents),
    taxes_amount_cents: cents(invoice.taxes_amount_cents),
    progressive_billing_credit_amount_cents: cents(invoice.progressive_billing_credit_amount_cents ?? 0n),
    coupons_amount_cents: cents(invoice.coupons_amount_cents),
    credit_notes_amount_cents: cents(invoice.credit_notes_amount_cents),
    sub_total_excluding_taxes_amount_cents: cents(invoice.sub_total_excluding_taxes_amount_cents),
    sub_total_including_taxes_amount_cents: cents(invoice.sub_total_including_taxes_amount_cents),
    total_amount_cents: cents(invoice.total_amount_cents),
    total_due_amount_cents: cents(invoice.total_amount_cents - paidOf(invoice)),
    total_paid_amount_cents: cents(paidOf(invoice)),
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
    billing_periods: ((invoice.billing_periods ?? []) as Partial<BillingPeriodJson>[]).map(billingPeriod),
    metadata: (invoice as InvoiceRow & { metadata?: InvoiceJson['metadata'] }).metadata ?? [],
    applied_taxes: ((invoice.applied_taxes ?? []) as StoredAppliedTax[]).map((tax) => ({
      ...appliedTaxBase(invoice.id, tax, invoice.currency, invoice.created_at),
      lago_invoice_id: invoice.id,
      amount_cents: tax.amount_cents ?? 0,
      fees_amount_cents: tax.fees_amount_cents ?? 0,
    })),
    applied_usage_thresholds: (context.appliedUsageThresholds ?? []).map(serializeAppliedUsageThreshold),
    credits: [...(context.couponCredits ?? []).map(serializeCouponCredit), ...(context.credits ?? []).map((credit): InvoiceCreditJson => ({
      lago_id: credit.id,
      amount_cents: cents(credit.amount_cents),
      amount_currency: invoice.currency,
      before_taxes: false,
      item: { lago_item_id: credit.credit_note_id, type: 'credit_note' as const, code: credit.number, name: credit.description ?? credit.number },
      invoice: { lago_id: invoice.id, payment_status: invoice.payment_status },
    }))],
  };
  if (!context.fees) return body;
  return {
    ...body,
    subscriptions: context.subscriptions ?? [],
    fees: context.fees.map((fee) => serializeFee(
      fee,
      { customerId: invoice.customer_id, externalCustomerId: context.customer.external_id, paymentStatus: invoice.payment_status },
      (fee.subscription_id ? context.externalSubscriptionIds?.get(fee.subscription_id) : undefined) ?? context.externalSubscriptionId,
    )),
  };
}

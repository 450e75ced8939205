import type { FeeRow, InvoiceRow } from '../../db/invoices';
import type { CustomerRow } from '../../db/customers';
import { cents, decimalString, isoSeconds } from './common';

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

export function serializeFee(fee: FeeRow, invoice: InvoiceRow, customer: CustomerRow, externalSubscriptionId: string | null) {
  return {
    lago_id: fee.id,
    lago_charge_id: fee.charge_id,
    lago_charge_filter_id: null,
    lago_invoice_id: fee.invoice_id,
    lago_true_up_fee_id: null,
    lago_true_up_parent_fee_id: null,
    lago_subscription_id: fee.subscription_id,
    external_subscription_id: externalSubscriptionId,
    lago_customer_id: invoice.customer_id,
    external_customer_id: customer.external_id,
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
    payment_status: invoice.payment_status,
    created_at: isoSeconds(fee.created_at),
    succeeded_at: null,
    failed_at: null,
    refunded_at: null,
    amount_details: fee.amount_details,
    from_date: isoSeconds(fee.from_datetime),
    to_date: isoSeconds(fee.to_datetime),
    event_transaction_id: fee.event_transaction_id,
    applied_taxes: fee.applied_taxes,
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
    applied_taxes: invoice.applied_taxes,
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
    fees: context.fees.map((fee) => serializeFee(fee, invoice, context.customer, context.externalSubscriptionId)),
  };
}

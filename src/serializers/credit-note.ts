/** Credit notes (reference/lago-api.md §1.10) with their items (each with its fee) and applied taxes. */
import type { CreditNoteItemRow, CreditNoteRow } from '../db/credit-notes';
import type { FeeRow, InvoiceRow } from '../db/invoices';
import type { CustomerRow } from '../db/customers';
import { serializeFee } from './invoice';
import { cents, decimalString, isoSeconds } from './common';

export interface CreditNoteContext {
  invoice: InvoiceRow;
  customer: CustomerRow;
  customerView: unknown;
  items: CreditNoteItemRow[];
  fees: Map<string, FeeRow>;
  externalSubscriptionIds: Map<string, string>;
  /** Where its rendered PDF is downloaded; null when not rendered or not asked for. */
  fileUrl?: string | null;
}

interface StoredTax {
  tax_code: string | null;
  tax_name: string | null;
  tax_rate: number;
  amount_cents: number;
  base_amount_cents: number;
}

export function serializeCreditNote(creditNote: CreditNoteRow, context: CreditNoteContext) {
  return {
    lago_id: creditNote.id,
    billing_entity_code: null,
    sequential_id: Number(creditNote.sequential_id),
    number: creditNote.number,
    lago_invoice_id: creditNote.invoice_id,
    invoice_number: context.invoice.number,
    issuing_date: creditNote.issuing_date,
    credit_status: creditNote.credit_status,
    refund_status: creditNote.refund_status,
    reason: creditNote.reason,
    description: creditNote.description,
    currency: creditNote.currency,
    total_amount_cents: cents(creditNote.total_amount_cents),
    taxes_amount_cents: cents(creditNote.taxes_amount_cents),
    taxes_rate: Number(creditNote.taxes_rate),
    precise_taxes_amount_cents: decimalString(creditNote.precise_taxes_amount_cents),
    sub_total_excluding_taxes_amount_cents: cents(creditNote.sub_total_excluding_taxes_amount_cents),
    balance_amount_cents: cents(creditNote.balance_amount_cents),
    credit_amount_cents: cents(creditNote.credit_amount_cents),
    refund_amount_cents: cents(creditNote.refund_amount_cents),
    offset_amount_cents: cents(creditNote.offset_amount_cents),
    coupons_adjustment_amount_cents: cents(creditNote.coupons_adjustment_amount_cents),
    created_at: isoSeconds(creditNote.created_at),
    updated_at: isoSeconds(creditNote.updated_at),
    voided_at: isoSeconds(creditNote.voided_at),
    refunded_at: isoSeconds(creditNote.refunded_at),
    file_url: context.fileUrl ?? null,
    xml_url: null,
    self_billed: false,
    metadata: creditNote.metadata ?? null,
    customer: context.customerView,
    items: context.items.map((item) => {
      const fee = context.fees.get(item.fee_id)!;
      return {
        lago_id: item.id,
        amount_cents: cents(item.amount_cents),
        amount_currency: creditNote.currency,
        fee: serializeFee(fee, { customerId: context.invoice.customer_id, externalCustomerId: context.customer.external_id, paymentStatus: context.invoice.payment_status }, fee.subscription_id ? context.externalSubscriptionIds.get(fee.subscription_id) ?? null : null),
      };
    }),
    applied_taxes: (creditNote.applied_taxes as StoredTax[]).map((tax) => ({
      lago_credit_note_id: creditNote.id,
      tax_name: tax.tax_name,
      tax_code: tax.tax_code,
      tax_rate: tax.tax_rate,
      tax_description: null,
      base_amount_cents: tax.base_amount_cents,
      amount_cents: tax.amount_cents,
      amount_currency: creditNote.currency,
      created_at: isoSeconds(creditNote.created_at),
    })),
  };
}

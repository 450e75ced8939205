/** Credit notes (reference/lago-api.md §1.10) with their items (each with its fee) and applied taxes. */
import { z } from 'zod';
import type { CreditNoteItemRow, CreditNoteRow } from '../db/credit-notes';
import type { FeeRow, InvoiceRow } from '../db/invoices';
import type { CustomerRow } from '../db/customers';
import { appliedTaxId, feeSchema, serializeFee } from './invoice';
import { customerSchema, type CustomerJson } from './customer';
import { cents, decimalString, isoSeconds, responseSchemas, wire } from './common';

export const creditNoteItemSchema = z.object({
  lago_id: wire.uuid,
  amount_cents: wire.cents,
  amount_currency: wire.currency,
  fee: feeSchema,
}).register(responseSchemas, { id: 'CreditNoteItem' });

export const creditNoteAppliedTaxSchema = z.object({
  lago_id: wire.uuid,
  lago_credit_note_id: wire.uuid,
  /** The tax's id as the credited fees carry it; null for a tax applied before ids were stored. */
  lago_tax_id: wire.uuid.nullable(),
  tax_name: z.string().nullable(),
  tax_code: z.string().nullable(),
  tax_rate: z.number(),
  tax_description: z.string().nullable(),
  base_amount_cents: wire.cents,
  amount_cents: wire.cents,
  amount_currency: wire.currency,
  created_at: wire.dateTime,
}).register(responseSchemas, { id: 'CreditNoteAppliedTax' });

export const creditNoteSchema = z.object({
  lago_id: wire.uuid,
  /** Billow has no billing entities. */
  billing_entity_code: z.null(),
  sequential_id: z.number().int(),
  number: z.string(),
  lago_invoice_id: wire.uuid,
  invoice_number: z.string(),
  issuing_date: wire.date,
  credit_status: z.enum(['available', 'consumed', 'voided']).nullable(),
  refund_status: z.enum(['pending', 'succeeded', 'failed']).nullable(),
  reason: z.enum(['duplicated_charge', 'product_unsatisfactory', 'order_change', 'order_cancellation', 'fraudulent_charge', 'other']),
  description: z.string().nullable(),
  currency: wire.currency,
  total_amount_cents: wire.cents,
  taxes_amount_cents: wire.cents,
  taxes_rate: z.number(),
  precise_taxes_amount_cents: wire.decimal,
  sub_total_excluding_taxes_amount_cents: wire.cents,
  balance_amount_cents: wire.cents,
  credit_amount_cents: wire.cents,
  refund_amount_cents: wire.cents,
  offset_amount_cents: wire.cents,
  coupons_adjustment_amount_cents: wire.cents,
  created_at: wire.dateTime,
  updated_at: wire.dateTime,
  voided_at: wire.dateTime.nullable(),
  refunded_at: wire.dateTime.nullable(),
  /** The PDF's authenticated download URL once rendered, else null (as Lago answers). */
  file_url: z.string().nullable(),
  xml_url: z.null(),
  self_billed: z.boolean(),
  /** Lago's key → value metadata (null until set). */
  metadata: z.record(z.string(), z.string().nullable()).nullable(),
  customer: customerSchema,
  items: z.array(creditNoteItemSchema),
  applied_taxes: z.array(creditNoteAppliedTaxSchema),
}).register(responseSchemas, { id: 'CreditNote' });
export type CreditNoteJson = z.output<typeof creditNoteSchema>;

export interface CreditNoteContext {
  invoice: InvoiceRow;
  customer: CustomerRow;
  customerView: CustomerJson;
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

/** The id of a tax as the note's credited fees carry it (`lago_tax_id` of their applied taxes). */
function taxIdOf(context: CreditNoteContext, taxCode: string | null): string | null {
  if (taxCode === null) return null;
  for (const item of context.items) {
    const taxes = (context.fees.get(item.fee_id)?.applied_taxes ?? []) as { tax_code?: string; lago_tax_id?: string | null }[];
    const found = taxes.find((tax) => tax.tax_code === taxCode && tax.lago_tax_id);
    if (found) return found.lago_tax_id!;
  }
  return null;
}

export function serializeCreditNote(creditNote: CreditNoteRow, context: CreditNoteContext): CreditNoteJson {
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
      lago_id: appliedTaxId(creditNote.id, tax.tax_code ?? `rate:${tax.tax_rate}`),
      lago_credit_note_id: creditNote.id,
      lago_tax_id: taxIdOf(context, tax.tax_code),
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

/** Lago's PaymentRequestObject: a customer's overdue invoices gathered into one request for one payment. */
import { z } from 'zod';
import type { PaymentRequestRow } from '../db/payment-requests';
import { cents, isoSeconds, responseSchemas, wire } from './common';
import { customerSchema, type CustomerJson } from './customer';
import { invoiceSchema, type InvoiceJson } from './invoice';

export const paymentRequestSchema = z.object({
  lago_id: wire.uuid,
  email: z.string(),
  /** What the invoices owed when the request was made, together. */
  amount_cents: wire.cents,
  amount_currency: wire.currency,
  payment_status: z.enum(['pending', 'succeeded', 'failed']),
  created_at: wire.dateTime,
  customer: customerSchema,
  invoices: z.array(invoiceSchema),
}).register(responseSchemas, { id: 'PaymentRequest' });

export type PaymentRequestJson = z.output<typeof paymentRequestSchema>;

export function serializePaymentRequest(request: PaymentRequestRow, context: { customer: CustomerJson; invoices: InvoiceJson[] }): PaymentRequestJson {
  return {
    lago_id: request.id,
    email: request.email,
    amount_cents: cents(request.amount_cents),
    amount_currency: request.currency,
    payment_status: request.payment_status,
    created_at: isoSeconds(request.created_at),
    customer: context.customer,
    invoices: context.invoices,
  };
}

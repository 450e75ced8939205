/** Payments (Lago's PaymentObject): a manual payment or one attempt at a payment provider, on one invoice. */
import { z } from 'zod';
import type { PaymentRow } from '../db/payments';
import { cents, isoSeconds, responseSchemas, wire } from './common';

export const paymentSchema = z.object({
  lago_id: wire.uuid,
  lago_customer_id: wire.uuid,
  external_customer_id: z.string(),
  invoice_ids: z.array(wire.uuid),
  invoice_numbers: z.array(z.string()),
  lago_payable_id: wire.uuid,
  /** One invoice, or a payment request (its invoices in `invoice_ids`). */
  payable_type: z.enum(['Invoice', 'PaymentRequest']),
  amount_cents: wire.cents,
  amount_currency: wire.currency,
  /** The provider's own status (Stripe's PaymentIntent status); `succeeded` for a manual payment. */
  status: z.string(),
  payment_status: z.enum(['pending', 'processing', 'succeeded', 'failed']),
  type: z.enum(['manual', 'provider']),
  /** The manual payment's reference; null for a payment at a provider. */
  reference: z.string().nullable(),
  /** The connection's code; null for a manual payment. */
  payment_provider_code: z.string().nullable(),
  payment_provider_type: z.enum(['stripe']).nullable(),
  external_payment_id: z.string().nullable(),
  provider_payment_id: z.string().nullable(),
  provider_customer_id: z.string().nullable(),
  /** Billow keeps no payment methods (the provider does). */
  payment_method_id: z.null(),
  next_action: z.record(z.string(), z.unknown()),
  created_at: wire.dateTime,
}).register(responseSchemas, { id: 'Payment' });

export type PaymentJson = z.output<typeof paymentSchema>;

export interface PaymentContext {
  externalCustomerId: string;
  /** The invoices it pays (one, or a payment request's), with their numbers. */
  invoices: { id: string; number: string }[];
  providerCode: string | null;
}

export function serializePayment(payment: PaymentRow, context: PaymentContext): PaymentJson {
  return {
    lago_id: payment.id,
    lago_customer_id: payment.customer_id,
    external_customer_id: context.externalCustomerId,
    invoice_ids: context.invoices.map((invoice) => invoice.id),
    invoice_numbers: context.invoices.map((invoice) => invoice.number),
    lago_payable_id: payment.payment_request_id ?? payment.invoice_id!,
    payable_type: payment.payment_request_id ? 'PaymentRequest' : 'Invoice',
    amount_cents: cents(payment.amount_cents),
    amount_currency: payment.currency,
    status: payment.status,
    payment_status: payment.payment_status,
    type: payment.payment_type,
    reference: payment.reference,
    payment_provider_code: context.providerCode,
    payment_provider_type: payment.provider_type === 'stripe' ? 'stripe' : null,
    external_payment_id: payment.provider_payment_id,
    provider_payment_id: payment.provider_payment_id,
    provider_customer_id: payment.provider_customer_id,
    payment_method_id: null,
    next_action: payment.next_action ?? {},
    created_at: isoSeconds(payment.created_at),
  };
}

import { z } from 'zod';
import type { DunningCampaignInput, ManualPaymentInput, PaymentRequestInput } from '../../services/payments';
import { currencyParam, text, unsupportedParams } from './query';
import { SHOWN, honour, refuseUnlessEmpty, shownAs, withContract } from '../contract';

/** Lago's `POST /payments`: a manual payment on one invoice (services/payments/payments.ts). */
export const manualPaymentSchema = withContract(z.object({
  invoice_id: z.string().trim().min(1),
  amount_cents: z.number().int().positive(),
  reference: z.string().trim().min(1).max(255),
  paid_at: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullish(),
}), {
  honoured: {
    ...honour(SHOWN, 'amount_cents', 'reference'),
    invoice_id: shownAs('lago_payable_id'),
    // Lago's ManualCreateService stores paid_at as the payment's created_at.
    paid_at: shownAs('created_at'),
  },
  refused: {},
}) satisfies z.ZodType<ManualPaymentInput>;

/** Lago's optional body of `POST /invoices/:id/retry_payment`: Billow keeps no payment methods (Stripe charges the customer's default one). */
export const retryPaymentSchema = withContract(z.object({
  payment_method: z.object({ payment_method_type: z.enum(['provider', 'manual']).nullish(), payment_method_id: z.string().nullish() }).nullish(),
}), {
  honoured: {},
  refused: {
    payment_method: refuseUnlessEmpty('Billow keeps no payment methods: a retry charges the customer\'s default payment method at Stripe.'),
  },
});

/**
 * Billow's own `PUT /api/v1/payment_providers/stripe` (Lago connects providers in its UI, with no
 * public route): the organization's Stripe secret key and webhook signing secret, stored sealed
 * (services/payments/connections.ts) and never answered.
 */
export const stripeConnectionSchema = z.object({
  secret_key: z.string().trim().min(1).max(255),
  webhook_secret: z.string().trim().min(1).max(255),
  code: z.string().trim().min(1).max(255).optional(),
  name: z.string().trim().min(1).max(255).optional(),
  success_redirect_url: z.string().trim().max(1024).nullish(),
}).strict();

export type StripeConnectionBody = z.infer<typeof stripeConnectionSchema>;

/** Billow's own `PUT /api/v1/dunning_campaign` (Lago's dunning campaigns have no public API): services/payments/dunning.ts. */
export const dunningCampaignSchema = z.object({
  code: z.string().trim().min(1).max(255).optional(),
  name: z.string().trim().min(1).max(255).optional(),
  max_attempts: z.number().int().min(1).max(20),
  days_between_attempts: z.number().int().min(1).max(365),
  thresholds: z.array(z.object({ currency: z.string(), amount_cents: z.number().int().min(0) }).strict()).min(1).max(200),
}).strict() satisfies z.ZodType<DunningCampaignInput>;

/** Lago's `POST /payment_requests`: a customer's overdue invoices gathered into one request (services/payments/payment-requests.ts). */
export const paymentRequestSchema = withContract(z.object({
  external_customer_id: z.string().trim().min(1).max(255),
  email: z.string().trim().min(1).max(255),
  lago_invoice_ids: z.array(z.string().trim().min(1).max(64)).min(1).max(100),
  payment_method: z.object({ payment_method_type: z.enum(['provider', 'manual']).nullish(), payment_method_id: z.string().nullish() }).nullish(),
}), {
  honoured: {
    ...honour(SHOWN, 'email'),
    external_customer_id: shownAs('customer.external_id'),
    lago_invoice_ids: 'The overdue invoices the request gathers, each for what it still owes (services/payments/payment-requests.ts); shown in invoices[].lago_id.',
  },
  refused: {
    payment_method: refuseUnlessEmpty('Billow keeps no payment methods: a payment request is charged to the customer\'s default payment method at Stripe.'),
  },
}) satisfies z.ZodType<PaymentRequestInput>;

/** `GET /payment_requests` (and `GET /customers/:id/payment_requests`): Lago's filters; billing entities are refused (Billow has none). */
export const paymentRequestQuerySchema = z.object({
  external_customer_id: text.optional(),
  payment_status: z.enum(['pending', 'succeeded', 'failed']).optional(),
  currency: currencyParam.optional(),
  ...unsupportedParams('billing_entity_codes', 'billing_entity_codes[]'),
});

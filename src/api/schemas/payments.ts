import { z } from 'zod';
import type { ManualPaymentInput } from '../../services/payments';
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

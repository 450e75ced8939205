import { z } from 'zod';
import type { ManualPaymentInput } from '../../services/payments';
import { SHOWN, honour, shownAs, withContract } from '../contract';

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

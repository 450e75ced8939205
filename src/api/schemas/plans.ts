import { z } from 'zod';
import { amountCents, code, currency, interval, optionalText } from './common';

export const createPlanSchema = z.object({
  name: z.string().trim().min(1),
  code,
  interval,
  amount_cents: amountCents,
  amount_currency: currency,
  pay_in_advance: z.boolean(),
  trial_period: z.number().min(0).nullish(),
  bill_charges_monthly: z.boolean().nullish(),
  invoice_display_name: optionalText,
  description: optionalText,
});
export type CreatePlanInput = z.infer<typeof createPlanSchema>;

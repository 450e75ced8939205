import { z } from 'zod';
import { amountCents, code, currency, optionalText } from './common';

const fields = {
  name: z.string().trim().min(1).max(255),
  code,
  invoice_display_name: optionalText,
  description: optionalText,
  amount_cents: amountCents,
  amount_currency: currency,
  tax_codes: z.array(code).nullish(),
};

export const createAddOnSchema = z.object(fields);
export const updateAddOnSchema = z.object(fields).partial();
export type CreateAddOnInput = z.infer<typeof createAddOnSchema>;
export type UpdateAddOnInput = z.infer<typeof updateAddOnSchema>;

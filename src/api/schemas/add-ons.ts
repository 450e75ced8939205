import { z } from 'zod';
import type { CreateAddOnInput, UpdateAddOnInput } from '../../services/catalog';
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

export const createAddOnSchema = z.object(fields) satisfies z.ZodType<CreateAddOnInput>;
export const updateAddOnSchema = z.object(fields).partial() satisfies z.ZodType<UpdateAddOnInput>;

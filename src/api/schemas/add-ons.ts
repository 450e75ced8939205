import { z } from 'zod';
import type { CreateAddOnInput, UpdateAddOnInput } from '../../services/catalog';
import { amountCents, code, currency, optionalText } from './common';
import { SHOWN, honour, shownAs, withContract, type RequestContract } from '../contract';

const fields = {
  name: z.string().trim().min(1).max(255),
  code,
  invoice_display_name: optionalText,
  description: optionalText,
  amount_cents: amountCents,
  amount_currency: currency,
  tax_codes: z.array(code).nullish(),
};

const contract: RequestContract = {
  honoured: {
    ...honour(SHOWN, 'name', 'invoice_display_name', 'code', 'amount_cents', 'amount_currency', 'description'),
    tax_codes: shownAs('taxes.*.code'),
  },
  refused: {},
};

export const createAddOnSchema = withContract(z.object(fields), contract) satisfies z.ZodType<CreateAddOnInput>;
export const updateAddOnSchema = withContract(z.object(fields).partial(), contract) satisfies z.ZodType<UpdateAddOnInput>;

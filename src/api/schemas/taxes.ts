import { z } from 'zod';
import { code, optionalText } from './common';
import { percent } from './decimals';

const fields = {
  name: z.string().trim().min(1).max(255),
  code,
  rate: percent,
  description: optionalText,
  applied_to_organization: z.boolean().nullish(),
};

export const createTaxSchema = z.object(fields);
export const updateTaxSchema = z.object(fields).partial();
export type CreateTaxInput = z.infer<typeof createTaxSchema>;
export type UpdateTaxInput = z.infer<typeof updateTaxSchema>;

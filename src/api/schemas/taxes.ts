import { z } from 'zod';
import type { CreateTaxInput, UpdateTaxInput } from '../../services/catalog';
import { code, optionalText } from './common';
import { percent } from './decimals';

const fields = {
  name: z.string().trim().min(1).max(255),
  code,
  rate: percent,
  description: optionalText,
  applied_to_organization: z.boolean().nullish(),
};

export const createTaxSchema = z.object(fields) satisfies z.ZodType<CreateTaxInput>;
export const updateTaxSchema = z.object(fields).partial() satisfies z.ZodType<UpdateTaxInput>;

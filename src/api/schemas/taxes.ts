import { z } from 'zod';
import type { CreateTaxInput, UpdateTaxInput } from '../../services/catalog';
import { code, optionalText } from './common';
import { percent } from './decimals';
import { SHOWN, honour, refuseTrue, withContract, type RequestContract } from '../contract';

const fields = {
  name: z.string().trim().min(1).max(255),
  code,
  rate: percent,
  description: optionalText,
  applied_to_organization: z.boolean().nullish(),
};

const contract: RequestContract = {
  honoured: honour(SHOWN, 'name', 'code', 'rate', 'description'),
  refused: {
    applied_to_organization: refuseTrue('Billow applies only the taxes linked to a customer, plan, charge or add-on: an organization-wide tax would be left off every invoice.'),
  },
};

export const createTaxSchema = withContract(z.object(fields), contract) satisfies z.ZodType<CreateTaxInput>;
export const updateTaxSchema = withContract(z.object(fields).partial(), contract) satisfies z.ZodType<UpdateTaxInput>;

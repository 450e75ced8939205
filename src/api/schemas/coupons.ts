import { z } from 'zod';
import type { CreateCouponInput, UpdateCouponInput } from '../../services/catalog';
import { amountCents, code, currency, isoDateTime, optionalText } from './common';
import { percent } from './decimals';
import { SHOWN, honour, shownAs, withContract, type RequestContract } from '../contract';

export const couponType = z.enum(['fixed_amount', 'percentage']);
export const couponFrequency = z.enum(['once', 'recurring', 'forever']);
export const frequencyDuration = z.number().int().min(1).max(10_000);

const fields = {
  name: z.string().trim().min(1).max(255),
  code,
  description: optionalText,
  coupon_type: couponType,
  amount_cents: amountCents.nullish(),
  amount_currency: currency.nullish(),
  percentage_rate: percent.nullish(),
  frequency: couponFrequency,
  frequency_duration: frequencyDuration.nullish(),
  reusable: z.boolean().nullish(),
  expiration: z.enum(['no_expiration', 'time_limit']).nullish(),
  expiration_at: isoDateTime.nullish(),
  applies_to: z
    .object({
      plan_codes: z.array(code).max(1000).nullish(),
      billable_metric_codes: z.array(code).max(1000).nullish(),
    })
    .nullish(),
};

const contract: RequestContract = {
  honoured: {
    ...honour(SHOWN, 'name', 'code', 'description', 'coupon_type', 'amount_cents', 'amount_currency', 'reusable', 'percentage_rate', 'frequency',
      'frequency_duration', 'expiration', 'expiration_at'),
    'applies_to.plan_codes': shownAs('plan_codes'),
    'applies_to.billable_metric_codes': shownAs('billable_metric_codes'),
  },
  refused: {},
};

export const createCouponSchema = withContract(z.object(fields), contract) satisfies z.ZodType<CreateCouponInput>;
export const updateCouponSchema = withContract(z.object(fields).partial(), contract) satisfies z.ZodType<UpdateCouponInput>;

import { z } from 'zod';
import type { ApplyCouponInput } from '../../services/customers';
import { amountCents, code, currency } from './common';
import { couponFrequency, frequencyDuration } from './coupons';
import { percent } from './decimals';
import { SHOWN, honour, withContract } from '../contract';

/** Applying a coupon to a customer; the terms may override the coupon's own. */
export const applyCouponSchema = withContract(z.object({
  external_customer_id: z.string().trim().min(1).max(255),
  coupon_code: code,
  frequency: couponFrequency.nullish(),
  frequency_duration: frequencyDuration.nullish(),
  amount_cents: amountCents.nullish(),
  amount_currency: currency.nullish(),
  percentage_rate: percent.nullish(),
}), {
  honoured: honour(SHOWN, 'external_customer_id', 'coupon_code', 'frequency', 'frequency_duration', 'amount_cents', 'amount_currency', 'percentage_rate'),
  refused: {},
}) satisfies z.ZodType<ApplyCouponInput>;

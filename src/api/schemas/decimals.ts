/** Decimal fields given as strings (or JSON numbers), parsed strictly: never a float in the maths. */
import { z } from 'zod';
import { Dec, MoneyError, parseDecimal } from '../../billing/money';
import { issue } from '../validation';

/**
 * A percent such as a tax rate or a coupon's percentage_rate ("12.5" is 12.5 %): 0 ≤ rate ≤ 100,
 * at most 5 decimals (the columns are numeric(10,5)). Output is the canonical decimal string.
 */
export const percent = z.unknown().transform((value, ctx): string => {
  if (value === undefined || value === null) {
    issue(ctx, [], 'value_is_mandatory');
    return z.NEVER;
  }
  let rate: Dec;
  try {
    rate = parseDecimal(value);
  } catch (error) {
    if (!(error instanceof MoneyError)) throw error;
    issue(ctx, [], 'value_is_invalid');
    return z.NEVER;
  }
  if (rate.gt(100)) {
    issue(ctx, [], 'value_is_out_of_range');
    return z.NEVER;
  }
  if (rate.decimalPlaces() > 5) {
    issue(ctx, [], 'value_is_invalid');
    return z.NEVER;
  }
  return rate.toFixed();
});

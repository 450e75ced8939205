/** Field schemas shared by several resources. */
import { z } from 'zod';
import { isCurrency } from '../../billing/money';
import { isValidTimezone } from '../../billing/calendar';
import { INTERVALS } from '../../billing/types';

export const code = z.string().trim().min(1).max(255);
export const currency = z.string().refine((value) => isCurrency(value), { message: 'value_is_invalid' });
export const timezone = z.string().refine((value) => isValidTimezone(value), { message: 'value_is_invalid' });
export const interval = z.enum(INTERVALS);
/** Whole minor units, as a JSON integer or a digit string, no larger than JSON can carry exactly (2^53 − 1). */
export const amountCents = z
  .union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,20}$/)])
  .transform((v) => BigInt(v))
  .refine((v) => v <= BigInt(Number.MAX_SAFE_INTEGER), { message: 'value_is_out_of_range' });
export const isoDateTime = z.string().refine((value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}/.test(value), { message: 'invalid_date' });
export const optionalText = z.string().max(10_000).nullish();

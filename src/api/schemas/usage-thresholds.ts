/** Lago's UsageThresholdInput (plans, subscriptions): an amount of lifetime usage, a display name, whether it recurs. */
import { z } from 'zod';
import type { UsageThresholdInput } from '../../services/catalog';
import { amountCents } from './common';

export const usageThresholdSchema = z.object({
  amount_cents: amountCents.refine((value) => value > 0n, { message: 'value_is_invalid' }),
  threshold_display_name: z.string().max(255).nullish(),
  recurring: z.boolean().nullish(),
}) satisfies z.ZodType<UsageThresholdInput>;

/** At most 100 thresholds; at most one recurring (the service says so, naming the field). */
export const usageThresholdsSchema = z.array(usageThresholdSchema).max(100).nullish();

import { z } from 'zod';
import { isoDateTime, optionalText } from './common';
import type { CreateSubscriptionInput } from '../../services/subscriptions';

export const createSubscriptionSchema = z.object({
  external_customer_id: z.string().trim().min(1).max(255),
  plan_code: z.string().trim().min(1).max(255),
  external_id: z.string().trim().min(1).max(255).refine((value) => !value.includes('/'), { message: 'value_is_invalid' }),
  name: optionalText,
  billing_time: z.enum(['calendar', 'anniversary']).default('calendar'),
  subscription_at: isoDateTime.nullish(),
  ending_at: isoDateTime.nullish(),
}) satisfies z.ZodType<CreateSubscriptionInput>;

import { z } from 'zod';
import type { LifetimeUsageInput } from '../../services/invoicing';
import { amountCents } from './common';
import { SHOWN, honour, withContract } from '../contract';

/** `PUT /subscriptions/:external_id/lifetime_usage` (Lago's LifetimeUsageInput): the historical usage to seed. */
export const lifetimeUsageSchema = withContract(z.object({
  external_historical_usage_amount_cents: amountCents,
}), {
  honoured: honour(SHOWN, 'external_historical_usage_amount_cents'),
  refused: {},
}) satisfies z.ZodType<LifetimeUsageInput>;

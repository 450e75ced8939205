/** The organization's dunning campaign, as Billow's own route shows it (`/api/v1/dunning_campaign`). */
import { z } from 'zod';
import type { DunningCampaignRow } from '../db/dunning-campaigns';
import { cents, isoSeconds, responseSchemas, wire } from './common';

export const dunningCampaignSchema = z.object({
  lago_id: wire.uuid,
  code: z.string(),
  name: z.string(),
  /** Attempts at the provider in all, the first collection included. */
  max_attempts: z.number().int(),
  days_between_attempts: z.number().int(),
  /** An invoice is dunned when what it still owes reaches its currency's amount; a currency not listed is not dunned. */
  thresholds: z.array(z.object({ currency: wire.currency, amount_cents: wire.cents })),
  created_at: wire.dateTime,
  updated_at: wire.dateTime,
}).register(responseSchemas, { id: 'DunningCampaign' });

export type DunningCampaignJson = z.output<typeof dunningCampaignSchema>;

export function serializeDunningCampaign(campaign: DunningCampaignRow): DunningCampaignJson {
  return {
    lago_id: campaign.id,
    code: campaign.code,
    name: campaign.name,
    max_attempts: campaign.max_attempts,
    days_between_attempts: campaign.days_between_attempts,
    thresholds: campaign.thresholds.map((threshold) => ({ currency: threshold.currency, amount_cents: cents(BigInt(threshold.amount_cents)) })),
    created_at: isoSeconds(campaign.created_at),
    updated_at: isoSeconds(campaign.updated_at),
  };
}

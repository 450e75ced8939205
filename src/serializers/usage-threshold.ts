/**
 * Progressive billing's objects (issue 15): a usage threshold (Lago's UsageThresholdObject), a
 * plan's or subscription's applicable one (ApplicableUsageThreshold), a threshold applied by an
 * invoice (AppliedUsageThresholdObject), and the lifetime usage (LifetimeUsageObject).
 */
import { z } from 'zod';
import type { UsageThresholdRow, AppliedUsageThresholdRow } from '../db/usage-thresholds';
import type { ThresholdProgress } from '../billing/progressive-billing';
import { cents, isoSeconds, responseSchemas, wire } from './common';

export const usageThresholdSchema = z.object({
  lago_id: wire.uuid,
  threshold_display_name: z.string().nullable(),
  amount_cents: wire.cents,
  recurring: z.boolean(),
  created_at: wire.dateTime,
  updated_at: wire.dateTime,
}).register(responseSchemas, { id: 'UsageThreshold' });

export const applicableUsageThresholdSchema = z.object({
  threshold_display_name: z.string().nullable(),
  amount_cents: wire.cents,
  recurring: z.boolean(),
}).register(responseSchemas, { id: 'ApplicableUsageThreshold' });

export const appliedUsageThresholdSchema = z.object({
  lifetime_usage_amount_cents: wire.cents,
  created_at: wire.dateTime,
  usage_threshold: usageThresholdSchema,
}).register(responseSchemas, { id: 'AppliedUsageThreshold' });

export function serializeUsageThreshold(row: UsageThresholdRow): z.output<typeof usageThresholdSchema> {
  return {
    lago_id: row.id,
    threshold_display_name: row.threshold_display_name,
    amount_cents: cents(row.amount_cents),
    recurring: row.recurring,
    created_at: isoSeconds(row.created_at),
    updated_at: isoSeconds(row.updated_at),
  };
}

export function serializeApplicableUsageThreshold(row: UsageThresholdRow): z.output<typeof applicableUsageThresholdSchema> {
  return { threshold_display_name: row.threshold_display_name, amount_cents: cents(row.amount_cents), recurring: row.recurring };
}

export function serializeAppliedUsageThreshold(row: AppliedUsageThresholdRow & { threshold: UsageThresholdRow }): z.output<typeof appliedUsageThresholdSchema> {
  return {
    lifetime_usage_amount_cents: cents(row.lifetime_usage_amount_cents),
    created_at: isoSeconds(row.created_at),
    usage_threshold: serializeUsageThreshold(row.threshold),
  };
}

export const lifetimeUsageSchema = z.object({
  lago_id: wire.uuid,
  lago_subscription_id: wire.uuid,
  external_subscription_id: z.string(),
  external_historical_usage_amount_cents: wire.cents,
  invoiced_usage_amount_cents: wire.cents,
  current_usage_amount_cents: wire.cents,
  from_datetime: wire.dateTime.nullable(),
  to_datetime: wire.dateTime,
  usage_thresholds: z.array(z.object({
    amount_cents: wire.cents,
    completion_ratio: z.number(),
    reached_at: wire.dateTime.nullable(),
  })),
}).register(responseSchemas, { id: 'LifetimeUsage' });
export type LifetimeUsageJson = z.output<typeof lifetimeUsageSchema>;

/** What a lifetime usage is shown from (services/invoicing/lifetime-usage.ts). */
export interface LifetimeUsageView {
  id: string;
  subscriptionId: string;
  externalSubscriptionId: string;
  historicalCents: bigint;
  invoicedCents: bigint;
  currentCents: bigint;
  fromMs: number | null;
  toMs: number;
  progress: (ThresholdProgress & { reachedAt: Date | null })[];
}

export function serializeLifetimeUsage(view: LifetimeUsageView): LifetimeUsageJson {
  return {
    lago_id: view.id,
    lago_subscription_id: view.subscriptionId,
    external_subscription_id: view.externalSubscriptionId,
    external_historical_usage_amount_cents: cents(view.historicalCents),
    invoiced_usage_amount_cents: cents(view.invoicedCents),
    current_usage_amount_cents: cents(view.currentCents),
    from_datetime: view.fromMs === null ? null : isoSeconds(new Date(view.fromMs)),
    to_datetime: isoSeconds(new Date(view.toMs)),
    usage_thresholds: view.progress.map((entry) => ({
      amount_cents: cents(entry.amountCents),
      completion_ratio: entry.completionRatio,
      reached_at: isoSeconds(entry.reachedAt),
    })),
  };
}

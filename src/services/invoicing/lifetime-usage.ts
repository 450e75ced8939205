/**
 * `GET` and `PUT /subscriptions/:external_id/lifetime_usage` (issue 15; Lago's LifetimeUsage): the
 * active subscription's historical usage (seeded by a PUT, for a subscription migrated from
 * elsewhere), the usage its past periods invoiced, the current period's usage so far, and each
 * usage threshold's progress (billing/progressive-billing.ts `thresholdProgress`). Computed when
 * asked from the same figures progressive billing reads (progressive-billing.ts), so it is exact
 * to the last stored event. A seeded historical usage counts towards the thresholds from then on:
 * levels it already covers are never billed, as in Lago.
 */
import type { Db } from '../../db/knex';
import { findSubscriptionByExternalId } from '../../db/subscriptions';
import { contextOf } from '../../db/subscription-context';
import { appliedLevels, applicableThresholds, upsertHistoricalUsage } from '../../db/usage-thresholds';
import { thresholdProgress } from '../../billing/progressive-billing';
import { notFound } from '../../runtime/errors';
import { derivedUuid } from '../../serializers/common';
import type { LifetimeUsageView } from '../../serializers/usage-threshold';
import { lifetimeFigures, toThresholdRule } from './progressive-billing';

export interface LifetimeUsageInput {
  external_historical_usage_amount_cents: bigint;
}

/** The lifetime usage's stable id: one per subscription, whether or not a PUT stored a row for it. */
const lifetimeUsageId = (subscriptionId: string) => derivedUuid('lifetime_usage', subscriptionId);

export async function getLifetimeUsage(db: Db, organizationId: string, externalId: string, atMs: number): Promise<LifetimeUsageView> {
  const subscription = await findSubscriptionByExternalId(db, organizationId, externalId);
  if (!subscription) throw notFound('subscription');
  const ctx = await contextOf(db, subscription);
  const [figures, thresholds, applied] = await Promise.all([
    lifetimeFigures(db, ctx, atMs),
    applicableThresholds(db, subscription),
    appliedLevels(db, subscription.id),
  ]);
  const progress = thresholdProgress(thresholds.map(toThresholdRule), figures.totalCents).map((entry) => {
    // When it was reached: the crossing recorded at or above this level (a recurring one records the highest of those crossed together).
    const crossing = applied.find((row) => row.usage_threshold_id === entry.thresholdId && row.level_amount_cents >= entry.amountCents);
    return { ...entry, reachedAt: entry.reached ? crossing?.created_at ?? new Date(atMs) : null };
  });
  return {
    id: lifetimeUsageId(subscription.id),
    subscriptionId: subscription.id,
    externalSubscriptionId: subscription.external_id,
    historicalCents: figures.historicalCents,
    invoicedCents: figures.invoicedCents,
    currentCents: figures.usage.amountCents,
    fromMs: (subscription.started_at ?? subscription.subscription_at).getTime(),
    toMs: figures.usage.scope.toMs,
    progress,
  };
}

/** Seeds (or changes) the historical usage, then answers the lifetime usage as GET does. */
export async function updateLifetimeUsage(db: Db, organizationId: string, externalId: string, input: LifetimeUsageInput, atMs: number): Promise<LifetimeUsageView> {
  const subscription = await findSubscriptionByExternalId(db, organizationId, externalId);
  if (!subscription) throw notFound('subscription');
  await upsertHistoricalUsage(db, organizationId, subscription.id, lifetimeUsageId(subscription.id), input.external_historical_usage_amount_cents);
  return getLifetimeUsage(db, organizationId, externalId, atMs);
}

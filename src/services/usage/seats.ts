/** Seats active at an instant, per persistent (recurring) metric, from the events in Postgres. */
import type { Db } from '../../db/knex';
import { aggregate } from '../../billing/aggregation';
import { findSubscriptionById } from '../../db/subscriptions';
import { findBillableMetricsByCodes } from '../../db/billable-metrics';
import { selectUsageEvents } from '../../db/usage-aggregation';

export async function activeSeats(db: Db, subscriptionId: string, codes: string[], atMs: number): Promise<Record<string, number>> {
  const subscription = await findSubscriptionById(db, subscriptionId);
  if (!subscription || codes.length === 0) return {};
  const metrics = (await findBillableMetricsByCodes(db, subscription.organization_id, codes)).filter((metric) => metric.recurring);
  const seats: Record<string, number> = {};
  for (const metric of metrics) {
    const scope = { organizationId: subscription.organization_id, externalSubscriptionId: subscription.external_id, code: metric.code };
    const events = await selectUsageEvents(db, scope, null, atMs);
    const { units } = aggregate(
      { aggregationType: metric.aggregation_type, fieldName: metric.field_name, recurring: true, roundingFunction: null, roundingPrecision: null, weightedInterval: null },
      events,
      { fromMs: 0, toMs: atMs, timezone: 'UTC', fullDays: 1 },
    );
    seats[metric.code] = units.toNumber();
  }
  return seats;
}

/** Seats active at an instant, per persistent (recurring) metric, from the events in Postgres. */
import type { Db } from '../../db/knex';
import { aggregate } from '../../billing/aggregation';
import type { AggregationType, UsageEvent } from '../../billing/types';
import { findSubscriptionById } from '../../db/subscriptions';

interface MetricRow {
  code: string;
  aggregation_type: AggregationType;
  field_name: string | null;
  recurring: boolean;
}

export async function activeSeats(db: Db, subscriptionId: string, codes: string[], atMs: number): Promise<Record<string, number>> {
  const subscription = await findSubscriptionById(db, subscriptionId);
  if (!subscription || codes.length === 0) return {};
  const metrics = await db<MetricRow>('billable_metrics')
    .where('organization_id', subscription.organization_id)
    .where('recurring', true)
    .whereIn('code', [...new Set(codes)])
    .whereNull('deleted_at');
  const seats: Record<string, number> = {};
  for (const metric of metrics) {
    const rows = await db('events')
      .where({ organization_id: subscription.organization_id, external_subscription_id: subscription.external_id, code: metric.code })
      .where('timestamp', '<=', new Date(atMs))
      .orderBy([{ column: 'timestamp' }, { column: 'transaction_id' }])
      .select<{ transaction_id: string; timestamp: Date; properties: Record<string, unknown> }[]>('transaction_id', 'timestamp', 'properties');
    const events: UsageEvent[] = rows.map((row) => ({ transactionId: row.transaction_id, timestamp: row.timestamp.getTime(), properties: row.properties }));
    const { units } = aggregate(
      { aggregationType: metric.aggregation_type, fieldName: metric.field_name, recurring: true, roundingFunction: null, roundingPrecision: null, weightedInterval: null },
      events,
      { fromMs: 0, toMs: atMs, timezone: 'UTC', fullDays: 1 },
    );
    seats[metric.code] = units.toNumber();
  }
  return seats;
}

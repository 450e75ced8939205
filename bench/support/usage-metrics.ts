/**
 * The three metrics the usage benches load events for: a count (`calls`), a sum (`storage`, field
 * `gb`) and a unique count (`mtu`, field `user_id`), one of each aggregation the usage cache keeps.
 */
import type { Db } from '../../src/db/knex';
import { insertMetric } from '../../test/support/usage-fixtures';

export async function insertUsageMetrics(db: Db, organizationId: string) {
  return {
    calls: await insertMetric(db, organizationId, { code: 'calls', aggregation_type: 'count_agg' }),
    storage: await insertMetric(db, organizationId, { code: 'storage', aggregation_type: 'sum_agg', field_name: 'gb' }),
    mtu: await insertMetric(db, organizationId, { code: 'mtu', aggregation_type: 'unique_count_agg', field_name: 'user_id' }),
  };
}

/** The first instant of the current UTC month: the benches' subscriptions start there. */
export function currentMonthStart(now: Date): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
}

import type { Db } from './knex';
import { aggregateUsage } from './usage-aggregation';
import type { UsageAggregator } from '../services/charge-usage';

export function createUsageCache(db: Db): UsageAggregator {
  return { aggregate: (scope, metric, window, options) => aggregateUsage(db, scope, metric, window, options) };
}

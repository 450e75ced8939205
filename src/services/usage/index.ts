/** Usage: ingesting and reading events, seats at an instant, and the usage of a subscription's charges, priced. */
export { createEventIngestion, MAX_BATCH_EVENTS, type AfterUsageStored, type EventIngestion } from './events';
export type { EventInput, ReadEvent } from './event-input';
export { getEvent, listEvents } from './stored-events';
export { activeSeats } from './seats';
export {
  computeChargesUsage,
  metricDefinition,
  sqlAggregator,
  type BucketUsage,
  type ChargeUsageLine,
  type ChargesUsage,
  type ChargesWindow,
} from './charge-usage';
export type { EventListFilter, EventRow } from '../../db/events';
export type { UsageAggregator } from '../../db/usage-aggregation';
export { createUsageCache, type UsageCache } from '../../db/usage-cache';

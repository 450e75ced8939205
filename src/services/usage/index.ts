/** Usage: events as they arrive, seats, and usage priced over a window. */
export { computeChargesUsage, metricDefinition, sqlAggregator, type UsageAggregator, type ChargesUsage, type ChargeUsageLine, type BucketUsage } from './charge-usage';

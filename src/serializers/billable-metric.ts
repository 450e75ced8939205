import type { BillableMetricRow } from '../db/billable-metrics';
import { isoSeconds } from './common';

export function serializeBillableMetric(metric: BillableMetricRow) {
  return {
    lago_id: metric.id,
    name: metric.name,
    code: metric.code,
    description: metric.description,
    aggregation_type: metric.aggregation_type,
    weighted_interval: metric.weighted_interval,
    recurring: metric.recurring,
    rounding_function: metric.rounding_function,
    rounding_precision: metric.rounding_precision,
    created_at: isoSeconds(metric.created_at),
    field_name: metric.field_name,
    expression: metric.expression,
    filters: metric.filters.map((filter) => ({ key: filter.key, values: [...filter.values].sort() })),
    active_subscriptions_count: 0,
    draft_invoices_count: 0,
    plans_count: 0,
  };
}

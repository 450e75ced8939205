import { z } from 'zod';
import type { BillableMetricRow } from '../db/billable-metrics';
import { AGGREGATION_TYPES } from '../billing/types';
import { isoSeconds, responseSchemas, wire } from './common';

export const billableMetricSchema = z.object({
  lago_id: wire.uuid,
  name: z.string(),
  code: z.string(),
  description: z.string().nullable(),
  aggregation_type: z.enum(AGGREGATION_TYPES as [string, ...string[]]),
  weighted_interval: z.enum(['seconds']).nullable(),
  recurring: z.boolean(),
  rounding_function: z.enum(['round', 'ceil', 'floor']).nullable(),
  rounding_precision: z.number().int().nullable(),
  created_at: wire.dateTime,
  field_name: z.string().nullable(),
  expression: z.string().nullable(),
  filters: z.array(z.object({ key: z.string(), values: z.array(z.string()) })),
  /** Always 0, as Lago's own serializer answers them. */
  active_subscriptions_count: z.number().int(),
  draft_invoices_count: z.number().int(),
  plans_count: z.number().int(),
}).register(responseSchemas, { id: 'BillableMetric' });
export type BillableMetricJson = z.output<typeof billableMetricSchema>;

export function serializeBillableMetric(metric: BillableMetricRow): BillableMetricJson {
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

/** `POST /billable_metrics/evaluate_expression`: `{"expression_result": {"value": …}}`, a number in plain decimal text or the string computed. */
export const expressionResultSchema = z.object({
  value: z.string(),
}).register(responseSchemas, { id: 'ExpressionResult' });

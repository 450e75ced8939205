import { z } from 'zod';
import { AGGREGATION_TYPES } from '../../billing/types';
import { LEGACY_RECURRING_COUNT, type CreateBillableMetricInput, type EvaluateExpressionInput, type UpdateBillableMetricInput } from '../../services/catalog';
import { code, optionalText } from './common';
import { SHOWN, honour, withContract, type RequestContract } from '../contract';

/** The six aggregations Billow computes, plus the legacy seat aggregation (DESIGN.md §5). */
const aggregationType = z.enum([LEGACY_RECURRING_COUNT, ...AGGREGATION_TYPES]);

const filter = z.object({
  key: z.string().trim().min(1).max(255),
  values: z.array(z.string().min(1).max(255)).min(1).max(1000),
});

const fields = {
  name: z.string().trim().min(1).max(255),
  code,
  description: optionalText,
  aggregation_type: aggregationType,
  field_name: z.string().trim().min(1).max(255).nullish(),
  recurring: z.boolean().nullish(),
  weighted_interval: z.enum(['seconds']).nullish(),
  rounding_function: z.enum(['round', 'ceil', 'floor']).nullish(),
  rounding_precision: z.number().int().min(-15).max(15).nullish(),
  expression: optionalText,
  filters: z.array(filter).max(100).nullish(),
};

/** Every field is stored, shown, and read by the aggregation (src/billing/aggregation); expressions by ingestion (src/billing/expressions). */
const contract: RequestContract = {
  honoured: honour(SHOWN, 'name', 'code', 'description', 'recurring', 'rounding_function', 'rounding_precision', 'field_name', 'aggregation_type',
    'weighted_interval', 'filters.*.key', 'filters.*.values', 'expression'),
  refused: {},
};

export const createBillableMetricSchema = withContract(z.object(fields), contract) satisfies z.ZodType<CreateBillableMetricInput>;
export const updateBillableMetricSchema = withContract(z.object(fields).partial(), contract) satisfies z.ZodType<UpdateBillableMetricInput>;

/**
 * `POST /billable_metrics/evaluate_expression` (Lago's BillableMetricEvaluateExpressionInput, no
 * envelope): the expression and a sample event; the service answers Lago's codes.
 */
export const evaluateExpressionSchema = withContract(
  z.object({
    expression: z.string().max(10_000).nullish(),
    event: z.object({
      code: z.string().max(255).nullish(),
      timestamp: z.union([z.number(), z.string().max(64)]).nullish(),
      properties: z.record(z.string(), z.unknown()).nullish(),
    }).nullish(),
  }),
  {
    honoured: {
      expression: 'Parsed and evaluated by src/billing/expressions; the answer\'s expression_result.value is its result.',
      'event.code': 'Read by the expression as event.code (src/billing/expressions).',
      'event.timestamp': 'Read by the expression as event.timestamp, in Unix seconds (src/billing/expressions).',
      'event.properties': 'Read by the expression as event.properties.<name> (src/billing/expressions).',
    },
    refused: {},
  },
) satisfies z.ZodType<EvaluateExpressionInput>;

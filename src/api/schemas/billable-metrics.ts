import { z } from 'zod';
import { AGGREGATION_TYPES } from '../../billing/types';
import { LEGACY_RECURRING_COUNT, type CreateBillableMetricInput, type UpdateBillableMetricInput } from '../../services/catalog';
import { code, optionalText } from './common';

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

export const createBillableMetricSchema = z.object(fields) satisfies z.ZodType<CreateBillableMetricInput>;
export const updateBillableMetricSchema = z.object(fields).partial() satisfies z.ZodType<UpdateBillableMetricInput>;

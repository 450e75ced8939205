/**
 * The nested charge routes of a plan (Lago's ChargeCreateInput / ChargeUpdateInput /
 * ChargeFilterCreateInput / ChargeFilterUpdateInput): a charge is the very schema `PUT /plans`
 * takes for each of its charges (without `id`: the path names it), so both routes accept and
 * refuse the same fields. `cascade_updates` is accepted: Billow has no child plans to cascade to.
 */
import { z } from 'zod';
import type { PlanChargeFilterInput, PlanChargeInput } from '../../services/catalog/charge-resources';
import { chargeSchema } from './plans';
import { optionalText } from './common';

export const planChargeSchema = chargeSchema.omit({ id: true }).extend({ cascade_updates: z.boolean().nullish() }) satisfies z.ZodType<PlanChargeInput>;

const filterValues = z.record(z.string().min(1).max(255), z.array(z.string().min(1).max(255)).min(1).max(1000));

export const createChargeFilterSchema = z.object({
  invoice_display_name: optionalText,
  /** Checked against the charge's model by the plan's rules. */
  properties: z.unknown(),
  values: filterValues,
  cascade_updates: z.boolean().nullish(),
}) satisfies z.ZodType<PlanChargeFilterInput>;

export const updateChargeFilterSchema = createChargeFilterSchema.partial() satisfies z.ZodType<PlanChargeFilterInput>;

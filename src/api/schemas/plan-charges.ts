/**
 * The nested charge routes of a plan (Lago's ChargeCreateInput / ChargeUpdateInput / ChargeDeleteInput
 * and ChargeFilterCreateInput / ChargeFilterUpdateInput / ChargeFilterDeleteInput): a charge is the
 * very schema `PUT /plans` takes for each of its charges (without `id`: the path names it), with the
 * same request contract, so both routes honour and refuse the same fields. `cascade_updates: true`
 * is honoured on a charge's update and its filters' changes (the plan's children whose copy was
 * not overridden take the change) and refused on a charge's creation and deletion.
 */
import { z } from 'zod';
import type { PlanChargeFilterInput, PlanChargeInput } from '../../services/catalog/charge-resources';
import { CASCADE_REFUSED, CASCADE_UPDATES, CHARGE_HONOURED, CHARGE_REFUSED, chargeSchema } from './plans';
import { optionalText } from './common';
import { SHOWN, honour, withContract, type RequestContract } from '../contract';

const chargeRefusals = {
  ...CHARGE_REFUSED,
  // Lago's ChargeInput leaves it out, though a plan's charges have it and Lago's server reads the same charge params on both routes.
  accepts_target_wallet: { ...CHARGE_REFUSED.accepts_target_wallet!, beyondSpec: true as const, examples: [true] },
};

const chargeContract: RequestContract = {
  honoured: CHARGE_HONOURED,
  refused: { ...chargeRefusals, cascade_updates: CASCADE_REFUSED },
};

/** `POST /plans/:code/charges`: `cascade_updates: true` refused (children get no new charge). */
export const planChargeSchema = withContract(
  chargeSchema.omit({ id: true }).extend({ cascade_updates: z.boolean().nullish() }),
  chargeContract,
) satisfies z.ZodType<PlanChargeInput>;

/** `PUT /plans/:code/charges/:charge_code`: `cascade_updates` honoured. */
export const updatePlanChargeSchema = withContract(
  chargeSchema.omit({ id: true }).extend({ cascade_updates: z.boolean().nullish() }),
  { honoured: { ...CHARGE_HONOURED, cascade_updates: CASCADE_UPDATES }, refused: chargeRefusals },
) satisfies z.ZodType<PlanChargeInput>;

const filterValues = z.record(z.string().min(1).max(255), z.array(z.string().min(1).max(255)).min(1).max(1000));

/** A filter's fields, as a plan's charges take them (`charges.*.filters.*.`), relative to the filter. */
const filterContract: RequestContract = {
  honoured: {
    ...honour(SHOWN, 'invoice_display_name', 'values'),
    ...Object.fromEntries(Object.entries(CHARGE_HONOURED).filter(([path]) => path.startsWith('filters.*.properties.')).map(([path, how]) => [path.slice('filters.*.'.length), how])),
    cascade_updates: CASCADE_UPDATES,
  },
  refused: Object.fromEntries(Object.entries(CHARGE_REFUSED).filter(([path]) => path.startsWith('filters.*.')).map(([path, refusal]) => [path.slice('filters.*.'.length), refusal])),
};

const filterFields = {
  invoice_display_name: optionalText,
  /** Checked against the charge's model by the plan's rules. */
  properties: z.unknown(),
  values: filterValues,
  cascade_updates: z.boolean().nullish(),
};

export const createChargeFilterSchema = withContract(z.object(filterFields), filterContract) satisfies z.ZodType<PlanChargeFilterInput>;

export const updateChargeFilterSchema = withContract(z.object(filterFields).partial(), filterContract) satisfies z.ZodType<PlanChargeFilterInput>;

/** The optional body of `DELETE /plans/:code/charges/:charge_code` (`{"charge": {...}}`) and of a filter's (`{"filter": {...}}`). */
export const deleteChargeSchema = withContract(z.object({ cascade_updates: z.boolean().nullish() }), {
  honoured: {},
  refused: { cascade_updates: CASCADE_REFUSED },
});
export const deleteChargeFilterSchema = withContract(z.object({ cascade_updates: z.boolean().nullish() }), {
  honoured: { cascade_updates: CASCADE_UPDATES },
  refused: {},
});

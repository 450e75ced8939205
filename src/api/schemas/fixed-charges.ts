/**
 * Fixed charges on their own routes (issue 16 point 5):
 * - `/plans/:code/fixed_charges[/:code]` (Lago's FixedChargeCreateInput / FixedChargeUpdateInput /
 *   FixedChargeDeleteInput): a fixed charge is the very schema `PUT /plans` takes for each of its
 *   fixed charges (without `id`: the path names it), with the same contract;
 * - `PUT /subscriptions/:external_id/fixed_charges/:code` (Lago's SubscriptionFixedChargeOverride):
 *   the subscription's units only. A display name, properties or taxes for one subscription would
 *   be a plan override, which Billow does not offer: refused, naming the field.
 * The properties Lago's ChargeProperties adds beyond the standard, graduated and volume models mean
 * nothing to a fixed charge: refused unless empty.
 */
import { z } from 'zod';
import type { PlanFixedChargeInput } from '../../services/catalog';
import type { SubscriptionFixedChargeInput } from '../../services/subscriptions';
import { CASCADE_REFUSED, FIXED_CHARGE_HONOURED, fixedChargeSchema } from './plans';
import { optionalText, code } from './common';
import { SHOWN, refuseUnlessEmpty, withContract, type Refusal, type RequestContract } from '../contract';

const NOT_A_FIXED_CHARGE_MODEL = 'A fixed charge is priced by the standard, graduated or volume model only (Lago\'s FixedChargeModelEnum); this property belongs to another model.';

/** ChargeProperties' fields a fixed charge has no use for. */
const OTHER_MODELS: Record<string, Refusal> = Object.fromEntries([
  'grouped_by', 'pricing_group_keys', 'free_units', 'package_size', 'rate', 'fixed_amount', 'free_units_per_events',
  'free_units_per_total_aggregation', 'per_transaction_max_amount', 'per_transaction_min_amount', 'graduated_percentage_ranges',
].map((key) => [`properties.${key}`, refuseUnlessEmpty(NOT_A_FIXED_CHARGE_MODEL)]));

const planFixedChargeContract: RequestContract = {
  honoured: FIXED_CHARGE_HONOURED,
  refused: { ...OTHER_MODELS, cascade_updates: CASCADE_REFUSED },
};

export const planFixedChargeSchema = withContract(
  fixedChargeSchema.omit({ id: true }).extend({ cascade_updates: z.boolean().nullish() }),
  planFixedChargeContract,
) satisfies z.ZodType<PlanFixedChargeInput>;

/** The optional body of `DELETE /plans/:code/fixed_charges/:code` (`{"fixed_charge": {...}}`). */
export const deletePlanFixedChargeSchema = withContract(z.object({ cascade_updates: z.boolean().nullish() }), {
  honoured: {},
  refused: { cascade_updates: CASCADE_REFUSED },
});

const PLAN_OVERRIDE = 'A display name, properties or taxes for one subscription make a plan override in Lago, which Billow does not offer: only units change per subscription.';

export const subscriptionFixedChargeSchema = withContract(z.object({
  units: z.union([z.number().min(0), z.string().trim().regex(/^\d+(\.\d+)?$/)]).nullish(),
  apply_units_immediately: z.boolean().nullish(),
  invoice_display_name: optionalText,
  properties: z.unknown(),
  tax_codes: z.array(code).nullish(),
}), {
  honoured: {
    // Recorded in the subscription's units history (services/subscriptions/fixed-charges.ts); the answer shows the units in force today.
    units: SHOWN,
    apply_units_immediately: 'true: the units apply now (an in-advance increase is billed at once); false or absent: from the next fixed-charge period (services/subscriptions/fixed-charges.ts).',
  },
  refused: {
    invoice_display_name: refuseUnlessEmpty(PLAN_OVERRIDE),
    properties: refuseUnlessEmpty(PLAN_OVERRIDE),
    tax_codes: refuseUnlessEmpty(PLAN_OVERRIDE),
  },
}) satisfies z.ZodType<SubscriptionFixedChargeInput>;

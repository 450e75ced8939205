import { z } from 'zod';
import { CHARGE_MODELS } from '../../billing/types';
import type { ChargeFilterInput, ChargeInput, CreatePlanInput, FixedChargeInput, MinimumCommitmentInput, UpdatePlanInput } from '../../services/catalog';
import { FIXED_CHARGE_MODELS } from '../../billing/fixed-charges';
import { amountCents, code, currency, interval, optionalText } from './common';
import { usageThresholdsSchema } from './usage-thresholds';
import {
  SHOWN, forbidUnlessEmpty, honour, refuseTrue, refuseValues, shownAs, under, withContract,
  type Honoured, type Refusal, type RequestContract,
} from '../contract';

const chargeFilterSchema = z.object({
  invoice_display_name: optionalText,
  /** Validated against the charge model by the service (parseChargeProperties). */
  properties: z.unknown(),
  /** Metric filter key → the values this filter matches. */
  values: z.record(z.string().min(1).max(255), z.array(z.string().min(1).max(255)).min(1).max(1000)),
}) satisfies z.ZodType<ChargeFilterInput>;

/**
 * A charge as sent in a plan. On create, billable_metric_id and charge_model are required (the
 * service says so per index); on update an entry with `id` keeps what it does not send.
 */
export const chargeSchema = z.object({
  id: z.string().max(255).nullish(),
  billable_metric_id: z.string().max(255).nullish(),
  charge_model: z.enum(CHARGE_MODELS).nullish(),
  code: code.nullish(),
  pay_in_advance: z.boolean().nullish(),
  invoiceable: z.boolean().nullish(),
  prorated: z.boolean().nullish(),
  /** The charge's spending minimum per period (true-up fee: src/billing/spending-minimums.ts); not with pay_in_advance. */
  min_amount_cents: amountCents.nullish(),
  /** Only null gets here: "invoice" is refused by the contract below. */
  regroup_paid_fees: z.enum(['invoice']).nullish(),
  invoice_display_name: optionalText,
  properties: z.unknown(),
  filters: z.array(chargeFilterSchema).max(100).nullish(),
  tax_codes: z.array(code).nullish(),
  /** Refused by the contract (403) unless null; the service checks again. */
  applied_pricing_unit: z.unknown(),
}) satisfies z.ZodType<ChargeInput>;

/** Units: a decimal ≥ 0, a number in a plan (Lago's) or a string on the nested routes; checked by the service. */
const fixedChargeUnits = z.union([z.number().min(0), z.string().trim().regex(/^\d+(\.\d+)?$/)]).nullish();

/**
 * A fixed charge as sent in a plan (Lago's FixedChargeInput): on create, an add-on and
 * charge_model are required (the service says so per index); on update an entry with `id` keeps
 * what it does not send.
 */
export const fixedChargeSchema = z.object({
  id: z.string().max(255).nullish(),
  add_on_id: z.string().max(255).nullish(),
  add_on_code: z.string().max(255).nullish(),
  code: code.nullish(),
  invoice_display_name: optionalText,
  units: fixedChargeUnits,
  charge_model: z.enum(FIXED_CHARGE_MODELS).nullish(),
  pay_in_advance: z.boolean().nullish(),
  prorated: z.boolean().nullish(),
  /** Validated against the charge model by the service. */
  properties: z.unknown(),
  tax_codes: z.array(code).nullish(),
  apply_units_immediately: z.boolean().nullish(),
}) satisfies z.ZodType<FixedChargeInput>;

/** A plan's minimum commitment; `{}` or null removes it on update (Lago's `params.blank?`). amount_cents > 0 is the service's check. */
const minimumCommitmentSchema = z.object({
  amount_cents: amountCents.nullish(),
  invoice_display_name: optionalText,
  tax_codes: z.array(code).nullish(),
}) satisfies z.ZodType<MinimumCommitmentInput>;

const fields = {
  name: z.string().trim().min(1).max(255),
  code,
  interval,
  amount_cents: amountCents,
  amount_currency: currency,
  pay_in_advance: z.boolean(),
  trial_period: z.number().min(0).max(36_500).nullish(),
  bill_charges_monthly: z.boolean().nullish(),
  invoice_display_name: optionalText,
  description: optionalText,
  tax_codes: z.array(code).nullish(),
  /** Lago's MetadataInput: keys of at most 100 characters, values strings of at most 255 or null. */
  metadata: z.record(z.string().min(1).max(100), z.string().max(255).nullable()).nullish(),
  charges: z.array(chargeSchema).max(500).nullish(),
  bill_fixed_charges_monthly: z.boolean().nullish(),
  fixed_charges: z.array(fixedChargeSchema).max(500).nullish(),
  /** Progressive billing (issue 15): the plan's thresholds; sent, they replace the plan's. */
  usage_thresholds: usageThresholdsSchema,
  minimum_commitment: minimumCommitmentSchema.nullish(),
};

// The contract (src/api/contract.ts) ----------------------------------------------------------------

/** Charge properties, as the charge model reads them (src/billing/charge-models), stored and shown as sent. */
const CHARGE_PROPERTIES: Record<string, Honoured> = honour(SHOWN,
  'amount', 'free_units', 'package_size', 'rate', 'fixed_amount', 'free_units_per_events', 'free_units_per_total_aggregation',
  'per_transaction_max_amount', 'per_transaction_min_amount',
  'graduated_ranges.*.from_value', 'graduated_ranges.*.to_value', 'graduated_ranges.*.flat_amount', 'graduated_ranges.*.per_unit_amount',
  'volume_ranges.*.from_value', 'volume_ranges.*.to_value', 'volume_ranges.*.flat_amount', 'volume_ranges.*.per_unit_amount',
  'graduated_percentage_ranges.*.from_value', 'graduated_percentage_ranges.*.to_value', 'graduated_percentage_ranges.*.rate',
  'graduated_percentage_ranges.*.flat_amount',
  // Grouped pricing: one fee per distinct tuple of these event properties (services/usage/charge-usage.ts), mirrored onto each other in the answer.
  'pricing_group_keys', 'grouped_by',
);

/** Presentation keys: each fee's and usage line's units split by them (`presentation_breakdowns`), display only. */
const PRESENTATION_KEYS: Record<string, Honoured> = honour(SHOWN, 'properties.presentation_group_keys.*.value', 'properties.presentation_group_keys.*.options.display_in_invoice');

/**
 * One charge's fields, relative to the charge and to its answer (Lago's Charge object): a plan's
 * charges take them under `charges.*.` (`chargesOfPlan`), the nested charge routes as they are.
 */
export const CHARGE_HONOURED: Record<string, Honoured> = {
  ...honour(SHOWN, 'code', 'charge_model', 'pay_in_advance', 'invoiceable', 'invoice_display_name', 'prorated', 'min_amount_cents'),
  billable_metric_id: shownAs('lago_billable_metric_id'),
  tax_codes: shownAs('taxes.*.code'),
  ...under('properties.', CHARGE_PROPERTIES),
  ...PRESENTATION_KEYS,
  ...honour(SHOWN, 'filters.*.invoice_display_name', 'filters.*.values'),
  ...under('filters.*.properties.', CHARGE_PROPERTIES),
};

export const CHARGE_REFUSED: Record<string, Refusal> = {
  regroup_paid_fees: refuseValues(['invoice'], 'Billow invoices in-advance fees when their events arrive; regrouping them once paid onto a later invoice is not supported.'),
  accepts_target_wallet: refuseTrue('Billow has no targeted wallets: every wallet pays every fee.'),
  applied_pricing_unit: forbidUnlessEmpty('Pricing units are premium in Lago and not offered by Billow.'),
  'properties.presentation_group_keys.*.options.display_in_invoice': refuseTrue('Billow shows presentation breakdowns in the API (fees, current and past usage) but does not print them on invoice PDFs yet.'),
};

/** A fixed charge's properties: the standard, graduated and volume models' (src/billing/charge-models). */
const FIXED_CHARGE_PROPERTIES: Record<string, Honoured> = honour(SHOWN,
  'amount',
  'graduated_ranges.*.from_value', 'graduated_ranges.*.to_value', 'graduated_ranges.*.flat_amount', 'graduated_ranges.*.per_unit_amount',
  'volume_ranges.*.from_value', 'volume_ranges.*.to_value', 'volume_ranges.*.flat_amount', 'volume_ranges.*.per_unit_amount',
);

const APPLY_UNITS = 'A plan\'s units cannot change while it has pending or active subscriptions (services/catalog/plan-fixed-charges.ts), so there is no subscription to apply them to; a subscription\'s units change through /subscriptions/:id/fixed_charges, where it is honoured.';

/**
 * One fixed charge's fields, relative to it and to its answer (Lago's FixedChargeObject): a plan's
 * fixed charges take them under `fixed_charges.*.`, the nested routes as they are.
 */
export const FIXED_CHARGE_HONOURED: Record<string, Honoured> = {
  ...honour(SHOWN, 'code', 'charge_model', 'pay_in_advance', 'prorated', 'invoice_display_name', 'units', 'add_on_code'),
  add_on_id: shownAs('lago_add_on_id'),
  tax_codes: shownAs('taxes.*.code'),
  apply_units_immediately: APPLY_UNITS,
  ...under('properties.', FIXED_CHARGE_PROPERTIES),
};

/** The charge declarations under `charges.*.`, in the request and in the plan's answer alike. */
function chargesOfPlan(declarations: Record<string, Honoured>, prefix = 'charges.*.'): Record<string, Honoured> {
  const shown = 'shown as ';
  return Object.fromEntries(Object.entries(declarations).map(([path, how]) => [
    `${prefix}${path}`,
    how.startsWith(shown) ? shownAs(`${prefix}${how.slice(shown.length)}`) : how,
  ]));
}

const PLAN_HONOURED: Record<string, Honoured> = {
  ...honour(SHOWN, 'name', 'invoice_display_name', 'code', 'interval', 'description', 'amount_cents', 'amount_currency', 'trial_period',
    'pay_in_advance', 'bill_charges_monthly', 'bill_fixed_charges_monthly', 'metadata'),
  tax_codes: shownAs('taxes.*.code'),
  ...chargesOfPlan(CHARGE_HONOURED),
  // Lago's plan bodies name the add-on by id only, and take apply_units_immediately on update only.
  ...chargesOfPlan(Object.fromEntries(Object.entries(FIXED_CHARGE_HONOURED).filter(([path]) => path !== 'add_on_code' && path !== 'apply_units_immediately')), 'fixed_charges.*.'),
  ...honour(SHOWN, 'usage_thresholds.*.amount_cents', 'usage_thresholds.*.threshold_display_name', 'usage_thresholds.*.recurring'),
  // The true-up fee at each period's close: src/billing/commitments.ts.
  ...honour(SHOWN, 'minimum_commitment.amount_cents', 'minimum_commitment.invoice_display_name'),
  'minimum_commitment.tax_codes': shownAs('minimum_commitment.taxes.*.code'),
};

const PLAN_REFUSED: Record<string, Refusal> = {
  ...under('charges.*.', CHARGE_REFUSED),
};

/** Lago's `cascade_updates` on a charge's update and its filters' changes (services/catalog/plan-overrides.ts `cascadeChargeUpdate`). */
export const CASCADE_UPDATES = 'true: the plan\'s children (subscriptions\' overrides) whose copy of the charge was not overridden take the change; false or absent: children keep theirs (services/catalog/plan-overrides.ts).';

/** Where Billow does not cascade: `true` is refused rather than accepted and ignored. */
export const CASCADE_REFUSED = refuseTrue('Billow cascades a charge\'s update and its filters\' changes to child plans (PUT /plans/:code/charges/:charge_code and its filter routes); it does not cascade plan fields, new or deleted charges, nor fixed charges.');

const createContract: RequestContract = { honoured: PLAN_HONOURED, refused: PLAN_REFUSED };

const updateContract: RequestContract = {
  honoured: {
    ...PLAN_HONOURED,
    'charges.*.id': shownAs('charges.*.lago_id'),
    'fixed_charges.*.id': shownAs('fixed_charges.*.lago_id'),
    'fixed_charges.*.apply_units_immediately': APPLY_UNITS,
  },
  refused: { ...PLAN_REFUSED, cascade_updates: CASCADE_REFUSED },
};

export const createPlanSchema = withContract(z.object(fields), createContract) satisfies z.ZodType<CreatePlanInput>;
export const updatePlanSchema = withContract(
  z.object({ ...fields, cascade_updates: z.boolean().nullish() }).partial(),
  updateContract,
) satisfies z.ZodType<UpdatePlanInput>;

/**
 * Per-customer overrides (issue 16 point 6): Lago's PlanOverridesObject (`plan_overrides` on
 * `POST`/`PUT /subscriptions`), SubscriptionChargeOverride (`PUT /subscriptions/:external_id/charges/:charge_code`)
 * and the subscription's charge filter bodies. What they honour is written on the subscription's
 * child plan (services/catalog/plan-overrides.ts); the subscription's `plan` shows the child.
 */
import { z } from 'zod';
import type { ChargeOverrideInput, PlanOverridesInput } from '../../services/catalog';
import type { SubscriptionChargeFilterInput } from '../../services/subscriptions';
import { CHARGE_MODELS } from '../../billing/types';
import { amountCents, code, currency, optionalText } from './common';
import { usageThresholdsSchema } from './usage-thresholds';
import { CHARGE_HONOURED, CHARGE_REFUSED } from './plans';
import {
  SHOWN, honour, refuseTrue, refuseUnlessEmpty, shownAs, under, withContract, type Honoured, type Refusal, type RequestContract,
} from '../contract';

const filterSchema = z.object({
  invoice_display_name: optionalText,
  properties: z.unknown(),
  values: z.record(z.string().min(1).max(255), z.array(z.string().min(1).max(255)).min(1).max(1000)),
});

/** The fields of a charge a subscription may override (Lago's ChargeOverridableInput). */
const overridableCharge = {
  invoice_display_name: optionalText,
  min_amount_cents: amountCents.nullish(),
  /** Checked against the charge's model by the plan's rules. */
  properties: z.unknown(),
  filters: z.array(filterSchema).max(100).nullish(),
  tax_codes: z.array(code).nullish(),
  /** Refused by the contract (403) unless null; the service checks again. */
  applied_pricing_unit: z.unknown(),
};

const chargeOverrideSchema = z.object({
  id: z.string().trim().min(1).max(255),
  billable_metric_id: z.string().max(255).nullish(),
  code: code.nullish(),
  charge_model: z.enum(CHARGE_MODELS).nullish(),
  ...overridableCharge,
}) satisfies z.ZodType<ChargeOverrideInput>;

export const planOverridesSchema = z.object({
  amount_cents: amountCents.nullish(),
  amount_currency: currency.nullish(),
  name: z.string().trim().min(1).max(255).nullish(),
  invoice_display_name: optionalText,
  description: optionalText,
  trial_period: z.number().min(0).max(36_500).nullish(),
  tax_codes: z.array(code).nullish(),
  metadata: z.record(z.string().min(1).max(100), z.string().max(255).nullable()).nullish(),
  minimum_commitment: z.object({
    amount_cents: amountCents.nullish(),
    invoice_display_name: optionalText,
    tax_codes: z.array(code).nullish(),
  }).nullish(),
  usage_thresholds: usageThresholdsSchema,
  charges: z.array(chargeOverrideSchema).max(500).nullish(),
  /** Refused by the contract unless empty. */
  fixed_charges: z.unknown(),
}) satisfies z.ZodType<PlanOverridesInput & { fixed_charges?: unknown }>;

const CHILD = 'Written on the subscription\'s child plan (services/catalog/plan-overrides.ts)';

/** A charge's overridable fields, relative to the charge (SHOWN in a charge's answer). */
const OVERRIDABLE_HONOURED: Record<string, Honoured> = Object.fromEntries(Object.entries(CHARGE_HONOURED)
  .filter(([path]) => ['invoice_display_name', 'min_amount_cents', 'tax_codes'].includes(path) || path.startsWith('properties.') || path.startsWith('filters.')));

const OVERRIDABLE_REFUSED: Record<string, Refusal> = {
  applied_pricing_unit: CHARGE_REFUSED.applied_pricing_unit!,
  'properties.presentation_group_keys.*.options.display_in_invoice': CHARGE_REFUSED['properties.presentation_group_keys.*.options.display_in_invoice']!,
};

/** `plan_overrides.*` of a subscription's creation and edit (spread into their contracts). */
export const PLAN_OVERRIDES_HONOURED: Record<string, Honoured> = {
  'plan_overrides.amount_cents': shownAs('plan.amount_cents'),
  'plan_overrides.amount_currency': shownAs('plan.amount_currency'),
  'plan_overrides.name': shownAs('plan.name'),
  'plan_overrides.invoice_display_name': shownAs('plan.invoice_display_name'),
  'plan_overrides.description': shownAs('plan.description'),
  'plan_overrides.trial_period': `${CHILD}: the trial of a new subscription; on an existing one a different trial is refused (422 not_editable: its workflow keeps its terms)`,
  'plan_overrides.tax_codes': `${CHILD}: its taxes, applied to its base fee (GET /plans shows none of it; the invoice does)`,
  'plan_overrides.metadata': `${CHILD}: its metadata`,
  ...honour(`${CHILD}: its minimum commitment, trued up at each period's close (src/billing/commitments.ts)`,
    'plan_overrides.minimum_commitment.amount_cents', 'plan_overrides.minimum_commitment.invoice_display_name', 'plan_overrides.minimum_commitment.tax_codes'),
  ...honour(`${CHILD}: its usage thresholds (progressive billing, services/invoicing/progressive-billing.ts)`,
    'plan_overrides.usage_thresholds.*.amount_cents', 'plan_overrides.usage_thresholds.*.threshold_display_name', 'plan_overrides.usage_thresholds.*.recurring'),
  'plan_overrides.charges.*.id': `${CHILD}: names the plan's charge (or the child's copy) to override; an unknown one is 404 charge_not_found`,
  ...honour(`${CHILD}: they name the charge, and a value other than the charge's own is refused (422 value_is_invalid)`,
    'plan_overrides.charges.*.billable_metric_id', 'plan_overrides.charges.*.code', 'plan_overrides.charges.*.charge_model'),
  ...Object.fromEntries(Object.keys(OVERRIDABLE_HONOURED).map((path) => [`plan_overrides.charges.*.${path}`,
    `${CHILD}: the child's copy of the charge, as GET /subscriptions/:external_id/charges shows it`])),
};

export const PLAN_OVERRIDES_REFUSED: Record<string, Refusal> = {
  ...under('plan_overrides.charges.*.', OVERRIDABLE_REFUSED),
  'plan_overrides.fixed_charges': refuseUnlessEmpty('Billow does not override fixed charges per subscription yet: units change through PUT /subscriptions/:external_id/fixed_charges/:code.'),
};

/** `PUT /subscriptions/:external_id/charges/:charge_code` (Lago's SubscriptionChargeOverride). */
export const subscriptionChargeSchema = withContract(z.object(overridableCharge), {
  honoured: OVERRIDABLE_HONOURED,
  refused: OVERRIDABLE_REFUSED,
} satisfies RequestContract) satisfies z.ZodType<Omit<ChargeOverrideInput, 'id'>>;

const NO_CHILDREN = refuseTrue('A subscription\'s plan has no children to cascade to: cascade_updates belongs to the plan\'s own routes.');

const filterFields = {
  invoice_display_name: optionalText,
  properties: z.unknown(),
  values: filterSchema.shape.values,
  cascade_updates: z.boolean().nullish(),
};

const filterContract: RequestContract = {
  honoured: {
    ...honour(SHOWN, 'invoice_display_name', 'values'),
    ...Object.fromEntries(Object.entries(CHARGE_HONOURED).filter(([path]) => path.startsWith('filters.*.properties.')).map(([path, how]) => [path.slice('filters.*.'.length), how])),
  },
  refused: {
    ...Object.fromEntries(Object.entries(CHARGE_REFUSED).filter(([path]) => path.startsWith('filters.*.')).map(([path, refusal]) => [path.slice('filters.*.'.length), refusal])),
    cascade_updates: NO_CHILDREN,
  },
};

export const createSubscriptionChargeFilterSchema = withContract(z.object(filterFields), filterContract) satisfies z.ZodType<SubscriptionChargeFilterInput>;
export const updateSubscriptionChargeFilterSchema = withContract(z.object(filterFields).partial(), filterContract) satisfies z.ZodType<SubscriptionChargeFilterInput>;
export const deleteSubscriptionChargeFilterSchema = withContract(z.object({ cascade_updates: z.boolean().nullish() }), { honoured: {}, refused: { cascade_updates: NO_CHILDREN } });

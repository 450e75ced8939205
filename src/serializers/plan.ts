import { z } from 'zod';
import type { ChargeView, CommitmentView, FixedChargeView, PlanRow, PlanView } from '../db/plans';
import { CHARGE_MODELS, INTERVALS } from '../billing/types';
import { cents, decimalString, isoSeconds, responseSchemas, wire } from './common';
import { serializeTax, taxSchema, type TaxJson } from './tax';
import { metadataObjectSchema, serializeMetadata } from './metadata';
import { planEntitlementSchema, serializePlanEntitlement, type PlanEntitlementJson } from './entitlement';
import { applicableUsageThresholdSchema, serializeApplicableUsageThreshold, serializeUsageThreshold, usageThresholdSchema } from './usage-threshold';
import type { UsageThresholdRow } from '../db/usage-thresholds';

/** A charge model's properties (decimal strings, ranges…), validated by the service when written. */
const chargeProperties = z.record(z.string(), z.unknown());

export const chargeFilterSchema = z.object({
  lago_id: wire.uuid,
  charge_code: z.string(),
  invoice_display_name: z.string().nullable(),
  properties: chargeProperties,
  /** Metric filter key → the values this filter matches. */
  values: z.record(z.string(), z.array(z.string())),
}).register(responseSchemas, { id: 'ChargeFilter' });

export const chargeSchema = z.object({
  lago_id: wire.uuid,
  lago_billable_metric_id: wire.uuid,
  code: z.string(),
  invoice_display_name: z.string().nullable(),
  billable_metric_code: z.string(),
  created_at: wire.dateTime,
  charge_model: z.enum(CHARGE_MODELS as [string, ...string[]]),
  invoiceable: z.boolean(),
  regroup_paid_fees: z.enum(['invoice']).nullable(),
  pay_in_advance: z.boolean(),
  prorated: z.boolean(),
  min_amount_cents: wire.cents,
  /** Billow has no wallet targeting per charge. */
  accepts_target_wallet: z.boolean(),
  properties: chargeProperties,
  /** Billow has no pricing units (refused on write). */
  applied_pricing_unit: z.null(),
  /** In a child plan (a subscription's overrides): the parent plan's charge it was copied from. */
  lago_parent_id: wire.uuid.nullable(),
  filters: z.array(chargeFilterSchema),
  taxes: z.array(taxSchema),
}).register(responseSchemas, { id: 'Charge' });
export type ChargeJson = z.output<typeof chargeSchema>;

/** Lago's FixedChargeObject: a plan's fixed charge (or a subscription's, its units then the subscription's). */
export const fixedChargeSchema = z.object({
  lago_id: wire.uuid,
  lago_add_on_id: wire.uuid,
  invoice_display_name: z.string(),
  add_on_code: z.string(),
  created_at: wire.dateTime,
  code: z.string(),
  charge_model: z.enum(['standard', 'graduated', 'volume']),
  pay_in_advance: z.boolean(),
  prorated: z.boolean(),
  properties: chargeProperties,
  units: z.number(),
  /** In a child plan (a subscription's overrides): the parent plan's fixed charge it was copied from. */
  lago_parent_id: wire.uuid.nullable(),
  taxes: z.array(taxSchema),
}).register(responseSchemas, { id: 'FixedCharge' });
export type FixedChargeJson = z.output<typeof fixedChargeSchema>;

/** A plan's minimum commitment (Lago's MinimumCommitmentObject, without `commitment_type` as Lago's plan shows it). */
export const minimumCommitmentSchema = z.object({
  lago_id: wire.uuid,
  plan_code: z.string(),
  invoice_display_name: z.string().nullable(),
  amount_cents: wire.cents,
  interval: z.enum(INTERVALS as [string, ...string[]]),
  created_at: wire.dateTime,
  updated_at: wire.dateTime,
  taxes: z.array(taxSchema),
}).register(responseSchemas, { id: 'MinimumCommitment' });

export const planSchema = z.object({
  lago_id: wire.uuid,
  name: z.string(),
  invoice_display_name: z.string().nullable(),
  created_at: wire.dateTime,
  code: z.string(),
  interval: z.enum(INTERVALS as [string, ...string[]]),
  description: z.string().nullable(),
  amount_cents: wire.cents,
  amount_currency: wire.currency,
  trial_period: z.number(),
  pay_in_advance: z.boolean(),
  bill_charges_monthly: z.boolean().nullable(),
  bill_fixed_charges_monthly: z.boolean().nullable(),
  customers_count: z.number().int(),
  active_subscriptions_count: z.number().int(),
  draft_invoices_count: z.number().int(),
  /** A child plan's (a subscription's overrides) parent plan. */
  parent_id: wire.uuid.nullable(),
  pending_deletion: z.boolean(),
  charges: z.array(chargeSchema),
  fixed_charges: z.array(fixedChargeSchema),
  /** Progressive billing (issue 15): the plan's thresholds, and the same as they apply (a plan has no parent). */
  usage_thresholds: z.array(usageThresholdSchema),
  applicable_usage_thresholds: z.array(applicableUsageThresholdSchema),
  taxes: z.array(taxSchema),
  /** The features the plan grants (`/plans/:code/entitlements`). */
  entitlements: z.array(planEntitlementSchema),
  /** Present only when the plan has one, as Lago answers. */
  minimum_commitment: minimumCommitmentSchema.optional(),
  metadata: metadataObjectSchema,
}).register(responseSchemas, { id: 'Plan' });
export type PlanJson = z.output<typeof planSchema>;

export function serializePlan(
  plan: PlanRow,
  extra: {
    charges?: ChargeJson[]; taxes?: TaxJson[]; entitlements?: PlanEntitlementJson[]; fixedCharges?: FixedChargeJson[]; usageThresholds?: UsageThresholdRow[];
    minimumCommitment?: z.output<typeof minimumCommitmentSchema> | null;
  } = {},
): PlanJson {
  return {
    lago_id: plan.id,
    name: plan.name,
    invoice_display_name: plan.invoice_display_name,
    created_at: isoSeconds(plan.created_at),
    code: plan.code,
    interval: plan.interval,
    description: plan.description,
    amount_cents: cents(plan.amount_cents),
    amount_currency: plan.amount_currency,
    trial_period: Number(decimalString(plan.trial_period) ?? 0),
    pay_in_advance: plan.pay_in_advance,
    bill_charges_monthly: plan.bill_charges_monthly,
    bill_fixed_charges_monthly: plan.bill_fixed_charges_monthly ?? null,
    customers_count: 0,
    active_subscriptions_count: 0,
    draft_invoices_count: 0,
    parent_id: plan.parent_id ?? null,
    pending_deletion: plan.pending_deletion,
    charges: extra.charges ?? [],
    fixed_charges: extra.fixedCharges ?? [],
    usage_thresholds: (extra.usageThresholds ?? []).map(serializeUsageThreshold),
    applicable_usage_thresholds: (extra.usageThresholds ?? []).map(serializeApplicableUsageThreshold),
    taxes: extra.taxes ?? [],
    entitlements: extra.entitlements ?? [],
    ...(extra.minimumCommitment ? { minimum_commitment: extra.minimumCommitment } : {}),
    metadata: serializeMetadata(plan.metadata as Record<string, unknown> | null),
  };
}

/** Lago's CommitmentSerializer as a plan embeds it. */
export function serializeMinimumCommitment(plan: PlanRow, { commitment, taxes }: CommitmentView): z.output<typeof minimumCommitmentSchema> {
  return {
    lago_id: commitment.id,
    plan_code: plan.code,
    invoice_display_name: commitment.invoice_display_name,
    amount_cents: cents(commitment.amount_cents),
    interval: plan.interval,
    created_at: isoSeconds(commitment.created_at),
    updated_at: isoSeconds(commitment.updated_at),
    taxes: taxes.map(serializeTax),
  };
}

/** Lago mirrors the deprecated `grouped_by` and `pricing_group_keys` onto each other. */
function withGroupKeys(properties: Record<string, unknown>) {
  const groupKeys = properties.pricing_group_keys ?? properties.grouped_by;
  return groupKeys === undefined ? properties : { ...properties, grouped_by: groupKeys, pricing_group_keys: groupKeys };
}

export function serializeCharge({ charge, taxes }: ChargeView): ChargeJson {
  return {
    lago_id: charge.id,
    lago_billable_metric_id: charge.billable_metric_id,
    code: charge.code,
    invoice_display_name: charge.invoice_display_name,
    billable_metric_code: charge.billable_metric_code,
    created_at: isoSeconds(charge.created_at),
    charge_model: charge.charge_model,
    invoiceable: charge.invoiceable,
    regroup_paid_fees: charge.regroup_paid_fees,
    pay_in_advance: charge.pay_in_advance,
    prorated: charge.prorated,
    min_amount_cents: cents(charge.min_amount_cents),
    accepts_target_wallet: false,
    properties: withGroupKeys(charge.properties),
    applied_pricing_unit: null,
    lago_parent_id: charge.parent_id ?? null,
    filters: charge.filters.map((filter) => ({
      lago_id: filter.id,
      charge_code: charge.code,
      invoice_display_name: filter.invoice_display_name,
      properties: withGroupKeys(filter.properties),
      values: filter.values,
    })),
    taxes: taxes.map(serializeTax),
  };
}

/** A plan with its charges, taxes and entitlements, as every /plans endpoint answers. */
export function serializePlanView(view: PlanView): PlanJson {
  return serializePlan(view.plan, {
    charges: view.charges.map(serializeCharge),
    taxes: view.taxes.map(serializeTax),
    fixedCharges: (view.fixedCharges ?? []).map((entry) => serializeFixedCharge(entry)),
    entitlements: view.entitlements.map(serializePlanEntitlement),
    usageThresholds: view.usageThresholds,
    minimumCommitment: view.minimumCommitment ? serializeMinimumCommitment(view.plan, view.minimumCommitment) : null,
  });
}

/** A fixed charge; `units` overrides the plan-level units (a subscription's, on the subscription routes). */
export function serializeFixedCharge({ fixedCharge, taxes }: FixedChargeView, units?: string): FixedChargeJson {
  return {
    lago_id: fixedCharge.id,
    lago_add_on_id: fixedCharge.add_on_id,
    // Lago's FixedChargeObject requires a string: unset, the name its fees take (the add-on's invoice name, else its name).
    invoice_display_name: fixedCharge.invoice_display_name ?? fixedCharge.add_on_invoice_display_name ?? fixedCharge.add_on_name,
    add_on_code: fixedCharge.add_on_code,
    created_at: isoSeconds(fixedCharge.created_at),
    code: fixedCharge.code,
    charge_model: fixedCharge.charge_model,
    pay_in_advance: fixedCharge.pay_in_advance,
    prorated: fixedCharge.prorated,
    properties: fixedCharge.properties,
    units: Number(units ?? fixedCharge.units),
    lago_parent_id: fixedCharge.parent_id ?? null,
    taxes: taxes.map(serializeTax),
  };
}

/** A charge filter on its own (Lago's ChargeFilterFullObject, `/plans/:code/charges/:charge_code/filters`). */
export function serializeChargeFilter({ charge }: ChargeView, filter: ChargeView['charge']['filters'][number]): z.output<typeof chargeFilterSchema> {
  return {
    lago_id: filter.id,
    charge_code: charge.code,
    invoice_display_name: filter.invoice_display_name,
    properties: withGroupKeys(filter.properties),
    values: filter.values,
  };
}

import { z } from 'zod';
import { CHARGE_MODELS } from '../../billing/types';
import type { ChargeFilterInput, ChargeInput, CreatePlanInput, UpdatePlanInput } from '../../services/catalog';
import { amountCents, code, currency, interval, optionalText } from './common';

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
  min_amount_cents: amountCents.nullish(),
  regroup_paid_fees: z.enum(['invoice']).nullish(),
  invoice_display_name: optionalText,
  properties: z.unknown(),
  filters: z.array(chargeFilterSchema).max(100).nullish(),
  tax_codes: z.array(code).nullish(),
  /** Premium in Lago and not supported by Billow: anything but null is refused (403). */
  applied_pricing_unit: z.unknown(),
}) satisfies z.ZodType<ChargeInput>;

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
  metadata: z.record(z.string().max(255), z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()])).nullish(),
  charges: z.array(chargeSchema).max(500).nullish(),
  /** Premium features Billow does not bill: refused (403 feature_unavailable) unless empty. */
  usage_thresholds: z.unknown(),
  minimum_commitment: z.unknown(),
  fixed_charges: z.unknown(),
};

export const createPlanSchema = z.object(fields) satisfies z.ZodType<CreatePlanInput>;
/** `cascade_updates` is accepted and ignored: Billow has no child plans to cascade to. */
export const updatePlanSchema = z.object({ ...fields, cascade_updates: z.boolean().nullish() }).partial() satisfies z.ZodType<UpdatePlanInput>;

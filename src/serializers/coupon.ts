import { z } from 'zod';
import type { AppliedCouponDetails, CouponView } from '../db/coupons';
import { invoiceCreditSchema, serializeCouponCredit } from './invoice';
import { cents, decimalString, isoSeconds, responseSchemas, wire } from './common';

const frequency = z.enum(['once', 'recurring', 'forever']);

export const couponSchema = z.object({
  lago_id: wire.uuid,
  name: z.string(),
  code: z.string(),
  description: z.string().nullable(),
  coupon_type: z.enum(['fixed_amount', 'percentage']),
  amount_cents: wire.cents.nullable(),
  amount_currency: wire.currency.nullable(),
  percentage_rate: wire.decimal.nullable(),
  frequency,
  frequency_duration: z.number().int().nullable(),
  reusable: z.boolean(),
  limited_plans: z.boolean(),
  plan_codes: z.array(z.string()),
  limited_billable_metrics: z.boolean(),
  billable_metric_codes: z.array(z.string()),
  created_at: wire.dateTime,
  expiration: z.enum(['no_expiration', 'time_limit']),
  expiration_at: wire.dateTime.nullable(),
  terminated_at: wire.dateTime.nullable(),
}).register(responseSchemas, { id: 'Coupon' });
export type CouponJson = z.output<typeof couponSchema>;

export function serializeCoupon({ coupon, targets }: CouponView): CouponJson {
  return {
    lago_id: coupon.id,
    name: coupon.name,
    code: coupon.code,
    description: coupon.description,
    coupon_type: coupon.coupon_type,
    amount_cents: coupon.amount_cents === null ? null : cents(coupon.amount_cents),
    amount_currency: coupon.amount_currency,
    percentage_rate: decimalString(coupon.percentage_rate),
    frequency: coupon.frequency,
    frequency_duration: coupon.frequency_duration,
    reusable: coupon.reusable,
    limited_plans: coupon.limited_plans,
    plan_codes: targets.plans.map((plan) => plan.code),
    limited_billable_metrics: coupon.limited_billable_metrics,
    billable_metric_codes: targets.billableMetrics.map((metric) => metric.code),
    created_at: isoSeconds(coupon.created_at),
    expiration: coupon.expiration,
    expiration_at: isoSeconds(coupon.expiration_at),
    terminated_at: isoSeconds(coupon.terminated_at),
  };
}

/** An applied coupon, with `credits`: what each invoice drew from it, oldest invoice first. */
export const appliedCouponSchema = z.object({
  lago_id: wire.uuid,
  lago_coupon_id: wire.uuid,
  coupon_code: z.string(),
  coupon_name: z.string(),
  lago_customer_id: wire.uuid,
  external_customer_id: z.string(),
  status: z.enum(['active', 'terminated']),
  amount_cents: wire.cents.nullable(),
  amount_cents_remaining: wire.cents.nullable(),
  amount_currency: wire.currency.nullable(),
  percentage_rate: wire.decimal.nullable(),
  frequency,
  frequency_duration: z.number().int().nullable(),
  frequency_duration_remaining: z.number().int().nullable(),
  expiration_at: wire.dateTime.nullable(),
  created_at: wire.dateTime,
  terminated_at: wire.dateTime.nullable(),
  credits: z.array(invoiceCreditSchema),
}).register(responseSchemas, { id: 'AppliedCoupon' });
export type AppliedCouponJson = z.output<typeof appliedCouponSchema>;

export function serializeAppliedCoupon(applied: AppliedCouponDetails): AppliedCouponJson {
  return {
    lago_id: applied.id,
    lago_coupon_id: applied.coupon_id,
    coupon_code: applied.coupon_code,
    coupon_name: applied.coupon_name,
    lago_customer_id: applied.customer_id,
    external_customer_id: applied.external_customer_id,
    status: applied.status,
    amount_cents: applied.amount_cents === null ? null : cents(applied.amount_cents),
    amount_cents_remaining: applied.amount_cents_remaining === null ? null : cents(applied.amount_cents_remaining),
    amount_currency: applied.amount_currency,
    percentage_rate: decimalString(applied.percentage_rate),
    frequency: applied.frequency,
    frequency_duration: applied.frequency_duration,
    frequency_duration_remaining: applied.frequency_duration_remaining,
    expiration_at: isoSeconds(applied.expiration_at),
    created_at: isoSeconds(applied.created_at),
    terminated_at: isoSeconds(applied.terminated_at),
    credits: applied.credits.map(serializeCouponCredit),
  };
}

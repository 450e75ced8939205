import type { AppliedCouponDetails, CouponView } from '../db/coupons';
import { cents, decimalString, isoSeconds } from './common';

export function serializeCoupon({ coupon, targets }: CouponView) {
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

export function serializeAppliedCoupon(applied: AppliedCouponDetails) {
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
  };
}

import type { PlanRow } from '../../db/plans';
import { cents, decimalString, isoSeconds } from './common';

export function serializePlan(plan: PlanRow, extra: { charges?: unknown[]; taxes?: unknown[] } = {}) {
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
    customers_count: 0,
    active_subscriptions_count: 0,
    draft_invoices_count: 0,
    parent_id: null,
    pending_deletion: false,
    charges: extra.charges ?? [],
    fixed_charges: [],
    usage_thresholds: [],
    applicable_usage_thresholds: [],
    taxes: extra.taxes ?? [],
    entitlements: [],
    metadata: plan.metadata ?? null,
  };
}

import type { ChargeView, PlanRow, PlanView } from '../db/plans';
import { cents, decimalString, isoSeconds } from './common';
import { serializeTax } from './tax';

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
    pending_deletion: plan.pending_deletion,
    charges: extra.charges ?? [],
    fixed_charges: [],
    usage_thresholds: [],
    applicable_usage_thresholds: [],
    taxes: extra.taxes ?? [],
    entitlements: [],
    metadata: plan.metadata ?? null,
  };
}

/** Lago mirrors the deprecated `grouped_by` and `pricing_group_keys` onto each other. */
function chargeProperties(properties: Record<string, unknown>) {
  const groupKeys = properties.pricing_group_keys ?? properties.grouped_by;
  return groupKeys === undefined ? properties : { ...properties, grouped_by: groupKeys, pricing_group_keys: groupKeys };
}

export function serializeCharge({ charge, taxes }: ChargeView) {
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
    properties: chargeProperties(charge.properties),
    applied_pricing_unit: null,
    lago_parent_id: null,
    filters: charge.filters.map((filter) => ({
      lago_id: filter.id,
      charge_code: charge.code,
      invoice_display_name: filter.invoice_display_name,
      properties: chargeProperties(filter.properties),
      values: filter.values,
    })),
    taxes: taxes.map(serializeTax),
  };
}

/** A plan with its charges and taxes, as every /plans endpoint answers. */
export function serializePlanView(view: PlanView) {
  return serializePlan(view.plan, { charges: view.charges.map(serializeCharge), taxes: view.taxes.map(serializeTax) });
}

/** A charge filter on its own (Lago's ChargeFilterFullObject, `/plans/:code/charges/:charge_code/filters`). */
export function serializeChargeFilter({ charge }: ChargeView, filter: ChargeView['charge']['filters'][number]) {
  return {
    lago_id: filter.id,
    charge_code: charge.code,
    invoice_display_name: filter.invoice_display_name,
    properties: chargeProperties(filter.properties),
    values: filter.values,
  };
}

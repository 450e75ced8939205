/**
 * Which charges a billable metric accepts (reference §2, §3), shared by plan writes and metric
 * updates. Each problem is a `[field, code]` pair relative to the charge.
 * - pay in advance: only count, sum and unique count metrics, and never the volume model
 *   (`charge_model: invalid_aggregation_type_or_charge_model`);
 * - percentage: not on latest_agg (same code);
 * - dynamic: only on sum_agg, whose events' `precise_total_amount_cents` it sums (same code);
 * - prorated: only on recurring metrics other than weighted sum, in arrears with standard, volume
 *   or graduated, in advance with standard (`prorated: invalid_billable_metric_or_charge_model`).
 */
import type { AggregationType, ChargeModelName } from '../../billing/types';
import { supportsPayInAdvance } from '../../billing/charge-models';

export interface MetricTraits {
  aggregation_type: AggregationType;
  recurring: boolean;
}

export interface ChargeTraits {
  charge_model: ChargeModelName;
  pay_in_advance: boolean;
  prorated: boolean;
}

const IN_ADVANCE_AGGREGATIONS: readonly AggregationType[] = ['count_agg', 'sum_agg', 'unique_count_agg'];

export function proratedAllowed(metric: MetricTraits, model: ChargeModelName, payInAdvance: boolean): boolean {
  if (!metric.recurring || metric.aggregation_type === 'weighted_sum_agg') return false;
  return payInAdvance ? model === 'standard' : ['standard', 'volume', 'graduated'].includes(model);
}

export function chargeCompatibilityProblems(metric: MetricTraits, charge: ChargeTraits): [field: string, code: string][] {
  const problems: [string, string][] = [];
  if (charge.pay_in_advance && (!IN_ADVANCE_AGGREGATIONS.includes(metric.aggregation_type) || !supportsPayInAdvance(charge.charge_model))) {
    problems.push(['charge_model', 'invalid_aggregation_type_or_charge_model']);
  }
  if (charge.charge_model === 'percentage' && metric.aggregation_type === 'latest_agg') {
    problems.push(['charge_model', 'invalid_aggregation_type_or_charge_model']);
  }
  if (charge.charge_model === 'dynamic' && metric.aggregation_type !== 'sum_agg' && !problems.some(([field]) => field === 'charge_model')) {
    problems.push(['charge_model', 'invalid_aggregation_type_or_charge_model']);
  }
  if (charge.prorated && !proratedAllowed(metric, charge.charge_model, charge.pay_in_advance)) {
    problems.push(['prorated', 'invalid_billable_metric_or_charge_model']);
  }
  return problems;
}

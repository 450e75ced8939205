/**
 * Catalog: what an organization sells and how it is priced and taxed (billable metrics, plans and
 * their charges, add-ons, coupons, taxes). The lowest domain: it uses no other.
 */
export {
  createBillableMetric,
  deleteBillableMetricByCode,
  evaluateMetricExpression,
  getBillableMetric,
  listBillableMetrics,
  updateBillableMetricByCode,
  LEGACY_RECURRING_COUNT,
  type CreateBillableMetricInput,
  type EvaluateExpressionInput,
  type UpdateBillableMetricInput,
} from './billable-metrics';
export {
  assertPlanSubscribable, createPlan, getPlanView, listPlans, markPlanForDeletion, retirePlanIfUnused, updatePlanByCode,
  type CreatePlanInput, type MinimumCommitmentInput, type UpdatePlanInput,
} from './plans';
export type { ChargeFilterInput, ChargeInput } from './plan-charges';
export { addedFilter, filterOf, filterPage, filtersWithAdded, filtersWithout, filtersWithUpdate } from './charge-filters';
export { hasOverrides, overridePlan, type ChargeOverrideInput, type PlanOverridesInput } from './plan-overrides';
export type { FixedChargeInput } from './plan-fixed-charges';
export {
  createPlanFixedCharge, deletePlanFixedCharge, getPlanFixedCharge, listPlanFixedCharges, updatePlanFixedCharge, type PlanFixedChargeInput,
} from './fixed-charge-resources';
export { createAddOn, deleteAddOnByCode, getAddOnView, listAddOns, updateAddOnByCode, type CreateAddOnInput, type UpdateAddOnInput } from './add-ons';
export {
  createCoupon,
  deleteCouponByCode,
  getCoupon,
  getCouponView,
  isApplicable,
  listCoupons,
  updateCouponByCode,
  type CreateCouponInput,
  type UpdateCouponInput,
} from './coupons';
export { createTax, deleteTaxByCode, getTax, listTaxes, updateTaxByCode, type CreateTaxInput, type UpdateTaxInput } from './taxes';
export { resolveTaxCodes } from './tax-codes';
export { checkUsageThresholds, writeUsageThresholds, type UsageThresholdInput } from './usage-thresholds';

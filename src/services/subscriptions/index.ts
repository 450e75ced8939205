/**
 * Subscriptions: a customer on a plan, from the API's requests (create, change plan, terminate)
 * to the steps its workflow takes (start, close, upgrade, downgrade, terminate) through activities.
 */
export {
  createSubscription, terminateSubscription, activateSubscription, getSubscription, listSubscriptions,
  type CreateSubscriptionInput, type SubscriptionFilters,
} from './subscriptions';
// The subscription's JSON lives with invoicing, which shows the subscriptions an invoice bills.
export { presentSubscription } from '../invoicing';
export { updateSubscription, applySubscriptionEdit, type UpdateSubscriptionInput } from './edits';
export { ON_TERMINATION_CREDIT_NOTES, ON_TERMINATION_INVOICES, type TerminationQuery } from './termination-options';
export {
  endSubscription, cancelSubscription, upgradeSubscription, applyDowngrade, cancelPendingPlanChange, endTrial, alertTermination,
  type TerminationOutcome,
} from './lifecycle';
export { deleteCustomerWithSubscriptions, deletePlanWithSubscriptions } from './deletions';
export { recordSubscriptionEvent, type SubscriptionWebhookType } from './subscription-events';
export { reconcileSubscriptionWorkflows, type ReconcileOutcome } from './workflows';
export {
  changeSubscriptionFixedChargeUnits, getSubscriptionFixedCharge, listSubscriptionFixedCharges,
  type SubscriptionFixedChargeInput, type SubscriptionFixedChargeView,
} from './fixed-charges';
export { overrideSubscriptionPlan } from './plan-overrides';
export {
  createSubscriptionChargeFilter, deleteSubscriptionChargeFilter, getSubscriptionCharge, getSubscriptionChargeFilter, listSubscriptionChargeFilters,
  listSubscriptionCharges, overrideSubscriptionCharge, updateSubscriptionChargeFilter,
  type SubscriptionChargeFilterInput, type SubscriptionChargeFilterView,
} from './subscription-charges';

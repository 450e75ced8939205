/**
 * Subscriptions: a customer on a plan, from the API's requests (create, change plan, terminate)
 * to the steps its workflow takes (start, close, upgrade, downgrade, terminate) through activities.
 */
export {
  createSubscription, terminateSubscription, activateSubscription, getSubscription, listSubscriptions,
  type CreateSubscriptionInput, type SubscriptionFilters,
} from './subscriptions';
export { presentSubscription } from './subscription-presenter';
export { endSubscription, cancelSubscription, upgradeSubscription, applyDowngrade, type TerminationOutcome } from './lifecycle';
export { recordSubscriptionEvent, type SubscriptionWebhookType } from './subscription-events';

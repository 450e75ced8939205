/**
 * Entitlements: what an organization's plans grant (features and their privileges' values) and
 * what each subscription gets (its plan's, with its own overrides and removals), asked by an
 * application at any time. Above subscriptions: it reads a subscription through that domain and
 * records `subscription.updated` with it; plans are read from the store (catalog shows a plan's
 * entitlements through `db/plans.ts`' plan views).
 */
export {
  createFeature, deleteFeatureByCode, deleteFeaturePrivilege, getFeature, listFeatures, updateFeatureByCode,
  type CreateFeatureInput, type PrivilegeInput, type UpdateFeatureInput,
} from './features';
export {
  changePlanEntitlements, deletePlanEntitlement, deletePlanEntitlementPrivilege, getPlanEntitlement, listPlanEntitlements, type EntitlementsInput,
} from './plan-entitlements';
export {
  listSubscriptionEntitlements, mergeEntitlements, patchSubscriptionEntitlements, removeSubscriptionFeature, removeSubscriptionPrivilege,
} from './subscription-entitlements';

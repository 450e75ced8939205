/**
 * A subscription's entitlements: its plan's, merged at read time with its own overrides and
 * removals (Lago's `SubscriptionEntitlementQuery` and the subscription services). Because the merge
 * reads the subscription's current plan whenever it is asked, a plan change (an upgrade, or a
 * downgrade when it takes effect: a new subscription on the new plan) changes the answer then.
 * Overrides belong to the subscription they were made on: like Lago's, they do not follow a plan
 * change (the successor subscription starts from its new plan).
 *
 * - `PATCH` merges, feature by feature: a feature neither plan nor override has becomes an
 *   override with the values sent; values equal to the whole plan entitlement drop the override
 *   (back to the plan); otherwise each value equal to the plan's drops that override, and each
 *   other one is set as an override. A feature or privilege removed earlier comes back when sent.
 * - `DELETE …/:feature_code` drops the override and, when the plan grants the feature, removes it
 *   from this subscription; `DELETE …/privileges/:code` does the same for one privilege.
 * - Unknown feature: 404 `feature_not_found`; a privilege not the feature's: 404 `privilege_not_found`;
 *   a value that does not fit its privilege: 422 (privilege-values.ts). Nothing is written then.
 * - Each change records `subscription.updated` in its transaction.
 */
import { catalogPlanIdOf } from '../../db/plan-children';
import type { Db, Tx } from '../../db/knex';
import type { SubscriptionRow } from '../../db/subscriptions';
import { findFeatureByCode, privilegesOfFeatures } from '../../db/features';
import {
  deleteEntitlementValues, deleteEntitlements, deleteRemovals, entitlementsOfPlans, entitlementsOfSubscription, insertEntitlement, insertRemoval,
  lockSubscriptionEntitlements, removalsOfSubscription, setEntitlementValue, type EffectiveEntitlement, type EntitlementView, type Removals,
} from '../../db/entitlements';
import { notFound } from '../../runtime/errors';
import { getSubscription, recordSubscriptionEvent } from '../subscriptions';
import { resolveEntitlements, type EntitlementsInput, type ResolvedEntitlement } from './plan-entitlements';
import { sameValue } from './privilege-values';

type Conn = Db | Tx;

/** The plan's entitlements merged with the subscription's overrides, minus its removals (Lago's order: oldest first). */
export function mergeEntitlements(plan: readonly EntitlementView[], own: readonly EntitlementView[], removals: Removals): EffectiveEntitlement[] {
  const rows: { at: Date; planView?: EntitlementView; ownView?: EntitlementView }[] = [];
  for (const planView of plan) {
    if (removals.featureIds.has(planView.feature.id)) continue;
    rows.push({ at: planView.entitlement.created_at, planView, ownView: own.find((o) => o.feature.id === planView.feature.id) });
  }
  for (const ownView of own) {
    if (!plan.some((p) => p.feature.id === ownView.feature.id)) rows.push({ at: ownView.entitlement.created_at, ownView });
  }
  rows.sort((a, b) => a.at.getTime() - b.at.getTime());
  return rows.map(({ planView, ownView }) => {
    const privileges: (EffectiveEntitlement['privileges'][number] & { at: Date })[] = [];
    for (const { privilege, value } of planView?.values ?? []) {
      if (removals.privilegeIds.has(privilege.id)) continue;
      const override = ownView?.values.find((v) => v.privilege.id === privilege.id);
      privileges.push({ privilege, planValue: value.value, overrideValue: override?.value.value ?? null, at: value.created_at });
    }
    for (const { privilege, value } of ownView?.values ?? []) {
      if (planView?.values.some((v) => v.privilege.id === privilege.id)) continue;
      privileges.push({ privilege, planValue: null, overrideValue: value.value, at: value.created_at });
    }
    privileges.sort((a, b) => a.at.getTime() - b.at.getTime());
    return { feature: (planView ?? ownView)!.feature, privileges: privileges.map(({ privilege, planValue, overrideValue }) => ({ privilege, planValue, overrideValue })) };
  });
}

interface Parts {
  plan: EntitlementView[];
  own: EntitlementView[];
  removals: Removals;
}

async function partsOf(db: Conn, subscription: SubscriptionRow): Promise<Parts> {
  // A subscription on a child plan (its overrides) is granted what the parent plan grants.
  const planId = await catalogPlanIdOf(db, subscription.plan_id);
  return {
    plan: (await entitlementsOfPlans(db, [planId])).get(planId)!,
    own: await entitlementsOfSubscription(db, subscription.id),
    removals: await removalsOfSubscription(db, subscription.id),
  };
}

async function effective(db: Conn, subscription: SubscriptionRow): Promise<EffectiveEntitlement[]> {
  const { plan, own, removals } = await partsOf(db, subscription);
  return mergeEntitlements(plan, own, removals);
}

/** `subscription_status` (or Lago's older `status`) picks which subscription of the external id: `active` by default. */
export async function listSubscriptionEntitlements(db: Db, organizationId: string, externalId: string, status?: string): Promise<EffectiveEntitlement[]> {
  return effective(db, await getSubscription(db, organizationId, externalId, status));
}

async function change(db: Db, organizationId: string, externalId: string, status: string | undefined, apply: (trx: Tx, subscription: SubscriptionRow, parts: Parts) => Promise<void>): Promise<EffectiveEntitlement[]> {
  return db.transaction(async (trx) => {
    const subscription = await getSubscription(trx, organizationId, externalId, status);
    await lockSubscriptionEntitlements(trx, subscription.id);
    await apply(trx, subscription, await partsOf(trx, subscription));
    await recordSubscriptionEvent(trx, { subscriptionId: subscription.id, webhookType: 'subscription.updated' });
    return effective(trx, subscription);
  });
}

/** Lago's "same as the plan": exactly the plan entitlement's privileges, each with its value. */
function sameAsPlan(planView: EntitlementView, values: ResolvedEntitlement['values']): boolean {
  if (values.length !== planView.values.length) return false;
  return planView.values.every(({ privilege, value }) => {
    const sent = values.find((v) => v.privilege.id === privilege.id);
    return sent !== undefined && sameValue(privilege, sent.stored, value.value);
  });
}

async function overrideFeature(trx: Tx, subscription: SubscriptionRow, parts: Parts, { feature, privileges, values }: ResolvedEntitlement): Promise<void> {
  const planView = parts.plan.find((p) => p.feature.id === feature.id);
  const ownView = parts.own.find((o) => o.feature.id === feature.id);
  const org = subscription.organization_id;
  if (planView && sameAsPlan(planView, values)) {
    // Back to the plan's entitlement: no override, nothing removed.
    if (ownView) await deleteEntitlements(trx, [ownView.entitlement.id]);
    await deleteRemovals(trx, subscription.id, { featureIds: [feature.id], privilegeIds: privileges.map((p) => p.id) });
    return;
  }
  await deleteRemovals(trx, subscription.id, { featureIds: [feature.id] });
  const entitlementId = ownView?.entitlement.id ?? (await insertEntitlement(trx, org, feature.id, { subscriptionId: subscription.id })).id;
  for (const { privilege, stored } of values) {
    const planValue = planView?.values.find((v) => v.privilege.id === privilege.id);
    await deleteRemovals(trx, subscription.id, { privilegeIds: [privilege.id] });
    if (planValue && sameValue(privilege, stored, planValue.value.value)) await deleteEntitlementValues(trx, entitlementId, [privilege.id]);
    else await setEntitlementValue(trx, org, entitlementId, privilege.id, stored);
  }
}

/** `PATCH /subscriptions/:external_id/entitlements`: overrides merged in; answers the subscription's entitlements. */
export async function patchSubscriptionEntitlements(db: Db, organizationId: string, externalId: string, status: string | undefined, input: EntitlementsInput): Promise<EffectiveEntitlement[]> {
  return change(db, organizationId, externalId, status, async (trx, subscription, parts) => {
    for (const resolved of await resolveEntitlements(trx, organizationId, input)) await overrideFeature(trx, subscription, parts, resolved);
  });
}

/** Drops the subscription's override of a feature and, when its plan grants it, removes the feature from this subscription. */
export async function removeSubscriptionFeature(db: Db, organizationId: string, externalId: string, status: string | undefined, featureCode: string): Promise<EffectiveEntitlement[]> {
  return change(db, organizationId, externalId, status, async (trx, subscription, parts) => {
    const feature = await findFeatureByCode(trx, organizationId, featureCode);
    if (!feature) throw notFound('feature');
    const ownView = parts.own.find((o) => o.feature.id === feature.id);
    if (ownView) await deleteEntitlements(trx, [ownView.entitlement.id]);
    const privileges = await privilegesOfFeatures(trx, [feature.id]);
    await deleteRemovals(trx, subscription.id, { privilegeIds: privileges.map((p) => p.id) });
    if (parts.plan.some((p) => p.feature.id === feature.id)) await insertRemoval(trx, organizationId, subscription.id, { featureId: feature.id });
  });
}

/** Drops the subscription's override of one privilege and, when its plan grants the feature, removes the privilege from this subscription. */
export async function removeSubscriptionPrivilege(
  db: Db, organizationId: string, externalId: string, status: string | undefined, featureCode: string, privilegeCode: string,
): Promise<EffectiveEntitlement[]> {
  return change(db, organizationId, externalId, status, async (trx, subscription, parts) => {
    const feature = await findFeatureByCode(trx, organizationId, featureCode);
    if (!feature) throw notFound('feature');
    const privilege = (await privilegesOfFeatures(trx, [feature.id])).find((p) => p.code === privilegeCode);
    if (!privilege) throw notFound('privilege');
    const ownView = parts.own.find((o) => o.feature.id === feature.id);
    if (ownView) await deleteEntitlementValues(trx, ownView.entitlement.id, [privilege.id]);
    if (parts.plan.some((p) => p.feature.id === feature.id)) await insertRemoval(trx, organizationId, subscription.id, { privilegeId: privilege.id });
  });
}

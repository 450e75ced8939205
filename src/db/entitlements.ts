/**
 * Entitlements: a plan's (the features it grants, a value per privilege), a subscription's own
 * overrides, and its removals (what of its plan it does not get). Merging them is the
 * entitlements service's work; this store reads and writes the rows.
 */
import type { Conn } from './knex';
import type { FeatureRow, PrivilegeRow } from './features';

export interface EntitlementRow {
  id: string;
  organization_id: string;
  feature_id: string;
  plan_id: string | null;
  subscription_id: string | null;
  created_at: Date;
}

export interface EntitlementValueRow {
  id: string;
  organization_id: string;
  entitlement_id: string;
  privilege_id: string;
  /** As text; cast to the privilege's value_type when shown. */
  value: string;
  created_at: Date;
  updated_at: Date;
}

/** An entitlement with its feature and its values, each with its privilege (oldest first). */
export interface EntitlementView {
  entitlement: EntitlementRow;
  feature: FeatureRow;
  values: { value: EntitlementValueRow; privilege: PrivilegeRow }[];
}

/** What a subscription does not get of its plan. */
export interface Removals {
  featureIds: Set<string>;
  privilegeIds: Set<string>;
}

const WRITTEN_AT = 'clock_timestamp()';

async function views(db: Conn, entitlements: EntitlementRow[]): Promise<EntitlementView[]> {
  if (entitlements.length === 0) return [];
  const features = await db<FeatureRow>('features').whereIn('id', [...new Set(entitlements.map((e) => e.feature_id))]);
  const values = await db('entitlement_values')
    .join('privileges', 'privileges.id', 'entitlement_values.privilege_id')
    .whereIn('entitlement_values.entitlement_id', entitlements.map((e) => e.id))
    .orderBy([{ column: 'entitlement_values.created_at' }, { column: 'entitlement_values.id' }])
    .select(
      'entitlement_values.*',
      db.raw('row_to_json(privileges.*) AS privilege'),
    ) as (EntitlementValueRow & { privilege: PrivilegeRow & { created_at: string; updated_at: string } })[];
  const featureById = new Map(features.map((f) => [f.id, f]));
  return entitlements.map((entitlement) => ({
    entitlement,
    feature: featureById.get(entitlement.feature_id)!,
    values: values.filter((v) => v.entitlement_id === entitlement.id).map(({ privilege, ...value }) => ({
      value,
      privilege: { ...privilege, created_at: new Date(privilege.created_at), updated_at: new Date(privilege.updated_at) },
    })),
  }));
}

const ORDER = [{ column: 'created_at' }, { column: 'id' }];

/** The entitlements of these plans, oldest first, by plan id. */
export async function entitlementsOfPlans(db: Conn, planIds: readonly string[]): Promise<Map<string, EntitlementView[]>> {
  const byPlan = new Map<string, EntitlementView[]>(planIds.map((id) => [id, []]));
  if (planIds.length === 0) return byPlan;
  const rows = await db<EntitlementRow>('entitlements').whereIn('plan_id', [...new Set(planIds)]).orderBy(ORDER);
  for (const view of await views(db, rows)) byPlan.get(view.entitlement.plan_id!)!.push(view);
  return byPlan;
}

/** The subscription's own entitlements (its overrides), oldest first. */
export async function entitlementsOfSubscription(db: Conn, subscriptionId: string): Promise<EntitlementView[]> {
  return views(db, await db<EntitlementRow>('entitlements').where({ subscription_id: subscriptionId }).orderBy(ORDER));
}

export async function removalsOfSubscription(db: Conn, subscriptionId: string): Promise<Removals> {
  const rows = await db('entitlement_removals').where({ subscription_id: subscriptionId }).select('feature_id', 'privilege_id') as { feature_id: string | null; privilege_id: string | null }[];
  return {
    featureIds: new Set(rows.flatMap((r) => (r.feature_id ? [r.feature_id] : []))),
    privilegeIds: new Set(rows.flatMap((r) => (r.privilege_id ? [r.privilege_id] : []))),
  };
}

export async function insertEntitlement(db: Conn, organizationId: string, featureId: string, owner: { planId: string } | { subscriptionId: string }): Promise<EntitlementRow> {
  const [row] = await db<EntitlementRow>('entitlements').insert({
    organization_id: organizationId,
    feature_id: featureId,
    plan_id: 'planId' in owner ? owner.planId : null,
    subscription_id: 'subscriptionId' in owner ? owner.subscriptionId : null,
    created_at: db.raw(WRITTEN_AT),
  } as never).returning('*');
  return row!;
}

/** Deletes entitlements and their values (cascade). */
export async function deleteEntitlements(db: Conn, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db('entitlements').whereIn('id', ids).delete();
}

/** Sets the entitlement's value of a privilege (creating it, or changing it in place). */
export async function setEntitlementValue(db: Conn, organizationId: string, entitlementId: string, privilegeId: string, value: string): Promise<void> {
  await db('entitlement_values')
    .insert({ organization_id: organizationId, entitlement_id: entitlementId, privilege_id: privilegeId, value, created_at: db.raw(WRITTEN_AT) })
    .onConflict(['entitlement_id', 'privilege_id'])
    .merge({ value, updated_at: db.fn.now() });
}

export async function deleteEntitlementValues(db: Conn, entitlementId: string, privilegeIds: readonly string[]): Promise<void> {
  if (privilegeIds.length === 0) return;
  await db('entitlement_values').where({ entitlement_id: entitlementId }).whereIn('privilege_id', privilegeIds).delete();
}

export async function insertRemoval(db: Conn, organizationId: string, subscriptionId: string, target: { featureId: string } | { privilegeId: string }): Promise<void> {
  const featureId = 'featureId' in target ? target.featureId : null;
  const privilegeId = 'privilegeId' in target ? target.privilegeId : null;
  await db.raw(
    `INSERT INTO entitlement_removals (organization_id, subscription_id, feature_id, privilege_id) VALUES (?, ?, ?, ?)
     ON CONFLICT (subscription_id, ${featureId ? 'feature_id' : 'privilege_id'}) WHERE ${featureId ? 'feature_id' : 'privilege_id'} IS NOT NULL DO NOTHING`,
    [organizationId, subscriptionId, featureId, privilegeId],
  );
}

/** Clears the subscription's removals of a feature and/or of some privileges. */
export async function deleteRemovals(db: Conn, subscriptionId: string, target: { featureIds?: readonly string[]; privilegeIds?: readonly string[] }): Promise<void> {
  const featureIds = target.featureIds ?? [];
  const privilegeIds = target.privilegeIds ?? [];
  if (featureIds.length === 0 && privilegeIds.length === 0) return;
  await db('entitlement_removals').where({ subscription_id: subscriptionId })
    .where((q) => {
      if (featureIds.length > 0) q.orWhereIn('feature_id', featureIds);
      if (privilegeIds.length > 0) q.orWhereIn('privilege_id', privilegeIds);
    })
    .delete();
}

/** The live plans granting the feature (each gets `plan.updated` when the feature changes under it). */
export async function plansWithFeature(db: Conn, featureId: string): Promise<string[]> {
  return db('entitlements').join('plans', 'plans.id', 'entitlements.plan_id')
    .where({ 'entitlements.feature_id': featureId }).whereNull('plans.deleted_at')
    .orderBy('plans.created_at').pluck('plans.id');
}

/** Holds the subscription's row until the transaction ends (its overrides change one request at a time). */
export async function lockSubscriptionEntitlements(db: Conn, subscriptionId: string): Promise<void> {
  await db.raw('SELECT id FROM subscriptions WHERE id = ? FOR UPDATE', [subscriptionId]);
}

/** A subscription's entitlement to one feature: its plan's values merged with its own overrides. */
export interface EffectiveEntitlement {
  feature: FeatureRow;
  privileges: { privilege: PrivilegeRow; planValue: string | null; overrideValue: string | null }[];
}

/**
 * A plan's entitlements (Lago's `PlanEntitlementsUpdateService` and the destroy services):
 * - `POST` replaces: features not in the body leave the plan; for each feature sent, its privileges
 *   not in the body lose their value (unless the feature's object is empty: Lago keeps them then);
 * - `PATCH` merges: features and privileges not in the body are kept;
 * - every feature must exist (404 `feature_not_found`) and every privilege be the feature's
 *   (404 `privilege_not_found`); each value must fit its privilege's type (422, privilege-values.ts).
 *   Everything is checked before anything is written;
 * - deleting an entitlement removes the feature from the plan; deleting a privilege removes its value;
 * - each change records `plan.updated` in its transaction.
 * The plan is looked up by code among the organization's live plans (404 `plan_not_found`).
 */
import type { Conn, Db, Tx } from '../../db/knex';
import { findPlanByCode, lockPlan, type PlanRow } from '../../db/plans';
import { findFeaturesByCodes, privilegesOfFeatures, type FeatureRow, type PrivilegeRow } from '../../db/features';
import {
  deleteEntitlementValues, deleteEntitlements, entitlementsOfPlans, insertEntitlement, setEntitlementValue, type EntitlementView,
} from '../../db/entitlements';
import { notFound, Problems } from '../../runtime/errors';
import { checkPrivilegeValue, valueField } from './privilege-values';
import { recordPlansUpdated } from './plan-events';

/** Feature code → privilege code → value (an integer, a boolean or a string). */
export type EntitlementsInput = Record<string, Record<string, unknown>>;

/** A feature of the body, its privileges resolved and each value checked and ready to store. */
export interface ResolvedEntitlement {
  feature: FeatureRow;
  privileges: PrivilegeRow[];
  values: { privilege: PrivilegeRow; stored: string }[];
}

/**
 * Resolves the features and privileges a body names (404 for the first unknown one, in the body's
 * order) and checks every value (one 422 listing them all).
 */
export async function resolveEntitlements(db: Conn, organizationId: string, input: EntitlementsInput): Promise<ResolvedEntitlement[]> {
  const codes = Object.keys(input);
  const features = await findFeaturesByCodes(db, organizationId, codes);
  const privileges = await privilegesOfFeatures(db, features.map((f) => f.id));
  const problems = new Problems();
  const resolved: ResolvedEntitlement[] = [];
  for (const code of codes) {
    const feature = features.find((f) => f.code === code);
    if (!feature) throw notFound('feature');
    const own = privileges.filter((p) => p.feature_id === feature.id);
    const values: ResolvedEntitlement['values'] = [];
    for (const [privilegeCode, value] of Object.entries(input[code]!)) {
      const privilege = own.find((p) => p.code === privilegeCode);
      if (!privilege) throw notFound('privilege');
      const checked = checkPrivilegeValue(privilege, value);
      if (checked.ok) values.push({ privilege, stored: checked.stored });
      else problems.add(valueField(privilege.code), checked.code);
    }
    resolved.push({ feature, privileges: own, values });
  }
  problems.throwIfAny();
  return resolved;
}

async function getPlanRow(db: Conn, organizationId: string, code: string): Promise<PlanRow> {
  const plan = await findPlanByCode(db, organizationId, code);
  if (!plan) throw notFound('plan');
  return plan;
}

async function planEntitlements(db: Conn, planId: string): Promise<EntitlementView[]> {
  return (await entitlementsOfPlans(db, [planId])).get(planId)!;
}

export async function listPlanEntitlements(db: Db, organizationId: string, planCode: string): Promise<EntitlementView[]> {
  return planEntitlements(db, (await getPlanRow(db, organizationId, planCode)).id);
}

export async function getPlanEntitlement(db: Db, organizationId: string, planCode: string, featureCode: string): Promise<EntitlementView> {
  const entitlements = await listPlanEntitlements(db, organizationId, planCode);
  const found = entitlements.find((e) => e.feature.code === featureCode);
  if (!found) throw notFound('entitlement');
  return found;
}

async function writePlanEntitlements(trx: Tx, plan: PlanRow, input: EntitlementsInput, mode: 'replace' | 'merge'): Promise<void> {
  const resolved = await resolveEntitlements(trx, plan.organization_id, input);
  const current = await planEntitlements(trx, plan.id);
  if (mode === 'replace') {
    await deleteEntitlements(trx, current.filter((e) => !Object.hasOwn(input, e.feature.code)).map((e) => e.entitlement.id));
  }
  for (const { feature, values } of resolved) {
    const entitlement = current.find((e) => e.feature.id === feature.id);
    if (entitlement && mode === 'replace' && values.length > 0) {
      const kept = new Set(values.map((v) => v.privilege.id));
      await deleteEntitlementValues(trx, entitlement.entitlement.id, entitlement.values.map((v) => v.privilege.id).filter((id) => !kept.has(id)));
    }
    const entitlementId = entitlement?.entitlement.id ?? (await insertEntitlement(trx, plan.organization_id, feature.id, { planId: plan.id })).id;
    for (const { privilege, stored } of values) await setEntitlementValue(trx, plan.organization_id, entitlementId, privilege.id, stored);
  }
}

/** `POST` (replace) or `PATCH` (merge) a plan's entitlements; answers them all. */
export async function changePlanEntitlements(db: Db, organizationId: string, planCode: string, input: EntitlementsInput, mode: 'replace' | 'merge'): Promise<EntitlementView[]> {
  return db.transaction(async (trx) => {
    const plan = await getPlanRow(trx, organizationId, planCode);
    await lockPlan(trx, plan.id);
    await writePlanEntitlements(trx, plan, input, mode);
    await recordPlansUpdated(trx, organizationId, [plan.id]);
    return planEntitlements(trx, plan.id);
  });
}

/** Removes a feature from a plan; answers the entitlement as it was. */
export async function deletePlanEntitlement(db: Db, organizationId: string, planCode: string, featureCode: string): Promise<EntitlementView> {
  return db.transaction(async (trx) => {
    const plan = await getPlanRow(trx, organizationId, planCode);
    await lockPlan(trx, plan.id);
    const found = (await planEntitlements(trx, plan.id)).find((e) => e.feature.code === featureCode);
    if (!found) throw notFound('entitlement');
    await deleteEntitlements(trx, [found.entitlement.id]);
    await recordPlansUpdated(trx, organizationId, [plan.id]);
    return found;
  });
}

/** Removes one privilege's value from a plan's entitlement; answers the entitlement without it. */
export async function deletePlanEntitlementPrivilege(db: Db, organizationId: string, planCode: string, featureCode: string, privilegeCode: string): Promise<EntitlementView> {
  return db.transaction(async (trx) => {
    const plan = await getPlanRow(trx, organizationId, planCode);
    await lockPlan(trx, plan.id);
    const found = (await planEntitlements(trx, plan.id)).find((e) => e.feature.code === featureCode);
    if (!found) throw notFound('entitlement');
    const value = found.values.find((v) => v.privilege.code === privilegeCode);
    if (!value) throw notFound('privilege');
    await deleteEntitlementValues(trx, found.entitlement.id, [value.privilege.id]);
    await recordPlansUpdated(trx, organizationId, [plan.id]);
    return (await planEntitlements(trx, plan.id)).find((e) => e.entitlement.id === found.entitlement.id)!;
  });
}

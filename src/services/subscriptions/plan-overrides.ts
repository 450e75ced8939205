/**
 * A subscription's overrides (issue 16 point 6): `plan_overrides` on `POST`/`PUT /subscriptions`
 * and the subscription's charge routes (`/subscriptions/:external_id/charges[/:charge_code[/filters[/:id]]]`).
 * The overrides themselves are catalog's (services/catalog/plan-overrides.ts: the child plan); here
 * the subscription is pointed at its child, in the transaction that writes it.
 * - The first override moves the subscription from its plan onto a new child plan (its fixed
 *   charges' units history follows, db/plan-children.ts `carryUnitsToChild`); its workflow keeps
 *   running unchanged, since the child has the parent's interval, timing and code, and every
 *   activity reads the plan through the subscription's row (db/subscription-context.ts).
 * - The workflow holds the subscription's terms, the trial among them: on a subscription that
 *   exists already, a different `trial_period` is refused (422 `plan_overrides.trial_period:
 *   not_editable`) rather than written where the workflow would not see it. At creation, the
 *   workflow starts with the child's trial.
 * - The charge routes read the subscription's effective plan (the child, else the plan); a `PUT`
 *   of a charge or a change of its filters is an override of that charge (Lago's
 *   `ChargeOverridableInput`): the child is created on the first one.
 */
import type { Db, Tx } from '../../db/knex';
import { findPlanById, type PlanRow, type PlanView } from '../../db/plans';
import { updateSubscription as writeSubscription, type SubscriptionRow } from '../../db/subscriptions';
import { carryUnitsToChild } from '../../db/plan-children';
import { overridePlan, type PlanOverridesInput } from '../catalog';
import { invalidField, notFound } from '../../runtime/errors';
import { Dec } from '../../billing/money';
import { recordSubscriptionEvent } from './subscription-events';

/**
 * Applies `overrides` to an existing subscription's plan (creating its child on the first one)
 * and points the subscription at the child. In the caller's transaction.
 */
export async function overrideSubscriptionPlan(trx: Tx, subscription: SubscriptionRow, overrides: PlanOverridesInput): Promise<PlanView> {
  const plan = await findPlanById(trx, subscription.organization_id, subscription.plan_id);
  if (!plan) throw notFound('plan');
  if (overrides.trial_period != null && !new Dec(plan.trial_period ?? '0').equals(overrides.trial_period)) {
    throw invalidField('plan_overrides.trial_period', 'not_editable');
  }
  const view = await overridePlan(trx, subscription.organization_id, plan, overrides);
  if (view.plan.id !== subscription.plan_id) {
    await writeSubscription(trx, subscription.id, { plan_id: view.plan.id });
    await carryUnitsToChild(trx, subscription.id, view.plan.id);
  }
  return view;
}

/** A new subscription's plan with its overrides: a new child of `plan` (the trial may be overridden too). */
export async function childPlanFor(trx: Tx, organizationId: string, plan: PlanRow, overrides: PlanOverridesInput): Promise<PlanRow> {
  return (await overridePlan(trx, organizationId, plan, overrides)).plan;
}

const ROLLBACK = Symbol('dry run');

/** Checks overrides the way applying them would, writing nothing (a PUT that also asks the workflow checks them first). */
export async function checkSubscriptionOverrides(db: Db, subscription: SubscriptionRow, overrides: PlanOverridesInput): Promise<void> {
  try {
    await db.transaction(async (trx) => {
      await overrideSubscriptionPlan(trx, subscription, overrides);
      throw ROLLBACK;
    });
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
}

/** Applies the overrides of a `PUT /subscriptions` (or a repeated creation) and records `subscription.updated`. */
export async function applySubscriptionOverrides(db: Db, subscription: SubscriptionRow, overrides: PlanOverridesInput, key: string): Promise<void> {
  await db.transaction(async (trx) => {
    await overrideSubscriptionPlan(trx, subscription, overrides);
    await recordSubscriptionEvent(trx, { subscriptionId: subscription.id, webhookType: 'subscription.updated', idempotencyKey: `subscription.updated:overrides:${key}` });
  });
}

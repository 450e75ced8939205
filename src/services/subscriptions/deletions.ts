/**
 * Lago's deletions that end subscriptions first (reference §1.2, §1.3):
 * - `DELETE /customers/:external_id` terminates the customer's subscriptions (final invoices and
 *   credit notes as any termination), cancels its pending ones, then soft-deletes the customer;
 * - `DELETE /plans/:code` marks the plan `pending_deletion` (recording `plan.deleted`), ends its
 *   subscriptions the same way (a scheduled downgrade to it is dropped), and the plan is deleted
 *   once none is left.
 *
 * Every subscription ends through its own workflow (the `terminate` and `cancelPlanChange`
 * updates, which resolve once the final invoice and credit note exist), never by writing its rows
 * here. The plan's own deletion is durable: the activity that ends a subscription on a plan
 * pending deletion deletes the plan when it was the last one (`retirePlanIfUnused`, in
 * lifecycle.ts), and this request checks again when its terminations are done, so the plan goes
 * whether the request or the workflows finish last, and a request that dies half-way leaves a plan
 * pending deletion that accepts no new subscription and that a repeated DELETE finishes.
 */
import type { OrganizationRow } from '../../db/organizations';
import { liveSubscriptionsOfCustomer, liveSubscriptionsOfPlan, type SubscriptionRow } from '../../db/subscriptions';
import type { PlanView } from '../../db/plans';
import { NotAllowedError, UnavailableError } from '../../runtime/errors';
import { logger } from '../../runtime/logger';
import type { ServiceDeps } from '../deps';
import { markPlanForDeletion, retirePlanIfUnused } from '../catalog';
import { deleteCustomer, getCustomer, type CustomerWithTaxes } from '../customers';
import { findPlanByCode } from '../../db/plans';
import { WorkflowsUnavailable } from '../../workflows/client';
import { askableWorkflow, asUnavailable } from './workflows';

/** Rounds of "end what is live, then look again": a subscription created meanwhile gets one more. */
const ROUNDS = 3;

const stillActive = () => new UnavailableError('subscriptions_still_active', 'Some subscriptions could not be ended now; retry the request.');

/**
 * Ends the live subscriptions among `rows` through their workflows, one workflow at a time (they
 * may share a customer, whose invoices are numbered in sequence): the active subscription of an
 * external id is terminated (which also cancels its pending plan change), a pending one that has
 * not started is canceled, and a pending plan change alone (its subscription stays, on another
 * plan) is dropped. A workflow that refuses (it ended meanwhile) is left to the next look.
 */
async function endThroughWorkflows(deps: ServiceDeps, organizationId: string, rows: readonly SubscriptionRow[], nowMs: number): Promise<void> {
  const byExternalId = new Map<string, SubscriptionRow[]>();
  for (const row of rows) byExternalId.set(row.external_id, [...(byExternalId.get(row.external_id) ?? []), row]);
  for (const [externalId, subscriptions] of byExternalId) {
    const planChange = subscriptions.find((row) => row.status === 'pending' && row.previous_subscription_id !== null);
    const ownsWorkflow = subscriptions.some((row) => row.status === 'active' || row.previous_subscription_id === null);
    try {
      if (ownsWorkflow) await deps.workflows.terminate(organizationId, externalId, nowMs);
      else if (planChange) await deps.workflows.cancelPlanChange(organizationId, externalId, { subscriptionId: planChange.id, atMs: nowMs });
    } catch (err) {
      // Temporal gone: stop here with a 503 rather than wait on every other workflow.
      if (err instanceof WorkflowsUnavailable) throw asUnavailable(err);
      // Looked at again by the caller: ended meanwhile (fine), or still live (the caller tries again, then answers 503).
      logger.warn({ err, organizationId, externalId }, 'a subscription workflow did not end the subscription');
    }
  }
}

async function endAllThen<T>(
  deps: ServiceDeps,
  organizationId: string,
  live: () => Promise<SubscriptionRow[]>,
  finish: () => Promise<T>,
): Promise<T> {
  const nowMs = await deps.clock.now();
  for (let round = 0; round < ROUNDS; round += 1) {
    const rows = await live();
    // Nothing is ended (or deleted) unless the workflows can be asked.
    if (round === 0 && rows[0]) await askableWorkflow(deps, rows[0]);
    if (rows.length === 0) {
      try {
        return await finish();
      } catch (error) {
        // A subscription created between the look and the lock: end it too, or (the last round) answer 503 as when one cannot end.
        if (error instanceof NotAllowedError) {
          if (round < ROUNDS - 1) continue;
          throw stillActive();
        }
        throw error;
      }
    }
    await endThroughWorkflows(deps, organizationId, rows, nowMs);
  }
  throw stillActive();
}

/**
 * `DELETE /customers/:external_id`: terminates the customer's active subscriptions and cancels
 * its pending ones (each through its workflow, with its final invoice and credit note), then
 * soft-deletes the customer and terminates its applied coupons. Answers the deleted customer.
 */
export async function deleteCustomerWithSubscriptions(deps: ServiceDeps, organization: OrganizationRow, externalId: string): Promise<CustomerWithTaxes> {
  const customer = await getCustomer(deps.db, organization.id, externalId);
  return endAllThen(
    deps,
    organization.id,
    () => liveSubscriptionsOfCustomer(deps.db, customer.id),
    async () => deleteCustomer(deps.db, organization.id, externalId, await deps.clock.now()),
  );
}

/**
 * `DELETE /plans/:code`: marks the plan pending deletion (`plan.deleted`), ends every
 * subscription on it through its workflow, and deletes it once none is left. Answers the plan as
 * Lago does: as marked, `pending_deletion: true`. A plan already pending deletion is taken up again.
 */
export async function deletePlanWithSubscriptions(deps: ServiceDeps, organization: OrganizationRow, code: string): Promise<PlanView> {
  // The plan is marked only if its subscriptions' workflows can be asked to end them.
  const plan = await findPlanByCode(deps.db, organization.id, code);
  const first = plan ? (await liveSubscriptionsOfPlan(deps.db, plan.id))[0] : undefined;
  if (first) await askableWorkflow(deps, first);
  const marked = await markPlanForDeletion(deps.db, organization.id, code);
  const planId = marked.plan.id;
  await endAllThen(
    deps,
    organization.id,
    () => liveSubscriptionsOfPlan(deps.db, planId),
    async () => {
      // Usually the last termination's activity has deleted it already; this covers a plan without subscriptions.
      if (!(await retirePlanIfUnused(deps.db, organization.id, planId))) throw new NotAllowedError('plan_has_active_subscriptions');
    },
  );
  return marked;
}

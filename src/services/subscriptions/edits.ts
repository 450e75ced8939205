/**
 * Editing a subscription (`PUT /subscriptions/:external_id`, Lago's `Subscriptions::UpdateService`):
 * its name, its end (`ending_at`, moved or cleared), its start while it has not started
 * (`subscription_at`), the termination options, `consolidate_invoice` and the purchase order number.
 *
 * The API checks what it can with its clock and asks the subscription's workflow (an update with a
 * validator: the caller hears a refusal at once); the workflow's activity writes the row here, so
 * the row and the running workflow change together, and answers the terms the workflow then keeps.
 * Under the customer's billing lock, an end is never moved before a billing date already invoiced
 * (docs/design/consolidation.md). A pending plan change's subscription follows the current one's end.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/knex';
import type { OrganizationRow } from '../../db/organizations';
import { findPendingSuccessor, findSubscriptionById, updateSubscription as writeSubscription, type SubscriptionRow } from '../../db/subscriptions';
import { lockCustomerBilling } from '../../db/invoice-subscriptions';
import { contextOf, loadSubscriptionContext } from '../../db/subscription-context';
import { subscriptionTerms } from '../../billing/subscription-terms';
import type { SubscriptionTerms } from '../../billing/periods';
import { invalidField } from '../../runtime/errors';
import type { ServiceDeps } from '../deps';
import { WorkflowRefusal } from '../../workflows/client';
import { parseEditRefusal, type EditSubscriptionRequest, type EditSubscriptionResult } from '../../workflows/messages';
import { closedThroughMs } from '../invoicing';
import { recordSubscriptionEvent } from './subscription-events';
import { getSubscription } from './subscriptions';
import { askableWorkflow, askingWorkflow } from './workflows';
import { applySubscriptionOverrides, checkSubscriptionOverrides } from './plan-overrides';
import { hasOverrides, type PlanOverridesInput } from '../catalog';
import { terminationFields, type ON_TERMINATION_CREDIT_NOTES, type ON_TERMINATION_INVOICES } from './termination-options';


export interface UpdateSubscriptionInput {
  name?: string | null;
  /** ISO-8601; null clears the automatic termination. */
  ending_at?: string | null;
  /** ISO-8601; only while the subscription has not started. */
  subscription_at?: string | null;
  on_termination_credit_note?: (typeof ON_TERMINATION_CREDIT_NOTES)[number] | null;
  on_termination_invoice?: (typeof ON_TERMINATION_INVOICES)[number] | null;
  consolidate_invoice?: boolean | null;
  purchase_order_number?: string | null;
  /** Lago's plan overrides: applied to the subscription's child plan (plan-overrides.ts), created on the first. */
  plan_overrides?: PlanOverridesInput | null;
}

/** `PUT /subscriptions/:external_id` (`status`: active by default, or pending). Answers the row once the workflow has applied the edit. */
export async function updateSubscription(deps: ServiceDeps, organization: OrganizationRow, externalId: string, status: string | undefined, input: UpdateSubscriptionInput): Promise<SubscriptionRow> {
  const subscription = await getSubscription(deps.db, organization.id, externalId, status === 'pending' ? 'pending' : 'active');
  if (subscription.status === 'pending' && subscription.previous_subscription_id) {
    throw invalidField('subscription', 'pending_plan_change_not_editable');
  }
  const { plan_overrides: overrides, ...edits } = input;
  const workflowEdit = !hasOverrides(overrides) || Object.values(edits).some((value) => value !== undefined);
  if (hasOverrides(overrides)) {
    // Overrides are the database's alone (the workflow reads the plan through its activities);
    // with other edits, they are checked before the workflow is asked and written once it agreed.
    if (workflowEdit) await checkSubscriptionOverrides(deps.db, subscription, overrides);
    else {
      await applySubscriptionOverrides(deps.db, subscription, overrides, randomUUID());
      return (await findSubscriptionById(deps.db, subscription.id))!;
    }
  }
  await askableWorkflow(deps, subscription);
  const now = await deps.clock.now();
  const request: EditSubscriptionRequest = { subscriptionId: subscription.id, editId: randomUUID(), atMs: now };
  if (input.name !== undefined) request.name = input.name;
  if (input.purchase_order_number !== undefined) request.purchaseOrderNumber = input.purchase_order_number;
  if (input.consolidate_invoice !== undefined && input.consolidate_invoice !== null) request.consolidateInvoice = input.consolidate_invoice;
  if (input.on_termination_credit_note) request.onTerminationCreditNote = input.on_termination_credit_note;
  if (input.on_termination_invoice) request.onTerminationInvoice = input.on_termination_invoice;
  if (input.subscription_at !== undefined && input.subscription_at !== null) {
    const subscriptionAt = Date.parse(input.subscription_at);
    // Lago: only a subscription that has not started moves its start; the same value sent back changes nothing.
    if (subscriptionAt !== subscription.subscription_at.getTime()) {
      if (subscription.status !== 'pending') throw invalidField('subscription_at', 'not_editable');
      request.subscriptionAt = subscriptionAt;
    }
  }
  if (input.ending_at !== undefined) {
    const endingAt = input.ending_at === null ? null : Date.parse(input.ending_at);
    const startsAt = request.subscriptionAt ?? (subscription.started_at ?? subscription.subscription_at).getTime();
    if (endingAt !== null && (endingAt <= now || endingAt <= startsAt)) throw invalidField('ending_at', 'invalid_date');
    request.endingAt = endingAt;
  }
  try {
    await askingWorkflow(() => deps.workflows.edit(organization.id, externalId, request));
  } catch (error) {
    if (error instanceof WorkflowRefusal) {
      const refusal = parseEditRefusal(error.message);
      throw refusal ? invalidField(refusal.field, refusal.code) : invalidField('subscription', 'not_editable');
    }
    throw error;
  }
  if (hasOverrides(overrides)) {
    await applySubscriptionOverrides(deps.db, (await findSubscriptionById(deps.db, subscription.id))!, overrides, request.editId);
  }
  return (await findSubscriptionById(deps.db, subscription.id))!;
}

/**
 * The workflow's activity: writes the edit, once per `editId` (a retry writes the same values and
 * records no second webhook). Refuses (a `ValidationError` naming the field) what only the database
 * knows: a start moved after the subscription started, an end before a billing date already
 * invoiced or not after the start.
 */
export async function applySubscriptionEdit(db: Db, request: EditSubscriptionRequest): Promise<EditSubscriptionResult> {
  return db.transaction(async (trx) => {
    const ctx = await loadSubscriptionContext(trx, request.subscriptionId);
    await lockCustomerBilling(trx, ctx.organization.id, ctx.customer.id);
    const { subscription, plan } = ctx;
    const fields: Partial<SubscriptionRow> = {};
    if (request.subscriptionAt !== undefined && request.subscriptionAt !== subscription.subscription_at.getTime()) {
      if (subscription.status !== 'pending' || subscription.started_at !== null) throw invalidField('subscription_at', 'not_editable');
      fields.subscription_at = new Date(request.subscriptionAt);
    }
    if (request.endingAt !== undefined) {
      if (request.endingAt !== null) {
        const startsAt = (fields.subscription_at ?? subscription.started_at ?? subscription.subscription_at).getTime();
        const closedThrough = await closedThroughMs(trx, subscription.id, ctx.timezone);
        if (request.endingAt <= startsAt || request.endingAt < closedThrough) throw invalidField('ending_at', 'invalid_date');
      }
      fields.ending_at = request.endingAt === null ? null : new Date(request.endingAt);
    }
    if (request.name !== undefined) fields.name = request.name;
    if (request.purchaseOrderNumber !== undefined) fields.purchase_order_number = request.purchaseOrderNumber;
    if (request.consolidateInvoice !== undefined) fields.consolidate_invoice = request.consolidateInvoice;
    Object.assign(fields, terminationFields(request, plan.pay_in_advance));
    const updated = Object.keys(fields).length > 0 ? await writeSubscription(trx, subscription.id, fields) : subscription;
    const pending = await findPendingSuccessor(trx, subscription.id);
    let pendingTerms: SubscriptionTerms | null = null;
    if (pending) {
      const follows = fields.ending_at !== undefined ? await writeSubscription(trx, pending.id, { ending_at: fields.ending_at }) : pending;
      pendingTerms = (await contextOf(trx, follows)).terms;
    }
    await recordSubscriptionEvent(trx, { subscriptionId: subscription.id, webhookType: 'subscription.updated', idempotencyKey: `subscription.updated:edit:${request.editId}` });
    return { subscriptionId: subscription.id, terms: subscriptionTerms(updated, plan, ctx.timezone), pendingTerms };
  });
}

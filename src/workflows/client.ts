/** The API's handle on subscription workflows: start, describe, query (Temporal client). */
import { Client, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowUpdateFailedError } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { subscriptionWorkflowId } from './ids';
import type { SubscriptionWorkflowState, SubscriptionView } from './messages';
import {
  cancelPlanChangeUpdate, changePlanUpdate, stateQuery, terminateUpdate, usageSignal,
  type CancelPlanChangeRequest, type CancelPlanChangeResult, type PlanChangeRequest, type PlanChangeResult, type TerminateResult,
} from './messages';
import { CUSTOMER_ID, PLAN_CODE, SUBSCRIPTION_STATUS } from './search-attributes';

export interface StartSubscriptionWorkflow {
  state: SubscriptionWorkflowState;
  externalId: string;
  customerExternalId: string;
  planCode: string;
  status: string;
}

/** An event the subscription's workflow must hear about (a seat change, a pay-in-advance charge, late usage). */
export interface UsageNotification {
  transactionId: string;
  code: string;
  /** Epoch milliseconds. */
  timestamp: number;
  /** Its timestamp is before the subscription's current period: the open drafts take it at once. */
  late?: boolean;
  /** False for an event signalled only because it is late (no seat, no pay-in-advance charge). */
  watched?: boolean;
}

export interface SubscriptionWorkflows {
  start(input: StartSubscriptionWorkflow): Promise<string>;
  view(organizationId: string, externalId: string): Promise<SubscriptionView>;
  /** Signals the workflow of the active subscription `externalId` about stored events. */
  notifyUsage(organizationId: string, externalId: string, events: UsageNotification[]): Promise<void>;
  /** Ends the subscription now; resolves once its final invoice and credit note exist. */
  terminate(organizationId: string, externalId: string, atMs: number): Promise<TerminateResult>;
  /** Upgrades at once or schedules a downgrade; resolves once the workflow has applied it. */
  changePlan(organizationId: string, externalId: string, request: PlanChangeRequest): Promise<PlanChangeResult>;
  /**
   * Cancels the scheduled plan change of `externalId`; resolves once the pending subscription is
   * canceled. Throws a `WorkflowRefusal` when there is no such pending change (any more).
   */
  cancelPlanChange(organizationId: string, externalId: string, request: CancelPlanChangeRequest): Promise<CancelPlanChangeResult>;
}

/** The workflow refused an update (its validator, or the work, said no), with the workflow's reason. */
export class WorkflowRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorkflowRefusal';
  }
}

async function refusable<T>(update: Promise<T>): Promise<T> {
  try {
    return await update;
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError) throw new WorkflowRefusal(error.cause?.message ?? error.message);
    throw error;
  }
}

export function temporalSubscriptionWorkflows(client: Client, options: { taskQueue: string; searchAttributes: boolean }): SubscriptionWorkflows {
  return {
    async start({ state, externalId, customerExternalId, planCode, status }) {
      const workflowId = subscriptionWorkflowId(state.organizationId, externalId);
      await client.workflow.start('subscriptionWorkflow', {
        taskQueue: options.taskQueue,
        workflowId,
        args: [state],
        // Creating the same subscription twice is harmless; a closed predecessor (terminated) may be replaced.
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        typedSearchAttributes: options.searchAttributes
          ? new TypedSearchAttributes([
              { key: CUSTOMER_ID, value: customerExternalId },
              { key: PLAN_CODE, value: planCode },
              { key: SUBSCRIPTION_STATUS, value: status },
            ])
          : undefined,
        staticSummary: `Subscription ${externalId} (${planCode}) of customer ${customerExternalId}`,
      });
      return workflowId;
    },
    async view(organizationId, externalId) {
      return client.workflow.getHandle(subscriptionWorkflowId(organizationId, externalId)).query(stateQuery);
    },
    async terminate(organizationId, externalId, atMs) {
      return client.workflow.getHandle(subscriptionWorkflowId(organizationId, externalId)).executeUpdate(terminateUpdate, { args: [{ atMs }] });
    },
    async changePlan(organizationId, externalId, request) {
      return client.workflow.getHandle(subscriptionWorkflowId(organizationId, externalId)).executeUpdate(changePlanUpdate, { args: [request] });
    },
    async cancelPlanChange(organizationId, externalId, request) {
      return refusable(client.workflow.getHandle(subscriptionWorkflowId(organizationId, externalId)).executeUpdate(cancelPlanChangeUpdate, { args: [request] }));
    },
    async notifyUsage(organizationId, externalId, events) {
      if (events.length === 0) return;
      await client.workflow.getHandle(subscriptionWorkflowId(organizationId, externalId)).signal(usageSignal, { events });
    },
  };
}

/**
 * The API's handle on subscription workflows: start, describe, query (Temporal client). Every call
 * has a deadline, so a Temporal that is down or unreachable never makes a caller hang:
 * - starting, signalling and looking (`presence`) get `REACH_TIMEOUT_MS`; past it they throw
 *   `WorkflowsUnavailable` and nothing was asked;
 * - updates (terminate, change plan) wait for the workflow's work (an invoice), so they get
 *   `UPDATE_TIMEOUT_MS`; callers look first (`presence`) so that an unreachable Temporal is known
 *   before anything is written.
 */
import {
  Client, WorkflowIdConflictPolicy, WorkflowIdReusePolicy, WorkflowNotFoundError, WorkflowUpdateFailedError,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { subscriptionWorkflowId } from './ids';
import type { SubscriptionWorkflowState, SubscriptionView } from './messages';
import {
  cancelPlanChangeUpdate, changePlanUpdate, editSubscriptionUpdate, stateQuery, terminateUpdate, usageSignal,
  type CancelPlanChangeRequest, type CancelPlanChangeResult, type EditSubscriptionRequest, type EditSubscriptionResult, type PlanChangeRequest,
  type PlanChangeResult, type TerminateResult, type TerminationOptions,
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
  /** The subscription has usage thresholds: the event may cross one (progressive billing). */
  thresholds?: boolean;
}

export interface SubscriptionWorkflows {
  start(input: StartSubscriptionWorkflow): Promise<string>;
  view(organizationId: string, externalId: string): Promise<SubscriptionView>;
  /** Signals the workflow of the active subscription `externalId` about stored events. */
  notifyUsage(organizationId: string, externalId: string, events: UsageNotification[]): Promise<void>;
  /** Ends the subscription now (with Lago's termination options); resolves once its final invoice and credit note exist. */
  terminate(organizationId: string, externalId: string, atMs: number, options?: TerminationOptions): Promise<TerminateResult>;
  /** Upgrades at once or schedules a downgrade; resolves once the workflow has applied it. */
  changePlan(organizationId: string, externalId: string, request: PlanChangeRequest): Promise<PlanChangeResult>;
  /**
   * Cancels the scheduled plan change of `externalId`; resolves once the pending subscription is
   * canceled. Throws a `WorkflowRefusal` when there is no such pending change (any more).
   */
  cancelPlanChange(organizationId: string, externalId: string, request: CancelPlanChangeRequest): Promise<CancelPlanChangeResult>;
  /**
   * Edits the subscription (`PUT`); resolves once the workflow has written it. Throws a
   * `WorkflowRefusal` whose message reads `<field> <code>: <why>` when the edit is refused.
   */
  edit(organizationId: string, externalId: string, request: EditSubscriptionRequest): Promise<EditSubscriptionResult>;
  /**
   * Whether the workflow of `externalId` is running, has closed, or was never started; throws
   * `WorkflowsUnavailable` when Temporal does not answer within `REACH_TIMEOUT_MS`. Absent from
   * gateways that cannot tell (test stubs): callers then go ahead.
   */
  presence?(organizationId: string, externalId: string): Promise<WorkflowPresence>;
  /** The ids of every running subscription workflow, or null when the server cannot list them (the time-skipping server). */
  runningWorkflowIds?(): Promise<Set<string> | null>;
}

export type WorkflowPresence = 'running' | 'closed' | 'missing';

/** How long a call may take to reach Temporal before it counts as unavailable. */
export const REACH_TIMEOUT_MS = 1_500;
/** How long an update (terminate, change plan), which waits for the workflow's own work, may take. */
export const UPDATE_TIMEOUT_MS = 60_000;

/**
 * Temporal did not answer in time (down, unreachable or overloaded). `delivered` says whether the
 * request may have reached the workflow anyway: never for a start, a signal or a look (they are
 * refused as a whole), possibly for an update that timed out while the workflow worked on it.
 */
export class WorkflowsUnavailable extends Error {
  constructor(
    readonly operation: string,
    readonly delivered: 'no' | 'unknown',
    cause?: unknown,
  ) {
    super(`Temporal did not answer ${operation} in time`, { cause });
    this.name = 'WorkflowsUnavailable';
  }
}

/** gRPC codes that mean "no answer": CANCELLED (our deadline), DEADLINE_EXCEEDED, UNAVAILABLE. */
const NO_ANSWER = new Set([1, 4, 14]);

/** Whether an error (or one of its causes) is a gRPC call that got no answer from the server. */
export function isNoAnswer(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number' && NO_ANSWER.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Runs `call` against Temporal with a deadline: its gRPC requests are cancelled when it passes,
 * and the caller gets `WorkflowsUnavailable` at the deadline whatever the SDK's own retries do.
 */
export async function withinDeadline<T>(
  connection: Pick<Client['connection'], 'withAbortSignal'>,
  timeoutMs: number,
  operation: string,
  call: () => Promise<T>,
  delivered: 'no' | 'unknown' = 'no',
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new WorkflowsUnavailable(operation, delivered));
    }, timeoutMs);
  });
  const work = connection.withAbortSignal(controller.signal, call);
  work.catch(() => undefined); // it may settle after the deadline answered
  try {
    return await Promise.race([work, expired]);
  } catch (error) {
    if (!(error instanceof WorkflowsUnavailable) && isNoAnswer(error)) throw new WorkflowsUnavailable(operation, delivered, error);
    throw error;
  } finally {
    clearTimeout(timer);
  }
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

export function temporalSubscriptionWorkflows(
  client: Client,
  options: { taskQueue: string; searchAttributes: boolean; reachTimeoutMs?: number; updateTimeoutMs?: number },
): SubscriptionWorkflows {
  const reachMs = options.reachTimeoutMs ?? REACH_TIMEOUT_MS;
  const updateMs = options.updateTimeoutMs ?? UPDATE_TIMEOUT_MS;
  const reach = <T>(operation: string, call: () => Promise<T>) => withinDeadline(client.connection, reachMs, operation, call);
  const update = <T>(operation: string, call: () => Promise<T>) => withinDeadline(client.connection, updateMs, operation, call, 'unknown');
  const handle = (organizationId: string, externalId: string) => client.workflow.getHandle(subscriptionWorkflowId(organizationId, externalId));
  return {
    async start({ state, externalId, customerExternalId, planCode, status }) {
      const workflowId = subscriptionWorkflowId(state.organizationId, externalId);
      await reach('a workflow start', () => client.workflow.start('subscriptionWorkflow', {
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
      }));
      return workflowId;
    },
    async view(organizationId, externalId) {
      return reach('a query', () => handle(organizationId, externalId).query(stateQuery));
    },
    async terminate(organizationId, externalId, atMs, options = {}) {
      return update('a termination', () => handle(organizationId, externalId).executeUpdate(terminateUpdate, { args: [{ atMs, ...options }] }));
    },
    async changePlan(organizationId, externalId, request) {
      return update('a plan change', () => handle(organizationId, externalId).executeUpdate(changePlanUpdate, { args: [request] }));
    },
    async cancelPlanChange(organizationId, externalId, request) {
      return update('a plan change cancellation', () => refusable(handle(organizationId, externalId).executeUpdate(cancelPlanChangeUpdate, { args: [request] })));
    },
    async edit(organizationId, externalId, request) {
      return update('an edit', () => refusable(handle(organizationId, externalId).executeUpdate(editSubscriptionUpdate, { args: [request] })));
    },
    async notifyUsage(organizationId, externalId, events) {
      if (events.length === 0) return;
      await reach('a usage signal', () => handle(organizationId, externalId).signal(usageSignal, { events }));
    },
    async presence(organizationId, externalId) {
      try {
        const description = await reach('a workflow description', () => handle(organizationId, externalId).describe());
        return description.status.name === 'RUNNING' ? 'running' : 'closed';
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return 'missing';
        throw error;
      }
    },
    async runningWorkflowIds() {
      const ids = new Set<string>();
      try {
        await withinDeadline(client.connection, Math.max(updateMs, 60_000), 'a workflow list', async () => {
          for await (const execution of client.workflow.list({ query: "WorkflowType = 'subscriptionWorkflow' AND ExecutionStatus = 'Running'" })) {
            ids.add(execution.workflowId);
          }
        });
      } catch (error) {
        if ((error as { code?: unknown }).code === 12 || /UNIMPLEMENTED|not implemented/i.test(String((error as Error).message))) return null; // the time-skipping server lists nothing
        throw error;
      }
      return ids;
    },
  };
}

/** What `/ready` asks Temporal: is it there, and does a worker poll the task queue. */
export interface TemporalProbe {
  /** Resolves when the frontend answers within `REACH_TIMEOUT_MS`; throws `WorkflowsUnavailable` otherwise. */
  reachable(): Promise<void>;
  /**
   * The workers polling the task queue for workflow tasks, with the time of their last poll
   * (DescribeTaskQueue); null when the server does not say (the time-skipping server).
   */
  pollers(): Promise<{ identity: string; lastAccessMs: number | null }[] | null>;
}

export function temporalProbe(client: Client, options: { namespace: string; taskQueue: string; reachTimeoutMs?: number }): TemporalProbe {
  const reachMs = options.reachTimeoutMs ?? REACH_TIMEOUT_MS;
  return {
    async reachable() {
      await withinDeadline(client.connection, reachMs, 'a health check', () => client.workflowService.getSystemInfo({}));
    },
    async pollers() {
      try {
        const answer = await withinDeadline(client.connection, reachMs, 'a task queue description', () =>
          client.workflowService.describeTaskQueue({ namespace: options.namespace, taskQueue: { name: options.taskQueue }, taskQueueType: 1 }));
        return (answer.pollers ?? []).map((poller) => ({
          identity: poller.identity ?? '',
          lastAccessMs: optionalTsToMs(poller.lastAccessTime) ?? null,
        }));
      } catch (error) {
        if ((error as { code?: unknown }).code === 12) return null;
        throw error;
      }
    },
  };
}

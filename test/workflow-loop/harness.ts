/**
 * Tier 2 of the workflow tests: the real subscription workflow on the time-skipping server, its
 * activities replaced by plain functions that record every call (name and input, with the run and
 * the attempt) and answer what the real ones would. No Postgres: each file bundles the workflows, starts one test server and one
 * worker (a second worker would not get the tasks sticky to the first), and drives subscriptions
 * through the same client the API uses (`src/workflows/client.ts`).
 */
import { Context } from '@temporalio/activity';
import { WorkflowClient } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { BillingActivities } from '../../src/activities';
import { subscriptionTerms } from '../../src/billing/subscription-terms';
import type { BillingTime, Interval } from '../../src/billing/types';
import { subscriptionWorkflowId } from '../../src/workflows/ids';
import { temporalSubscriptionWorkflows, type SubscriptionWorkflows } from '../../src/workflows/client';
import type { PlanChangeRequest, SubscriptionWorkflowState } from '../../src/workflows/messages';
import { createTimeSkippingEnv, moveClockTo, silentLogger } from '../support/temporal';

/** The activities the subscription workflow calls, with the real signatures. */
export type LoopActivities = Pick<
  BillingActivities,
  | 'startSubscription' | 'closePeriod' | 'recordUsage' | 'terminateSubscription' | 'cancelSubscription' | 'upgradeSubscription' | 'applyDowngrade'
  | 'cancelPlanChange' | 'endTrial' | 'alertTermination' | 'refreshDrafts' | 'finalizeDraft' | 'editSubscription' | 'checkUsageThresholds'
>;
export type ActivityName = keyof LoopActivities;
type InputOf<N extends ActivityName> = Parameters<LoopActivities[N]>[0];

export interface ActivityCall {
  name: ActivityName;
  input: unknown;
  workflowId: string;
  runId: string;
  attempt: number;
}

/** Runs inside a mocked activity before it answers (a test's way to fail it or to race a message). */
type Interceptor<N extends ActivityName> = (input: InputOf<N>, call: ActivityCall) => Promise<void> | void;

export const ORGANIZATION_ID = 'org-loop';
/** Metric codes whose units persist (seats): recordUsage answers how many are active. */
const PERSISTENT_METRICS = ['seats'];

export interface LoopBed {
  env: TestWorkflowEnvironment;
  workflows: SubscriptionWorkflows;
  /** Every activity call of the subscription `externalId`'s workflow, in order: `[name, input]`. */
  calls(externalId: string): [ActivityName, unknown][];
  /** The same calls with the run and the attempt each one ran in. */
  callDetails(externalId: string): ActivityCall[];
  /** Every activity call of any workflow (a draft's timer, a final late-usage check) by its id, in order. */
  callsOfWorkflow(workflowId: string): [ActivityName, unknown][];
  /** Runs `interceptor` in every call of activity `name` until the end of the test. */
  intercept<N extends ActivityName>(name: N, interceptor: Interceptor<N>): void;
  /** Makes activity `name` answer what `answer` returns (instead of the default) until the end of the test. */
  respond<N extends ActivityName>(name: N, answer: (input: InputOf<N>) => Awaited<ReturnType<LoopActivities[N]>>): void;
  /** Starts the subscription's workflow as the API does (`started: false`, nothing billed yet). */
  subscribe(subscription: TestSubscription): Promise<string>;
  /** Moves the test clock to an absolute instant; timers, activities and messages due run on the way. */
  clockTo(iso: string): Promise<void>;
  /** The running run of the subscription's workflow. */
  currentRunId(externalId: string): Promise<string>;
  /** What the subscription's (completed) workflow returned. */
  result(externalId: string): Promise<unknown>;
}

export interface TestPlan {
  code: string;
  interval: Interval;
  payInAdvance: boolean;
  /** Days (Lago's `trial_period`). */
  trialPeriod?: number;
}

export interface TestSubscription {
  externalId: string;
  subscriptionId: string;
  plan: TestPlan;
  billingTime: BillingTime;
  subscriptionAt: string;
  timezone: string;
  endingAt?: string;
  historyLimit?: number;
  /**
   * The notices as the API starts them (trial end to come, alerts from the creation on). Leave it
   * out for a workflow as started before the notices existed.
   */
  notices?: SubscriptionWorkflowState['notices'];
}

export function useLoopBed(taskQueue: string): LoopBed {
  jest.setTimeout(60_000); // each test takes a second or two: a minute means a stuck workflow
  const recorded: ActivityCall[] = [];
  const interceptors = new Map<ActivityName, Interceptor<ActivityName>>();
  const answers = new Map<ActivityName, (input: never) => unknown>();
  const answer = <N extends ActivityName>(name: N, input: InputOf<N>, fallback: Awaited<ReturnType<LoopActivities[N]>>) =>
    (answers.has(name) ? (answers.get(name)! as (input: InputOf<N>) => Awaited<ReturnType<LoopActivities[N]>>)(input) : fallback);
  const started: string[] = [];
  const activeSeats = new Map<string, Set<string>>();
  /** The subscriptions as subscribed (and edited): what editSubscription answers terms from. */
  const subscribed = new Map<string, TestSubscription>();
  let env: TestWorkflowEnvironment;
  let workflows: SubscriptionWorkflows;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  async function record<N extends ActivityName>(name: N, input: InputOf<N>): Promise<void> {
    const { workflowExecution, attempt } = Context.current().info;
    const call = { name, input, workflowId: workflowExecution!.workflowId, runId: workflowExecution!.runId, attempt };
    recorded.push(call);
    await (interceptors.get(name) as Interceptor<N> | undefined)?.(input, call);
  }

  const activities: LoopActivities = {
    async startSubscription(input) {
      await record('startSubscription', input);
      return null; // as for a plan with nothing due at the start
    },
    async closePeriod(input) {
      await record('closePeriod', input);
      return answer('closePeriod', input, { invoiceId: `invoice/${input.subscriptionId}/${input.billingDate}`, number: 'LOOP-001', totalAmountCents: '1000', created: true });
    },
    async recordUsage(input) {
      await record('recordUsage', input);
      const seats: Record<string, number> = {};
      for (const event of input.events.filter((e) => PERSISTENT_METRICS.includes(e.code))) {
        const key = `${input.subscriptionId}/${event.code}`;
        activeSeats.set(key, (activeSeats.get(key) ?? new Set()).add(event.transactionId));
        seats[event.code] = activeSeats.get(key)!.size;
      }
      return { seats };
    },
    async terminateSubscription(input) {
      await record('terminateSubscription', input);
      return { subscriptionId: input.subscriptionId, invoiceId: `invoice/${input.subscriptionId}/terminated`, creditNoteId: null };
    },
    async cancelSubscription(input) {
      await record('cancelSubscription', input);
      return { subscriptionId: input.subscriptionId, invoiceId: null, creditNoteId: null };
    },
    async upgradeSubscription(input) {
      await record('upgradeSubscription', input);
      return { subscriptionId: input.toSubscriptionId, invoiceId: `invoice/${input.fromSubscriptionId}/upgraded`, creditNoteId: `credit-note/${input.fromSubscriptionId}` };
    },
    async applyDowngrade(input) {
      await record('applyDowngrade', input);
      return { subscriptionId: input.toSubscriptionId, invoiceId: `invoice/${input.toSubscriptionId}/${input.billingDate}`, creditNoteId: null };
    },
    async cancelPlanChange(input) {
      await record('cancelPlanChange', input);
    },
    async endTrial(input) {
      await record('endTrial', input);
    },
    async alertTermination(input) {
      await record('alertTermination', input);
    },
    async refreshDrafts(input) {
      await record('refreshDrafts', input);
    },
    async finalizeDraft(input) {
      await record('finalizeDraft', input);
      return { status: 'finalized', number: `LOOP-${input.invoiceId}` };
    },
    async checkUsageThresholds(input) {
      await record('checkUsageThresholds', input);
      return answer('checkUsageThresholds', input, { invoiceId: null, crossed: 0 });
    },
    async editSubscription(input) {
      await record('editSubscription', input);
      const current = subscribed.get(input.subscriptionId);
      if (!current) throw new Error(`No subscription ${input.subscriptionId} in this bed`);
      const edited: TestSubscription = { ...current };
      if (input.subscriptionAt !== undefined) edited.subscriptionAt = new Date(input.subscriptionAt).toISOString();
      if (input.endingAt !== undefined) edited.endingAt = input.endingAt === null ? undefined : new Date(input.endingAt).toISOString();
      subscribed.set(input.subscriptionId, edited);
      return { subscriptionId: input.subscriptionId, terms: termsOf(edited, edited.plan), pendingTerms: null };
    },
  };

  beforeAll(async () => {
    const [testEnv, { code }] = await Promise.all([
      createTimeSkippingEnv(),
      bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: silentLogger }),
    ]);
    env = testEnv;
    workflows = temporalSubscriptionWorkflows(env.client, { taskQueue, searchAttributes: false, reachTimeoutMs: 30_000 }); // as TEST_REACH_TIMEOUT_MS (test/support/api.ts)
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: { code }, activities });
    running = worker.run();
  });

  // The clock is shared by the whole file: a workflow left running would keep billing as later tests move it.
  afterEach(async () => {
    interceptors.clear();
    answers.clear();
    for (const workflowId of started.splice(0)) {
      await env.client.workflow.getHandle(workflowId).terminate('test finished').catch(() => undefined);
    }
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  const detailsOf = (externalId: string) =>
    recorded.filter((call) => call.workflowId === subscriptionWorkflowId(ORGANIZATION_ID, externalId));

  return {
    get env() {
      return env;
    },
    get workflows() {
      return workflows;
    },
    calls: (externalId) => detailsOf(externalId).map((call) => [call.name, call.input]),
    callDetails: detailsOf,
    callsOfWorkflow: (workflowId) => recorded.filter((call) => call.workflowId === workflowId).map((call) => [call.name, call.input]),
    intercept(name, interceptor) {
      interceptors.set(name, interceptor as Interceptor<ActivityName>);
    },
    respond(name, fn) {
      answers.set(name, fn as (input: never) => unknown);
    },
    async subscribe(subscription) {
      subscribed.set(subscription.subscriptionId, subscription);
      const state: SubscriptionWorkflowState = {
        organizationId: ORGANIZATION_ID,
        subscriptionId: subscription.subscriptionId,
        planCode: subscription.plan.code,
        terms: termsOf(subscription, subscription.plan),
        billedThrough: null,
        started: false,
        historyLimit: subscription.historyLimit,
        ...(subscription.notices ? { notices: subscription.notices } : {}),
      };
      const workflowId = await workflows.start({
        state,
        externalId: subscription.externalId,
        customerExternalId: `customer-of-${subscription.externalId}`,
        planCode: subscription.plan.code,
        status: 'pending', // only a search attribute, and this client sets none
      });
      started.push(workflowId);
      return workflowId;
    },
    clockTo: (iso) => moveClockTo(env, iso),
    async currentRunId(externalId) {
      return (await env.client.workflow.getHandle(subscriptionWorkflowId(ORGANIZATION_ID, externalId)).describe()).runId;
    },
    // Not through env.client: its result() unlocks the clock, which then leaps to the next timer the
    // server holds (ten years ahead when tried on a finished workflow), spoiling the file's dates.
    result: (externalId) => new WorkflowClient({ connection: env.connection }).getHandle(subscriptionWorkflowId(ORGANIZATION_ID, externalId)).result(),
  };
}

/**
 * A plan change as the API sends it: the new subscription row inherits the anchor, billing time
 * and ending date of the current one and has not started, so its terms start at `subscription_at`.
 */
export function planChange(kind: PlanChangeRequest['kind'], current: TestSubscription, next: { subscriptionId: string; plan: TestPlan }, at: string): PlanChangeRequest {
  return { kind, subscriptionId: next.subscriptionId, planCode: next.plan.code, terms: termsOf(current, next.plan), atMs: Date.parse(at) };
}

/** The terms the API computes for a stored subscription row that has not started yet. */
function termsOf(subscription: TestSubscription, plan: TestPlan) {
  return subscriptionTerms(
    {
      billing_time: subscription.billingTime,
      subscription_at: new Date(subscription.subscriptionAt),
      started_at: null,
      ending_at: subscription.endingAt ? new Date(subscription.endingAt) : null,
    },
    { interval: plan.interval, pay_in_advance: plan.payInAdvance, bill_charges_monthly: false, trial_period: plan.trialPeriod === undefined ? null : String(plan.trialPeriod) },
    subscription.timezone,
  );
}


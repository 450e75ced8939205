/**
 * One subscription's life (DESIGN.md §4): activate at its start, sleep until each billing
 * boundary, close the period, sleep until the next one in the same run; continue as new only when
 * the history is full. Updates (terminate, change plan, cancel a pending
 * plan change) and signals (usage) only queue work; the main loop does it, one thing at a time, so
 * messages never race a period close. Usage signalled for a subscription with usage thresholds is
 * checked for crossings at once (progressive billing). Between boundaries it also wakes for its notices: the end of
 * the trial and the termination alerts before `ending_at`. Periods closed as drafts (a grace period)
 * and late usage are handled by the small functions of subscription-drafts.ts. Orchestration only:
 * dates come from the billing core, money and I/O from activities.
 */
import {
  ActivityFailure, allHandlersFinished, ApplicationFailure, condition, continueAsNew, patched, proxyActivities, proxyLocalActivities, setHandler, upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { BillingActivities } from '../activities';
import { localDateOf, startOfLocalDay, type LocalDate } from '../billing/calendar';
import { nextBillingDate } from '../billing/periods';
import {
  cancelPlanChangeUpdate, changePlanUpdate, editRefusal, editSubscriptionUpdate, stateQuery, terminateUpdate, usageSignal,
  type CancelPlanChangeRequest, type CancelPlanChangeResult, type EditSubscriptionRequest, type EditSubscriptionResult, type PlanChangeRequest,
  type PlanChangeResult, type SubscriptionNotices, type SubscriptionWorkflowState, type TerminateResult, type TerminationOptions, type UsageSignal,
} from './messages';
import { CUSTOMER_ID, SUBSCRIPTION_STATUS, PLAN_CODE } from './search-attributes';
import { finalizeDraftsNow, finalizeEndedDrafts, keepDraft, nextDraftEndAt, refreshDrafts, sortUsage } from './subscription-drafts';

const activities = proxyActivities<BillingActivities>({
  startToCloseTimeout: '2 minutes',
  // Billing activities finish in well under a second; if a worker dies mid-call, retry after 15 s, not 2 min.
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * The period close, as a local activity: the worker that holds the workflow runs it inside the
 * workflow task its timer woke, and records its answer as one marker. A close then costs Temporal
 * one workflow task, where an activity costs it an activity task and a second workflow task (at a
 * month-end close, each of those is a round of the server's persistence, for every subscription).
 * No heartbeat timeout: a worker that dies mid-close stops heartbeating its workflow task, which
 * times out (10 s) and runs again on another worker, the close included; the close is idempotent.
 */
const closer = proxyLocalActivities<BillingActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const DEFAULT_HISTORY_LIMIT = 2_000;
/** patched(): the loop handles the inbox before continuing as new (issue 9). */
const DRAIN_BEFORE_CONTINUE = 'drain-inbox-before-continue-as-new';
/** patched(): timers for the trial's end and the termination alerts (issue 10). */
const NOTICES = 'trial-end-and-termination-alert-timers';
/** patched(): a downgrade whose billing date was already closed waits for the next one (issue 11). */
const DEFERRED_DOWNGRADE = 'downgrade-deferred-when-its-date-is-closed';
/** patched(): an upgrade takes the instant the activity applied it at (issue 11). */
const UPGRADE_EFFECTIVE_AT = 'upgrade-starts-at-its-effective-instant';
/** patched(): usage signalled for a subscription with usage thresholds is checked for crossings (issue 15). */
const PROGRESSIVE_BILLING = 'progressive-billing-on-usage-signals';
/**
 * patched(): after closing a boundary the run loops to the next one and continues as new only when
 * its history is full (issue 12). Before, every close ended the run: one more workflow task and one
 * new run per boundary. Histories recorded before it continue as new after their close, as they did.
 */
const LOOP_ACROSS_BOUNDARIES = 'one-run-across-boundaries';
/** patched(): a boundary's period is closed by a local activity (issue 12); histories from before close it with an activity. */
const CLOSE_IN_WORKFLOW_TASK = 'period-close-as-local-activity';

/**
 * Termination alerts: these many days (of 24 h) before `ending_at`. Lago sends them on the dates
 * of LAGO_SUBSCRIPTION_TERMINATION_ALERT_SENT_AT_DAYS (default 15,45; 1,15,45 in its own example);
 * Billow sends the three, each at its instant.
 */
export const TERMINATION_ALERT_DAYS = [45, 15, 1] as const;
const DAY_MS = 86_400_000;

type Outcome<T> = { done: false } | { done: true; value: T } | { done: true; error: string };

interface Inbox {
  usage: UsageSignal['events'];
  termination: { atMs: number; options: TerminationOptions; outcome: Outcome<TerminateResult> } | null;
  planChanges: { request: PlanChangeRequest; outcome: Outcome<PlanChangeResult> }[];
  cancellations: { request: CancelPlanChangeRequest; outcome: Outcome<CancelPlanChangeResult> }[];
  edits: { request: EditSubscriptionRequest; outcome: Outcome<EditSubscriptionResult> }[];
}

export async function subscriptionWorkflow(state: SubscriptionWorkflowState): Promise<TerminateResult | undefined> {
  const inbox: Inbox = { usage: [], termination: null, planChanges: [], cancellations: [], edits: [] };
  let terminated = false;
  const timezone = () => state.terms.schedule.timezone;
  const upcomingBillingDate = (): LocalDate =>
    nextBillingDate(state.terms, state.billedThrough ?? localDateOf(state.terms.startedAt, timezone()));

  setHandler(stateQuery, () => {
    const billingDate = terminated ? null : upcomingBillingDate();
    return {
      subscriptionId: state.subscriptionId,
      status: terminated ? 'terminated' : state.started ? 'active' : 'pending',
      planCode: state.planCode,
      billedThrough: state.billedThrough,
      nextBillingDate: billingDate,
      nextBillingAt: billingDate ? new Date(startOfLocalDay(billingDate, timezone())).toISOString() : null,
      pendingChange: state.pendingChange ? { planCode: state.pendingChange.planCode, effectiveDate: state.pendingChange.effectiveDate } : null,
      seats: state.seats ?? {},
    };
  });

  setHandler(usageSignal, ({ events }) => {
    inbox.usage.push(...events);
  });

  setHandler(
    terminateUpdate,
    async ({ atMs, ...options }) => {
      inbox.termination ??= { atMs, options, outcome: { done: false } };
      const request = inbox.termination;
      await condition(() => request.outcome.done);
      return settle(request.outcome);
    },
    { validator: (_request) => rejectUnless(!terminated && inbox.termination === null, 'The subscription is already terminated.') },
  );

  setHandler(
    changePlanUpdate,
    async (request) => {
      const entry = { request, outcome: { done: false } as Outcome<PlanChangeResult> };
      inbox.planChanges.push(entry);
      await condition(() => entry.outcome.done);
      return settle(entry.outcome);
    },
    {
      validator: (request) => {
        rejectUnless(!terminated && inbox.termination === null, 'The subscription is terminated.');
        rejectUnless(request.kind === 'upgrade' || request.kind === 'downgrade', 'A plan change is an upgrade or a downgrade.');
      },
    },
  );

  setHandler(
    cancelPlanChangeUpdate,
    async (request) => {
      const entry = { request, outcome: { done: false } as Outcome<CancelPlanChangeResult> };
      inbox.cancellations.push(entry);
      await condition(() => entry.outcome.done);
      return settle(entry.outcome);
    },
    {
      validator: (request) => {
        rejectUnless(!terminated && inbox.termination === null, 'The subscription is terminated.');
        rejectUnless(state.pendingChange?.subscriptionId === request.subscriptionId, 'There is no such pending plan change.');
      },
    },
  );

  setHandler(
    editSubscriptionUpdate,
    async (request) => {
      const entry = { request, outcome: { done: false } as Outcome<EditSubscriptionResult> };
      inbox.edits.push(entry);
      await condition(() => entry.outcome.done);
      return settle(entry.outcome);
    },
    { validator: (request) => validateEdit(state, request, !terminated && inbox.termination === null) },
  );

  const hasWork = () => inbox.usage.length > 0 || inbox.termination !== null || inbox.planChanges.length > 0 || inbox.cancellations.length > 0
    || inbox.edits.length > 0;
  const historyFull = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= (state.historyLimit ?? DEFAULT_HISTORY_LIMIT);

  // Before the start (subscription_at in the future): a cancellation, or an edit (which may move the start).
  while (!state.started) {
    const startReached = !(await condition(() => inbox.termination !== null || inbox.edits.length > 0, untilMs(state.terms.startedAt)));
    if (inbox.termination) {
      const request = inbox.termination;
      request.outcome = await attempt(() => activities.cancelSubscription({ subscriptionId: state.subscriptionId, atMs: request.atMs }));
      terminated = true;
      return finish(request.outcome);
    }
    if (inbox.edits.length > 0) {
      await applyEdits(state, inbox.edits.splice(0, inbox.edits.length));
      continue;
    }
    if (startReached) {
      await activities.startSubscription({ subscriptionId: state.subscriptionId });
      state.started = true;
      markSearchAttributes([{ key: SUBSCRIPTION_STATUS, value: 'active' }]);
      // Alerts are for active subscriptions: one that fell before the start is not sent late.
      if (state.notices) state.notices.alertsThrough = Math.max(state.notices.alertsThrough, Date.now());
    }
  }

  for (;;) {
    const billingDate = upcomingBillingDate();
    const boundaryMs = startOfLocalDay(billingDate, timezone());
    const endingAt = state.terms.endingAt;
    const endsFirst = endingAt !== null && endingAt < boundaryMs;
    const deadline = endsFirst ? endingAt : boundaryMs;
    // A notice due before the deadline wakes the loop first (histories from before the patch never do),
    // and so does the end of a draft's grace period (histories from before drafts have none).
    const noticing = noticesApply(state);
    const noticeAt = noticing ? nextNoticeAt(state, deadline) : null;
    const wakeAt = Math.min(noticeAt ?? deadline, nextDraftEndAt(state) ?? Infinity);

    const timedOut = !(await condition(() => hasWork() || historyFull(), untilMs(wakeAt)));
    const deadlineReached = timedOut && wakeAt === deadline;

    if (inbox.usage.length > 0) {
      const signalled = inbox.usage.splice(0, inbox.usage.length);
      const { watched, late } = sortUsage(signalled);
      if (watched.length > 0) {
        const { seats } = await activities.recordUsage({ subscriptionId: state.subscriptionId, events: watched });
        state.seats = { ...(state.seats ?? {}), ...seats };
      }
      if (late) await refreshDrafts(state);
      // Progressive billing: the events may have crossed a usage threshold. Signals recorded before
      // issue 15 never carry `thresholds`, so their histories replay without this command.
      if (signalled.some((event) => event.thresholds === true) && patched(PROGRESSIVE_BILLING)) {
        await activities.checkUsageThresholds({ subscriptionId: state.subscriptionId });
      }
    }
    for (const entry of inbox.planChanges.splice(0, inbox.planChanges.length)) {
      entry.outcome = await attempt(() => changePlan(state, entry.request, upcomingBillingDate()));
    }
    for (const entry of inbox.cancellations.splice(0, inbox.cancellations.length)) {
      entry.outcome = await attempt(() => cancelPlanChange(state, entry.request));
    }
    if (inbox.edits.length > 0) await applyEdits(state, inbox.edits.splice(0, inbox.edits.length));
    if (inbox.termination) {
      const request = inbox.termination;
      request.outcome = await attempt(() => terminate(state, request.atMs, request.options));
      terminated = true;
      return finish(request.outcome);
    }
    if (noticing) await sendDueNotices(state, state.notices!);
    await finalizeEndedDrafts(state);
    if (deadlineReached && endsFirst) {
      const outcome = await attempt(() => terminate(state, endingAt));
      terminated = true;
      return finish(outcome);
    }
    if (deadlineReached) {
      await closeBoundary(state, billingDate);
      // The next boundary in the same run (its inbox is handled at the top of the loop). The marker
      // is taken right after the close, where the command order parts: a next timer here, a
      // continue-as-new before. A full history continues as new on either path.
      if (!historyFull() && patched(LOOP_ACROSS_BOUNDARIES)) continue;
    } else if (!historyFull()) continue;
    if (patched(DRAIN_BEFORE_CONTINUE)) {
      // Before continuing as new, messages heard meanwhile (during the close, say) get another turn
      // of the loop: a signal is never dropped, an update never left waiting.
      await condition(() => hasWork() || allHandlersFinished());
      if (!hasWork()) break;
    } else if (deadlineReached || !hasWork()) break; // histories from before the patch (no notices: deadlineReached is timedOut)
  }

  await condition(allHandlersFinished);
  return continueAsNew<typeof subscriptionWorkflow>(state);

  async function finish(outcome: Outcome<TerminateResult>): Promise<TerminateResult | undefined> {
    markSearchAttributes([{ key: SUBSCRIPTION_STATUS, value: 'terminated' }]);
    await condition(allHandlersFinished);
    return outcome.done && 'value' in outcome ? outcome.value : undefined;
  }
}

/**
 * Issues the boundary's invoice, switching to a pending downgrade when it takes effect now. A
 * downgrade whose date the customer's consolidated invoice already closed as a periodic one (the
 * change reached this workflow late) is deferred by the activity: it waits for the next boundary.
 */
async function closeBoundary(state: SubscriptionWorkflowState, billingDate: LocalDate): Promise<void> {
  const change = state.pendingChange;
  if (change && change.effectiveDate <= billingDate) {
    const outcome = await activities.applyDowngrade({ fromSubscriptionId: state.subscriptionId, toSubscriptionId: change.subscriptionId, billingDate, timezone: state.terms.schedule.timezone });
    // Results recorded before deferral existed have no `deferred`: they were applied.
    if (outcome?.deferred === true && patched(DEFERRED_DOWNGRADE)) {
      state.billedThrough = billingDate;
      state.pendingChange = { ...change, effectiveDate: nextBillingDate(state.terms, billingDate) };
      return;
    }
    const startedAt = startOfLocalDay(billingDate, change.terms.schedule.timezone);
    state.subscriptionId = change.subscriptionId;
    state.planCode = change.planCode;
    state.terms = { ...change.terms, startedAt };
    state.pendingChange = null;
    markSearchAttributes([{ key: PLAN_CODE, value: state.planCode }]);
  } else {
    const closePeriod = patched(CLOSE_IN_WORKFLOW_TASK) ? closer.closePeriod : activities.closePeriod;
    keepDraft(state, await closePeriod({ subscriptionId: state.subscriptionId, billingDate }));
  }
  state.billedThrough = billingDate;
}

async function changePlan(state: SubscriptionWorkflowState, request: PlanChangeRequest, nextBoundary: LocalDate): Promise<PlanChangeResult> {
  if (request.kind === 'downgrade') {
    // Takes effect at the end of the current period; a second change replaces a pending one.
    state.pendingChange = { subscriptionId: request.subscriptionId, planCode: request.planCode, terms: request.terms, effectiveDate: nextBoundary };
    return { subscriptionId: request.subscriptionId, kind: 'downgrade', effectiveDate: nextBoundary };
  }
  await finalizeDraftsNow(state);
  const outcome = await activities.upgradeSubscription({ fromSubscriptionId: state.subscriptionId, toSubscriptionId: request.subscriptionId, atMs: request.atMs });
  // Not before a billing date already closed (lifecycle.ts); results from before have no effectiveAtMs.
  const startedAt = outcome?.effectiveAtMs !== undefined && outcome.effectiveAtMs !== request.atMs && patched(UPGRADE_EFFECTIVE_AT) ? outcome.effectiveAtMs : request.atMs;
  state.subscriptionId = request.subscriptionId;
  state.planCode = request.planCode;
  state.terms = { ...request.terms, startedAt };
  state.pendingChange = null;
  markSearchAttributes([{ key: PLAN_CODE, value: state.planCode }]);
  return { subscriptionId: request.subscriptionId, kind: 'upgrade', effectiveDate: localDateOf(request.atMs, request.terms.schedule.timezone) };
}

/** Drops the pending plan change the request names; its row is canceled by the activity. */
async function cancelPlanChange(state: SubscriptionWorkflowState, request: CancelPlanChangeRequest): Promise<CancelPlanChangeResult> {
  // The validator checked it, but a plan change queued before this request may have replaced it since.
  if (state.pendingChange?.subscriptionId !== request.subscriptionId) throw new Error('There is no such pending plan change.');
  await activities.cancelPlanChange({ subscriptionId: state.subscriptionId, pendingSubscriptionId: request.subscriptionId, atMs: request.atMs });
  state.pendingChange = null;
  return { subscriptionId: state.subscriptionId, canceledSubscriptionId: request.subscriptionId };
}

/** The instants of the termination alerts before `endingAt`, earliest first. */
function terminationAlertsAt(endingAt: number | null): number[] {
  return endingAt === null ? [] : TERMINATION_ALERT_DAYS.map((days) => endingAt - days * DAY_MS);
}

/** Whether a notice is still to come, judged from the state alone (notices not set up yet: a trial or an end exists). */
function hasNoticesAhead(state: SubscriptionWorkflowState): boolean {
  const { trialEndsAt, endingAt } = state.terms;
  const notices = state.notices;
  if (!notices) return trialEndsAt !== null || endingAt !== null;
  return (!notices.trialEnded && trialEndsAt !== null) || terminationAlertsAt(endingAt).some((at) => at > notices.alertsThrough);
}

/**
 * Whether this run keeps notices, setting them up on first use. Guarded by `patched()`: histories
 * recorded before the notices replay without them. A run from before them starts them now,
 * counting a trial already over and alerts already past as done (nothing stale is announced).
 */
function noticesApply(state: SubscriptionWorkflowState): boolean {
  if (!hasNoticesAhead(state) || !patched(NOTICES)) return false;
  if (!state.notices) {
    const now = Date.now();
    const { trialEndsAt } = state.terms;
    state.notices = { trialEnded: trialEndsAt !== null && trialEndsAt <= now, alertsThrough: now };
  }
  return true;
}

/** The earliest notice instant still to come, if it falls before `deadline`. */
function nextNoticeAt(state: SubscriptionWorkflowState, deadline: number): number | null {
  const notices = state.notices!;
  const { trialEndsAt, endingAt } = state.terms;
  const due = terminationAlertsAt(endingAt).filter((at) => at > notices.alertsThrough);
  if (!notices.trialEnded && trialEndsAt !== null) due.push(trialEndsAt);
  const next = Math.min(...due);
  return next < deadline ? next : null;
}

/** Records each notice whose instant has come: the trial's end once, each termination alert once. */
async function sendDueNotices(state: SubscriptionWorkflowState, notices: SubscriptionNotices): Promise<void> {
  const now = Date.now();
  const { trialEndsAt, endingAt } = state.terms;
  if (!notices.trialEnded && trialEndsAt !== null && trialEndsAt <= now) {
    await activities.endTrial({ subscriptionId: state.subscriptionId, trialEndedAtMs: trialEndsAt });
    notices.trialEnded = true;
  }
  for (const alertAtMs of terminationAlertsAt(endingAt)) {
    if (alertAtMs <= notices.alertsThrough || alertAtMs > now) continue;
    await activities.alertTermination({ subscriptionId: state.subscriptionId, alertAtMs });
    notices.alertsThrough = alertAtMs;
  }
  notices.alertsThrough = Math.max(notices.alertsThrough, now);
}

async function terminate(state: SubscriptionWorkflowState, atMs: number, options: TerminationOptions = {}): Promise<TerminateResult> {
  await finalizeDraftsNow(state);
  return activities.terminateSubscription({ subscriptionId: state.subscriptionId, pendingSubscriptionId: state.pendingChange?.subscriptionId ?? null, atMs, ...options });
}

/**
 * What an edit may ask, judged from the workflow's state when it arrives (the caller hears a
 * refusal at once): a live subscription, its current row, a new start only before it started, an
 * end in the future and after the start. The activity checks what only the database knows.
 */
function validateEdit(state: SubscriptionWorkflowState, request: EditSubscriptionRequest, live: boolean): void {
  rejectUnless(live, editRefusal('subscription', 'not_editable', 'The subscription is terminated.'));
  rejectUnless(request.subscriptionId === state.subscriptionId,
    editRefusal('subscription', 'not_editable', 'Only the current subscription is edited; a scheduled plan change follows its end.'));
  if (request.subscriptionAt !== undefined) {
    rejectUnless(!state.started, editRefusal('subscription_at', 'not_editable', 'The subscription has started: subscription_at can only move before the start.'));
  }
  if (request.endingAt !== undefined && request.endingAt !== null) {
    const startsAt = request.subscriptionAt ?? state.terms.startedAt;
    rejectUnless(request.endingAt > Date.now() && request.endingAt > startsAt, editRefusal('ending_at', 'invalid_date', 'ending_at must be in the future and after the start.'));
  }
}

/** Applies edits in order: the activity writes the row; the workflow takes the terms it answers. */
async function applyEdits(state: SubscriptionWorkflowState, entries: { request: EditSubscriptionRequest; outcome: Outcome<EditSubscriptionResult> }[]): Promise<void> {
  for (const entry of entries) {
    entry.outcome = await attemptEdit(async () => {
      const result = await activities.editSubscription(entry.request);
      // A new end's alerts already past are not sent late (as at the start: only alerts to come).
      if (state.notices && result.terms.endingAt !== state.terms.endingAt) state.notices.alertsThrough = Math.max(state.notices.alertsThrough, Date.now());
      state.terms = result.terms;
      if (state.pendingChange && result.pendingTerms) state.pendingChange = { ...state.pendingChange, terms: result.pendingTerms };
      return result;
    });
  }
}

/** Like `attempt`, keeping the activity's own refusal (`<field> <code>: …`) as the message. */
async function attemptEdit<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { done: true, value: await work() };
  } catch (error) {
    const cause = error instanceof ActivityFailure ? error.cause : undefined;
    return { done: true, error: cause?.message ?? (error instanceof Error ? error.message : String(error)) };
  }
}

async function attempt<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { done: true, value: await work() };
  } catch (error) {
    return { done: true, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The update's answer. A failure is an ApplicationFailure: it fails the update (the caller hears
 * the reason) where any other error would fail the workflow task and leave the caller waiting.
 */
function settle<T>(outcome: Outcome<T>): T {
  if (!outcome.done) throw ApplicationFailure.create({ message: 'The request was not processed.', nonRetryable: true });
  if ('error' in outcome) throw ApplicationFailure.create({ message: outcome.error, nonRetryable: true });
  return outcome.value;
}

function rejectUnless(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** Keeps the UI's search attributes current, when the workflow was started with them. */
function markSearchAttributes(pairs: { key: typeof SUBSCRIPTION_STATUS | typeof PLAN_CODE; value: string }[]): void {
  if (workflowInfo().typedSearchAttributes.get(CUSTOMER_ID) === undefined) return;
  upsertSearchAttributes(pairs);
}

function untilMs(instantMs: number): number {
  return Math.max(1, instantMs - Date.now());
}

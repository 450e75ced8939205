/**
 * One run across billing boundaries (issue 12): after closing a boundary the loop sleeps to the
 * next one in the same run (timer → closePeriod as a local activity → next timer: one workflow task
 * per boundary, where closing with an activity took two, and continuing as new after each close
 * three and a new run), and continues as new only when its history is full, carrying every close
 * and open draft over. Histories recorded before (one run per close, closes as activities) keep
 * replaying: test/workflows/replay.test.ts.
 */
import type { temporal } from '@temporalio/proto';
import type { IssuedInvoice } from '../../src/services/invoicing';
import { subscriptionWorkflowId } from '../../src/workflows/ids';
import { historiesOfEveryRun, periodCloses } from '../support/histories';
import { ORGANIZATION_ID, useLoopBed, type TestPlan, type TestSubscription } from './harness';

const bed = useLoopBed('loop-one-run');
const monthlyArrears: TestPlan = { code: 'monthly', interval: 'monthly', payInAdvance: false };
const at = (iso: string) => Date.parse(iso);

function subscription(externalId: string, subscriptionAt: string, historyLimit?: number): TestSubscription {
  return { externalId, subscriptionId: `sub-${externalId}`, plan: monthlyArrears, billingTime: 'calendar', subscriptionAt, timezone: 'UTC', historyLimit };
}

/** The events of every run of the subscription's workflow, oldest first. */
async function runsOf(externalId: string): Promise<temporal.api.history.v1.IHistoryEvent[][]> {
  return (await historiesOfEveryRun(bed.env.client, subscriptionWorkflowId(ORGANIZATION_ID, externalId))).map((history) => history.events ?? []);
}

it('consecutive boundaries close in one run, each once, with one workflow task per boundary', async () => {
  await bed.clockTo('2031-01-10T10:00:00Z');
  await bed.subscribe(subscription('steady', '2031-01-10T10:00:00Z'));
  await bed.clockTo('2031-05-01T06:00:00Z');
  // Calendar months in UTC from Jan 10: Feb 1, Mar 1, Apr 1 and May 1, each at 00:00Z, each once.
  expect(bed.calls('steady')).toEqual([
    ['startSubscription', { subscriptionId: 'sub-steady' }],
    ['closePeriod', { subscriptionId: 'sub-steady', billingDate: '2031-02-01' }],
    ['closePeriod', { subscriptionId: 'sub-steady', billingDate: '2031-03-01' }],
    ['closePeriod', { subscriptionId: 'sub-steady', billingDate: '2031-04-01' }],
    ['closePeriod', { subscriptionId: 'sub-steady', billingDate: '2031-05-01' }],
  ]);
  expect(bed.callDetails('steady').map((call) => call.attempt)).toEqual([1, 1, 1, 1, 1]);
  // All in the run the subscription started in, which is still the current one: no continue-as-new.
  const runIds = new Set(bed.callDetails('steady').map((call) => call.runId));
  expect([...runIds]).toEqual([await bed.currentRunId('steady')]);
  expect(await bed.workflows.view(ORGANIZATION_ID, 'steady')).toMatchObject({ status: 'active', billedThrough: '2031-05-01', nextBillingDate: '2031-06-01' });

  const runs = await runsOf('steady');
  expect(runs).toHaveLength(1);
  const events = runs[0]!;
  expect(events.some((event) => event.workflowExecutionContinuedAsNewEventAttributes)).toBe(false);
  // Between two closes: the timer fires → one task runs closePeriod as a local activity, records its answer
  // (a marker) and starts the next timer. One WorkflowTaskCompleted per boundary (closing with an activity took
  // two: the task that scheduled it and the one that read its answer) and one timer.
  const closes = periodCloses(events);
  expect(closes.map((close) => close.local)).toEqual([true, true, true, true]);
  const closeIds = closes.map((close) => close.eventId);
  for (let i = 1; i < closeIds.length; i += 1) {
    const between = events.filter((event) => Number(event.eventId) > closeIds[i - 1]! && Number(event.eventId) < closeIds[i]!);
    expect(between.filter((event) => event.workflowTaskCompletedEventAttributes)).toHaveLength(1);
    expect(between.filter((event) => event.timerStartedEventAttributes)).toHaveLength(1);
  }
  // Each patch is marked once, at the first close: the local close, and the loop across boundaries (a run
  // recorded before it continued as new there).
  expect(events.filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch')).toHaveLength(2);
});

it('a small history limit: the run continues as new once its history is full, and every boundary is still closed once, in order', async () => {
  await bed.clockTo('2032-01-10T10:00:00Z');
  await bed.subscribe(subscription('bounded', '2032-01-10T10:00:00Z', 40));
  await bed.clockTo('2032-12-01T06:00:00Z');
  // Eleven boundaries, Feb 1 … Dec 1 2032, each closed once, on its first attempt.
  const months = ['02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12'];
  expect(bed.calls('bounded')).toEqual([
    ['startSubscription', { subscriptionId: 'sub-bounded' }],
    ...months.map((month) => ['closePeriod', { subscriptionId: 'sub-bounded', billingDate: `2032-${month}-01` }]),
  ]);
  expect(bed.callDetails('bounded').every((call) => call.attempt === 1)).toBe(true);

  // The history is judged after each close (historyLength = the started event id of the task that closed). A later
  // boundary adds 6 events: the timer fired, the task (scheduled, started, completed), the close's marker and the
  // next timer started. A patch adds 2 (its marker and the search attribute the SDK upserts with it).
  // First run: start timer 5–6, startSubscription 10–12, boundary timer 16–17, the task started at 19 < 40 closes Feb 1
  // (its patch 21–22, the close 23, the loop's patch 24–25, next timer 26); then tasks at 29, 35 < 40, and at
  // 41 ≥ 40: continue as new after four closes (the close 43, the patch that drains the inbox first 44–45,
  // continued as new 46).
  // A later run: first task 2–4, timer 5–6, the task at 8 closes (patch 10–11, close 12, patch 13–14, timer 15),
  // then 18, 24, 30, 36 < 40 and 42 ≥ 40: six closes (the close 44, the drain's patch 45–46, continued as new 47).
  // 4 + 6 = 10 boundaries in two full runs; the third closed Dec 1 and waits for Jan 1 2033.
  const runs = await runsOf('bounded');
  expect(runs.map((events) => periodCloses(events).length)).toEqual([4, 6, 1]);
  expect(runs.slice(0, 2).map((events) => [Number(events.at(-1)!.eventId), !!events.at(-1)!.workflowExecutionContinuedAsNewEventAttributes]))
    .toEqual([[46, true], [47, true]]);
  // Bounded: no run goes past the limit by more than one boundary's events, then the task's completion, the close,
  // the drain's patch and the continue-as-new.
  expect(Math.max(...runs.map((events) => events.length))).toBeLessThanOrEqual(40 + 6 + 5);
  expect(new Set(bed.callDetails('bounded').map((call) => call.runId)).size).toBe(3);
  expect(await bed.workflows.view(ORGANIZATION_ID, 'bounded')).toMatchObject({ status: 'active', billedThrough: '2032-12-01', nextBillingDate: '2033-01-01' });
});

it('a draft closed just before the history fills is carried into the next run and finalized there, once', async () => {
  await bed.clockTo('2033-01-10T10:00:00Z');
  // A 3-day grace period for the Feb 1 close: finalized at Feb 4 00:00Z.
  bed.respond('closePeriod', (input): IssuedInvoice => {
    const invoiceId = `invoice/${input.subscriptionId}/${input.billingDate}`;
    if (input.billingDate !== '2033-02-01') return { invoiceId, number: 'LOOP-001', totalAmountCents: '1000', created: true };
    return { invoiceId, number: 'LOOP-DRAFT', totalAmountCents: '1000', created: true, status: 'draft', finalizeAtMs: at('2033-02-04T00:00:00Z') };
  });
  // A limit of 19 events: the start's task (started at event 14) is under it; the task the Feb 1 timer wakes starts at
  // 19, so the history is full when the timer fires: the loop still closes Feb 1 (a draft) in that task, then
  // continues as new. The next run: the drafts' patch marker and the timer to Feb 4 from its first task (3),
  // finalizeDraft from the task at 10, the Mar 1 timer from the task at 16 < 19, and the task at 21 ≥ 19 closes
  // Mar 1 and continues as new again.
  await bed.subscribe(subscription('carried', '2033-01-10T10:00:00Z', 19));
  await bed.clockTo('2033-03-01T06:00:00Z');
  expect(bed.calls('carried')).toEqual([
    ['startSubscription', { subscriptionId: 'sub-carried' }],
    ['closePeriod', { subscriptionId: 'sub-carried', billingDate: '2033-02-01' }],
    ['finalizeDraft', { organizationId: ORGANIZATION_ID, invoiceId: 'invoice/sub-carried/2033-02-01', atMs: at('2033-02-04T00:00:00Z') }],
    ['closePeriod', { subscriptionId: 'sub-carried', billingDate: '2033-03-01' }],
  ]);
  const [start, close, finalize, next] = bed.callDetails('carried');
  expect(close!.runId).toBe(start!.runId);
  expect(finalize!.runId).not.toBe(close!.runId);
  expect(next!.runId).toBe(finalize!.runId);
  expect(next!.runId).not.toBe(await bed.currentRunId('carried'));
  expect(bed.callDetails('carried').every((call) => call.attempt === 1)).toBe(true);
});

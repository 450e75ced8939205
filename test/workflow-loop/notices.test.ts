/**
 * The subscription workflow's own notices with mocked activities: the end of the trial
 * (`endTrial`) and the termination alerts 45, 15 and 1 days before `ending_at`
 * (`alertTermination`), each on a durable timer between the billing boundaries and each once; and
 * the `cancelPlanChange` update that drops a scheduled downgrade. Every instant is worked out by
 * hand beside it (UTC, so a day is 24 h).
 */
import { ORGANIZATION_ID, planChange, useLoopBed, type TestPlan } from './harness';

const bed = useLoopBed('loop-notices');
const at = (iso: string) => Date.parse(iso);

/** The message of an update's rejection (the validator's error), or 'accepted'. */
async function refusalOf(update: Promise<unknown>): Promise<string> {
  return update.then(
    () => 'accepted',
    (error: Error) => (error.cause instanceof Error ? error.cause.message : error.message),
  );
}

it('a trial and a fixed term: the trial\'s end at its instant, then each alert once at 45, 15 and 1 days before the end', async () => {
  await bed.clockTo('2029-01-10T10:00:00Z');
  const trial: TestPlan = { code: 'trial', interval: 'monthly', payInAdvance: false, trialPeriod: 10 };
  await bed.subscribe({
    externalId: 'term', subscriptionId: 'sub-term', plan: trial, billingTime: 'calendar', timezone: 'UTC',
    subscriptionAt: '2029-01-10T10:00:00Z', endingAt: '2029-04-20T12:00:00Z',
    notices: { trialEnded: false, alertsThrough: at('2029-01-10T10:00:00Z') },
  });

  // Trial: 2029-01-10 10:00 + 10 days = 2029-01-20 10:00.
  await bed.clockTo('2029-01-20T09:59:00Z');
  expect(bed.calls('term')).toEqual([['startSubscription', { subscriptionId: 'sub-term' }]]);
  await bed.clockTo('2029-01-20T10:01:00Z');
  expect(bed.calls('term').slice(1)).toEqual([['endTrial', { subscriptionId: 'sub-term', trialEndedAtMs: at('2029-01-20T10:00:00Z') }]]);

  // 45 days before 2029-04-20 12:00: April 20 → March 31 is 20 days, 25 more → 2029-03-06 12:00.
  await bed.clockTo('2029-03-06T11:59:00Z');
  expect(bed.calls('term')).toHaveLength(4); // start, trial, Feb 1 and Mar 1 closes
  await bed.clockTo('2029-03-06T12:01:00Z');
  expect(bed.calls('term').slice(4)).toEqual([['alertTermination', { subscriptionId: 'sub-term', alertAtMs: at('2029-03-06T12:00:00Z') }]]);

  await bed.clockTo('2029-04-25T00:00:00Z');
  expect(bed.calls('term')).toEqual([
    ['startSubscription', { subscriptionId: 'sub-term' }],
    ['endTrial', { subscriptionId: 'sub-term', trialEndedAtMs: at('2029-01-20T10:00:00Z') }],
    ['closePeriod', { subscriptionId: 'sub-term', billingDate: '2029-02-01' }], // arrears, calendar months
    ['closePeriod', { subscriptionId: 'sub-term', billingDate: '2029-03-01' }],
    ['alertTermination', { subscriptionId: 'sub-term', alertAtMs: at('2029-03-06T12:00:00Z') }], // 45 days before
    ['closePeriod', { subscriptionId: 'sub-term', billingDate: '2029-04-01' }],
    ['alertTermination', { subscriptionId: 'sub-term', alertAtMs: at('2029-04-05T12:00:00Z') }], // 15 days before: Apr 20 − 15
    ['alertTermination', { subscriptionId: 'sub-term', alertAtMs: at('2029-04-19T12:00:00Z') }], // 1 day before
    ['terminateSubscription', { subscriptionId: 'sub-term', pendingSubscriptionId: null, atMs: at('2029-04-20T12:00:00Z') }],
  ]);
  // Each notice ran once, on the first attempt, all in one run: the closes no longer end it (issue 12).
  expect(bed.callDetails('term').every((call) => call.attempt === 1)).toBe(true);
  const runs = bed.callDetails('term').map((call) => call.runId);
  expect(new Set(runs).size).toBe(1);
});

it('cancelPlanChange drops a scheduled downgrade: the activity cancels the row, the boundary closes the old plan; other requests are refused', async () => {
  await bed.clockTo('2029-05-02T10:00:00Z');
  const big = { externalId: 'keeper', subscriptionId: 'sub-keeper', plan: { code: 'big', interval: 'monthly', payInAdvance: true }, billingTime: 'calendar', subscriptionAt: '2029-05-02T10:00:00Z', timezone: 'UTC' } as const;
  await bed.subscribe({ ...big, notices: { trialEnded: false, alertsThrough: at('2029-05-02T10:00:00Z') } });
  await bed.clockTo('2029-05-10T10:00:00Z');
  const small: TestPlan = { code: 'small', interval: 'monthly', payInAdvance: true };
  await bed.workflows.changePlan(ORGANIZATION_ID, 'keeper', planChange('downgrade', big, { subscriptionId: 'sub-small', plan: small }, '2029-05-10T10:00:00Z'));
  expect((await bed.workflows.view(ORGANIZATION_ID, 'keeper')).pendingChange).toEqual({ planCode: 'small', effectiveDate: '2029-06-01' });

  expect(await refusalOf(bed.workflows.cancelPlanChange(ORGANIZATION_ID, 'keeper', { subscriptionId: 'sub-other', atMs: at('2029-05-10T10:00:00Z') })))
    .toBe('There is no such pending plan change.');
  const canceled = await bed.workflows.cancelPlanChange(ORGANIZATION_ID, 'keeper', { subscriptionId: 'sub-small', atMs: at('2029-05-10T10:00:00Z') });
  expect(canceled).toEqual({ subscriptionId: 'sub-keeper', canceledSubscriptionId: 'sub-small' });
  expect(await bed.workflows.view(ORGANIZATION_ID, 'keeper')).toMatchObject({ subscriptionId: 'sub-keeper', planCode: 'big', pendingChange: null });
  expect(await refusalOf(bed.workflows.cancelPlanChange(ORGANIZATION_ID, 'keeper', { subscriptionId: 'sub-small', atMs: at('2029-05-10T10:00:00Z') })))
    .toBe('There is no such pending plan change.');

  await bed.clockTo('2029-06-02T00:00:00Z');
  expect(bed.calls('keeper')).toEqual([
    ['startSubscription', { subscriptionId: 'sub-keeper' }],
    ['cancelPlanChange', { subscriptionId: 'sub-keeper', pendingSubscriptionId: 'sub-small', atMs: at('2029-05-10T10:00:00Z') }],
    ['closePeriod', { subscriptionId: 'sub-keeper', billingDate: '2029-06-01' }], // the old plan goes on: no applyDowngrade
  ]);
  // A terminated subscription has no plan change to cancel.
  await bed.workflows.terminate(ORGANIZATION_ID, 'keeper', at('2029-06-02T00:00:00Z'));
  await expect(bed.workflows.cancelPlanChange(ORGANIZATION_ID, 'keeper', { subscriptionId: 'sub-small', atMs: at('2029-06-02T00:00:00Z') })).rejects.toThrow();
});

it('a workflow started before the notices existed starts them without announcing the past: no trial end, no overdue alert', async () => {
  await bed.clockTo('2029-06-03T00:00:00Z');
  // Started a month ago (subscription_at 2029-05-01), trial of 5 days over since 2029-05-06; ends 2029-06-30 12:00.
  const plan: TestPlan = { code: 'old', interval: 'monthly', payInAdvance: false, trialPeriod: 5 };
  await bed.subscribe({ externalId: 'legacy', subscriptionId: 'sub-legacy', plan, billingTime: 'calendar', timezone: 'UTC', subscriptionAt: '2029-05-01T00:00:00Z', endingAt: '2029-06-30T12:00:00Z' });
  await bed.clockTo('2029-07-05T00:00:00Z');
  expect(bed.calls('legacy')).toEqual([
    ['startSubscription', { subscriptionId: 'sub-legacy' }],
    ['closePeriod', { subscriptionId: 'sub-legacy', billingDate: '2029-06-01' }], // past already: at once
    // 45 days before the end is 2029-05-16 12:00 (June 30 → May 31 is 30 days, 15 more): past when the notices start, not sent.
    ['alertTermination', { subscriptionId: 'sub-legacy', alertAtMs: at('2029-06-15T12:00:00Z') }], // 15 days before
    ['alertTermination', { subscriptionId: 'sub-legacy', alertAtMs: at('2029-06-29T12:00:00Z') }], // 1 day before
    ['terminateSubscription', { subscriptionId: 'sub-legacy', pendingSubscriptionId: null, atMs: at('2029-06-30T12:00:00Z') }],
  ]);
});

it('a subscription created after its trial ended announces the end at once (as Lago does), alerts only from its creation on', async () => {
  await bed.clockTo('2029-07-10T09:00:00Z');
  // subscription_at 2029-07-01 00:00 with a 3-day trial: ended 2029-07-04 00:00, before the creation.
  const plan: TestPlan = { code: 'late', interval: 'monthly', payInAdvance: false, trialPeriod: 3 };
  await bed.subscribe({
    externalId: 'late', subscriptionId: 'sub-late', plan, billingTime: 'calendar', timezone: 'UTC', subscriptionAt: '2029-07-01T00:00:00Z',
    endingAt: '2029-08-10T00:00:00Z', notices: { trialEnded: false, alertsThrough: at('2029-07-10T09:00:00Z') },
  });
  await bed.clockTo('2029-08-11T00:00:00Z');
  expect(bed.calls('late')).toEqual([
    ['startSubscription', { subscriptionId: 'sub-late' }],
    ['endTrial', { subscriptionId: 'sub-late', trialEndedAtMs: at('2029-07-04T00:00:00Z') }],
    // 45 days before 2029-08-10 is 2029-06-26 (before the creation): none. 15 days before: 2029-07-26.
    ['alertTermination', { subscriptionId: 'sub-late', alertAtMs: at('2029-07-26T00:00:00Z') }],
    ['closePeriod', { subscriptionId: 'sub-late', billingDate: '2029-08-01' }],
    ['alertTermination', { subscriptionId: 'sub-late', alertAtMs: at('2029-08-09T00:00:00Z') }],
    ['terminateSubscription', { subscriptionId: 'sub-late', pendingSubscriptionId: null, atMs: at('2029-08-10T00:00:00Z') }],
  ]);
});

it('alerts are for active subscriptions: one due before a future start is not sent when it starts', async () => {
  await bed.clockTo('2029-08-15T00:00:00Z');
  // Starts 2029-09-10, ends 2029-10-01 00:00: 45 days before is 2029-08-17 (pending then), 15 days 2029-09-16, 1 day 2029-09-30.
  const plan: TestPlan = { code: 'future', interval: 'monthly', payInAdvance: false };
  await bed.subscribe({
    externalId: 'future', subscriptionId: 'sub-future', plan, billingTime: 'calendar', timezone: 'UTC', subscriptionAt: '2029-09-10T00:00:00Z',
    endingAt: '2029-10-01T00:00:00Z', notices: { trialEnded: false, alertsThrough: at('2029-08-15T00:00:00Z') },
  });
  await bed.clockTo('2029-10-02T00:00:00Z');
  expect(bed.calls('future')).toEqual([
    ['startSubscription', { subscriptionId: 'sub-future' }],
    ['alertTermination', { subscriptionId: 'sub-future', alertAtMs: at('2029-09-16T00:00:00Z') }],
    ['alertTermination', { subscriptionId: 'sub-future', alertAtMs: at('2029-09-30T00:00:00Z') }],
    // The end (Oct 1 00:00) falls on the next boundary: October's start closes September, then the end terminates.
    ['closePeriod', { subscriptionId: 'sub-future', billingDate: '2029-10-01' }],
    ['terminateSubscription', { subscriptionId: 'sub-future', pendingSubscriptionId: null, atMs: at('2029-10-01T00:00:00Z') }],
  ]);
});

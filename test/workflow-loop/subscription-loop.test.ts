/**
 * The subscription workflow's loop with mocked activities: a pending subscription activated at its
 * start, one closePeriod per billing date at the local midnight that starts it (calendar and
 * anniversary), every close in the same run; a close that fails once; upgrades, downgrades
 * and terminations through the client's updates; ending_at; cancellation before the start.
 * Billing dates are worked out by hand from the period rules (src/billing/periods-*.ts).
 */
import { ORGANIZATION_ID, planChange, useLoopBed, type TestPlan } from './harness';

const bed = useLoopBed('loop-periods');
const monthlyArrears: TestPlan = { code: 'monthly', interval: 'monthly', payInAdvance: false };

it('a pending subscription starts at subscription_at, then closes each calendar month at midnight in its timezone', async () => {
  await bed.clockTo('2027-01-10T12:00:00Z');
  // 2027-01-15T09:00Z is 10:00 in Paris (CET, UTC+1): a start five days ahead.
  await bed.subscribe({ externalId: 'paris', subscriptionId: 'sub-paris', plan: monthlyArrears, billingTime: 'calendar', subscriptionAt: '2027-01-15T09:00:00Z', timezone: 'Europe/Paris' });
  expect(await bed.workflows.view(ORGANIZATION_ID, 'paris')).toEqual({
    subscriptionId: 'sub-paris',
    status: 'pending',
    planCode: 'monthly',
    billedThrough: null,
    nextBillingDate: '2027-02-01', // the first calendar month start after Jan 15
    nextBillingAt: '2027-01-31T23:00:00.000Z', // Feb 1 00:00 in Paris (UTC+1)
    pendingChange: null,
    seats: {},
  });

  await bed.clockTo('2027-01-15T08:59:00Z');
  expect(bed.calls('paris')).toEqual([]);
  await bed.clockTo('2027-01-15T12:00:00Z');
  expect(bed.calls('paris')).toEqual([['startSubscription', { subscriptionId: 'sub-paris' }]]);
  expect((await bed.workflows.view(ORGANIZATION_ID, 'paris')).status).toBe('active');

  await bed.clockTo('2027-01-31T22:30:00Z'); // half an hour before Feb 1 in Paris: nothing yet
  expect(bed.calls('paris')).toHaveLength(1);
  await bed.clockTo('2027-01-31T23:30:00Z'); // Feb 1 in Paris, still Jan 31 in UTC
  expect(bed.calls('paris')).toHaveLength(2);
  await bed.clockTo('2027-04-10T00:00:00Z');
  expect(bed.calls('paris')).toEqual([
    ['startSubscription', { subscriptionId: 'sub-paris' }],
    ['closePeriod', { subscriptionId: 'sub-paris', billingDate: '2027-02-01' }], // at 2027-01-31T23:00Z
    ['closePeriod', { subscriptionId: 'sub-paris', billingDate: '2027-03-01' }], // at 2027-02-28T23:00Z (CET)
    ['closePeriod', { subscriptionId: 'sub-paris', billingDate: '2027-04-01' }], // at 2027-03-31T22:00Z (CEST since Mar 28)
  ]);
  expect(await bed.workflows.view(ORGANIZATION_ID, 'paris')).toMatchObject({
    status: 'active',
    billedThrough: '2027-04-01',
    nextBillingDate: '2027-05-01',
    nextBillingAt: '2027-04-30T22:00:00.000Z', // May 1 00:00 in Paris (UTC+2)
  });

  // One run for the start and the three closes (issue 12: a close no longer ends the run), still the current one.
  const runs = bed.callDetails('paris').map((call) => call.runId);
  expect(new Set(runs).size).toBe(1);
  expect(runs[0]).toBe(await bed.currentRunId('paris'));
});

it('anniversary on the 31st: starts at once, then closes on the anchor day clamped to each month', async () => {
  await bed.clockTo('2027-05-31T08:00:00Z');
  const plan: TestPlan = { code: 'advance', interval: 'monthly', payInAdvance: true };
  await bed.subscribe({ externalId: 'month-end', subscriptionId: 'sub-month-end', plan, billingTime: 'anniversary', subscriptionAt: '2027-05-31T08:00:00Z', timezone: 'UTC' });
  await bed.clockTo('2027-09-01T00:00:00Z');
  // Periods start on min(31, days in month): May 31, Jun 30, Jul 31, Aug 31, Sep 30.
  expect(bed.calls('month-end')).toEqual([
    ['startSubscription', { subscriptionId: 'sub-month-end' }],
    ['closePeriod', { subscriptionId: 'sub-month-end', billingDate: '2027-06-30' }],
    ['closePeriod', { subscriptionId: 'sub-month-end', billingDate: '2027-07-31' }],
    ['closePeriod', { subscriptionId: 'sub-month-end', billingDate: '2027-08-31' }],
  ]);
  expect(await bed.workflows.view(ORGANIZATION_ID, 'month-end')).toMatchObject({ billedThrough: '2027-08-31', nextBillingDate: '2027-09-30' });
});

it('a close that fails once is retried: the same input twice, then the next boundary once', async () => {
  await bed.clockTo('2027-10-04T10:00:00Z');
  await bed.subscribe({ externalId: 'flaky', subscriptionId: 'sub-flaky', plan: monthlyArrears, billingTime: 'calendar', subscriptionAt: '2027-10-04T10:00:00Z', timezone: 'UTC' });
  bed.intercept('closePeriod', (input, call) => {
    if (input.billingDate === '2027-11-01' && call.attempt === 1) throw new Error('database unavailable');
  });
  await bed.clockTo('2027-11-01T06:00:00Z');
  // The first attempt of Nov 1 fails; the retry (1 s later) succeeds.
  expect(bed.callDetails('flaky').map((call) => [call.name, call.input, call.attempt])).toEqual([
    ['startSubscription', { subscriptionId: 'sub-flaky' }, 1],
    ['closePeriod', { subscriptionId: 'sub-flaky', billingDate: '2027-11-01' }, 1],
    ['closePeriod', { subscriptionId: 'sub-flaky', billingDate: '2027-11-01' }, 2],
  ]);
  await bed.clockTo('2027-12-15T00:00:00Z');
  expect(bed.calls('flaky').slice(3)).toEqual([['closePeriod', { subscriptionId: 'sub-flaky', billingDate: '2027-12-01' }]]);
  expect(await bed.workflows.view(ORGANIZATION_ID, 'flaky')).toMatchObject({ billedThrough: '2027-12-01', nextBillingDate: '2028-01-01' });
});

describe('plan changes', () => {
  it('an upgrade applies at once: the instant goes to upgradeSubscription, the new plan\'s boundaries follow', async () => {
    await bed.clockTo('2028-01-05T10:00:00Z');
    const basic = { externalId: 'upgrader', subscriptionId: 'sub-basic', plan: monthlyArrears, billingTime: 'calendar', subscriptionAt: '2028-01-05T10:00:00Z', timezone: 'UTC' } as const;
    await bed.subscribe(basic);
    await bed.clockTo('2028-02-10T12:00:00Z');
    const pro: TestPlan = { code: 'pro', interval: 'quarterly', payInAdvance: false };
    const result = await bed.workflows.changePlan(ORGANIZATION_ID, 'upgrader', planChange('upgrade', basic, { subscriptionId: 'sub-pro', plan: pro }, '2028-02-10T12:00:00Z'));
    expect(result).toEqual({ subscriptionId: 'sub-pro', kind: 'upgrade', effectiveDate: '2028-02-10' });
    expect(bed.calls('upgrader')).toEqual([
      ['startSubscription', { subscriptionId: 'sub-basic' }],
      ['closePeriod', { subscriptionId: 'sub-basic', billingDate: '2028-02-01' }],
      ['upgradeSubscription', { fromSubscriptionId: 'sub-basic', toSubscriptionId: 'sub-pro', atMs: Date.parse('2028-02-10T12:00:00Z') }],
    ]);
    expect(await bed.workflows.view(ORGANIZATION_ID, 'upgrader')).toEqual({
      subscriptionId: 'sub-pro',
      status: 'active',
      planCode: 'pro',
      billedThrough: '2028-02-01',
      // Calendar quarters start in Jan, Apr, Jul, Oct: the new plan started Feb 10, in Q1, so its
      // next boundary is Apr 1 (the monthly Mar 1 of the old plan is gone).
      nextBillingDate: '2028-04-01',
      nextBillingAt: '2028-04-01T00:00:00.000Z',
      pendingChange: null,
      seats: {},
    });
    await bed.clockTo('2028-07-02T00:00:00Z');
    expect(bed.calls('upgrader').slice(3)).toEqual([
      ['closePeriod', { subscriptionId: 'sub-pro', billingDate: '2028-04-01' }],
      ['closePeriod', { subscriptionId: 'sub-pro', billingDate: '2028-07-01' }],
    ]);
  });

  it('a downgrade waits for the next boundary, where applyDowngrade replaces closePeriod; a second change replaces it', async () => {
    // 2028-07-10T09:00Z is 05:00 in New York (EDT, UTC−4): local date Jul 10.
    await bed.clockTo('2028-07-10T09:00:00Z');
    const big = { externalId: 'downgrader', subscriptionId: 'sub-big', plan: { code: 'big', interval: 'monthly', payInAdvance: true }, billingTime: 'calendar', subscriptionAt: '2028-07-10T09:00:00Z', timezone: 'America/New_York' } as const;
    await bed.subscribe(big);
    await bed.clockTo('2028-07-20T09:00:00Z');

    const medium: TestPlan = { code: 'medium', interval: 'monthly', payInAdvance: true };
    const first = await bed.workflows.changePlan(ORGANIZATION_ID, 'downgrader', planChange('downgrade', big, { subscriptionId: 'sub-medium', plan: medium }, '2028-07-20T09:00:00Z'));
    expect(first).toEqual({ subscriptionId: 'sub-medium', kind: 'downgrade', effectiveDate: '2028-08-01' }); // the next calendar month start
    expect(await bed.workflows.view(ORGANIZATION_ID, 'downgrader')).toMatchObject({ subscriptionId: 'sub-big', planCode: 'big', pendingChange: { planCode: 'medium', effectiveDate: '2028-08-01' } });

    const small: TestPlan = { code: 'small', interval: 'weekly', payInAdvance: true };
    const second = await bed.workflows.changePlan(ORGANIZATION_ID, 'downgrader', planChange('downgrade', big, { subscriptionId: 'sub-small', plan: small }, '2028-07-20T09:00:00Z'));
    expect(second).toEqual({ subscriptionId: 'sub-small', kind: 'downgrade', effectiveDate: '2028-08-01' });
    expect(await bed.workflows.view(ORGANIZATION_ID, 'downgrader')).toMatchObject({ subscriptionId: 'sub-big', planCode: 'big', pendingChange: { planCode: 'small', effectiveDate: '2028-08-01' } });
    expect(bed.calls('downgrader')).toEqual([['startSubscription', { subscriptionId: 'sub-big' }]]); // no activity for a pending change

    await bed.clockTo('2028-08-01T03:30:00Z'); // Aug 1 00:00 in New York is 04:00Z
    expect(bed.calls('downgrader')).toHaveLength(1);
    await bed.clockTo('2028-08-15T12:00:00Z');
    expect(bed.calls('downgrader')).toEqual([
      ['startSubscription', { subscriptionId: 'sub-big' }],
      ['applyDowngrade', { fromSubscriptionId: 'sub-big', toSubscriptionId: 'sub-small', billingDate: '2028-08-01', timezone: 'America/New_York' }],
      // The weekly plan starts Tuesday Aug 1; calendar weeks start on Mondays: Aug 7, Aug 14.
      ['closePeriod', { subscriptionId: 'sub-small', billingDate: '2028-08-07' }],
      ['closePeriod', { subscriptionId: 'sub-small', billingDate: '2028-08-14' }],
    ]);
    expect(await bed.workflows.view(ORGANIZATION_ID, 'downgrader')).toMatchObject({
      subscriptionId: 'sub-small', planCode: 'small', billedThrough: '2028-08-14', nextBillingDate: '2028-08-21', pendingChange: null,
    });
  });
});

describe('termination', () => {
  it('the terminate update ends the subscription (and its pending downgrade) and answers the activity\'s result; later updates are refused', async () => {
    await bed.clockTo('2028-09-04T10:00:00Z');
    const current = { externalId: 'leaver', subscriptionId: 'sub-leaver', plan: monthlyArrears, billingTime: 'calendar', subscriptionAt: '2028-09-04T10:00:00Z', timezone: 'UTC' } as const;
    await bed.subscribe(current);
    await bed.clockTo('2028-10-10T12:00:00Z');
    const lite: TestPlan = { code: 'lite', interval: 'monthly', payInAdvance: false };
    await bed.workflows.changePlan(ORGANIZATION_ID, 'leaver', planChange('downgrade', current, { subscriptionId: 'sub-lite', plan: lite }, '2028-10-10T12:00:00Z'));

    // While the termination runs, the validators refuse any further change.
    const refusals: string[] = [];
    bed.intercept('terminateSubscription', async () => {
      const change = planChange('upgrade', current, { subscriptionId: 'sub-other', plan: lite }, '2028-10-10T12:00:00Z');
      refusals.push(await refusalOf(bed.workflows.changePlan(ORGANIZATION_ID, 'leaver', change)));
      refusals.push(await refusalOf(bed.workflows.terminate(ORGANIZATION_ID, 'leaver', Date.parse('2028-10-10T12:00:00Z'))));
    });
    const terminated = await bed.workflows.terminate(ORGANIZATION_ID, 'leaver', Date.parse('2028-10-10T12:00:00Z'));

    const expected = { subscriptionId: 'sub-leaver', invoiceId: 'invoice/sub-leaver/terminated', creditNoteId: null };
    expect(terminated).toEqual(expected);
    expect(refusals).toEqual(['The subscription is terminated.', 'The subscription is already terminated.']);
    expect(bed.calls('leaver')).toEqual([
      ['startSubscription', { subscriptionId: 'sub-leaver' }],
      ['closePeriod', { subscriptionId: 'sub-leaver', billingDate: '2028-10-01' }],
      ['terminateSubscription', { subscriptionId: 'sub-leaver', pendingSubscriptionId: 'sub-lite', atMs: Date.parse('2028-10-10T12:00:00Z') }],
    ]);
    expect(await bed.result('leaver')).toEqual(expected); // the workflow's own result
    expect(await bed.workflows.view(ORGANIZATION_ID, 'leaver')).toMatchObject({ status: 'terminated', nextBillingDate: null, nextBillingAt: null });
    // Once the workflow has completed, the server itself refuses updates.
    await expect(bed.workflows.terminate(ORGANIZATION_ID, 'leaver', Date.parse('2028-10-11T12:00:00Z'))).rejects.toThrow();
    await bed.clockTo('2028-11-05T00:00:00Z');
    expect(bed.calls('leaver')).toHaveLength(3); // no downgrade, no close after the end
  });

  it('ending_at before the next boundary terminates at that instant', async () => {
    // 2028-11-08 is a Wednesday; calendar weeks start on Mondays: Nov 13, then Nov 20, after the end.
    await bed.clockTo('2028-11-08T10:00:00Z');
    const weekly: TestPlan = { code: 'weekly', interval: 'weekly', payInAdvance: false };
    await bed.subscribe({ externalId: 'fixed-term', subscriptionId: 'sub-fixed-term', plan: weekly, billingTime: 'calendar', subscriptionAt: '2028-11-08T10:00:00Z', endingAt: '2028-11-16T12:00:00Z', timezone: 'UTC' });
    await bed.clockTo('2028-11-16T11:30:00Z');
    expect(bed.calls('fixed-term')).toEqual([
      ['startSubscription', { subscriptionId: 'sub-fixed-term' }],
      ['closePeriod', { subscriptionId: 'sub-fixed-term', billingDate: '2028-11-13' }],
      // The termination alert one day before the end (the 45- and 15-day ones fell before the start): notices.test.ts.
      ['alertTermination', { subscriptionId: 'sub-fixed-term', alertAtMs: Date.parse('2028-11-15T12:00:00Z') }],
    ]);
    await bed.clockTo('2028-11-16T18:00:00Z');
    expect(bed.calls('fixed-term').slice(3)).toEqual([
      ['terminateSubscription', { subscriptionId: 'sub-fixed-term', pendingSubscriptionId: null, atMs: Date.parse('2028-11-16T12:00:00Z') }],
    ]);
    expect(await bed.result('fixed-term')).toEqual({ subscriptionId: 'sub-fixed-term', invoiceId: 'invoice/sub-fixed-term/terminated', creditNoteId: null });
    await bed.clockTo('2028-11-21T00:00:00Z');
    expect(bed.calls('fixed-term')).toHaveLength(4);
  });

  it('terminating a pending subscription before its start cancels it; it never starts', async () => {
    await bed.clockTo('2028-11-22T10:00:00Z');
    await bed.subscribe({ externalId: 'not-yet', subscriptionId: 'sub-not-yet', plan: monthlyArrears, billingTime: 'calendar', subscriptionAt: '2028-12-01T00:00:00Z', timezone: 'UTC' });
    await bed.clockTo('2028-11-23T10:00:00Z');
    const canceled = await bed.workflows.terminate(ORGANIZATION_ID, 'not-yet', Date.parse('2028-11-23T10:00:00Z'));
    expect(canceled).toEqual({ subscriptionId: 'sub-not-yet', invoiceId: null, creditNoteId: null });
    await bed.clockTo('2028-12-05T00:00:00Z');
    // Canceled as of the instant the caller asked (the request's atMs), not when the activity ran.
    expect(bed.calls('not-yet')).toEqual([['cancelSubscription', { subscriptionId: 'sub-not-yet', atMs: Date.parse('2028-11-23T10:00:00Z') }]]);
    expect(await bed.workflows.view(ORGANIZATION_ID, 'not-yet')).toMatchObject({ status: 'terminated', nextBillingDate: null });
  });
});

/** The message of an update's rejection (the validator's error), or 'accepted'. */
async function refusalOf(update: Promise<unknown>): Promise<string> {
  return update.then(
    () => 'accepted',
    (error: Error) => (error.cause instanceof Error ? error.cause.message : error.message),
  );
}

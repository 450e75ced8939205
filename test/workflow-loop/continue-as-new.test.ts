/**
 * What the loop carries from one run to the next (continue-as-new): the subscription, its plan,
 * what is billed, a pending change and the seats; and the usage signals it hears, in order.
 * The last tests pin down messages that arrive while a period closes, just before the run ends.
 */
import { WorkflowUpdateStage } from '@temporalio/client';
import { terminateUpdate } from '../../src/workflows/messages';
import { ORGANIZATION_ID, planChange, useLoopBed, type TestPlan, type TestSubscription } from './harness';

const bed = useLoopBed('loop-continue-as-new');
const monthlyArrears: TestPlan = { code: 'monthly', interval: 'monthly', payInAdvance: false };

function usage(transactionId: string, code: string, at: string) {
  return { transactionId, code, timestamp: Date.parse(at) };
}

it('a low history limit ends runs mid-period: subscription, plan, billed dates, pending change and seats carry over', async () => {
  await bed.clockTo('2027-01-08T10:00:00Z');
  const team: TestSubscription = {
    externalId: 'team', subscriptionId: 'sub-team', plan: { code: 'team', interval: 'monthly', payInAdvance: false },
    billingTime: 'calendar', subscriptionAt: '2027-01-10T00:00:00Z', timezone: 'UTC', historyLimit: 10,
  };
  await bed.subscribe(team);
  // Usage heard before the start waits for it, in the order it came.
  await bed.workflows.notifyUsage(ORGANIZATION_ID, 'team', [usage('seat-1', 'seats', '2027-01-08T10:00:00Z'), usage('call-1', 'api_calls', '2027-01-08T10:00:00Z')]);
  await bed.workflows.notifyUsage(ORGANIZATION_ID, 'team', [usage('seat-2', 'seats', '2027-01-08T10:00:00Z')]);
  await bed.clockTo('2027-01-09T00:00:00Z');
  expect(bed.calls('team')).toEqual([]);

  await bed.clockTo('2027-01-10T06:00:00Z');
  expect(bed.calls('team')).toEqual([
    ['startSubscription', { subscriptionId: 'sub-team' }],
    ['recordUsage', { subscriptionId: 'sub-team', events: [usage('seat-1', 'seats', '2027-01-08T10:00:00Z'), usage('call-1', 'api_calls', '2027-01-08T10:00:00Z'), usage('seat-2', 'seats', '2027-01-08T10:00:00Z')] }],
  ]);
  const firstRun = bed.callDetails('team')[0]!.runId;
  expect((await bed.workflows.view(ORGANIZATION_ID, 'team')).seats).toEqual({ seats: 2 }); // seat-1 and seat-2

  await bed.clockTo('2027-01-15T12:00:00Z');
  const lite: TestPlan = { code: 'lite', interval: 'monthly', payInAdvance: false };
  await bed.workflows.changePlan(ORGANIZATION_ID, 'team', planChange('downgrade', team, { subscriptionId: 'sub-lite', plan: lite }, '2027-01-15T12:00:00Z'));
  await bed.workflows.notifyUsage(ORGANIZATION_ID, 'team', [usage('seat-3', 'seats', '2027-01-15T12:00:00Z')]);
  await bed.clockTo('2027-01-15T18:00:00Z');
  expect(bed.calls('team').slice(2)).toEqual([['recordUsage', { subscriptionId: 'sub-team', events: [usage('seat-3', 'seats', '2027-01-15T12:00:00Z')] }]]);

  // Ten events of history are soon reached: the run has changed, nothing it knew is lost.
  expect(await bed.currentRunId('team')).not.toBe(firstRun);
  expect(await bed.workflows.view(ORGANIZATION_ID, 'team')).toEqual({
    subscriptionId: 'sub-team',
    status: 'active',
    planCode: 'team',
    billedThrough: null,
    nextBillingDate: '2027-02-01',
    nextBillingAt: '2027-02-01T00:00:00.000Z',
    pendingChange: { planCode: 'lite', effectiveDate: '2027-02-01' },
    seats: { seats: 3 },
  });

  await bed.clockTo('2027-03-01T06:00:00Z');
  expect(bed.calls('team').slice(3)).toEqual([
    ['applyDowngrade', { fromSubscriptionId: 'sub-team', toSubscriptionId: 'sub-lite', billingDate: '2027-02-01', timezone: 'UTC' }],
    ['closePeriod', { subscriptionId: 'sub-lite', billingDate: '2027-03-01' }],
  ]);
  expect(await bed.workflows.view(ORGANIZATION_ID, 'team')).toMatchObject({ subscriptionId: 'sub-lite', planCode: 'lite', billedThrough: '2027-03-01', pendingChange: null });
});

it('usage heard between two boundaries is recorded at once, one signal after the other', async () => {
  await bed.clockTo('2027-03-03T10:00:00Z');
  await bed.subscribe({ externalId: 'busy', subscriptionId: 'sub-busy', plan: monthlyArrears, billingTime: 'calendar', subscriptionAt: '2027-03-03T10:00:00Z', timezone: 'UTC' });
  await bed.clockTo('2027-03-03T11:00:00Z');
  await bed.workflows.notifyUsage(ORGANIZATION_ID, 'busy', [usage('seat-a', 'seats', '2027-03-03T11:00:00Z')]);
  await bed.clockTo('2027-03-03T12:00:00Z');
  await bed.workflows.notifyUsage(ORGANIZATION_ID, 'busy', [usage('seat-b', 'seats', '2027-03-03T12:00:00Z'), usage('seat-a', 'seats', '2027-03-03T12:00:00Z')]);
  await bed.clockTo('2027-04-01T06:00:00Z');
  expect(bed.calls('busy')).toEqual([
    ['startSubscription', { subscriptionId: 'sub-busy' }],
    ['recordUsage', { subscriptionId: 'sub-busy', events: [usage('seat-a', 'seats', '2027-03-03T11:00:00Z')] }],
    ['recordUsage', { subscriptionId: 'sub-busy', events: [usage('seat-b', 'seats', '2027-03-03T12:00:00Z'), usage('seat-a', 'seats', '2027-03-03T12:00:00Z')] }],
    ['closePeriod', { subscriptionId: 'sub-busy', billingDate: '2027-04-01' }],
  ]);
  // The mock counts distinct transaction ids: seat-a then seat-b (seat-a again is the same seat).
  expect((await bed.workflows.view(ORGANIZATION_ID, 'busy')).seats).toEqual({ seats: 2 });
});

describe('messages that arrive while a period closes', () => {
  // Was a bug: after the close the loop left for continue-as-new without looking at the inbox, so
  // usage signalled during the close was never recorded (nor billed in advance).
  it('a usage signal heard during closePeriod is recorded before the next close', async () => {
    await bed.clockTo('2027-04-05T10:00:00Z');
    const workflowId = await bed.subscribe({ externalId: 'late-seat', subscriptionId: 'sub-late-seat', plan: monthlyArrears, billingTime: 'calendar', subscriptionAt: '2027-04-05T10:00:00Z', timezone: 'UTC' });
    bed.intercept('closePeriod', async (input) => {
      if (input.billingDate === '2027-05-01') await bed.workflows.notifyUsage(ORGANIZATION_ID, 'late-seat', [usage('seat-late', 'seats', '2027-05-01T00:00:00Z')]);
    });
    await bed.clockTo('2027-06-01T06:00:00Z');
    // The signal reached the run that closed May 1 (it is in that run's history)…
    const closingRun = bed.callDetails('late-seat')[1]!.runId;
    const history = await bed.env.client.workflow.getHandle(workflowId, closingRun).fetchHistory();
    expect(history.events!.filter((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'usageRecorded')).toHaveLength(1);
    // …and is recorded before the next boundary.
    expect(bed.calls('late-seat')).toEqual([
      ['startSubscription', { subscriptionId: 'sub-late-seat' }],
      ['closePeriod', { subscriptionId: 'sub-late-seat', billingDate: '2027-05-01' }],
      ['recordUsage', { subscriptionId: 'sub-late-seat', events: [usage('seat-late', 'seats', '2027-05-01T00:00:00Z')] }],
      ['closePeriod', { subscriptionId: 'sub-late-seat', billingDate: '2027-06-01' }],
    ]);
  });

  // Was a bug: an update accepted during closePeriod waited for the loop, while the loop waited for
  // every handler to finish before continuing as new: never answered, never billed again.
  it('a termination asked during closePeriod is answered, and nothing is billed after it', async () => {
    await bed.clockTo('2027-07-05T10:00:00Z');
    const workflowId = await bed.subscribe({ externalId: 'stuck', subscriptionId: 'sub-stuck', plan: monthlyArrears, billingTime: 'calendar', subscriptionAt: '2027-07-05T10:00:00Z', timezone: 'UTC' });
    const handle = bed.env.client.workflow.getHandle(workflowId);
    const atMs = Date.parse('2027-08-01T00:00:00Z');
    let termination: Promise<unknown> = Promise.resolve('never asked');
    bed.intercept('closePeriod', async () => {
      const update = await handle.startUpdate(terminateUpdate, { args: [{ atMs }], waitForStage: WorkflowUpdateStage.ACCEPTED });
      termination = update.result();
    });
    try {
      await bed.clockTo('2027-08-01T06:00:00Z');
      const answer = await Promise.race([termination, bed.clockTo('2027-09-02T00:00:00Z').then(() => 'no answer a month later')]);
      expect(answer).toEqual({ subscriptionId: 'sub-stuck', invoiceId: 'invoice/sub-stuck/terminated', creditNoteId: null });
      expect(bed.calls('stuck')).toEqual([
        ['startSubscription', { subscriptionId: 'sub-stuck' }],
        ['closePeriod', { subscriptionId: 'sub-stuck', billingDate: '2027-08-01' }],
        ['terminateSubscription', { subscriptionId: 'sub-stuck', pendingSubscriptionId: null, atMs }],
      ]);
    } finally {
      // The caller's wait ends with the workflow: no poll may outlive the test server.
      await handle.terminate('test finished').catch(() => undefined);
      await termination.catch(() => undefined);
    }
  });
});

/**
 * Editing a running subscription (`PUT /subscriptions`) through the workflow's `editSubscription`
 * update, with mocked activities: the validator refuses at once what the workflow's state rules
 * out (nothing is called); an accepted edit is written by the activity, whose terms the loop then
 * follows (an earlier `ending_at` ends it there, a cleared one lets it run on, a moved
 * `subscription_at` moves the start); a refusal by the activity reaches the caller and changes
 * nothing. Dates worked out by hand.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowRefusal } from '../../src/workflows/client';
import type { EditSubscriptionRequest } from '../../src/workflows/messages';
import { ORGANIZATION_ID, useLoopBed, type TestPlan, type TestSubscription } from './harness';

const bed = useLoopBed('loop-edits');
const monthlyArrears: TestPlan = { code: 'monthly', interval: 'monthly', payInAdvance: false };
let edits = 0;

function edit(subscription: TestSubscription, at: string, changes: Partial<EditSubscriptionRequest>): Promise<unknown> {
  edits += 1;
  return bed.workflows.edit(ORGANIZATION_ID, subscription.externalId, { subscriptionId: subscription.subscriptionId, editId: `edit-${edits}`, atMs: Date.parse(at), ...changes });
}

async function refusal(work: Promise<unknown>): Promise<string> {
  const error = await work.then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(WorkflowRefusal);
  return (error as WorkflowRefusal).message;
}

it('ending_at moved earlier: the workflow terminates at the new instant, not at the next boundary', async () => {
  await bed.clockTo('2029-01-05T10:00:00Z');
  const subscription: TestSubscription = { externalId: 'shorter', subscriptionId: 'sub-shorter', plan: monthlyArrears, billingTime: 'calendar', subscriptionAt: '2029-01-05T10:00:00Z', timezone: 'UTC', endingAt: '2029-12-31T12:00:00Z' };
  await bed.subscribe(subscription);
  await bed.clockTo('2029-02-10T09:00:00Z');
  const result = await edit(subscription, '2029-02-10T09:00:00Z', { endingAt: Date.parse('2029-02-20T12:00:00Z'), name: 'Shorter' });
  expect(result).toMatchObject({ subscriptionId: 'sub-shorter', terms: { endingAt: Date.parse('2029-02-20T12:00:00Z') } });
  await bed.clockTo('2029-03-05T00:00:00Z');
  expect(bed.calls('shorter')).toEqual([
    ['startSubscription', { subscriptionId: 'sub-shorter' }],
    ['closePeriod', { subscriptionId: 'sub-shorter', billingDate: '2029-02-01' }],
    ['editSubscription', { subscriptionId: 'sub-shorter', editId: `edit-${edits}`, atMs: Date.parse('2029-02-10T09:00:00Z'), endingAt: Date.parse('2029-02-20T12:00:00Z'), name: 'Shorter' }],
    // The new end's alerts: 45 days before (Jan 6) and 15 days before (Feb 5) were past at the edit, not sent late;
    // 1 day before, Feb 19 12:00, is sent.
    ['alertTermination', { subscriptionId: 'sub-shorter', alertAtMs: Date.parse('2029-02-19T12:00:00Z') }],
    // Feb 20 12:00 comes before the Mar 1 boundary: the termination, and no close of Mar 1.
    ['terminateSubscription', { subscriptionId: 'sub-shorter', pendingSubscriptionId: null, atMs: Date.parse('2029-02-20T12:00:00Z') }],
  ]);
  expect(await bed.result('shorter')).toEqual({ subscriptionId: 'sub-shorter', invoiceId: 'invoice/sub-shorter/terminated', creditNoteId: null });
});

it('ending_at cleared: the subscription runs past its old end and closes the next boundaries', async () => {
  await bed.clockTo('2029-04-03T10:00:00Z');
  const subscription: TestSubscription = { externalId: 'endless', subscriptionId: 'sub-endless', plan: monthlyArrears, billingTime: 'calendar', subscriptionAt: '2029-04-03T10:00:00Z', timezone: 'UTC', endingAt: '2029-04-25T00:00:00Z' };
  await bed.subscribe(subscription);
  await bed.clockTo('2029-04-10T10:00:00Z');
  await edit(subscription, '2029-04-10T10:00:00Z', { endingAt: null });
  await bed.clockTo('2029-06-02T00:00:00Z');
  expect(bed.calls('endless').map(([name, input]) => [name, (input as { billingDate?: string }).billingDate ?? null])).toEqual([
    ['startSubscription', null],
    // 15 days before Apr 25 00:00 is Apr 10 00:00, before the edit; the 1-day alert of Apr 24 is gone with the end.
    ['alertTermination', null],
    ['editSubscription', null],
    // Apr 25 passes without a termination; May 1 and Jun 1 close.
    ['closePeriod', '2029-05-01'],
    ['closePeriod', '2029-06-01'],
  ]);
});

it('subscription_at moved while pending: the start moves with it', async () => {
  await bed.clockTo('2029-07-01T10:00:00Z');
  const subscription: TestSubscription = { externalId: 'later', subscriptionId: 'sub-later', plan: monthlyArrears, billingTime: 'calendar', subscriptionAt: '2029-07-10T09:00:00Z', timezone: 'UTC' };
  await bed.subscribe(subscription);
  await bed.clockTo('2029-07-05T10:00:00Z');
  await edit(subscription, '2029-07-05T10:00:00Z', { subscriptionAt: Date.parse('2029-07-20T09:00:00Z') });
  expect((await bed.workflows.view(ORGANIZATION_ID, 'later')).status).toBe('pending');
  await bed.clockTo('2029-07-15T10:00:00Z'); // past the old start: still pending
  expect(bed.calls('later').map(([name]) => name)).toEqual(['editSubscription']);
  expect((await bed.workflows.view(ORGANIZATION_ID, 'later')).status).toBe('pending');
  await bed.clockTo('2029-07-20T10:00:00Z');
  expect(bed.calls('later').map(([name]) => name)).toEqual(['editSubscription', 'startSubscription']);
  expect(await bed.workflows.view(ORGANIZATION_ID, 'later')).toMatchObject({ status: 'active', nextBillingDate: '2029-08-01' });
});

it('the validator refuses at once what the state rules out, and nothing is called', async () => {
  await bed.clockTo('2029-09-03T10:00:00Z');
  const subscription: TestSubscription = { externalId: 'strict', subscriptionId: 'sub-strict', plan: monthlyArrears, billingTime: 'calendar', subscriptionAt: '2029-09-03T10:00:00Z', timezone: 'UTC' };
  await bed.subscribe(subscription);
  await bed.clockTo('2029-09-05T10:00:00Z');
  // Started on Sep 3: its start no longer moves.
  expect(await refusal(edit(subscription, '2029-09-05T10:00:00Z', { subscriptionAt: Date.parse('2029-09-20T00:00:00Z') }))).toMatch(/^subscription_at not_editable: /);
  // An end in the past (the workflow's clock says Sep 5).
  expect(await refusal(edit(subscription, '2029-09-05T10:00:00Z', { endingAt: Date.parse('2029-09-04T00:00:00Z') }))).toMatch(/^ending_at invalid_date: /);
  // Another row than the workflow's current subscription (a scheduled plan change's).
  expect(await refusal(bed.workflows.edit(ORGANIZATION_ID, 'strict', { subscriptionId: 'sub-other', editId: 'edit-other', atMs: Date.parse('2029-09-05T10:00:00Z'), name: 'x' }))).toMatch(/^subscription not_editable: /);
  expect(bed.calls('strict').map(([name]) => name)).toEqual(['startSubscription']);
  // It runs on as before: Oct 1 closes.
  await bed.clockTo('2029-10-01T06:00:00Z');
  expect(bed.calls('strict').map(([name]) => name)).toEqual(['startSubscription', 'closePeriod']);
});

it('a refusal by the activity (what only the database knows) reaches the caller; the terms stay', async () => {
  await bed.clockTo('2029-11-02T10:00:00Z');
  const subscription: TestSubscription = { externalId: 'fenced', subscriptionId: 'sub-fenced', plan: monthlyArrears, billingTime: 'calendar', subscriptionAt: '2029-11-02T10:00:00Z', timezone: 'UTC' };
  await bed.subscribe(subscription);
  await bed.clockTo('2029-11-10T10:00:00Z');
  bed.intercept('editSubscription', () => {
    throw ApplicationFailure.nonRetryable('ending_at invalid_date: before a billing date already invoiced', 'EditRefused');
  });
  expect(await refusal(edit(subscription, '2029-11-10T10:00:00Z', { endingAt: Date.parse('2029-11-20T00:00:00Z') }))).toBe('ending_at invalid_date: before a billing date already invoiced');
  await bed.clockTo('2029-12-01T06:00:00Z');
  // Not terminated on Nov 20: Dec 1 closes as before.
  expect(bed.calls('fenced').map(([name]) => name)).toEqual(['startSubscription', 'editSubscription', 'closePeriod']);
});

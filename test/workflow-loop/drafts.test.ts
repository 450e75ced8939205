/**
 * Draft invoices in the subscription workflow's loop (issue 11), with mocked activities: a period
 * closed as a draft is kept across continue-as-new and finalized on the workflow's own durable
 * timer at the end of its grace period (once, at that instant); late usage signalled by the API
 * refreshes the open drafts at once; a termination or an upgrade finalizes them first. Instants
 * are worked out by hand: calendar months in UTC, grace periods ending at midnight.
 */
import { ORGANIZATION_ID, planChange, useLoopBed, type TestPlan, type TestSubscription } from './harness';
import type { IssuedInvoice } from '../../src/services/invoicing';

const bed = useLoopBed('loop-drafts');
const monthlyArrears: TestPlan = { code: 'monthly', interval: 'monthly', payInAdvance: false };
const at = (iso: string) => Date.parse(iso);

/** closePeriod answers a draft for these billing dates (with the end of its grace period), finalized invoices otherwise. */
function draftsOn(subscriptionId: string, ends: Record<string, string>): void {
  bed.respond('closePeriod', (input): IssuedInvoice => {
    const end = ends[input.billingDate];
    const invoiceId = `invoice/${input.subscriptionId}/${input.billingDate}`;
    if (input.subscriptionId !== subscriptionId || !end) return { invoiceId, number: 'LOOP-001', totalAmountCents: '1000', created: true };
    return { invoiceId, number: 'LOOP-DRAFT', totalAmountCents: '1000', created: true, status: 'draft', finalizeAtMs: at(end) };
  });
}

function subscription(externalId: string, subscriptionAt: string): TestSubscription {
  return { externalId, subscriptionId: `sub-${externalId}`, plan: monthlyArrears, billingTime: 'calendar', subscriptionAt, timezone: 'UTC' };
}

it('a period closed as a draft is finalized on the timer at the end of its grace period, once, in the next run; the next boundary closes as usual', async () => {
  await bed.clockTo('2030-01-05T10:00:00Z');
  draftsOn('sub-grace', { '2030-02-01': '2030-02-04T00:00:00Z' }); // a 3-day grace period: Feb 1 + 3 days
  await bed.subscribe(subscription('grace', '2030-01-10T00:00:00Z'));

  await bed.clockTo('2030-02-03T23:59:00Z');
  expect(bed.calls('grace')).toEqual([
    ['startSubscription', { subscriptionId: 'sub-grace' }],
    ['closePeriod', { subscriptionId: 'sub-grace', billingDate: '2030-02-01' }], // a draft: not finalized before its end
  ]);
  await bed.clockTo('2030-02-04T00:01:00Z');
  expect(bed.calls('grace').slice(2)).toEqual([
    ['finalizeDraft', { organizationId: ORGANIZATION_ID, invoiceId: 'invoice/sub-grace/2030-02-01', atMs: at('2030-02-04T00:00:00Z') }],
  ]);
  await bed.clockTo('2030-03-05T00:00:00Z');
  expect(bed.calls('grace').slice(3)).toEqual([
    ['closePeriod', { subscriptionId: 'sub-grace', billingDate: '2030-03-01' }], // finalized at once: nothing more to finalize
  ]);
  // The draft is kept in the state of the run that closed Feb 1 (a close no longer ends the run, issue 12),
  // whose timer finalized it; a draft carried across continue-as-new is pinned by one-run.test.ts.
  const [, close, finalize] = bed.callDetails('grace');
  expect(finalize!.runId).toBe(close!.runId);
  expect(bed.callDetails('grace').filter((call) => call.name === 'finalizeDraft').map((call) => call.attempt)).toEqual([1]);
});

it('late usage refreshes the open draft at once; a late-only event is not recorded as usage, a late seat is; past the grace period nothing is refreshed', async () => {
  await bed.clockTo('2030-03-10T10:00:00Z');
  draftsOn('sub-late', { '2030-04-01': '2030-04-08T00:00:00Z' }); // a 7-day grace period
  await bed.subscribe(subscription('late', '2030-03-10T10:00:00Z'));
  await bed.clockTo('2030-04-02T09:00:00Z');
  expect(bed.calls('late')).toHaveLength(2); // start, the April 1 close

  // An event of March (its period closed) that no seat or in-advance charge watches: the draft is computed again.
  await bed.workflows.notifyUsage(ORGANIZATION_ID, 'late', [{ transactionId: 'late-1', code: 'calls', timestamp: at('2030-03-31T10:00:00Z'), late: true, watched: false }]);
  await bed.clockTo('2030-04-02T09:01:00Z');
  expect(bed.calls('late').slice(2)).toEqual([
    ['refreshDrafts', { organizationId: ORGANIZATION_ID, invoiceIds: ['invoice/sub-late/2030-04-01'] }],
  ]);
  // A late seat: recorded as usage (its own fields only), and the draft refreshed.
  await bed.workflows.notifyUsage(ORGANIZATION_ID, 'late', [{ transactionId: 'seat-1', code: 'seats', timestamp: at('2030-03-30T10:00:00Z'), late: true }]);
  await bed.clockTo('2030-04-02T09:02:00Z');
  expect(bed.calls('late').slice(3)).toEqual([
    ['recordUsage', { subscriptionId: 'sub-late', events: [{ transactionId: 'seat-1', code: 'seats', timestamp: at('2030-03-30T10:00:00Z') }] }],
    ['refreshDrafts', { organizationId: ORGANIZATION_ID, invoiceIds: ['invoice/sub-late/2030-04-01'] }],
  ]);

  await bed.clockTo('2030-04-08T01:00:00Z');
  expect(bed.calls('late').slice(5)).toEqual([
    ['finalizeDraft', { organizationId: ORGANIZATION_ID, invoiceId: 'invoice/sub-late/2030-04-01', atMs: at('2030-04-08T00:00:00Z') }],
  ]);
  // No draft any more: a late event waits for the next invoice, nothing is called.
  await bed.workflows.notifyUsage(ORGANIZATION_ID, 'late', [{ transactionId: 'late-2', code: 'calls', timestamp: at('2030-03-31T11:00:00Z'), late: true, watched: false }]);
  await bed.clockTo('2030-04-08T01:01:00Z');
  expect(bed.calls('late')).toHaveLength(6);
});

it('a termination within the grace period finalizes the draft first, then terminates', async () => {
  await bed.clockTo('2030-05-10T10:00:00Z');
  draftsOn('sub-leaving', { '2030-06-01': '2030-06-06T00:00:00Z' });
  await bed.subscribe(subscription('leaving', '2030-05-10T10:00:00Z'));
  await bed.clockTo('2030-06-03T12:00:00Z');
  const result = await bed.workflows.terminate(ORGANIZATION_ID, 'leaving', at('2030-06-03T12:00:00Z'));
  expect(result).toEqual({ subscriptionId: 'sub-leaving', invoiceId: 'invoice/sub-leaving/terminated', creditNoteId: null });
  const calls = bed.calls('leaving');
  expect(calls.map(([name]) => name)).toEqual(['startSubscription', 'closePeriod', 'finalizeDraft', 'terminateSubscription']);
  // Finalized when the termination was handled (June 3, 12:00, give or take the seconds the update took), before its June 6 end.
  const finalizedAt = (calls[2]![1] as { atMs: number }).atMs;
  expect(finalizedAt).toBeGreaterThanOrEqual(at('2030-06-03T12:00:00Z'));
  expect(finalizedAt).toBeLessThan(at('2030-06-03T12:05:00Z'));
  expect(calls[2]![1]).toMatchObject({ organizationId: ORGANIZATION_ID, invoiceId: 'invoice/sub-leaving/2030-06-01' });
});

it('an upgrade within the grace period finalizes the draft first; the new plan goes on without it', async () => {
  await bed.clockTo('2030-07-10T10:00:00Z');
  const current = subscription('upgrader', '2030-07-10T10:00:00Z');
  draftsOn('sub-upgrader', { '2030-08-01': '2030-08-11T00:00:00Z' });
  await bed.subscribe(current);
  await bed.clockTo('2030-08-05T09:00:00Z');
  const pro: TestPlan = { code: 'pro', interval: 'monthly', payInAdvance: false };
  await bed.workflows.changePlan(ORGANIZATION_ID, 'upgrader', planChange('upgrade', current, { subscriptionId: 'sub-pro', plan: pro }, '2030-08-05T09:00:00Z'));
  await bed.clockTo('2030-08-12T00:00:00Z');
  const calls = bed.calls('upgrader');
  expect(calls.map(([name]) => name)).toEqual(['startSubscription', 'closePeriod', 'finalizeDraft', 'upgradeSubscription']);
  expect(calls[2]![1]).toMatchObject({ organizationId: ORGANIZATION_ID, invoiceId: 'invoice/sub-upgrader/2030-08-01' });
  expect((calls[2]![1] as { atMs: number }).atMs).toBeLessThan(at('2030-08-11T00:00:00Z')); // now, not at its end
  // Its timer does not finalize it again on Aug 11.
  expect(calls.filter(([name]) => name === 'finalizeDraft')).toHaveLength(1);
});

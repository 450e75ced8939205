/**
 * Progressive billing in the loop (issue 15): usage signalled for a subscription with usage
 * thresholds (`thresholds: true`) is checked for crossings at once, after the seats and in-advance
 * charges of the same signals are recorded; usage without the flag (every signal from before
 * issue 15) runs no check. Signals heard together are one check.
 */
import { ORGANIZATION_ID, useLoopBed, type TestSubscription } from './harness';

const bed = useLoopBed('loop-progressive-billing');

const at = (iso: string) => Date.parse(iso);

it('a signal with thresholds runs one check after the usage it carries is recorded; one without runs none', async () => {
  await bed.clockTo('2028-01-01T10:00:00Z');
  const subscription: TestSubscription = {
    externalId: 'prog', subscriptionId: 'sub-prog', plan: { code: 'prog', interval: 'monthly', payInAdvance: false },
    billingTime: 'calendar', subscriptionAt: '2028-01-01T10:00:00Z', timezone: 'UTC',
  };
  await bed.subscribe(subscription);
  await bed.clockTo('2028-01-01T11:00:00Z');
  expect(bed.calls('prog')).toEqual([['startSubscription', { subscriptionId: 'sub-prog' }]]);

  // A plain event (no seat, no in-advance charge) of a subscription with thresholds: the check alone.
  await bed.workflows.notifyUsage(ORGANIZATION_ID, 'prog', [{ transactionId: 'call-1', code: 'api_calls', timestamp: at('2028-01-05T10:00:00Z'), watched: false, thresholds: true }]);
  await bed.clockTo('2028-01-05T10:05:00Z');
  expect(bed.calls('prog').slice(1)).toEqual([['checkUsageThresholds', { subscriptionId: 'sub-prog' }]]);

  // A seat and a plain event in one signal: the seat is recorded first, then one check.
  await bed.workflows.notifyUsage(ORGANIZATION_ID, 'prog', [
    { transactionId: 'seat-1', code: 'seats', timestamp: at('2028-01-06T10:00:00Z'), thresholds: true },
    { transactionId: 'call-2', code: 'api_calls', timestamp: at('2028-01-06T10:00:00Z'), watched: false, thresholds: true },
  ]);
  await bed.clockTo('2028-01-06T10:05:00Z');
  expect(bed.calls('prog').slice(2)).toEqual([
    ['recordUsage', { subscriptionId: 'sub-prog', events: [{ transactionId: 'seat-1', code: 'seats', timestamp: at('2028-01-06T10:00:00Z') }] }],
    ['checkUsageThresholds', { subscriptionId: 'sub-prog' }],
  ]);

  // A seat signalled without the flag (as before issue 15): recorded, no check.
  await bed.workflows.notifyUsage(ORGANIZATION_ID, 'prog', [{ transactionId: 'seat-2', code: 'seats', timestamp: at('2028-01-07T10:00:00Z') }]);
  await bed.clockTo('2028-01-07T10:05:00Z');
  expect(bed.calls('prog').slice(4)).toEqual([
    ['recordUsage', { subscriptionId: 'sub-prog', events: [{ transactionId: 'seat-2', code: 'seats', timestamp: at('2028-01-07T10:00:00Z') }] }],
  ]);
});

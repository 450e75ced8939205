/**
 * Progressive billing on the real worker (issue 15's "Done when"), hand-worked: a standard charge of
 * 1.00 per event (100 cents), base fee 10.00 in arrears, monthly, calendar billing, no taxes.
 * Events reach the subscription's workflow as signals; it bills a crossed threshold at once.
 */
import { moveClockTo } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';
import { createPlan, settle, sleepUntil, subscribe } from '../support/scenario';

const TASK_QUEUE = 'progressive-billing-test';
const bed = useWorkflowTestbed(TASK_QUEUE);

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let metricId: string;

beforeAll(async () => {
  const response = await bed.api.post('/billable_metrics', { billable_metric: { name: 'Calls', code: 'pb_calls', aggregation_type: 'count_agg' } }).expect(200);
  metricId = response.body.billable_metric.lago_id as string;
});

async function planWithThresholds(code: string, usageThresholds: Json[]): Promise<void> {
  await createPlan(bed.api, {
    name: code, code, interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ billable_metric_id: metricId, charge_model: 'standard', properties: { amount: '1' } }],
    usage_thresholds: usageThresholds,
  });
}

let sequence = 0;
/** A batch of `count` events for the subscription (unique transaction ids). */
async function batch(subscription: string, count: number): Promise<void> {
  const events = Array.from({ length: count }, () => ({ transaction_id: `${subscription}-${++sequence}`, code: 'pb_calls', external_subscription_id: subscription }));
  await bed.api.post('/events/batch', { events }).expect(200);
}

async function invoicesOf(customer: string): Promise<Json[]> {
  const response = await bed.api.get(`/invoices?external_customer_id=${customer}&per_page=100`).expect(200);
  return (response.body.invoices as Json[]).sort((a, b) => a.sequential_id - b.sequential_id);
}

const summary = (invoice: Json) => ({
  type: invoice.invoice_type,
  issuingDate: invoice.issuing_date,
  fees: invoice.fees_amount_cents,
  credit: invoice.progressive_billing_credit_amount_cents,
  total: invoice.total_amount_cents,
  lines: (invoice.fees as Json[]).map((fee) => [`${fee.item.type}:${fee.item.code}`, fee.units, fee.amount_cents]),
  thresholds: (invoice.applied_usage_thresholds as Json[]).map((applied) => [applied.usage_threshold.amount_cents, applied.usage_threshold.recurring, applied.lifetime_usage_amount_cents]),
});

async function thresholdWebhooks(subscriptionId: string): Promise<[number, boolean][]> {
  const rows = await bed.database.db('webhook_events').where({ webhook_type: 'subscription.usage_threshold_reached', object_id: subscriptionId }).orderBy('created_at');
  return rows.map((row) => [row.payload.subscription.usage_threshold.amount_cents, row.payload.subscription.usage_threshold.recurring]);
}

it('a 100.00 threshold: 150 events on day 5 bill 15000 at once; the period-end invoice bills 18000 − 15000 = 3000 of usage plus the base fee', async () => {
  await moveClockTo(bed.env, '2032-01-01T06:00:00Z');
  await planWithThresholds('pb_fixed', [{ amount_cents: 10000, threshold_display_name: 'Hundred', recurring: false }]);
  const subscription = await subscribe(bed.api, { external_customer_id: 'pb-fixed', plan_code: 'pb_fixed', external_id: 'pb-fixed-sub', billing_time: 'calendar' });
  await settle(bed.env);

  await moveClockTo(bed.env, '2032-01-05T10:00:00Z');
  // 50 + 49 = 99 events (9900) cross nothing; the 150th event brings 15000 ≥ 10000.
  await batch('pb-fixed-sub', 50);
  await batch('pb-fixed-sub', 49);
  await settle(bed.env);
  expect(await invoicesOf('pb-fixed')).toEqual([]);
  await batch('pb-fixed-sub', 51);
  await settle(bed.env);
  expect((await invoicesOf('pb-fixed')).map(summary)).toEqual([
    // 150 × 100 = 15000, that day (the charges period so far).
    { type: 'progressive_billing', issuingDate: '2032-01-05', fees: 15000, credit: 0, total: 15000, lines: [['charge:pb_calls', '150.0', 15000]], thresholds: [[10000, false, 15000]] },
  ]);
  expect(await thresholdWebhooks(subscription.lago_id as string)).toEqual([[10000, false]]);

  // 30 more events: 18000, no threshold left to cross.
  await moveClockTo(bed.env, '2032-01-06T10:00:00Z');
  await batch('pb-fixed-sub', 30);
  await settle(bed.env);
  expect(await invoicesOf('pb-fixed')).toHaveLength(1);
  const lifetime = (await bed.api.get('/subscriptions/pb-fixed-sub/lifetime_usage').expect(200)).body.lifetime_usage;
  // Nothing invoiced by a closed period yet; the period's usage so far is 180 × 100 = 18000.
  expect(lifetime).toMatchObject({
    external_subscription_id: 'pb-fixed-sub', external_historical_usage_amount_cents: 0, invoiced_usage_amount_cents: 0, current_usage_amount_cents: 18000,
    usage_thresholds: [{ amount_cents: 10000, completion_ratio: 1, reached_at: expect.stringMatching(/^2032-01-05T/) }],
  });

  await sleepUntil(bed.env, '2032-02-01T12:00:00Z');
  const invoices = await invoicesOf('pb-fixed');
  expect(invoices.map(summary)).toEqual([
    expect.objectContaining({ type: 'progressive_billing', fees: 15000 }),
    // January: base fee 1000 (the whole month) + 180 × 100 = 18000 of usage = 19000; 15000 billed already:
    // 19000 − 15000 = 4000 = 3000 of usage + the base fee.
    { type: 'subscription', issuingDate: '2032-02-01', fees: 19000, credit: 15000, total: 4000, lines: [['subscription:pb_fixed', '1.0', 1000], ['charge:pb_calls', '180.0', 18000]], thresholds: [] },
  ]);
  expect(invoices[1]!.sub_total_excluding_taxes_amount_cents).toBe(4000);
  // The closed period's usage counts as invoiced now; the new period has none yet.
  expect((await bed.api.get('/subscriptions/pb-fixed-sub/lifetime_usage').expect(200)).body.lifetime_usage)
    .toMatchObject({ invoiced_usage_amount_cents: 18000, current_usage_amount_cents: 0 });
});

it('a recurring 50.00 threshold beyond the fixed 100.00 bills each further 50.00 once', async () => {
  await moveClockTo(bed.env, '2032-03-01T06:00:00Z');
  await planWithThresholds('pb_recurring', [{ amount_cents: 10000, recurring: false }, { amount_cents: 5000, threshold_display_name: 'Every 50', recurring: true }]);
  const subscription = await subscribe(bed.api, { external_customer_id: 'pb-rec', plan_code: 'pb_recurring', external_id: 'pb-rec-sub', billing_time: 'calendar' });
  await settle(bed.env);

  await moveClockTo(bed.env, '2032-03-05T10:00:00Z');
  await batch('pb-rec-sub', 50);
  await batch('pb-rec-sub', 49);
  await batch('pb-rec-sub', 21); // 120 events: 12000 crosses 10000 (the recurring levels are 15000, 20000, …)
  await settle(bed.env);
  await batch('pb-rec-sub', 40); // 160: 16000 crosses 10000 + 5000 = 15000
  await settle(bed.env);
  await batch('pb-rec-sub', 30); // 190: 19000, the next level is 20000
  await settle(bed.env);
  await batch('pb-rec-sub', 10); // 200: 20000 crosses 10000 + 2 × 5000
  await settle(bed.env);

  expect((await invoicesOf('pb-rec')).map(summary)).toEqual([
    { type: 'progressive_billing', issuingDate: '2032-03-05', fees: 12000, credit: 0, total: 12000, lines: [['charge:pb_calls', '120.0', 12000]], thresholds: [[10000, false, 12000]] },
    // 16000 − 12000 = 4000.
    { type: 'progressive_billing', issuingDate: '2032-03-05', fees: 4000, credit: 0, total: 4000, lines: [['charge:pb_calls', '160.0', 4000]], thresholds: [[5000, true, 16000]] },
    // 20000 − 12000 − 4000 = 4000.
    { type: 'progressive_billing', issuingDate: '2032-03-05', fees: 4000, credit: 0, total: 4000, lines: [['charge:pb_calls', '200.0', 4000]], thresholds: [[5000, true, 20000]] },
  ]);
  expect(await thresholdWebhooks(subscription.lago_id as string)).toEqual([[10000, false], [5000, true], [5000, true]]);

  await sleepUntil(bed.env, '2032-04-01T12:00:00Z');
  const closing = (await invoicesOf('pb-rec')).map(summary).at(-1);
  // March: 1000 + 200 × 100 = 21000; 12000 + 4000 + 4000 = 20000 billed already: 1000 left, the base fee.
  expect(closing).toEqual({
    type: 'subscription', issuingDate: '2032-04-01', fees: 21000, credit: 20000, total: 1000, lines: [['subscription:pb_recurring', '1.0', 1000], ['charge:pb_calls', '200.0', 20000]], thresholds: [],
  });
});

it('three concurrent batches crossing the threshold together give one progressive invoice', async () => {
  await moveClockTo(bed.env, '2032-05-01T06:00:00Z');
  await planWithThresholds('pb_race', [{ amount_cents: 10000 }]);
  const subscription = await subscribe(bed.api, { external_customer_id: 'pb-race', plan_code: 'pb_race', external_id: 'pb-race-sub', billing_time: 'calendar' });
  await settle(bed.env);

  await moveClockTo(bed.env, '2032-05-05T10:00:00Z');
  // 3 × 40 = 120 events; no two batches reach 100 (80 × 100 = 8000), so the crossing sees all three: 12000.
  await Promise.all([batch('pb-race-sub', 40), batch('pb-race-sub', 40), batch('pb-race-sub', 40)]);
  await settle(bed.env);
  expect((await invoicesOf('pb-race')).map(summary)).toEqual([
    { type: 'progressive_billing', issuingDate: '2032-05-05', fees: 12000, credit: 0, total: 12000, lines: [['charge:pb_calls', '120.0', 12000]], thresholds: [[10000, false, 12000]] },
  ]);
  expect(await thresholdWebhooks(subscription.lago_id as string)).toEqual([[10000, false]]);
  expect(await bed.database.db('applied_usage_thresholds').where({ subscription_id: subscription.lago_id })).toHaveLength(1);
});

it('progressive_billing_disabled: the thresholds bill nothing', async () => {
  await moveClockTo(bed.env, '2032-06-01T06:00:00Z');
  await planWithThresholds('pb_off', [{ amount_cents: 10000 }]);
  const subscription = await subscribe(bed.api, { external_customer_id: 'pb-off', plan_code: 'pb_off', external_id: 'pb-off-sub', billing_time: 'calendar', progressive_billing_disabled: true });
  expect(subscription.progressive_billing_disabled).toBe(true);
  await settle(bed.env);
  await moveClockTo(bed.env, '2032-06-05T10:00:00Z');
  await batch('pb-off-sub', 100);
  await settle(bed.env);
  expect(await invoicesOf('pb-off')).toEqual([]);
});

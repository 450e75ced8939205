/**
 * Minimum commitments and spending minimums (issue 16 pt 4) with the real worker, activities and
 * Postgres on the time-skipping server: the true-up fees a period's close bills, their taxes, the
 * links between a spending-minimum true-up and its parent fee, and a preview that equals the invoice
 * while current usage shows no true-up (as Lago's). Every figure is worked out by hand beside it.
 */
import { moveClockTo } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';
import { createPlan, settle, sleepUntil, subscribe } from '../support/scenario';

const bed = useWorkflowTestbed('commitments-test');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function metric(code: string): Promise<string> {
  const response = await bed.api.post('/billable_metrics', { billable_metric: { name: code, code, aggregation_type: 'sum_agg', field_name: 'n' } }).expect(200);
  return response.body.billable_metric.lago_id as string;
}

async function usage(transactionId: string, code: string, subscription: string, n: number): Promise<void> {
  await bed.api.post('/events', { event: { transaction_id: transactionId, code, external_subscription_id: subscription, properties: { n } } }).expect(200);
}

async function lateUsage(transactionId: string, code: string, subscription: string, n: number, timestamp: string): Promise<void> {
  await bed.api.post('/events', { event: { transaction_id: transactionId, code, external_subscription_id: subscription, timestamp, properties: { n } } }).expect(200);
}

async function invoicesOf(customer: string): Promise<Json[]> {
  const response = await bed.api.get(`/invoices?external_customer_id=${customer}&per_page=100`).expect(200);
  return (response.body.invoices as Json[]).sort((a, b) => a.sequential_id - b.sequential_id);
}

/** A fee as a hand-worked table states it: item, amount, taxes rate and amount, dates. */
const feeRow = (fee: Json) => [`${fee.item.type}:${fee.item.code}`, fee.amount_cents, fee.taxes_rate, fee.taxes_amount_cents, fee.from_date?.slice(0, 10) ?? null, fee.to_date?.slice(0, 10) ?? null];

let calls: string;

beforeAll(async () => {
  await moveClockTo(bed.env, '2030-11-01T00:05:00Z');
  calls = await metric('calls');
  await bed.api.post('/taxes', { tax: { name: 'VAT 10%', code: 'vat_10', rate: '10' } }).expect(200);
  await bed.api.post('/taxes', { tax: { name: 'VAT 20%', code: 'vat_20', rate: '20' } }).expect(200);
});

it('a 1,000.00 monthly commitment with 640.00 of fees: a 360.00 true-up, taxed by its own codes; the next month, met, none', async () => {
  await bed.api.post('/customers', { customer: { external_id: 'cora', currency: 'EUR', timezone: 'UTC', tax_codes: ['vat_10'] } }).expect(200);
  await createPlan(bed.api, {
    name: 'Committed', code: 'committed', interval: 'monthly', amount_cents: 40000, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ billable_metric_id: calls, charge_model: 'standard', properties: { amount: '1' } }],
    minimum_commitment: { amount_cents: 100000, invoice_display_name: 'Commitment top-up', tax_codes: ['vat_20'] },
  });
  await subscribe(bed.api, { external_customer_id: 'cora', plan_code: 'committed', external_id: 'cora-sub', billing_time: 'calendar' });
  await settle(bed.env);
  await usage('cora-1', 'calls', 'cora-sub', 150);
  await usage('cora-2', 'calls', 'cora-sub', 90);
  await sleepUntil(bed.env, '2030-11-30T12:00:00Z');

  // Current usage shows the usage alone: 240 × 1.00 = 240.00, no true-up (Lago's current usage has none).
  const current = (await bed.api.get('/customers/cora/current_usage?external_subscription_id=cora-sub').expect(200)).body.customer_usage as Json;
  expect([current.amount_cents, (current.charges_usage as Json[]).map((line) => [line.billable_metric.code, line.amount_cents])]).toEqual([24000, [['calls', 24000]]]);

  // The preview of the Dec 1 close is the invoice it then issues, true-up included.
  const preview = (await bed.api.post('/invoices/preview', { customer: { external_id: 'cora' }, subscriptions: { external_ids: ['cora-sub'] } }).expect(200)).body.invoice as Json;
  await sleepUntil(bed.env, '2030-12-01T12:00:00Z');
  const first = (await invoicesOf('cora'))[0]!;
  // Fees: 400.00 base + 240.00 usage = 640.00; the commitment 1,000.00 − 640.00 = 360.00.
  // Taxes: 10 % (the customer's) of 640.00 = 64.00; 20 % (the commitment's own) of 360.00 = 72.00; 136.00 in all.
  expect(feeRowsOf(first)).toEqual([
    ['subscription:committed', 40000, 10, 4000, '2030-11-01', '2030-11-30'],
    ['charge:calls', 24000, 10, 2400, '2030-11-01', '2030-11-30'],
    ['commitment:committed', 36000, 20, 7200, '2030-11-01', '2030-11-30'],
  ]);
  expect([first.fees_amount_cents, first.taxes_amount_cents, first.total_amount_cents]).toEqual([100000, 13600, 113600]);
  const commitmentFee = (first.fees as Json[]).find((fee) => fee.item.type === 'commitment')!;
  expect(commitmentFee).toMatchObject({
    lago_charge_id: null, lago_true_up_fee_id: null, lago_true_up_parent_fee_id: null, units: '1.0', events_count: 0,
    item: { type: 'commitment', code: 'committed', name: 'Committed', invoice_display_name: 'Commitment top-up', item_type: 'Subscription', lago_item_id: first.subscriptions[0].lago_id },
  });
  expect([preview.number, feeRowsOf(preview), preview.total_amount_cents]).toEqual([first.number, feeRowsOf(first), first.total_amount_cents]);

  // December: 700 × 1.00 = 700.00 of usage; 400.00 + 700.00 = 1,100.00 ≥ 1,000.00: no true-up.
  await usage('cora-3', 'calls', 'cora-sub', 700);
  await sleepUntil(bed.env, '2031-01-01T12:00:00Z');
  const second = (await invoicesOf('cora'))[1]!;
  expect(feeRowsOf(second)).toEqual([
    ['subscription:committed', 40000, 10, 4000, '2030-12-01', '2030-12-31'],
    ['charge:calls', 70000, 10, 7000, '2030-12-01', '2030-12-31'],
  ]);
});

it('a half first month: 1,000.00 × 15/30 = 500.00 committed, 220.00 of fees, 280.00 true-up', async () => {
  await moveClockTo(bed.env, '2031-04-16T09:00:00Z');
  await createPlan(bed.api, {
    name: 'Half', code: 'half', interval: 'monthly', amount_cents: 20000, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ billable_metric_id: calls, charge_model: 'standard', properties: { amount: '1' } }],
    minimum_commitment: { amount_cents: 100000 },
  });
  await subscribe(bed.api, { external_customer_id: 'hal', plan_code: 'half', external_id: 'hal-sub', billing_time: 'calendar' });
  await settle(bed.env);
  await usage('hal-1', 'calls', 'hal-sub', 120);
  await sleepUntil(bed.env, '2031-05-01T12:00:00Z');
  const [invoice] = await invoicesOf('hal');
  // April 16 … 30 = 15 of 30 days: base 200.00 × 15/30 = 100.00; usage 120.00; commitment 1,000.00 × 15/30 = 500.00;
  // 500.00 − 220.00 = 280.00, untaxed (no tax anywhere); named with Lago's default.
  expect(feeRowsOf(invoice!)).toEqual([
    ['subscription:half', 10000, 0, 0, '2031-04-16', '2031-04-30'],
    ['charge:calls', 12000, 0, 0, '2031-04-16', '2031-04-30'],
    ['commitment:half', 28000, 0, 0, '2031-04-01', '2031-04-30'],
  ]);
  expect(invoice!.total_amount_cents).toBe(50000);
  expect((invoice!.fees as Json[]).find((fee) => fee.item.type === 'commitment')!.item.invoice_display_name).toBe('Minimum commitment');
});

it('spending minimums: each charge short of its prorated minimum gets a true-up linked to its fee, and those count towards the commitment', async () => {
  await moveClockTo(bed.env, '2031-06-16T10:00:00Z');
  const storage = await metric('storage');
  await createPlan(bed.api, {
    name: 'Minimums', code: 'minimums', interval: 'monthly', amount_cents: 0, amount_currency: 'USD', pay_in_advance: false,
    charges: [
      { billable_metric_id: storage, charge_model: 'standard', properties: { amount: '2' }, min_amount_cents: 10000 },
      { billable_metric_id: calls, charge_model: 'standard', properties: { amount: '0.1' }, min_amount_cents: 5000, invoice_display_name: 'API calls' },
    ],
    // 100.00 × 15/30 = 50.00 committed: met by 30.00 of storage with its two true-ups (75.00); without them it would not be.
    minimum_commitment: { amount_cents: 10000 },
  });
  await subscribe(bed.api, { external_customer_id: 'minnie', plan_code: 'minimums', external_id: 'minnie-sub', billing_time: 'calendar' });
  await settle(bed.env);
  await usage('minnie-1', 'storage', 'minnie-sub', 15);
  await sleepUntil(bed.env, '2031-07-01T12:00:00Z');
  const [invoice] = await invoicesOf('minnie');
  // June 16 … 30 = 15 of 30 days. Storage: 15 × 2.00 = 30.00 against 100.00 × 15/30 = 50.00 → true-up 20.00.
  // Calls: no usage (its fee of 0 is kept as the true-up's parent, as Lago keeps it) against 50.00 × 15/30 = 25.00 → 25.00.
  // 30.00 + 20.00 + 0 + 25.00 = 75.00 ≥ 50.00 committed: no commitment fee.
  expect(feeRowsOf(invoice!)).toEqual([
    ['charge:calls', 0, 0, 0, '2031-06-16', '2031-06-30'],
    ['charge:calls', 2500, 0, 0, '2031-06-16', '2031-06-30'],
    ['charge:storage', 3000, 0, 0, '2031-06-16', '2031-06-30'],
    ['charge:storage', 2000, 0, 0, '2031-06-16', '2031-06-30'],
  ]);
  expect(invoice!.total_amount_cents).toBe(7500);
  const fees = invoice!.fees as Json[];
  const [callsFee, callsTrueUp, storageFee, storageTrueUp] = [...fees].sort(feeRowOrder);
  expect([storageFee!.lago_true_up_fee_id, storageFee!.lago_true_up_parent_fee_id, storageFee!.units]).toEqual([storageTrueUp!.lago_id, null, '15.0']);
  expect([storageTrueUp!.lago_true_up_fee_id, storageTrueUp!.lago_true_up_parent_fee_id, storageTrueUp!.units, storageTrueUp!.events_count])
    .toEqual([null, storageFee!.lago_id, '1.0', 0]);
  expect([callsFee!.lago_true_up_fee_id, callsFee!.units, callsTrueUp!.lago_true_up_parent_fee_id, callsTrueUp!.item.invoice_display_name])
    .toEqual([callsTrueUp!.lago_id, '0.0', callsFee!.lago_id, 'API calls']);
  expect(storageTrueUp!.lago_charge_id).toBe(storageFee!.lago_charge_id);
  // GET /fees/:id answers the same links.
  const fetched = (await bed.api.get(`/fees/${storageTrueUp!.lago_id}`).expect(200)).body.fee as Json;
  expect(fetched.lago_true_up_parent_fee_id).toBe(storageFee!.lago_id);
});

it('an in-advance plan: the period\'s base fee, billed at its start, counts at the next period\'s invoice', async () => {
  await moveClockTo(bed.env, '2031-08-01T00:05:00Z');
  await createPlan(bed.api, {
    name: 'Upfront', code: 'upfront', interval: 'monthly', amount_cents: 30000, amount_currency: 'EUR', pay_in_advance: true,
    charges: [{ billable_metric_id: calls, charge_model: 'standard', properties: { amount: '1' } }],
    minimum_commitment: { amount_cents: 100000 },
  });
  await subscribe(bed.api, { external_customer_id: 'uma', plan_code: 'upfront', external_id: 'uma-sub', billing_time: 'calendar' });
  await settle(bed.env);
  await usage('uma-1', 'calls', 'uma-sub', 200);
  await sleepUntil(bed.env, '2031-09-01T12:00:00Z');
  const invoices = await invoicesOf('uma');
  // Aug 1: August's base fee in advance, 300.00; no true-up on a starting invoice.
  // Sep 1: September's base fee 300.00, August's usage 200 × 1.00 = 200.00, and August's true-up:
  // 1,000.00 − (300.00 billed on Aug 1 + 200.00) = 500.00 (September's base fee is September's).
  expect(invoices.map(feeRowsOf)).toEqual([
    [['subscription:upfront', 30000, 0, 0, '2031-08-01', '2031-08-31']],
    [
      ['subscription:upfront', 30000, 0, 0, '2031-09-01', '2031-09-30'],
      ['charge:calls', 20000, 0, 0, '2031-08-01', '2031-08-31'],
      ['commitment:upfront', 50000, 0, 0, '2031-08-01', '2031-08-31'],
    ],
  ]);

  // Terminated on Sep 10: September closes at 10 of 30 days, 1,000.00 × 10/30 = 333.33; its base fee (300.00, billed
  // on Sep 1) and no usage: 333.33 − 300.00 = 33.33 on the termination invoice.
  await sleepUntil(bed.env, '2031-09-10T12:00:00Z');
  await bed.api.delete('/subscriptions/uma-sub').expect(200);
  await settle(bed.env);
  const last = (await invoicesOf('uma')).find((invoice) => invoice.billing_periods[0]?.invoicing_reason === 'subscription_terminating')!;
  expect((last.fees as Json[]).filter((fee) => fee.item.type === 'commitment').map(feeRow)).toEqual([['commitment:upfront', 3333, 0, 0, '2031-09-01', '2031-09-30']]);
});

it('late usage of a period trued up to its spending minimum is billed only beyond what the true-up paid for', async () => {
  await moveClockTo(bed.env, '2031-10-01T00:05:00Z');
  const disk = await metric('disk');
  await createPlan(bed.api, {
    name: 'Late minimum', code: 'late_minimum', interval: 'monthly', amount_cents: 0, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ billable_metric_id: disk, charge_model: 'standard', properties: { amount: '2' }, min_amount_cents: 10000 }],
  });
  await subscribe(bed.api, { external_customer_id: 'lena', plan_code: 'late_minimum', external_id: 'lena-sub', billing_time: 'calendar' });
  await settle(bed.env);
  await usage('lena-oct', 'disk', 'lena-sub', 15);
  await sleepUntil(bed.env, '2031-11-01T12:00:00Z');
  // October (31 of 31 days): 15 × 2.00 = 30.00 against 100.00 → a 70.00 true-up; 100.00 in all.
  expect(feeRowsOf((await invoicesOf('lena'))[0]!)).toEqual([
    ['charge:disk', 3000, 0, 0, '2031-10-01', '2031-10-31'],
    ['charge:disk', 7000, 0, 0, '2031-10-01', '2031-10-31'],
  ]);

  // Late for October: 5 more (October now 20 × 2.00 = 40.00, still under 100.00): the true-up paid for it, nothing to bill.
  await lateUsage('lena-late-1', 'disk', 'lena-sub', 5, '2031-10-20T12:00:00Z');
  await sleepUntil(bed.env, '2031-12-01T12:00:00Z');
  const december = (await invoicesOf('lena'))[1]!;
  // November: no usage, its fee of 0 and a 100.00 true-up (30 of 30 days); October's adjustment: 40.00 − 30.00 = 10.00,
  // less the 70.00 − 60.00 = 10.00 the true-up already paid for = 0, 5 units.
  expect(feeRowsOf(december)).toEqual([
    ['charge:disk', 0, 0, 0, '2031-10-01', '2031-10-31'],
    ['charge:disk', 0, 0, 0, '2031-11-01', '2031-11-30'],
    ['charge:disk', 10000, 0, 0, '2031-11-01', '2031-11-30'],
  ]);
  const octoberAdjustment = (december.fees as Json[]).find((fee) => fee.from_date.startsWith('2031-10'))!;
  expect([octoberAdjustment.units, octoberAdjustment.unit_amount_cents, octoberAdjustment.adjustment?.type, octoberAdjustment.amount_details.spending_minimum_covered_cents])
    .toEqual(['5.0', 0, 'late_usage', '1000']);

  // Late for October again: 35 more (55 × 2.00 = 110.00, over the minimum). Priced again: 110.00 − (30.00 + 0 billed)
  // = 80.00; the true-up priced again is none, so all of the 70.00 billed is covered: 80.00 − 70.00 = 10.00.
  // October then costs 30.00 + 70.00 + 0 + 10.00 = 110.00 = its usage.
  await lateUsage('lena-late-2', 'disk', 'lena-sub', 35, '2031-10-21T12:00:00Z');
  await sleepUntil(bed.env, '2032-01-01T12:00:00Z');
  const january = (await invoicesOf('lena'))[2]!;
  const secondAdjustment = (january.fees as Json[]).find((fee) => fee.from_date.startsWith('2031-10'))!;
  // 10.00 over 35 units: 0.2857… a unit, 29 cents rounded.
  expect([secondAdjustment.units, secondAdjustment.amount_cents, secondAdjustment.unit_amount_cents, secondAdjustment.amount_details.spending_minimum_covered_cents])
    .toEqual(['35.0', 1000, 29, '7000']);
});

it('a draft within its grace period: refreshed and finalized, the true-up counts the draft\'s new fees, not its old ones', async () => {
  await moveClockTo(bed.env, '2032-02-01T00:05:00Z');
  await bed.api.post('/customers', { customer: { external_id: 'gwen', currency: 'EUR', timezone: 'UTC', billing_configuration: { invoice_grace_period: 2 } } }).expect(200);
  await subscribe(bed.api, { external_customer_id: 'gwen', plan_code: 'committed', external_id: 'gwen-sub', billing_time: 'calendar' });
  await settle(bed.env);
  await usage('gwen-1', 'calls', 'gwen-sub', 240);
  await sleepUntil(bed.env, '2032-03-01T12:00:00Z');
  // February (29 days, all covered), as the first test's November: 400.00 + 240.00, and 1,000.00 − 640.00 = 360.00, a
  // draft. gwen has no taxes; the commitment has its own 20 %: 72.00. Total 1,000.00 + 72.00 = 1,072.00.
  let draft = (await invoicesOf('gwen'))[0]!;
  expect([draft.status, feeRowsOf(draft), draft.total_amount_cents]).toEqual(['draft', [
    ['subscription:committed', 40000, 0, 0, '2032-02-01', '2032-02-29'],
    ['charge:calls', 24000, 0, 0, '2032-02-01', '2032-02-29'],
    ['commitment:committed', 36000, 20, 7200, '2032-02-01', '2032-02-29'],
  ], 107200]);

  // 60 more calls on Feb 28, late for February while its invoice is a draft: refreshed at once. 400.00 + 300.00 = 700.00,
  // true-up 300.00, its tax 60.00: 1,060.00 (counting the draft's old fees too would have left no true-up).
  await lateUsage('gwen-late', 'calls', 'gwen-sub', 60, '2032-02-28T12:00:00Z');
  await settle(bed.env);
  draft = (await invoicesOf('gwen'))[0]!;
  expect([draft.status, feeRowsOf(draft).map((row) => row[1]), draft.total_amount_cents]).toEqual(['draft', [40000, 30000, 30000], 106000]);

  // Finalized by itself on Mar 3 (Mar 1 + 2 days): the same figures, computed again.
  await sleepUntil(bed.env, '2032-03-03T06:00:00Z');
  const finalized = (await invoicesOf('gwen'))[0]!;
  expect([finalized.status, feeRowsOf(finalized).map((row) => row[1]), finalized.total_amount_cents]).toEqual(['finalized', [40000, 30000, 30000], 106000]);
});

/** Fees in a stable order: base fee, charges by code and date (each fee before its true-up), commitment. */
function feeRowOrder(a: Json, b: Json): number {
  const rank = (fee: Json) => (fee.item.type === 'subscription' ? 0 : fee.item.type === 'charge' ? 1 : 2);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  if (a.item.code !== b.item.code) return String(a.item.code).localeCompare(String(b.item.code));
  if (a.from_date !== b.from_date) return String(a.from_date).localeCompare(String(b.from_date));
  return (a.lago_true_up_parent_fee_id ? 1 : 0) - (b.lago_true_up_parent_fee_id ? 1 : 0);
}

function feeRowsOf(invoice: Json) {
  return [...(invoice.fees as Json[])].sort(feeRowOrder).map(feeRow);
}

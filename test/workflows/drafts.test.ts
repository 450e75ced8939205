/**
 * Drafts, grace periods and late usage on the real worker (issue 11), numbers worked out by hand:
 * - a 3-day grace period: the period's invoice is a draft of 1000 with no number, a late event
 *   moves it to 1100 within seconds (the event path tells the workflow), and it finalizes by
 *   itself at the end of the grace period with the next gapless number;
 * - refresh, finalize and delete through the API (what a draft draws, and when);
 * - usage late for a finalized period billed as an adjustment on the next invoice, with a
 *   graduated charge (so the adjustment is not units × price), twice;
 * - `late_usage: ignore`; an event for a terminated subscription is refused;
 * - where each event went (`GET /events/:transaction_id`) in every state;
 * - the organization's grace period for customers without their own, and a customer's 0 billed as
 *   before drafts existed;
 * - a worker killed as it finalizes a draft: finalized once;
 * - a customer's two subscriptions closing the same day under a grace period: one draft with both
 *   parts, refreshed by a late event on one, finalized once (whichever timer comes first).
 * The billing invariants are checked after every step (test/support/invariants.ts).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { moveClockTo, startTestWorker } from '../support/temporal';
import { useWorkflowTestbed } from '../support/testbed';
import { assertBillingInvariants } from '../support/invariants';
import { createTestApi, TEST_REACH_TIMEOUT_MS } from '../support/api';
import { createPlan, settle, sleepUntil, subscribe, type ScenarioApi } from '../support/scenario';
import { buildApp } from '../../src/api/app';
import { temporalSubscriptionWorkflows } from '../../src/workflows/client';
import { subscriptionWorkflowId } from '../../src/workflows/ids';
import { activityRuns, eventsOfEveryRun } from '../support/histories';

const TASK_QUEUE = 'drafts-test';
const bed = useWorkflowTestbed(TASK_QUEUE);

afterEach(async () => assertBillingInvariants(bed.database.db));

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function ok(response: PromiseLike<{ status: number; body: Json }>): Promise<Json> {
  const result = await response;
  if (result.status !== 200) throw new Error(`${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

async function invoicesOf(api: ScenarioApi, customer: string): Promise<Json[]> {
  const body = await ok(api.get(`/invoices?external_customer_id=${customer}&per_page=100`));
  return (body.invoices as Json[]).slice().reverse(); // oldest first
}

async function event(api: ScenarioApi, transactionId: string, subscription: string, code: string, properties: Json, timestamp?: string): Promise<void> {
  await ok(api.post('/events', { event: { transaction_id: transactionId, code, external_subscription_id: subscription, properties, ...(timestamp ? { timestamp } : {}) } }));
}

async function billingOf(api: ScenarioApi, transactionId: string): Promise<Json> {
  return (await ok(api.get(`/events/${transactionId}`))).event.billing as Json;
}

async function webhooksOf(objectId: string): Promise<string[]> {
  return bed.database.db('webhook_events').where({ object_id: objectId }).orderBy('created_at').pluck('webhook_type');
}

async function documentRequested(invoiceId: string): Promise<boolean> {
  return (await bed.database.db('document_requests').where({ document_id: invoiceId }).first()) !== undefined;
}

const fees = (invoice: Json) => (invoice.fees as Json[]).map((fee) => [fee.item.type, fee.item.code, fee.from_date?.slice(0, 10) ?? null, fee.to_date?.slice(0, 10) ?? null, fee.units, fee.amount_cents]);
const feeOf = (invoice: Json, code: string) => (invoice.fees as Json[]).find((fee) => fee.item.code === code && fee.adjustment === null)!;

let gb = '';
let api = '';

beforeAll(async () => {
  await moveClockTo(bed.env, '2034-12-20T09:00:00Z');
  gb = (await ok(bed.api.post('/billable_metrics', { billable_metric: { name: 'Storage', code: 'gb', aggregation_type: 'sum_agg', field_name: 'gb' } }))).billable_metric.lago_id;
  api = (await ok(bed.api.post('/billable_metrics', { billable_metric: { name: 'API calls', code: 'api', aggregation_type: 'sum_agg', field_name: 'n' } }))).billable_metric.lago_id;
  await ok(bed.api.post('/add_ons', { add_on: { name: 'Setup', code: 'setup', amount_cents: 700, amount_currency: 'USD' } }));
  // 500 a month in arrears, and 1.00 per GB stored.
  await createPlan(bed.api, {
    name: 'Storage', code: 'storage', interval: 'monthly', amount_cents: 500, amount_currency: 'USD', pay_in_advance: false,
    charges: [{ billable_metric_id: gb, charge_model: 'standard', properties: { amount: '1' } }],
  });
  // No base fee; API calls graduated: the first 10 at 1.00, every one after at 0.50.
  await createPlan(bed.api, {
    name: 'Tiered', code: 'tiered', interval: 'monthly', amount_cents: 0, amount_currency: 'USD', pay_in_advance: false,
    charges: [{
      billable_metric_id: api, charge_model: 'graduated',
      properties: { graduated_ranges: [
        { from_value: 0, to_value: 10, per_unit_amount: '1', flat_amount: '0' },
        { from_value: 11, to_value: null, per_unit_amount: '0.5', flat_amount: '0' },
      ] },
    }],
  });
});

it('a 3-day grace period: a draft of 1000 without a number, a late event makes it 1100 at once, and it finalizes by itself with the next gapless number', async () => {
  const customer = await ok(bed.api.post('/customers', { customer: { external_id: 'dora', currency: 'USD', timezone: 'UTC', billing_configuration: { invoice_grace_period: 3 } } }));
  expect(customer.customer.billing_configuration.invoice_grace_period).toBe(3); // honoured, shown back
  await subscribe(bed.api, { external_customer_id: 'dora', plan_code: 'storage', external_id: 'dora-sub', billing_time: 'calendar', subscription_at: '2035-01-01T00:00:00Z' });
  const prefix = bed.api.organization.document_number_prefix;

  await moveClockTo(bed.env, '2035-01-15T10:00:00Z');
  const first = await ok(bed.api.post('/invoices', { invoice: { external_customer_id: 'dora', currency: 'USD', fees: [{ add_on_code: 'setup' }] } }));
  expect([first.invoice.sequential_id, first.invoice.number]).toEqual([1, `${prefix}-001-001`]);
  await event(bed.api, 'jan-1', 'dora-sub', 'gb', { gb: 2 });
  await event(bed.api, 'jan-2', 'dora-sub', 'gb', { gb: 3 });
  expect(await billingOf(bed.api, 'jan-1')).toEqual({ status: 'period_open', late: false, lago_invoice_id: null, lago_fee_ids: [], reason: null });

  // February 1 closes January: a draft, dated its finalization day (Feb 1 + 3 days), without a number.
  await sleepUntil(bed.env, '2035-02-01T06:00:00Z');
  let draft = (await invoicesOf(bed.api, 'dora'))[1]!;
  // January in arrears 500, and 2 + 3 = 5 GB × 1.00 = 500: 1000. A draft draws nothing and has no PDF.
  expect(draft).toMatchObject({
    status: 'draft', sequential_id: null, number: `${prefix}-DRAFT`, issuing_date: '2035-02-04', payment_due_date: '2035-02-04',
    fees_amount_cents: 1000, total_amount_cents: 1000, file_url: null,
  });
  expect(fees(draft)).toEqual([
    ['subscription', 'storage', '2035-01-01', '2035-01-31', '1.0', 500],
    ['charge', 'gb', '2035-01-01', '2035-01-31', '5.0', 500],
  ]);
  expect(await webhooksOf(draft.lago_id)).toEqual(['invoice.drafted']);
  expect(await documentRequested(draft.lago_id)).toBe(false);
  expect(await billingOf(bed.api, 'jan-1')).toEqual({ status: 'in_draft', late: false, lago_invoice_id: draft.lago_id, lago_fee_ids: [feeOf(draft, 'gb').lago_id], reason: null });

  // While it is a draft, another invoice takes the next number: drafts take none.
  await moveClockTo(bed.env, '2035-02-02T09:00:00Z');
  const second = await ok(bed.api.post('/invoices', { invoice: { external_customer_id: 'dora', currency: 'USD', fees: [{ add_on_code: 'setup' }] } }));
  expect(second.invoice.sequential_id).toBe(2);

  // A late event for January (1 GB on Jan 31) and one for February: the draft takes the first within seconds.
  await event(bed.api, 'late-1', 'dora-sub', 'gb', { gb: 1 }, '2035-01-31T22:00:00Z');
  await event(bed.api, 'feb-1', 'dora-sub', 'gb', { gb: 4 });
  await settle(bed.env);
  draft = (await invoicesOf(bed.api, 'dora'))[1]!;
  // 500 + (5 + 1) GB × 1.00 = 1100; February's 4 GB are not January's.
  expect(draft).toMatchObject({ status: 'draft', sequential_id: null, fees_amount_cents: 1100, total_amount_cents: 1100 });
  expect(fees(draft)).toEqual([
    ['subscription', 'storage', '2035-01-01', '2035-01-31', '1.0', 500],
    ['charge', 'gb', '2035-01-01', '2035-01-31', '6.0', 600],
  ]);
  expect(await webhooksOf(draft.lago_id)).toEqual(['invoice.drafted']); // a refresh announces nothing
  expect(await billingOf(bed.api, 'late-1')).toEqual({ status: 'in_draft', late: false, lago_invoice_id: draft.lago_id, lago_fee_ids: [feeOf(draft, 'gb').lago_id], reason: null });
  expect(await billingOf(bed.api, 'feb-1')).toMatchObject({ status: 'period_open', lago_invoice_id: null });

  // The grace period ends on Feb 4 at 00:00 UTC: finalized by itself, number 3, dated that day, announced, rendered.
  await sleepUntil(bed.env, '2035-02-04T06:00:00Z');
  const finalized = (await invoicesOf(bed.api, 'dora')).find((invoice) => invoice.lago_id === draft.lago_id)!;
  expect(finalized).toMatchObject({
    status: 'finalized', sequential_id: 3, number: `${prefix}-001-003`, issuing_date: '2035-02-04', payment_due_date: '2035-02-04',
    total_amount_cents: 1100, payment_status: 'pending',
  });
  expect(await webhooksOf(draft.lago_id)).toEqual(['invoice.drafted', 'invoice.created']);
  expect(await documentRequested(draft.lago_id)).toBe(true);
  const gbFee = feeOf(finalized, 'gb').lago_id;
  expect(await billingOf(bed.api, 'jan-2')).toEqual({ status: 'billed', late: false, lago_invoice_id: draft.lago_id, lago_fee_ids: [gbFee], reason: null });
  expect(await billingOf(bed.api, 'late-1')).toEqual({ status: 'billed', late: false, lago_invoice_id: draft.lago_id, lago_fee_ids: [gbFee], reason: null });
  await ok(bed.api.delete('/subscriptions/dora-sub'));
});

it('through the API: refresh recomputes at once, finalize numbers and draws at once (the timer then does nothing), delete drops the period for good', async () => {
  await ok(bed.api.post('/customers', { customer: { external_id: 'erin', currency: 'USD', timezone: 'UTC', billing_configuration: { invoice_grace_period: 5 } } }));
  await ok(bed.api.post('/coupons', { coupon: { name: 'Two off', code: 'two_off', coupon_type: 'fixed_amount', amount_cents: 200, amount_currency: 'USD', frequency: 'forever', reusable: true } }));
  await ok(bed.api.post('/applied_coupons', { applied_coupon: { external_customer_id: 'erin', coupon_code: 'two_off' } }));
  await subscribe(bed.api, { external_customer_id: 'erin', plan_code: 'storage', external_id: 'erin-sub', billing_time: 'calendar', subscription_at: '2035-03-01T00:00:00Z' });
  await moveClockTo(bed.env, '2035-03-10T10:00:00Z');
  await event(bed.api, 'erin-mar', 'erin-sub', 'gb', { gb: 3 });

  await sleepUntil(bed.env, '2035-04-01T06:00:00Z');
  let draft = (await invoicesOf(bed.api, 'erin'))[0]!;
  // March 500 + 3 GB 300 = 800; the coupon waits for the finalization (Lago applies coupons, credit notes and prepaid credits then).
  expect(draft).toMatchObject({ status: 'draft', issuing_date: '2035-04-06', fees_amount_cents: 800, coupons_amount_cents: 0, total_amount_cents: 800 });

  // An event stored by an API that does not tell the workflow: the draft stays as it is until PUT refresh.
  const silent = buildApp({
    db: bed.database.db,
    workflows: { ...temporalSubscriptionWorkflows(bed.env.client, { taskQueue: TASK_QUEUE, searchAttributes: false, reachTimeoutMs: TEST_REACH_TIMEOUT_MS }), notifyUsage: async () => {} },
    clock: { now: () => bed.env.currentTimeMs() },
    publicUrl: 'http://billow.test',
  });
  await ok(request(silent).post('/api/v1/events').set({ Authorization: `Bearer ${bed.api.apiKey}` })
    .send({ event: { transaction_id: 'erin-late', code: 'gb', external_subscription_id: 'erin-sub', properties: { gb: 1 }, timestamp: '2035-03-31T12:00:00Z' } }));
  await settle(bed.env);
  expect((await invoicesOf(bed.api, 'erin'))[0]!.total_amount_cents).toBe(800);
  const refreshed = (await ok(bed.api.put(`/invoices/${draft.lago_id}/refresh`, {}))).invoice;
  // 500 + 4 GB × 1.00 = 900, still a draft without a number.
  expect(refreshed).toMatchObject({ lago_id: draft.lago_id, status: 'draft', sequential_id: null, fees_amount_cents: 900, total_amount_cents: 900 });

  // Finalized on April 2 through the API: the first number of erin, dated that day, the coupon drawn: 900 − 200 = 700.
  await moveClockTo(bed.env, '2035-04-02T09:00:00Z');
  const finalized = (await ok(bed.api.put(`/invoices/${draft.lago_id}/finalize`, {}))).invoice;
  expect(finalized).toMatchObject({
    status: 'finalized', sequential_id: 1, number: `${bed.api.organization.document_number_prefix}-002-001`, issuing_date: '2035-04-02',
    fees_amount_cents: 900, coupons_amount_cents: 200, total_amount_cents: 700,
  });
  expect(await webhooksOf(draft.lago_id)).toEqual(['invoice.drafted', 'invoice.created']);
  // A finalized invoice: refresh answers it unchanged, finalize and delete refuse.
  expect((await ok(bed.api.put(`/invoices/${draft.lago_id}/refresh`, {}))).invoice).toMatchObject({ status: 'finalized', total_amount_cents: 700, sequential_id: 1 });
  expect((await bed.api.put(`/invoices/${draft.lago_id}/finalize`, {})).status).toBe(404);
  expect((await bed.api.delete(`/invoices/${draft.lago_id}`)).body).toMatchObject({ status: 405, code: 'not_deletable' });

  // The grace period's own end (April 6) finds it finalized: nothing changes.
  await sleepUntil(bed.env, '2035-04-07T00:00:00Z');
  draft = (await invoicesOf(bed.api, 'erin'))[0]!;
  expect(draft).toMatchObject({ status: 'finalized', sequential_id: 1, issuing_date: '2035-04-02', total_amount_cents: 700 });
  expect(await webhooksOf(draft.lago_id)).toEqual(['invoice.drafted', 'invoice.created']);

  // April: 2 GB. It closes as a draft of 500 + 2 × 1.00 = 700; deleted, it disappears and its period (base fee
  // and usage) is never billed again, not even as late usage.
  await moveClockTo(bed.env, '2035-04-10T09:00:00Z');
  await event(bed.api, 'erin-apr', 'erin-sub', 'gb', { gb: 2 });
  await sleepUntil(bed.env, '2035-05-01T06:00:00Z');
  const april = (await invoicesOf(bed.api, 'erin'))[1]!;
  expect(april).toMatchObject({ status: 'draft', total_amount_cents: 700 });
  expect(await billingOf(bed.api, 'erin-apr')).toMatchObject({ status: 'in_draft', lago_invoice_id: april.lago_id });
  const deleted = await ok(bed.api.delete(`/invoices/${april.lago_id}`));
  expect(deleted.invoice).toMatchObject({ lago_id: april.lago_id, status: 'draft' });
  expect((await bed.api.get(`/invoices/${april.lago_id}`)).status).toBe(404);
  expect(await webhooksOf(april.lago_id)).toEqual(['invoice.drafted', 'invoice.deleted']);
  expect(await billingOf(bed.api, 'erin-apr')).toEqual({ status: 'not_billed', late: false, lago_invoice_id: null, lago_fee_ids: [], reason: 'draft_deleted' });

  // May's draft (500) finalizes by itself on June 6: number 2 (the deleted draft took none), coupon drawn: 500 − 200 = 300.
  await sleepUntil(bed.env, '2035-06-07T00:00:00Z');
  const listed = await invoicesOf(bed.api, 'erin');
  expect(listed.map((invoice) => [invoice.sequential_id, invoice.status, invoice.issuing_date, invoice.total_amount_cents, fees(invoice)])).toEqual([
    [1, 'finalized', '2035-04-02', 700, [['subscription', 'storage', '2035-03-01', '2035-03-31', '1.0', 500], ['charge', 'gb', '2035-03-01', '2035-03-31', '4.0', 400]]],
    [2, 'finalized', '2035-06-06', 300, [['subscription', 'storage', '2035-05-01', '2035-05-31', '1.0', 500]]],
  ]);
  await ok(bed.api.delete('/subscriptions/erin-sub'));
});

it('late usage of a finalized period is billed on the next invoice as a dated adjustment, re-rated through the graduated tiers', async () => {
  await moveClockTo(bed.env, '2035-06-25T09:00:00Z');
  await ok(bed.api.post('/customers', { customer: { external_id: 'gus', currency: 'USD', timezone: 'UTC' } }));
  await subscribe(bed.api, { external_customer_id: 'gus', plan_code: 'tiered', external_id: 'gus-sub', billing_time: 'calendar', subscription_at: '2035-07-01T00:00:00Z' });
  await moveClockTo(bed.env, '2035-07-10T09:00:00Z');
  await event(bed.api, 'jul-1', 'gus-sub', 'api', { n: 8 });

  await sleepUntil(bed.env, '2035-08-01T06:00:00Z');
  const july = (await invoicesOf(bed.api, 'gus'))[0]!;
  // 8 calls, all in the first tier: 8 × 1.00 = 800, finalized at once (no grace period).
  expect(july).toMatchObject({ status: 'finalized', sequential_id: 1, total_amount_cents: 800 });

  // August 10: 4 more calls of July arrive (and 3 of August).
  await moveClockTo(bed.env, '2035-08-10T09:00:00Z');
  await event(bed.api, 'late-jul', 'gus-sub', 'api', { n: 4 }, '2035-07-31T12:00:00Z');
  await event(bed.api, 'aug-1', 'gus-sub', 'api', { n: 3 });
  await settle(bed.env);
  expect(await billingOf(bed.api, 'late-jul')).toEqual({ status: 'late_pending', late: true, lago_invoice_id: null, lago_fee_ids: [], reason: null });
  expect((await invoicesOf(bed.api, 'gus'))[0]).toMatchObject({ lago_id: july.lago_id, total_amount_cents: 800 }); // finalized stays as it was

  await sleepUntil(bed.env, '2035-09-01T06:00:00Z');
  const august = (await invoicesOf(bed.api, 'gus'))[1]!;
  // August: 3 calls × 1.00 = 300. July again: 8 + 4 = 12 calls = 10 × 1.00 + 2 × 0.50 = 1100, minus the 800 billed:
  // an adjustment of 300 dated July (not 4 × 1.00 = 400, nor 4 × 0.50 = 200). Total 300 + 300 = 600.
  expect(august).toMatchObject({ status: 'finalized', sequential_id: 2, fees_amount_cents: 600, total_amount_cents: 600 });
  expect(fees(august)).toEqual([
    ['charge', 'api', '2035-08-01', '2035-08-31', '3.0', 300],
    ['charge', 'api', '2035-07-01', '2035-07-31', '4.0', 300],
  ]);
  const adjustment = (august.fees as Json[]).find((fee) => fee.adjustment !== null)!;
  expect(adjustment).toMatchObject({
    item: { type: 'charge', code: 'api', description: 'Late usage of 2035-07-01 – 2035-07-31' },
    adjustment: { type: 'late_usage', lago_adjusted_invoice_id: july.lago_id },
    amount_details: { late_usage: { priced_units: '12', priced_amount_cents: '1100', billed_units: '8', billed_amount_cents: '800' } },
  });
  expect(feeOf(august, 'api').adjustment).toBeNull();
  expect(await billingOf(bed.api, 'late-jul')).toEqual({ status: 'billed', late: true, lago_invoice_id: august.lago_id, lago_fee_ids: [adjustment.lago_id], reason: null });
  expect(await billingOf(bed.api, 'jul-1')).toEqual({ status: 'billed', late: false, lago_invoice_id: july.lago_id, lago_fee_ids: [feeOf(july, 'api').lago_id], reason: null });
  expect(await billingOf(bed.api, 'aug-1')).toEqual({ status: 'billed', late: false, lago_invoice_id: august.lago_id, lago_fee_ids: [feeOf(august, 'api').lago_id], reason: null });

  // Two more July calls after that: 14 calls = 10 × 1.00 + 4 × 0.50 = 1200, minus 800 + 300 billed: 100 on October's invoice.
  await moveClockTo(bed.env, '2035-09-05T09:00:00Z');
  await event(bed.api, 'late-jul-2', 'gus-sub', 'api', { n: 2 }, '2035-07-20T08:00:00Z');
  await sleepUntil(bed.env, '2035-10-01T06:00:00Z');
  const october = (await invoicesOf(bed.api, 'gus'))[2]!;
  expect(october).toMatchObject({ sequential_id: 3, total_amount_cents: 100 });
  expect(fees(october)).toEqual([['charge', 'api', '2035-07-01', '2035-07-31', '2.0', 100]]);
  expect((october.fees as Json[])[0]).toMatchObject({ amount_details: { late_usage: { priced_units: '14', priced_amount_cents: '1200', billed_units: '12', billed_amount_cents: '1100' } } });
  expect((await billingOf(bed.api, 'late-jul-2')).lago_invoice_id).toBe(october.lago_id);
  await ok(bed.api.delete('/subscriptions/gus-sub'));
});

it('late_usage: ignore, as Lago: usage late for a finalized period is never billed, and says so', async () => {
  const other = await createTestApi(bed.database.db, bed.env, TASK_QUEUE, 'Ignore Co');
  expect((await ok(other.get('/organizations'))).organization.late_usage).toBe('next_invoice');
  expect((await ok(other.put('/organizations', { organization: { late_usage: 'ignore' } }))).organization.late_usage).toBe('ignore');
  expect((await other.put('/organizations', { organization: { late_usage: 'sometimes' } })).status).toBe(422);
  const calls = (await ok(other.post('/billable_metrics', { billable_metric: { name: 'Calls', code: 'calls', aggregation_type: 'sum_agg', field_name: 'n' } }))).billable_metric.lago_id;
  await createPlan(other, {
    name: 'Calls', code: 'calls', interval: 'monthly', amount_cents: 0, amount_currency: 'USD', pay_in_advance: false,
    charges: [{ billable_metric_id: calls, charge_model: 'standard', properties: { amount: '1' } }],
  });
  await ok(other.post('/customers', { customer: { external_id: 'ivy', currency: 'USD', timezone: 'UTC' } }));
  await subscribe(other, { external_customer_id: 'ivy', plan_code: 'calls', external_id: 'ivy-sub', billing_time: 'calendar', subscription_at: '2035-11-01T00:00:00Z' });
  await moveClockTo(bed.env, '2035-11-10T09:00:00Z');
  await event(other, 'nov-1', 'ivy-sub', 'calls', { n: 5 });
  await sleepUntil(bed.env, '2035-12-01T06:00:00Z');
  await moveClockTo(bed.env, '2035-12-05T09:00:00Z');
  await event(other, 'nov-late', 'ivy-sub', 'calls', { n: 2 }, '2035-11-30T10:00:00Z');
  await event(other, 'dec-1', 'ivy-sub', 'calls', { n: 1 });
  await sleepUntil(bed.env, '2036-01-01T06:00:00Z');
  // November 5 × 1.00 = 500; December 1 × 1.00 = 100, and nothing for November's late 2 calls.
  expect((await invoicesOf(other, 'ivy')).map((invoice) => [invoice.sequential_id, invoice.total_amount_cents, fees(invoice)])).toEqual([
    [1, 500, [['charge', 'calls', '2035-11-01', '2035-11-30', '5.0', 500]]],
    [2, 100, [['charge', 'calls', '2035-12-01', '2035-12-31', '1.0', 100]]],
  ]);
  expect(await billingOf(other, 'nov-late')).toEqual({ status: 'late_ignored', late: true, lago_invoice_id: null, lago_fee_ids: [], reason: null });
  await ok(other.delete('/subscriptions/ivy-sub'));
});

it('an event for a terminated subscription is refused, even timestamped before the end and sent while the API still had it cached', async () => {
  await ok(bed.api.post('/customers', { customer: { external_id: 'tom', currency: 'USD', timezone: 'UTC' } }));
  await subscribe(bed.api, { external_customer_id: 'tom', plan_code: 'storage', external_id: 'tom-sub', billing_time: 'calendar', subscription_at: '2036-01-01T00:00:00Z' });
  await moveClockTo(bed.env, '2036-01-11T00:00:00Z');
  await event(bed.api, 'tom-1', 'tom-sub', 'gb', { gb: 2 }); // the lookup of tom-sub is now cached as active
  await ok(bed.api.delete('/subscriptions/tom-sub'));
  const refused = await bed.api.post('/events', { event: { transaction_id: 'tom-late', code: 'gb', external_subscription_id: 'tom-sub', properties: { gb: 9 }, timestamp: '2036-01-10T12:00:00Z' } });
  expect(refused.status).toBe(422);
  expect(refused.body.error_details).toEqual({ external_subscription_id: ['subscription_not_found'] });
  expect((await bed.api.get('/events/tom-late')).status).toBe(404);
  // The final invoice: January 1–11 of 31 days, 11 × 500 / 31 = 177.4… → 177, and the 2 GB accepted before the end: 200.
  const [final] = await invoicesOf(bed.api, 'tom');
  expect(fees(final!)).toEqual([
    ['subscription', 'storage', '2036-01-01', '2036-01-11', '1.0', 177],
    ['charge', 'gb', '2036-01-01', '2036-01-11', '2.0', 200],
  ]);
  expect(await billingOf(bed.api, 'tom-1')).toMatchObject({ status: 'billed', lago_invoice_id: final!.lago_id });
  await settle(bed.env);
});

it('a grace period of the organization applies to customers without their own; a customer with 0 is billed exactly as without drafts', async () => {
  const org = await createTestApi(bed.database.db, bed.env, TASK_QUEUE, 'Grace Co');
  expect((await ok(org.put('/organizations', { organization: { billing_configuration: { invoice_grace_period: 2 } } }))).organization.billing_configuration.invoice_grace_period).toBe(2);
  await createPlan(org, { name: 'Flat', code: 'flat', interval: 'monthly', amount_cents: 3100, amount_currency: 'USD', pay_in_advance: false });
  await ok(org.post('/customers', { customer: { external_id: 'olga', currency: 'USD', timezone: 'UTC' } }));
  await ok(org.post('/customers', { customer: { external_id: 'zed', currency: 'USD', timezone: 'UTC', billing_configuration: { invoice_grace_period: 0 } } }));
  await subscribe(org, { external_customer_id: 'olga', plan_code: 'flat', external_id: 'olga-sub', billing_time: 'calendar', subscription_at: '2036-02-01T00:00:00Z' });
  await subscribe(org, { external_customer_id: 'zed', plan_code: 'flat', external_id: 'zed-sub', billing_time: 'calendar', subscription_at: '2036-02-01T00:00:00Z' });
  const prefix = org.organization.document_number_prefix;

  await sleepUntil(bed.env, '2036-03-01T06:00:00Z');
  // February (29 days in 2036) whole, in arrears: 3100 each.
  const [olga] = await invoicesOf(org, 'olga');
  // The organization's 2 days: a draft dated March 1 + 2 = March 3, no number, no PDF.
  expect(olga).toMatchObject({ status: 'draft', sequential_id: null, number: `${prefix}-DRAFT`, issuing_date: '2036-03-03', total_amount_cents: 3100 });
  expect(await webhooksOf(olga!.lago_id)).toEqual(['invoice.drafted']);
  expect(await documentRequested(olga!.lago_id)).toBe(false);
  // zed's own 0: finalized at the boundary, numbered, dated the billing date, announced and rendered, as before drafts existed.
  const [zed] = await invoicesOf(org, 'zed');
  expect(zed).toMatchObject({ status: 'finalized', sequential_id: 1, number: `${prefix}-002-001`, issuing_date: '2036-03-01', total_amount_cents: 3100 });
  expect(await webhooksOf(zed!.lago_id)).toEqual(['invoice.created']);
  expect(await documentRequested(zed!.lago_id)).toBe(true);

  // March 3 at 00:00 UTC: olga's draft finalizes by itself, her first number.
  await sleepUntil(bed.env, '2036-03-03T06:00:00Z');
  expect((await invoicesOf(org, 'olga'))[0]).toMatchObject({ lago_id: olga!.lago_id, status: 'finalized', sequential_id: 1, number: `${prefix}-001-001`, issuing_date: '2036-03-03' });
  await ok(org.delete('/subscriptions/olga-sub'));
  await ok(org.delete('/subscriptions/zed-sub'));
  await settle(bed.env);
});

it('a worker killed as it finalizes a draft at the end of its grace period: finalized once, one number, one invoice.created', async () => {
  const taskQueue = 'drafts-kill';
  const org = await createTestApi(bed.database.db, bed.env, taskQueue, 'Kill Drafts Co');
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
    cwd: path.resolve(__dirname, '../..'),
    env: { ...process.env, DATABASE_URL: bed.database.url, TEMPORAL_ADDRESS: bed.env.address, TASK_QUEUE: taskQueue, BILLOW_TEST_HANG_AFTER_FINALIZE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  let stopWorker: (() => Promise<void>) | undefined;
  try {
    await waitFor(() => output.includes('worker ready'), () => output);
    await createPlan(org, { name: 'Flat', code: 'flat', interval: 'monthly', amount_cents: 3000, amount_currency: 'USD', pay_in_advance: false });
    await ok(org.post('/customers', { customer: { external_id: 'kai', currency: 'USD', timezone: 'UTC', billing_configuration: { invoice_grace_period: 2 } } }));
    await subscribe(org, { external_customer_id: 'kai', plan_code: 'flat', external_id: 'kai-sub', billing_time: 'calendar', subscription_at: '2036-04-01T00:00:00Z' });
    await sleepUntil(bed.env, '2036-05-01T06:00:00Z');
    const [draft] = await invoicesOf(org, 'kai');
    // April (30 days) whole, in arrears: 3000, a draft until May 1 + 2 days = May 3.
    expect(draft).toMatchObject({ status: 'draft', sequential_id: null, issuing_date: '2036-05-03', total_amount_cents: 3000 });

    // The grace period ends on May 3 at 00:00: the child finalizes the draft, then dies before it reports back.
    const crossing = sleepUntil(bed.env, '2036-05-03T12:00:00Z');
    await waitFor(() => output.includes('finalized'), () => output);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    // Another worker: the activity's next attempt (after its heartbeat timeout) finds the invoice finalized.
    stopWorker = await startTestWorker(bed.env, bed.database.db, taskQueue);
    await crossing;

    const listed = await invoicesOf(org, 'kai');
    expect(listed.map((invoice) => [invoice.lago_id, invoice.status, invoice.sequential_id, invoice.number, invoice.issuing_date, invoice.total_amount_cents])).toEqual([
      [draft!.lago_id, 'finalized', 1, `${org.organization.document_number_prefix}-001-001`, '2036-05-03', 3000],
    ]);
    expect(await webhooksOf(draft!.lago_id)).toEqual(['invoice.drafted', 'invoice.created']);
    expect(await bed.database.db('document_requests').where({ document_id: draft!.lago_id }).pluck('document_id')).toEqual([draft!.lago_id]); // one PDF asked for
    // The finalization the dead worker never reported was attempted again.
    const attempts = activityRuns(await eventsOfEveryRun(bed.env.client, subscriptionWorkflowId(org.organization.id, 'kai-sub')))
      .filter((run) => run.type === 'finalizeDraft').map((run) => run.attempt);
    expect(attempts).toEqual([2]); // one finalizeDraft, completed on its second attempt
    await ok(org.delete('/subscriptions/kai-sub'));
    await settle(bed.env);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stopWorker?.();
  }
});

it('a customer with two subscriptions closing the same day under a grace period: one draft with both parts, refreshed by a late event on one, finalized once with one number', async () => {
  const org = await createTestApi(bed.database.db, bed.env, TASK_QUEUE, 'Consolidated Drafts Co');
  const prefix = org.organization.document_number_prefix;
  const storage = (await ok(org.post('/billable_metrics', { billable_metric: { name: 'Storage', code: 'gb', aggregation_type: 'sum_agg', field_name: 'gb' } }))).billable_metric.lago_id;
  // Basic: 500 a month in arrears and 1.00 per GB; Pro: 3000 a month in arrears and 2.00 per GB.
  await createPlan(org, {
    name: 'Basic', code: 'basic', interval: 'monthly', amount_cents: 500, amount_currency: 'USD', pay_in_advance: false,
    charges: [{ billable_metric_id: storage, charge_model: 'standard', properties: { amount: '1' } }],
  });
  await createPlan(org, {
    name: 'Pro', code: 'pro', interval: 'monthly', amount_cents: 3000, amount_currency: 'USD', pay_in_advance: false,
    charges: [{ billable_metric_id: storage, charge_model: 'standard', properties: { amount: '2' } }],
  });
  await ok(org.post('/customers', { customer: { external_id: 'cleo', currency: 'USD', timezone: 'UTC', billing_configuration: { invoice_grace_period: 3 } } }));
  await subscribe(org, { external_customer_id: 'cleo', plan_code: 'basic', external_id: 'cleo-basic', billing_time: 'calendar', subscription_at: '2036-06-01T00:00:00Z' });
  await subscribe(org, { external_customer_id: 'cleo', plan_code: 'pro', external_id: 'cleo-pro', billing_time: 'calendar', subscription_at: '2036-06-01T00:00:00Z' });
  await moveClockTo(bed.env, '2036-06-10T09:00:00Z');
  await event(org, 'cleo-basic-jun', 'cleo-basic', 'gb', { gb: 2 });
  await event(org, 'cleo-pro-jun', 'cleo-pro', 'gb', { gb: 3 });

  // July 1 closes June for both: one draft for the customer's day, dated July 1 + 3 = July 4, no number.
  await sleepUntil(bed.env, '2036-07-01T06:00:00Z');
  let invoices = await invoicesOf(org, 'cleo');
  expect(invoices).toHaveLength(1);
  let draft = invoices[0]!;
  // Basic 500 + 2 GB × 1.00 = 700; Pro 3000 + 3 GB × 2.00 = 3600; together 4300.
  expect(draft).toMatchObject({
    status: 'draft', sequential_id: null, number: `${prefix}-DRAFT`, issuing_date: '2036-07-04', fees_amount_cents: 4300, total_amount_cents: 4300, file_url: null,
  });
  const byItem = (invoice: Json) => (invoice.fees as Json[]).map((fee) => [fee.external_subscription_id, fee.item.type, fee.from_date?.slice(0, 10), fee.to_date?.slice(0, 10), fee.units, fee.amount_cents]).sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`));
  expect(byItem(draft)).toEqual([
    ['cleo-basic', 'charge', '2036-06-01', '2036-06-30', '2.0', 200],
    ['cleo-basic', 'subscription', '2036-06-01', '2036-06-30', '1.0', 500],
    ['cleo-pro', 'charge', '2036-06-01', '2036-06-30', '3.0', 600],
    ['cleo-pro', 'subscription', '2036-06-01', '2036-06-30', '1.0', 3000],
  ]);
  expect((draft.billing_periods as Json[]).map((period) => period.external_subscription_id).sort()).toEqual(['cleo-basic', 'cleo-pro']);
  const parts = await bed.database.db('invoice_subscriptions as p').join('subscriptions as s', 's.id', 'p.subscription_id')
    .where('p.invoice_id', draft.lago_id).select('s.external_id', 'p.occasion');
  expect(parts.map((row) => [row.external_id, row.occasion]).sort()).toEqual([['cleo-basic', 'close:2036-07-01'], ['cleo-pro', 'close:2036-07-01']]);
  expect(await webhooksOf(draft.lago_id)).toEqual(['invoice.drafted']);

  // A late event for Pro's June (1 GB on June 30) and one for Basic's July: Pro's workflow refreshes the customer's draft.
  await moveClockTo(bed.env, '2036-07-02T09:00:00Z');
  await event(org, 'cleo-pro-late', 'cleo-pro', 'gb', { gb: 1 }, '2036-06-30T22:00:00Z');
  await event(org, 'cleo-basic-jul', 'cleo-basic', 'gb', { gb: 5 });
  await settle(bed.env);
  invoices = await invoicesOf(org, 'cleo');
  expect(invoices).toHaveLength(1);
  draft = invoices[0]!;
  // Pro's charge: (3 + 1) GB × 2.00 = 800; Basic's part unchanged (its July 5 GB are July's): 500 + 200 + 3000 + 800 = 4500.
  expect(draft).toMatchObject({ status: 'draft', sequential_id: null, fees_amount_cents: 4500, total_amount_cents: 4500 });
  expect(byItem(draft)).toEqual([
    ['cleo-basic', 'charge', '2036-06-01', '2036-06-30', '2.0', 200],
    ['cleo-basic', 'subscription', '2036-06-01', '2036-06-30', '1.0', 500],
    ['cleo-pro', 'charge', '2036-06-01', '2036-06-30', '4.0', 800],
    ['cleo-pro', 'subscription', '2036-06-01', '2036-06-30', '1.0', 3000],
  ]);
  expect(await webhooksOf(draft.lago_id)).toEqual(['invoice.drafted']); // a refresh announces nothing
  const proFee = (draft.fees as Json[]).find((fee) => fee.external_subscription_id === 'cleo-pro' && fee.item.type === 'charge')!;
  expect(await billingOf(org, 'cleo-pro-late')).toEqual({ status: 'in_draft', late: false, lago_invoice_id: draft.lago_id, lago_fee_ids: [proFee.lago_id], reason: null });

  // July 4 at 00:00 UTC both workflows' timers end the grace period: the first finalizes, the other finds it finalized.
  await sleepUntil(bed.env, '2036-07-04T06:00:00Z');
  invoices = await invoicesOf(org, 'cleo');
  expect(invoices.map((invoice) => [invoice.lago_id, invoice.status, invoice.sequential_id, invoice.number, invoice.issuing_date, invoice.total_amount_cents])).toEqual([
    [draft.lago_id, 'finalized', 1, `${prefix}-001-001`, '2036-07-04', 4500],
  ]);
  expect(await webhooksOf(draft.lago_id)).toEqual(['invoice.drafted', 'invoice.created']);
  expect(await bed.database.db('document_requests').where({ document_id: draft.lago_id }).pluck('document_id')).toEqual([draft.lago_id]); // one PDF
  // Each workflow kept the draft and ran its finalization once, at its own timer.
  for (const externalId of ['cleo-basic', 'cleo-pro']) {
    expect({ externalId, finalizations: await activityCalls(subscriptionWorkflowId(org.organization.id, externalId), 'finalizeDraft') }).toEqual({ externalId, finalizations: 1 });
  }
  await ok(org.delete('/subscriptions/cleo-basic'));
  await ok(org.delete('/subscriptions/cleo-pro'));
  await settle(bed.env);
});

/** How many times a workflow (across its runs) scheduled an activity. */
async function activityCalls(workflowId: string, activity: string): Promise<number> {
  return activityRuns(await eventsOfEveryRun(bed.env.client, workflowId)).filter((run) => run.type === activity).length;
}

async function waitFor(condition: () => boolean, context: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out. Output:\n${context()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

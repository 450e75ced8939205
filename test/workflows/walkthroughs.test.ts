/**
 * The two walkthroughs of /work/shared/scenarios, exactly as written, through the HTTP API, the
 * subscription workflows, the real worker and activities and Postgres, on the time-skipping
 * server (clock moved to 2027-01-19 first). Every amount, period and sequential id is asserted.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv, moveClockTo, startTestWorker } from '../support/temporal';
import { createTestApi } from '../support/api';
import { assertBillingInvariants } from '../support/invariants';
import { afterEveryStep, invoiceTable, settle, sleepUntil, type ScenarioApi } from '../support/scenario';
import { subscriptionWorkflowId } from '../../src/workflows/ids';
import { stateQuery } from '../../src/workflows/messages';
import { historiesOfEveryRun, periodCloses } from '../support/histories';

const TASK_QUEUE = 'walkthrough-test';
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let stopWorker: () => Promise<void>;

afterEveryStep(() => assertBillingInvariants(database.db));

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  database = await createTestDatabase();
  stopWorker = await startTestWorker(env, database.db, TASK_QUEUE);
  await moveClockTo(env, '2027-01-19T09:00:00Z');
});

afterAll(async () => {
  await stopWorker?.();
  await env?.teardown();
  await database?.drop();
});

async function ok(response: Promise<{ status: number; body: Record<string, any> }>) { // eslint-disable-line @typescript-eslint/no-explicit-any
  const result = await response;
  if (result.status !== 200) throw new Error(`${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

describe('hybrid pricing: base fee in advance plus graduated monthly tracked users', () => {
  let api: ScenarioApi;

  it('runs the walkthrough', async () => {
    api = await createTestApi(database.db, env, TASK_QUEUE, 'Hybrid Co');
    // 1–4: the catalog and the customer, as written.
    const metric = await ok(api.post('/billable_metrics', { billable_metric: { name: 'Monthly Tracked Users', code: 'mtu', aggregation_type: 'unique_count_agg', field_name: 'user_id' } }));
    await ok(api.post('/taxes', { tax: { name: 'VAT 12.5%', code: 'vat_12_5', rate: '12.5' } }));
    await ok(api.post('/plans', {
      plan: {
        name: 'Team', code: 'team', interval: 'monthly', amount_cents: 12000, amount_currency: 'USD', pay_in_advance: true, trial_period: 0,
        charges: [{
          billable_metric_id: metric.billable_metric.lago_id, charge_model: 'graduated',
          properties: {
            graduated_ranges: [
              { from_value: 0, to_value: 10000, per_unit_amount: '0', flat_amount: '0' },
              { from_value: 10001, to_value: 25000, per_unit_amount: '0.012', flat_amount: '0' },
              { from_value: 25001, to_value: null, per_unit_amount: '0.01', flat_amount: '0' },
            ],
          },
        }],
      },
    }));
    await ok(api.post('/customers', {
      customer: { external_id: 'acme', currency: 'USD', timezone: 'UTC', tax_codes: ['vat_12_5'], billing_configuration: { payment_provider: 'stripe' } },
    }));

    // 5: the subscription starts 2027-01-19: invoice 1 at once.
    const subscription = await ok(api.post('/subscriptions', {
      subscription: { external_customer_id: 'acme', plan_code: 'team', external_id: 'acme-team', name: 'Project 1', billing_time: 'anniversary', subscription_at: '2027-01-19T09:00:00Z' },
    }));
    expect(subscription.subscription).toMatchObject({ name: 'Project 1', status: 'active', billing_time: 'anniversary' });
    await settle(env);
    let invoices = await invoiceTable(api, 'acme');
    // 12000 + 12.5 % = 12000 + 1500 = 13500.
    expect(invoices).toEqual([
      { number: expect.any(String), sequentialId: 1, issuingDate: '2027-01-19', reason: 'subscription_starting', total: 13500, taxes: 1500, lines: [
        { item: 'subscription:team', from: '2027-01-19', to: '2027-02-18', units: '1.0', amount: 12000 },
      ] },
    ]);

    // 6: t1 {u1}, t2 {u2}, t3 {u1}; sending t1 again changes nothing.
    for (const [transactionId, userId] of [['t1', 'u1'], ['t2', 'u2'], ['t3', 'u1']]) {
      await ok(api.post('/events', { event: { transaction_id: transactionId, code: 'mtu', external_subscription_id: 'acme-team', properties: { user_id: userId } } }));
    }
    await ok(api.post('/events', { event: { transaction_id: 't1', code: 'mtu', external_subscription_id: 'acme-team', properties: { user_id: 'u1' } } }));
    const usage = await ok(api.get('/customers/acme/current_usage?external_subscription_id=acme-team'));
    expect(usage.customer_usage.charges_usage).toEqual([expect.objectContaining({ units: '2.0', events_count: 3, amount_cents: 0 })]);

    // 7: at 2027-02-19, invoice 2: the next month's base fee, January's usage (2 users, 0), tax 1500.
    await sleepUntil(env, '2027-02-19T12:00:00Z');
    invoices = await invoiceTable(api, 'acme');
    expect(invoices[1]).toEqual({ number: expect.any(String), sequentialId: 2, issuingDate: '2027-02-19', reason: 'subscription_periodic', total: 13500, taxes: 1500, lines: [
      { item: 'subscription:team', from: '2027-02-19', to: '2027-03-18', units: '1.0', amount: 12000 },
      { item: 'charge:mtu', from: '2027-01-19', to: '2027-02-18', units: '2.0', amount: 0 },
    ] });

    // 8: 30,000 distinct users during 2027-02-19 … 2027-03-18 (batches of 100).
    for (let batch = 0; batch < 300; batch++) {
      const events = Array.from({ length: 100 }, (_, index) => {
        const user = batch * 100 + index;
        return { transaction_id: `feb-${user}`, code: 'mtu', external_subscription_id: 'acme-team', properties: { user_id: `user-${user}` } };
      });
      await ok(api.post('/events/batch', { events }));
    }
    await sleepUntil(env, '2027-03-19T12:00:00Z');
    invoices = await invoiceTable(api, 'acme');
    // mtu = 15,000 × 0.012 + 5,000 × 0.01 = 180.00 + 50.00 = 230.00 → 23000; fees 35000; tax 1500 + 2875 = 4375; total 39375.
    expect(invoices[2]).toEqual({ number: expect.any(String), sequentialId: 3, issuingDate: '2027-03-19', reason: 'subscription_periodic', total: 39375, taxes: 4375, lines: [
      { item: 'subscription:team', from: '2027-03-19', to: '2027-04-18', units: '1.0', amount: 12000 },
      { item: 'charge:mtu', from: '2027-02-19', to: '2027-03-18', units: '30000.0', amount: 23000 },
    ] });
    expect(invoices.map((invoice) => invoice.sequentialId)).toEqual([1, 2, 3]);
    await assertBillingInvariants(database.db);
  });
});

describe('fair per-seat pricing: seats billed by the days they were active', () => {
  it('runs the walkthrough', async () => {
    // The hybrid walkthrough took the clock to 2027-03-19, so this one runs a year later on the same
    // calendar days; D is recomputed for 2028 (31 for Jan 19 – Feb 18, 29 for Feb 19 – Mar 18).
    await moveClockTo(env, '2028-01-19T09:00:00Z');
    const api = await createTestApi(database.db, env, TASK_QUEUE, 'Seats Co');
    // 1–3 as written.
    const metric = await ok(api.post('/billable_metrics', { billable_metric: { name: 'Seats', code: 'seats', aggregation_type: 'unique_count_agg', field_name: 'seat_id', recurring: true } }));
    await ok(api.post('/plans', {
      plan: {
        name: 'Pro', code: 'pro', interval: 'monthly', amount_cents: 0, amount_currency: 'EUR', pay_in_advance: false,
        charges: [{ billable_metric_id: metric.billable_metric.lago_id, charge_model: 'standard', properties: { amount: '8.25' }, prorated: true }],
      },
    }));
    await ok(api.post('/customers', { customer: { external_id: 'airbnb', currency: 'EUR', timezone: 'UTC' } }));
    // 4: anniversary from 2028-01-19: first period 2028-01-19 … 2028-02-18, D = 31.
    await ok(api.post('/subscriptions', { subscription: { external_customer_id: 'airbnb', plan_code: 'pro', external_id: 'airbnb-pro', billing_time: 'anniversary', subscription_at: '2028-01-19T09:00:00Z' } }));

    const seat = (transactionId: string, seatId: string, operation: 'add' | 'remove') =>
      ok(api.post('/events', { event: { transaction_id: transactionId, code: 'seats', external_subscription_id: 'airbnb-pro', properties: { seat_id: seatId, operation_type: operation } } }));
    const workflow = env.client.workflow.getHandle(subscriptionWorkflowId(api.organization.id, 'airbnb-pro'));

    // 5: seat_1 and seat_3 added on 01-19; on 02-03 seat_2 added and seat_3 removed.
    await seat('s1-add', 'seat_1', 'add');
    await seat('s3-add', 'seat_3', 'add');
    await sleepUntil(env, '2028-01-20T00:00:00Z');
    expect((await workflow.query(stateQuery)).seats).toEqual({ seats: 2 });
    await sleepUntil(env, '2028-02-03T10:00:00Z');
    await seat('s2-add', 'seat_2', 'add');
    await seat('s3-remove', 'seat_3', 'remove');
    await sleepUntil(env, '2028-02-04T00:00:00Z');
    expect((await workflow.query(stateQuery)).seats).toEqual({ seats: 2 }); // seat_1 and seat_2

    // 6: at 2028-02-19, invoice 1: 31/31 + 16/31 + 16/31 = 63/31 = 2.03226 units; 8.25 × 63/31 = 16.7661 → 1677.
    await sleepUntil(env, '2028-02-19T12:00:00Z');
    let invoices = await invoiceTable(api, 'airbnb');
    expect(invoices).toEqual([{ number: expect.any(String), sequentialId: 1, issuingDate: '2028-02-19', reason: 'subscription_periodic', total: 1677, taxes: 0, lines: [
      { item: 'charge:seats', from: '2028-01-19', to: '2028-02-18', units: '2.0', amount: 1677 },
    ] }]);
    const fee = (await api.get(`/invoices?external_customer_id=airbnb`)).body.invoices[0].fees[0];
    expect(fee.amount_details.seats).toEqual(expect.arrayContaining([
      { value: 'seat_1', added_on: '2028-01-19', removed_on: null, days_billed: 31 },
      { value: 'seat_2', added_on: '2028-02-03', removed_on: null, days_billed: 16 }, // 02-03 … 02-18
      { value: 'seat_3', added_on: '2028-01-19', removed_on: '2028-02-03', days_billed: 16 }, // both ends billed
    ]));

    // 7: no further events; second period 2028-02-19 … 2028-03-18 (D = 29 in a leap year, 28 in the
    // walkthrough's 2027): seat_1 and seat_2 active all period either way: 2 × 8.25 = 16.50 → 1650.
    await sleepUntil(env, '2028-03-19T12:00:00Z');
    invoices = await invoiceTable(api, 'airbnb');
    expect(invoices[1]).toEqual({ number: expect.any(String), sequentialId: 2, issuingDate: '2028-03-19', reason: 'subscription_periodic', total: 1650, taxes: 0, lines: [
      { item: 'charge:seats', from: '2028-02-19', to: '2028-03-18', units: '2.0', amount: 1650 },
    ] });

    // 8: the workflow's history (what the Temporal UI shows) holds each seat signal and each period close.
    const signals: string[] = [];
    let closes = 0;
    for (const run of await historiesOfEveryRun(env.client, workflow.workflowId)) {
      for (const event of run.events ?? []) {
        if (event.workflowExecutionSignaledEventAttributes) signals.push(event.workflowExecutionSignaledEventAttributes.signalName ?? '');
      }
      closes += periodCloses(run.events ?? []).length;
    }
    expect(signals).toEqual(['usageRecorded', 'usageRecorded', 'usageRecorded', 'usageRecorded']);
    expect(closes).toBe(2);
    await assertBillingInvariants(database.db);
  });
});

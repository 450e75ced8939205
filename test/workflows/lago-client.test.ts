/**
 * Both walkthroughs (shared/scenarios) driven through Lago's official JavaScript client
 * (lago-javascript-client), against Billow listening on an ephemeral port, with the real worker on
 * the time-skipping server so the invoices really appear. Every call goes through the client's
 * typed methods; every answer is parsed by it and checked against the type the method declares
 * (test/support/lago-client-types.ts): the client is the judge of wire compatibility.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client, type HttpResponse } from 'lago-javascript-client';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv, moveClockTo, startTestWorker } from '../support/temporal';
import { createTestApi } from '../support/api';
import { sleepUntil, settle } from '../support/scenario';
import { loadLagoClientTypes, type LagoClientTypes, type ShapeMismatch } from '../support/lago-client-types';
import { assertBillingInvariants } from '../support/invariants';

const TASK_QUEUE = 'lago-client-test';
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let stopWorker: () => Promise<void>;
let types: LagoClientTypes;
const servers: Server[] = [];

beforeAll(async () => {
  types = loadLagoClientTypes();
  env = await createTimeSkippingEnv();
  database = await createTestDatabase();
  stopWorker = await startTestWorker(env, database.db, TASK_QUEUE);
  await moveClockTo(env, '2027-01-19T09:00:00Z');
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  await stopWorker?.();
  await env?.teardown();
  await database?.drop();
});

/** An organization's Billow on 127.0.0.1:<ephemeral port>, and Lago's client pointed at it. */
async function lagoClientFor(organizationName: string) {
  const api = await createTestApi(database.db, env, TASK_QUEUE, organizationName);
  const server = await new Promise<Server>((resolve) => {
    const listening = api.app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return Client(api.apiKey, { baseUrl: `http://127.0.0.1:${port}/api/v1` });
}

const mismatches: (ShapeMismatch & { call: string })[] = [];

/**
 * Where Billow knowingly answers otherwise than the client's types, and why. Everything else the
 * types require must be there, of the declared kind.
 */
const KNOWN_DEVIATIONS: { call: RegExp; path: RegExp; why: string }[] = [
  // "Always null in this response as the event processing is done asynchronously": Billow validates
  // and stores events synchronously (DESIGN.md §5), so it knows the customer and says so.
  { call: /^events\.create(Event|BatchEvents)$/, path: /^\.events?(\[\])?\.lago_customer_id$/, why: 'synchronous ingestion' },
  // Lago's own serializers answer null when these were never set (regroup_paid_fees unless
  // "invoice"; on_termination_credit_note outside pay-in-advance plans), which its types omit.
  { call: /./, path: /\.regroup_paid_fees$/, why: 'null when not set, as Lago answers' },
  { call: /./, path: /\.on_termination_credit_note$/, why: 'null when not set, as Lago answers' },
];

/** Awaits a client call, fails with Billow's error body if it threw, checks the answer's shape. */
async function judged<T>(group: string, method: string, request: Promise<HttpResponse<T, unknown>>): Promise<T> {
  let response: HttpResponse<T, unknown>;
  try {
    response = await request;
  } catch (thrown) {
    const failed = thrown as HttpResponse<T, unknown>;
    throw new Error(`${group}.${method}: ${failed.status} ${JSON.stringify(failed.error)}`);
  }
  expect(response.status).toBe(200);
  const call = `${group}.${method}`;
  for (const mismatch of types.checkResponse(group, method, response.data)) {
    // One line per field, whichever element of a list it was found in.
    const path = mismatch.path.replace(/\[\d+\]/g, '[]');
    if (KNOWN_DEVIATIONS.some((known) => known.call.test(call) && known.path.test(path))) continue;
    if (!mismatches.some((seen) => seen.call === call && seen.path === path)) mismatches.push({ call, path, problem: mismatch.problem });
  }
  return response.data;
}

afterEach(() => {
  // Each answer had every field the client's types require, of the kind they declare.
  const found = mismatches.splice(0);
  expect(found).toEqual([]);
});

describe("hybrid pricing through Lago's JavaScript client", () => {
  it('runs the walkthrough', async () => {
    const client = await lagoClientFor('Hybrid Client Co');
    const metric = await judged('billableMetrics', 'createBillableMetric', client.billableMetrics.createBillableMetric({
      billable_metric: { name: 'Monthly Tracked Users', code: 'mtu', aggregation_type: 'unique_count_agg', field_name: 'user_id' },
    }));
    const tax = await judged('taxes', 'createTax', client.taxes.createTax({ tax: { name: 'VAT 12.5%', code: 'vat_12_5', rate: '12.5' } }));
    expect(Number(tax.tax.rate)).toBe(12.5);
    const plan = await judged('plans', 'createPlan', client.plans.createPlan({
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
    expect(plan.plan.charges?.[0]).toMatchObject({ billable_metric_code: 'mtu', charge_model: 'graduated' });
    const customer = await judged('customers', 'createCustomer', client.customers.createCustomer({
      customer: { external_id: 'acme', currency: 'USD', timezone: 'UTC', tax_codes: ['vat_12_5'], billing_configuration: { payment_provider: 'stripe' } },
    }));
    expect(customer.customer.taxes?.map((t) => t.code)).toEqual(['vat_12_5']);

    // The subscription starts 2027-01-19: invoice 1 at once, 12000 + 12.5 % = 13500.
    const subscription = await judged('subscriptions', 'createSubscription', client.subscriptions.createSubscription({
      subscription: { external_customer_id: 'acme', plan_code: 'team', external_id: 'acme-team', name: 'Project 1', billing_time: 'anniversary', subscription_at: '2027-01-19T09:00:00Z' },
    }));
    expect(subscription.subscription).toMatchObject({ external_id: 'acme-team', status: 'active', billing_time: 'anniversary', plan_code: 'team' });
    await settle(env);
    let invoices = await judged('invoices', 'findAllInvoices', client.invoices.findAllInvoices({ external_customer_id: 'acme' }));
    expect(invoices.invoices.map((i) => [i.sequential_id, i.total_amount_cents, i.taxes_amount_cents])).toEqual([[1, 13500, 1500]]);

    // Events t1 {u1}, t2 {u2}, t3 {u1} one by one; t1 again changes nothing.
    for (const [transactionId, userId] of [['t1', 'u1'], ['t2', 'u2'], ['t3', 'u1'], ['t1', 'u1']] as const) {
      const event = await judged('events', 'createEvent', client.events.createEvent({
        event: { transaction_id: transactionId, code: 'mtu', external_subscription_id: 'acme-team', properties: { user_id: userId } },
      }));
      expect(event.event.transaction_id).toBe(transactionId);
    }
    const usage = await judged('customers', 'findCustomerCurrentUsage', client.customers.findCustomerCurrentUsage('acme', { external_subscription_id: 'acme-team' }));
    expect(usage.customer_usage.charges_usage).toEqual([expect.objectContaining({ units: '2.0', events_count: 3, amount_cents: 0 })]);

    // At 2027-02-19, invoice 2: next month's fee and January's usage (2 users, 0), total 13500.
    await sleepUntil(env, '2027-02-19T12:00:00Z');
    invoices = await judged('invoices', 'findAllInvoices', client.invoices.findAllInvoices({ external_customer_id: 'acme' }));
    const second = invoices.invoices.find((i) => i.sequential_id === 2)!;
    const invoice2 = await judged('invoices', 'findInvoice', client.invoices.findInvoice(second.lago_id));
    expect(invoice2.invoice).toMatchObject({ sequential_id: 2, issuing_date: '2027-02-19', fees_amount_cents: 12000, taxes_amount_cents: 1500, total_amount_cents: 13500 });
    expect(invoice2.invoice.fees?.map((fee) => [fee.item.type, fee.item.code, fee.units, fee.amount_cents])).toEqual([
      ['subscription', 'team', '1.0', 12000],
      ['charge', 'mtu', '2.0', 0],
    ]);

    // 30,000 distinct users during 2027-02-19 … 2027-03-18, in batches of 100.
    for (let batch = 0; batch < 300; batch++) {
      const events = Array.from({ length: 100 }, (_, index) => {
        const user = batch * 100 + index;
        return { transaction_id: `feb-${user}`, code: 'mtu', external_subscription_id: 'acme-team', properties: { user_id: `user-${user}` } };
      });
      const created = await judged('events', 'createBatchEvents', client.events.createBatchEvents({ events }));
      expect(created.events).toHaveLength(100);
    }
    await sleepUntil(env, '2027-03-19T12:00:00Z');
    invoices = await judged('invoices', 'findAllInvoices', client.invoices.findAllInvoices({ external_customer_id: 'acme' }));
    const third = await judged('invoices', 'findInvoice', client.invoices.findInvoice(invoices.invoices.find((i) => i.sequential_id === 3)!.lago_id));
    // mtu = 15,000 × 0.012 + 5,000 × 0.01 = 230.00 → 23000; fees 35000; tax 1500 + 2875 = 4375; total 39375.
    expect(third.invoice).toMatchObject({ issuing_date: '2027-03-19', fees_amount_cents: 35000, taxes_amount_cents: 4375, total_amount_cents: 39375 });
    expect(third.invoice.fees?.map((fee) => [fee.item.code, fee.units, fee.amount_cents])).toEqual([['team', '1.0', 12000], ['mtu', '30000.0', 23000]]);
    expect(invoices.invoices.map((i) => i.total_amount_cents).sort()).toEqual([13500, 13500, 39375]);
    expect(invoices.meta).toMatchObject({ total_count: 3, current_page: 1 });
    await assertBillingInvariants(database.db);
  });
});

describe("fair per-seat pricing through Lago's JavaScript client", () => {
  it('runs the walkthrough', async () => {
    // The hybrid walkthrough took the clock to 2027-03-19: the same calendar days a year later
    // (D = 31 for Jan 19 – Feb 18, 2028).
    await moveClockTo(env, '2028-01-19T09:00:00Z');
    const client = await lagoClientFor('Seats Client Co');
    const metric = await judged('billableMetrics', 'createBillableMetric', client.billableMetrics.createBillableMetric({
      billable_metric: { name: 'Seats', code: 'seats', aggregation_type: 'unique_count_agg', field_name: 'seat_id', recurring: true },
    }));
    await judged('plans', 'createPlan', client.plans.createPlan({
      plan: {
        name: 'Pro', code: 'pro', interval: 'monthly', amount_cents: 0, amount_currency: 'EUR', pay_in_advance: false,
        charges: [{ billable_metric_id: metric.billable_metric.lago_id, charge_model: 'standard', properties: { amount: '8.25' }, prorated: true }],
      },
    }));
    await judged('customers', 'createCustomer', client.customers.createCustomer({ customer: { external_id: 'airbnb', currency: 'EUR', timezone: 'UTC' } }));
    await judged('subscriptions', 'createSubscription', client.subscriptions.createSubscription({
      subscription: { external_customer_id: 'airbnb', plan_code: 'pro', external_id: 'airbnb-pro', billing_time: 'anniversary', subscription_at: '2028-01-19T09:00:00Z' },
    }));
    const seat = (transactionId: string, seatId: string, operation: 'add' | 'remove') =>
      judged('events', 'createEvent', client.events.createEvent({
        event: { transaction_id: transactionId, code: 'seats', external_subscription_id: 'airbnb-pro', properties: { seat_id: seatId, operation_type: operation } },
      }));
    // seat_1 and seat_3 on 01-19; on 02-03 seat_2 added and seat_3 removed.
    await seat('s1-add', 'seat_1', 'add');
    await seat('s3-add', 'seat_3', 'add');
    await sleepUntil(env, '2028-02-03T10:00:00Z');
    await seat('s2-add', 'seat_2', 'add');
    await seat('s3-remove', 'seat_3', 'remove');
    const usage = await judged('customers', 'findCustomerCurrentUsage', client.customers.findCustomerCurrentUsage('airbnb', { external_subscription_id: 'airbnb-pro' }));
    expect(usage.customer_usage.charges_usage[0]?.billable_metric.code).toBe('seats');

    // At 2028-02-19, invoice 1: 8.25 × (31 + 16 + 16)/31 = 16.7661 → 1677.
    await sleepUntil(env, '2028-02-19T12:00:00Z');
    let invoices = await judged('invoices', 'findAllInvoices', client.invoices.findAllInvoices({ external_customer_id: 'airbnb' }));
    expect(invoices.invoices.map((i) => [i.sequential_id, i.total_amount_cents])).toEqual([[1, 1677]]);
    const first = await judged('invoices', 'findInvoice', client.invoices.findInvoice(invoices.invoices[0]!.lago_id));
    expect(first.invoice.fees?.map((fee) => [fee.item.code, fee.units, fee.amount_cents])).toEqual([['seats', '2.0', 1677]]);

    // At 2028-03-19, invoice 2: seat_1 and seat_2 the whole period: 2 × 8.25 = 16.50 → 1650.
    await sleepUntil(env, '2028-03-19T12:00:00Z');
    invoices = await judged('invoices', 'findAllInvoices', client.invoices.findAllInvoices({ external_customer_id: 'airbnb' }));
    const second = await judged('invoices', 'findInvoice', client.invoices.findInvoice(invoices.invoices.find((i) => i.sequential_id === 2)!.lago_id));
    expect(second.invoice).toMatchObject({ total_amount_cents: 1650, currency: 'EUR' });
    expect(second.invoice.fees?.map((fee) => [fee.item.code, fee.units, fee.amount_cents])).toEqual([['seats', '2.0', 1650]]);
    await assertBillingInvariants(database.db);
  });
});

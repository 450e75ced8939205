/**
 * GET /api/v1/customers/:id/current_usage: the hybrid walkthrough's usage steps
 * (/work/shared/scenarios/hybrid-usage.md steps 6 and 8), filters, a prorated seat charge, taxes.
 */
import request from 'supertest';
import { buildApp } from '../../src/api/app';
import type { SubscriptionWorkflows } from '../../src/workflows/client';
import { computeChargesUsage } from '../../src/services/usage/charge-usage';
import { loadSubscriptionContext } from '../../src/db/subscription-context';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { insertMetric, insertPlan, insertSubscription, insertTax } from '../support/usage-fixtures';

let database: TestDatabase;
let nowMs = Date.parse('2027-01-25T12:00:00.000Z');
let api: Awaited<ReturnType<typeof makeApi>>;
let other: Awaited<ReturnType<typeof makeApi>>;

async function makeApi(name: string) {
  const { organization, apiKey } = await createTestOrganization(database.db, name);
  const workflows = { notifyUsage: async () => {} } as unknown as SubscriptionWorkflows;
  const app = buildApp({ db: database.db, workflows, clock: { now: async () => nowMs }, publicUrl: 'http://billow.test' });
  const auth = { Authorization: `Bearer ${apiKey}` };
  return {
    organization,
    post: (path: string, body: unknown) => request(app).post(`/api/v1${path}`).set(auth).send(body as object),
    get: (path: string) => request(app).get(`/api/v1${path}`).set(auth),
  };
}

const event = (id: string, code: string, subscription: string, properties: Record<string, unknown>, timestamp?: string) => ({
  transaction_id: id, code, external_subscription_id: subscription, properties, ...(timestamp ? { timestamp } : {}),
});

let teamSubscriptionId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await makeApi('Usage Org');
  other = await makeApi('Other Usage Org');
  const { db } = database;
  const orgId = api.organization.id;

  // Hybrid walkthrough: mtu, graduated [0–10 000] free, [10 001–25 000] 0.012, [25 001–∞) 0.01.
  const mtu = await insertMetric(db, orgId, { code: 'mtu', aggregation_type: 'unique_count_agg', field_name: 'user_id' });
  const team = await insertPlan(db, orgId, {
    code: 'team', amount_cents: 12000, amount_currency: 'USD', pay_in_advance: true,
    charges: [{
      metricId: mtu.id, code: 'mtu', charge_model: 'graduated',
      properties: {
        graduated_ranges: [
          { from_value: 0, to_value: 10000, per_unit_amount: '0', flat_amount: '0' },
          { from_value: 10001, to_value: 25000, per_unit_amount: '0.012', flat_amount: '0' },
          { from_value: 25001, to_value: null, per_unit_amount: '0.01', flat_amount: '0' },
        ],
      },
    }],
  });
  const acme = await insertSubscription(db, orgId, { customerExternalId: 'acme', externalId: 'acme-team', planId: team.id, startedAt: new Date('2027-01-19T00:00:00Z'), billingTime: 'anniversary' });
  teamSubscriptionId = acme.id;
  await insertTax(db, orgId, 'vat_12_5', '12.5', acme.customerId);

  // Filters: API calls priced 0.5 in the EU, 0.1 elsewhere (the charge's own properties).
  const calls = await insertMetric(db, orgId, { code: 'calls', aggregation_type: 'count_agg', filters: [{ key: 'region', values: ['eu', 'us'] }] });
  // Seats: recurring unique count, prorated, 31 per seat and month.
  const seats = await insertMetric(db, orgId, { code: 'seats', aggregation_type: 'unique_count_agg', field_name: 'seat_id', recurring: true });
  const pro = await insertPlan(db, orgId, {
    code: 'pro', amount_cents: 0, amount_currency: 'EUR',
    charges: [
      { metricId: calls.id, code: 'calls', charge_model: 'standard', properties: { amount: '0.1' }, filters: [{ invoice_display_name: 'EU calls', properties: { amount: '0.5' }, values: { region: ['eu'] } }] },
      { metricId: seats.id, code: 'seats', charge_model: 'standard', properties: { amount: '31' }, prorated: true },
    ],
  });
  await insertSubscription(db, orgId, { customerExternalId: 'globex', externalId: 'globex-pro', planId: pro.id, startedAt: new Date('2027-01-01T00:00:00Z'), currency: 'EUR' });
});

afterAll(async () => database?.drop());

describe('hybrid walkthrough', () => {
  it('step 6: t1 {u1}, t2 {u2}, t3 {u1}, t1 again → 2 MTUs, nothing to pay yet', async () => {
    nowMs = Date.parse('2027-01-25T12:00:00.000Z');
    for (const [id, user] of [['t1', 'u1'], ['t2', 'u2'], ['t3', 'u1'], ['t1', 'u1']] as const) {
      await api.post('/events', { event: event(id, 'mtu', 'acme-team', { user_id: user }, '2027-01-20T10:00:00Z') }).expect(200);
    }
    const res = await api.get('/customers/acme/current_usage?external_subscription_id=acme-team');
    expect(res.status).toBe(200);
    const usage = res.body.customer_usage;
    // Anniversary on the 19th: the first period is 2027-01-19 … 2027-02-18, invoiced on 2027-02-19.
    expect(usage).toMatchObject({
      from_datetime: '2027-01-19T00:00:00Z',
      to_datetime: '2027-02-18T23:59:59Z',
      issuing_date: '2027-02-19',
      currency: 'USD',
      amount_cents: 0,
      taxes_amount_cents: 0,
      total_amount_cents: 0,
      lago_invoice_id: null,
    });
    expect(usage.charges_usage).toHaveLength(1);
    // u1 and u2: 2 units, all in the free tier → 0. Three events stored (t1 counted once).
    expect(usage.charges_usage[0]).toMatchObject({
      units: '2.0', events_count: 3, amount_cents: 0, amount_currency: 'USD',
      charge: { code: 'mtu', charge_model: 'graduated' },
      billable_metric: { code: 'mtu', name: 'mtu', aggregation_type: 'unique_count_agg' },
      filters: [], grouped_usage: [],
    });
  });

  it('step 8: 30,000 distinct users → 23000 cents, 12.5 % tax 2875', async () => {
    nowMs = Date.parse('2027-03-01T08:00:00.000Z'); // second period: 2027-02-19 … 2027-03-18
    const users = Array.from({ length: 30_000 }, (_, i) => `user-${i}`);
    const batches: string[][] = [];
    for (let i = 0; i < users.length; i += 100) batches.push(users.slice(i, i + 100));
    for (let i = 0; i < batches.length; i += 10) {
      await Promise.all(batches.slice(i, i + 10).map(async (batch) => {
        const res = await api.post('/events/batch', { events: batch.map((user) => event(`p2-${user}`, 'mtu', 'acme-team', { user_id: user }, '2027-02-25T09:00:00Z')) });
        expect(res.status).toBe(200);
      }));
    }
    const res = await api.get('/customers/acme/current_usage?external_subscription_id=acme-team&apply_taxes=true');
    expect(res.status).toBe(200);
    const usage = res.body.customer_usage;
    expect(usage.from_datetime).toBe('2027-02-19T00:00:00Z');
    expect(usage.to_datetime).toBe('2027-03-18T23:59:59Z');
    // Graduated: 10 000 × 0 + 15 000 × 0.012 + 5 000 × 0.01 = 0 + 180.00 + 50.00 = 230.00 USD = 23000 cents.
    expect(usage.charges_usage[0]).toMatchObject({ units: '30000.0', events_count: 30000, amount_cents: 23000 });
    // Tax: 23000 × 12.5 % = 2875; total 23000 + 2875 = 25875.
    expect(usage).toMatchObject({ amount_cents: 23000, taxes_amount_cents: 2875, total_amount_cents: 25875 });

    const untaxed = await api.get('/customers/acme/current_usage?external_subscription_id=acme-team&apply_taxes=false');
    expect(untaxed.body.customer_usage).toMatchObject({ amount_cents: 23000, taxes_amount_cents: 0, total_amount_cents: 23000 });
  });

  it('the closed first period, priced by the same service, still shows 2 units for 0', async () => {
    const closed = await computeChargesUsage(database.db, await loadSubscriptionContext(database.db, teamSubscriptionId), { fromMs: Date.parse('2027-01-19T00:00:00Z'), toMs: Date.parse('2027-02-18T23:59:59.999Z') });
    expect(closed.window.fullDays).toBe(31); // 2027-01-19 … 2027-02-18
    expect(closed.charges.map((line) => [line.units.toString(), line.fee.amountCents])).toEqual([['2', 0n]]);
    expect(closed.amountCents).toBe(0n);
  });
});

describe('filters and prorated seats', () => {
  it('prices each filter and the default bucket, and seats by the days they were active', async () => {
    nowMs = Date.parse('2027-03-25T12:00:00.000Z'); // calendar period: March 2027, D = 31
    const events = [
      event('c1', 'calls', 'globex-pro', { region: 'eu' }, '2027-03-02T10:00:00Z'),
      event('c2', 'calls', 'globex-pro', { region: 'eu' }, '2027-03-03T10:00:00Z'),
      event('c3', 'calls', 'globex-pro', { region: 'eu' }, '2027-03-04T10:00:00Z'),
      event('c4', 'calls', 'globex-pro', { region: 'us' }, '2027-03-05T10:00:00Z'),
      event('c5', 'calls', 'globex-pro', {}, '2027-03-06T10:00:00Z'),
      event('c0', 'calls', 'globex-pro', { region: 'eu' }, '2027-02-27T10:00:00Z'), // previous period
      event('s1', 'seats', 'globex-pro', { seat_id: 'ada' }, '2027-02-15T10:00:00Z'),
      event('s2', 'seats', 'globex-pro', { seat_id: 'bob' }, '2027-03-10T10:00:00Z'),
      event('s3', 'seats', 'globex-pro', { seat_id: 'bob', operation_type: 'remove' }, '2027-03-20T18:00:00Z'),
    ];
    await api.post('/events/batch', { events }).expect(200);
    const res = await api.get('/customers/globex/current_usage?external_subscription_id=globex-pro');
    expect(res.status).toBe(200);
    const usage = res.body.customer_usage;
    expect(usage).toMatchObject({ from_datetime: '2027-03-01T00:00:00Z', to_datetime: '2027-03-31T23:59:59Z', issuing_date: '2027-04-01', currency: 'EUR' });
    const [calls, seats] = usage.charges_usage;
    // EU: 3 calls × 0.5 = 1.50 → 150; others (us and no region): 2 × 0.1 = 0.20 → 20; charge 170.
    expect(calls).toMatchObject({ units: '5.0', events_count: 5, amount_cents: 170 });
    // Lago's filter usage carries total_aggregated_units too (count_agg: as many as the units), and presentation_breakdowns (none without presentation keys).
    expect(calls.filters).toEqual([
      { units: '3.0', total_aggregated_units: '3.0', amount_cents: 150, events_count: 3, invoice_display_name: 'EU calls', values: { region: ['eu'] }, presentation_breakdowns: [] },
      { units: '2.0', total_aggregated_units: '2.0', amount_cents: 20, events_count: 2, invoice_display_name: null, values: null, presentation_breakdowns: [] },
    ]);
    // ada all March: 31 days; bob 10 … 20 March inclusive: 11 days. (31 + 11) / 31 = 1.354838… → ceil5 1.35484;
    // 1.35484 × 31 = 42.00004 EUR → 4200 cents. Units shown: 1 seat active now.
    expect(seats).toMatchObject({ units: '1.0', amount_cents: 4200 });
    // No taxes for this customer.
    expect(usage).toMatchObject({ amount_cents: 4370, taxes_amount_cents: 0, total_amount_cents: 4370 });
  });
});

describe('percentage charges', () => {
  it('price each event in order (free first event, fixed fee per paid event)', async () => {
    const { db } = database;
    const orgId = api.organization.id;
    const payments = await insertMetric(db, orgId, { code: 'payments', aggregation_type: 'sum_agg', field_name: 'amount' });
    const plan = await insertPlan(db, orgId, {
      code: 'fintech', amount_currency: 'USD',
      charges: [{ metricId: payments.id, code: 'payments', charge_model: 'percentage', properties: { rate: '1.5', fixed_amount: '0.1', free_units_per_events: 1 } }],
    });
    await insertSubscription(db, orgId, { customerExternalId: 'initech', externalId: 'initech-pay', planId: plan.id, startedAt: new Date('2027-03-01T00:00:00Z') });
    nowMs = Date.parse('2027-03-25T12:00:00.000Z');
    await api.post('/events/batch', {
      events: [
        event('p1', 'payments', 'initech-pay', { amount: '100' }, '2027-03-02T00:00:00Z'),
        event('p2', 'payments', 'initech-pay', { amount: '200' }, '2027-03-03T00:00:00Z'),
        event('p3', 'payments', 'initech-pay', { amount: '300' }, '2027-03-04T00:00:00Z'),
      ],
    }).expect(200);
    const res = await api.get('/customers/initech/current_usage?external_subscription_id=initech-pay');
    // The first event (100) is free: (600 − 100) × 1.5 % = 7.50, plus 2 paid events × 0.10 = 0.20 → 7.70 USD.
    expect(res.body.customer_usage.charges_usage[0]).toMatchObject({ events_count: 3, amount_cents: 770 });
  });
});

describe('errors', () => {
  it('answers 404 customer_not_found for an unknown customer, a missing or foreign subscription', async () => {
    const notFound = { status: 404, error: 'Not Found', code: 'customer_not_found' };
    expect((await api.get('/customers/nobody/current_usage?external_subscription_id=acme-team')).body).toEqual(notFound);
    expect((await api.get('/customers/acme/current_usage')).body).toEqual(notFound);
    expect((await api.get('/customers/acme/current_usage?external_subscription_id=globex-pro')).body).toEqual(notFound);
    expect((await api.get('/customers/acme/current_usage?external_subscription_id[]=x')).status).toBe(404);
    expect((await other.get('/customers/acme/current_usage?external_subscription_id=acme-team')).status).toBe(404);
  });
});

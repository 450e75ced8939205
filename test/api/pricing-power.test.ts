/**
 * Issue 16 points 1–3 through the API: grouped pricing (tokens by model and kind, a graduated charge
 * per group), a dynamic charge, and a metric expression billed per minute. For each, current usage
 * and the period's invoice (issued by the service the workflow's close calls) bill the same cents.
 * Every figure is worked out by hand in the comments.
 */
import request from 'supertest';
import { buildApp } from '../../src/api/app';
import type { SubscriptionWorkflows } from '../../src/workflows/client';
import { issueSubscriptionInvoice } from '../../src/services/invoicing';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { insertSubscription } from '../support/usage-fixtures';

let database: TestDatabase;
let organizationId: string;
const nowMs = Date.parse('2027-01-25T12:00:00.000Z');
let api: ReturnType<typeof client>;

function client(app: ReturnType<typeof buildApp>, apiKey: string) {
  const auth = { Authorization: `Bearer ${apiKey}` };
  return {
    post: (path: string, body: unknown) => request(app).post(`/api/v1${path}`).set(auth).send(body as object),
    put: (path: string, body: unknown) => request(app).put(`/api/v1${path}`).set(auth).send(body as object),
    get: (path: string) => request(app).get(`/api/v1${path}`).set(auth),
  };
}

beforeAll(async () => {
  database = await createTestDatabase();
  const { organization, apiKey } = await createTestOrganization(database.db, 'Pricing Power Org');
  organizationId = organization.id;
  const workflows = { notifyUsage: async () => {} } as unknown as SubscriptionWorkflows;
  api = client(buildApp({ db: database.db, workflows, clock: { now: async () => nowMs }, publicUrl: 'http://billow.test' }), apiKey);
});

afterAll(async () => database?.drop());

async function metric(body: Record<string, unknown>): Promise<string> {
  const res = await api.post('/billable_metrics', { billable_metric: { name: body.code, ...body } });
  expect(res.status).toBe(200);
  return res.body.billable_metric.lago_id as string;
}

async function plan(code: string, charges: Record<string, unknown>[]) {
  const res = await api.post('/plans', { plan: { name: code, code, interval: 'monthly', amount_cents: 0, amount_currency: 'USD', pay_in_advance: false, charges } });
  expect(res.status).toBe(200);
  return res.body.plan as { lago_id: string; charges: { properties: Record<string, unknown> }[] };
}

/** A calendar monthly subscription from 2027-01-01 (January: D = 31), without a workflow. */
async function subscribe(planId: string, externalId: string): Promise<string> {
  return (await insertSubscription(database.db, organizationId, { customerExternalId: `${externalId}-customer`, externalId, planId, startedAt: new Date('2027-01-01T00:00:00Z') })).id;
}

const send = (code: string, subscription: string, id: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  api.post('/events', { event: { transaction_id: id, code, external_subscription_id: subscription, timestamp: '2027-01-10T10:00:00Z', properties, ...extra } });

async function currentUsage(externalId: string) {
  const res = await api.get(`/customers/${externalId}-customer/current_usage?external_subscription_id=${externalId}`);
  expect(res.status).toBe(200);
  return res.body.customer_usage;
}

/** January's invoice, issued as the workflow's close on 2027-02-01 issues it; its charge fees. */
async function januaryInvoice(subscriptionId: string) {
  const issued = await issueSubscriptionInvoice(database.db, { kind: 'periodic', subscriptionId, billingDate: '2027-02-01' });
  const res = await api.get(`/invoices/${issued!.invoiceId}`);
  expect(res.status).toBe(200);
  return res.body.invoice;
}

describe('grouped pricing: tokens by model and kind, a graduated charge per group', () => {
  // Per group: [0–1000] 0.002 a token plus a flat 1.00, [1000–∞) 0.001 a token.
  const GRADUATED = [
    { from_value: 0, to_value: 1000, per_unit_amount: '0.002', flat_amount: '1' },
    { from_value: 1000, to_value: null, per_unit_amount: '0.001', flat_amount: '0' },
  ];
  let subscriptionId: string;

  beforeAll(async () => {
    const tokens = await metric({ code: 'tokens', aggregation_type: 'sum_agg', field_name: 'tokens' });
    const created = await plan('llm', [{ billable_metric_id: tokens, charge_model: 'graduated', properties: { graduated_ranges: GRADUATED, pricing_group_keys: ['model', 'kind'] } }]);
    // The keys are shown back, mirrored onto the deprecated grouped_by (as Lago).
    expect(created.charges[0]!.properties).toMatchObject({ pricing_group_keys: ['model', 'kind'], grouped_by: ['model', 'kind'] });
    subscriptionId = await subscribe(created.lago_id, 'llm-sub');
    for (const [id, properties] of [
      ['k1', { model: 'gpt-4', kind: 'input', tokens: 800 }],
      ['k2', { model: 'gpt-4', kind: 'input', tokens: 700 }],
      ['k3', { model: 'gpt-4', kind: 'output', tokens: 300 }],
      ['k4', { model: 'mini', kind: 'input', tokens: 2500 }],
      ['k5', { model: 'mini', tokens: 100 }], // no kind: the group whose kind is null
    ] as const) {
      expect((await send('tokens', 'llm-sub', id, properties)).status).toBe(200);
    }
  });

  it('current usage prices each group from the first tier and lists them in grouped_usage', async () => {
    const usage = await currentUsage('llm-sub');
    const charge = usage.charges_usage[0];
    // gpt-4/input 1500: 1000 × 0.002 + 1 + 500 × 0.001 = 3.50; gpt-4/output 300: 300 × 0.002 + 1 = 1.60;
    // mini/null 100: 100 × 0.002 + 1 = 1.20; mini/input 2500: 1000 × 0.002 + 1 + 1500 × 0.001 = 4.50.
    // Σ 350 + 160 + 120 + 450 = 1080 cents (ungrouped, 4400 tokens would be 2 + 1 + 3.4 = 6.40).
    expect(charge).toMatchObject({ units: '4400.0', events_count: 5, amount_cents: 1080, filters: [] });
    expect(charge.grouped_usage).toEqual([
      { grouped_by: { model: 'gpt-4', kind: 'input' }, units: '1500.0', total_aggregated_units: '1500.0', events_count: 2, amount_cents: 350, pricing_unit_details: null, filters: [], presentation_breakdowns: [] },
      { grouped_by: { model: 'gpt-4', kind: 'output' }, units: '300.0', total_aggregated_units: '300.0', events_count: 1, amount_cents: 160, pricing_unit_details: null, filters: [], presentation_breakdowns: [] },
      { grouped_by: { model: 'mini', kind: null }, units: '100.0', total_aggregated_units: '100.0', events_count: 1, amount_cents: 120, pricing_unit_details: null, filters: [], presentation_breakdowns: [] },
      { grouped_by: { model: 'mini', kind: 'input' }, units: '2500.0', total_aggregated_units: '2500.0', events_count: 1, amount_cents: 450, pricing_unit_details: null, filters: [], presentation_breakdowns: [] },
    ]);
    expect(usage.amount_cents).toBe(1080);
  });

  it('the invoice preview shows the same groups before the period closes', async () => {
    const res = await api.post('/invoices/preview', { customer: { external_id: 'llm-sub-customer' }, subscriptions: { external_ids: ['llm-sub'] } });
    expect(res.status).toBe(200);
    const fees = res.body.invoice.fees.filter((fee: { item: { type: string } }) => fee.item.type === 'charge')
      .map((fee: { item: { grouped_by: unknown }; amount_cents: number }) => [fee.item.grouped_by, fee.amount_cents]);
    // The same four groups as current usage: 350 + 160 + 120 + 450 = 1080.
    expect(fees).toEqual(expect.arrayContaining([[{ model: 'gpt-4', kind: 'input' }, 350], [{ model: 'gpt-4', kind: 'output' }, 160], [{ model: 'mini', kind: null }, 120], [{ model: 'mini', kind: 'input' }, 450]]));
    expect(res.body.invoice.fees_amount_cents).toBe(1080);
  });

  it('the invoice has one fee per group with its grouped_by, adding up to what current usage showed', async () => {
    const invoice = await januaryInvoice(subscriptionId);
    const fees = invoice.fees.filter((fee: { item: { type: string } }) => fee.item.type === 'charge')
      .map((fee: { item: { grouped_by: unknown }; units: string; amount_cents: number }) => [fee.item.grouped_by, fee.units, fee.amount_cents]);
    expect(fees).toEqual(expect.arrayContaining([
      [{ model: 'gpt-4', kind: 'input' }, '1500.0', 350],
      [{ model: 'gpt-4', kind: 'output' }, '300.0', 160],
      [{ model: 'mini', kind: null }, '100.0', 120],
      [{ model: 'mini', kind: 'input' }, '2500.0', 450],
    ]));
    expect(fees).toHaveLength(4);
    expect(invoice.fees_amount_cents).toBe(1080); // 350 + 160 + 120 + 450, as current usage
  });

  it('past usage, built from those fees, shows the same groups', async () => {
    const res = await api.get('/customers/llm-sub-customer/past_usage?external_subscription_id=llm-sub');
    expect(res.status).toBe(200);
    const [charge] = res.body.usage_periods[0].charges_usage;
    expect(charge).toMatchObject({ units: '4400.0', amount_cents: 1080, filters: [] });
    const groups = charge.grouped_usage.map((g: { grouped_by: unknown; units: string; amount_cents: number; events_count: number }) => [g.grouped_by, g.units, g.amount_cents, g.events_count]);
    expect(groups).toEqual(expect.arrayContaining([
      [{ model: 'gpt-4', kind: 'input' }, '1500.0', 350, 2],
      [{ model: 'gpt-4', kind: 'output' }, '300.0', 160, 1],
      [{ model: 'mini', kind: null }, '100.0', 120, 1],
      [{ model: 'mini', kind: 'input' }, '2500.0', 450, 1],
    ]));
    expect(groups).toHaveLength(4);
  });

  it('refuses grouping keys that are not distinct names, and grouping on a pay-in-advance charge', async () => {
    const tokens = (await api.get('/billable_metrics/tokens')).body.billable_metric.lago_id;
    const bad = await api.post('/plans', { plan: { name: 'x', code: 'x', interval: 'monthly', amount_cents: 0, amount_currency: 'USD', pay_in_advance: false,
      charges: [{ billable_metric_id: tokens, charge_model: 'standard', properties: { amount: '1', pricing_group_keys: ['model', 'model'] } }] } });
    expect(bad.status).toBe(422);
    expect(bad.body.error_details).toEqual({ 'charges.0.properties.pricing_group_keys': ['value_is_invalid'] });
    const inAdvance = await api.post('/plans', { plan: { name: 'y', code: 'y', interval: 'monthly', amount_cents: 0, amount_currency: 'USD', pay_in_advance: false,
      charges: [{ billable_metric_id: tokens, charge_model: 'standard', pay_in_advance: true, properties: { amount: '1', grouped_by: ['model'] } }] } });
    expect(inAdvance.status).toBe(422);
    expect(inAdvance.body.error_details).toEqual({ 'charges.0.properties.pricing_group_keys': ['feature_not_supported'] });
  });
});

describe('grouped pricing with a filter: each bucket grouped on its own', () => {
  let subscriptionId: string;

  beforeAll(async () => {
    const requests = await metric({ code: 'requests', aggregation_type: 'count_agg', filters: [{ key: 'region', values: ['eu', 'us'] }] });
    // 1.00 a request, 2.00 in the EU; both grouped by model.
    const created = await plan('api', [{
      billable_metric_id: requests, charge_model: 'standard', properties: { amount: '1', pricing_group_keys: ['model'] },
      filters: [{ invoice_display_name: 'EU', properties: { amount: '2', pricing_group_keys: ['model'] }, values: { region: ['eu'] } }],
    }]);
    subscriptionId = await subscribe(created.lago_id, 'api-sub');
    for (const [id, properties] of [['r1', { region: 'eu', model: 'a' }], ['r2', { region: 'eu', model: 'a' }], ['r3', { region: 'eu', model: 'b' }], ['r4', { region: 'us', model: 'a' }]] as const) {
      expect((await send('requests', 'api-sub', id, properties)).status).toBe(200);
    }
  });

  it('current usage, the invoice and past usage agree group by group and filter by filter', async () => {
    const [charge] = (await currentUsage('api-sub')).charges_usage;
    // EU: a 2 × 2.00 = 4.00, b 1 × 2.00 = 2.00; elsewhere: a 1 × 1.00 = 1.00. Σ 700 cents.
    expect(charge).toMatchObject({ units: '4.0', amount_cents: 700 });
    expect(charge.filters.map((f: { values: unknown; units: string; amount_cents: number }) => [f.values, f.units, f.amount_cents])).toEqual([
      [{ region: ['eu'] }, '3.0', 600], [null, '1.0', 100],
    ]);
    expect(charge.grouped_usage.map((g: { grouped_by: unknown; units: string; amount_cents: number; filters: { values: unknown; amount_cents: number }[] }) =>
      [g.grouped_by, g.units, g.amount_cents, g.filters.map((f) => [f.values, f.amount_cents])])).toEqual([
      [{ model: 'a' }, '3.0', 500, [[{ region: ['eu'] }, 400], [null, 100]]], // 400 + 100
      [{ model: 'b' }, '1.0', 200, [[{ region: ['eu'] }, 200]]],
    ]);

    const invoice = await januaryInvoice(subscriptionId);
    const fees = invoice.fees.map((fee: { item: { grouped_by: unknown; filters: unknown }; amount_cents: number }) => [fee.item.filters, fee.item.grouped_by, fee.amount_cents]);
    expect(fees).toEqual(expect.arrayContaining([[{ region: ['eu'] }, { model: 'a' }, 400], [{ region: ['eu'] }, { model: 'b' }, 200], [null, { model: 'a' }, 100]]));
    expect(fees).toHaveLength(3);

    const [past] = (await api.get('/customers/api-sub-customer/past_usage?external_subscription_id=api-sub')).body.usage_periods[0].charges_usage;
    expect(past).toMatchObject({ units: '4.0', amount_cents: 700 });
    // Past usage lists the default bucket first, as it does for ungrouped filtered charges.
    expect(past.filters.map((f: { values: unknown; amount_cents: number }) => [f.values, f.amount_cents])).toEqual([[null, 100], [{ region: ['eu'] }, 600]]);
    expect(past.grouped_usage.map((g: { grouped_by: unknown; amount_cents: number }) => [g.grouped_by, g.amount_cents])).toEqual(expect.arrayContaining([[{ model: 'a' }, 500], [{ model: 'b' }, 200]]));
  });
});

describe('presentation keys: units split for display, amounts unchanged', () => {
  let subscriptionId: string;

  beforeAll(async () => {
    const storage = await metric({ code: 'storage', aggregation_type: 'sum_agg', field_name: 'gb' });
    const created = await plan('disk', [{ billable_metric_id: storage, charge_model: 'standard', properties: { amount: '1', presentation_group_keys: [{ value: 'region', options: { display_in_invoice: false } }] } }]);
    expect(created.charges[0]!.properties.presentation_group_keys).toEqual([{ value: 'region', options: { display_in_invoice: false } }]);
    subscriptionId = await subscribe(created.lago_id, 'disk-sub');
    for (const [id, properties] of [['g1', { region: 'eu', gb: 3 }], ['g2', { region: 'eu', gb: 2 }], ['g3', { region: 'us', gb: 4 }], ['g4', { gb: 1 }]] as const) {
      expect((await send('storage', 'disk-sub', id, properties)).status).toBe(200);
    }
  });

  it('current usage, the fee and past usage show the same breakdown; the price is the whole sum', async () => {
    // 3 + 2 + 4 + 1 = 10 GB × 1.00 = 1000 cents. By region (null first): none 1, eu 3 + 2 = 5, us 4.
    const breakdown = [{ presentation_by: { region: null }, units: '1.0' }, { presentation_by: { region: 'eu' }, units: '5.0' }, { presentation_by: { region: 'us' }, units: '4.0' }];
    const [charge] = (await currentUsage('disk-sub')).charges_usage;
    expect(charge).toMatchObject({ units: '10.0', amount_cents: 1000, presentation_breakdowns: breakdown });
    const invoice = await januaryInvoice(subscriptionId);
    const [fee] = invoice.fees.filter((f: { item: { type: string } }) => f.item.type === 'charge');
    expect(fee).toMatchObject({ units: '10.0', amount_cents: 1000, presentation_breakdowns: breakdown });
    const [past] = (await api.get('/customers/disk-sub-customer/past_usage?external_subscription_id=disk-sub')).body.usage_periods[0].charges_usage;
    expect(past.presentation_breakdowns).toEqual(breakdown);
  });

  it('refuses display_in_invoice: true (breakdowns are not printed on PDFs yet)', async () => {
    const storage = (await api.get('/billable_metrics/storage')).body.billable_metric.lago_id;
    const res = await api.post('/plans', { plan: { name: 'p', code: 'p', interval: 'monthly', amount_cents: 0, amount_currency: 'USD', pay_in_advance: false,
      charges: [{ billable_metric_id: storage, charge_model: 'standard', properties: { amount: '1', presentation_group_keys: [{ value: 'region', options: { display_in_invoice: true } }] } }] } });
    expect(res.status).toBe(422);
    expect(res.body.error_details).toEqual({ 'charges.0.properties.presentation_group_keys.0.options.display_in_invoice': ['feature_not_supported'] });
  });
});

describe('dynamic pricing: the events carry their prices', () => {
  let subscriptionId: string;

  beforeAll(async () => {
    const compute = await metric({ code: 'compute', aggregation_type: 'sum_agg', field_name: 'units' });
    const created = await plan('dyn', [{ billable_metric_id: compute, charge_model: 'dynamic', properties: {} }]);
    subscriptionId = await subscribe(created.lago_id, 'dyn-sub');
    expect((await send('compute', 'dyn-sub', 'd1', { units: 2 }, { precise_total_amount_cents: '150.5' })).status).toBe(200);
    expect((await send('compute', 'dyn-sub', 'd2', { units: 3 }, { precise_total_amount_cents: '249.5' })).status).toBe(200);
    expect((await send('compute', 'dyn-sub', 'd3', { units: 5 })).status).toBe(200); // no price: counts its units, costs 0
  });

  it('bills Σ precise_total_amount_cents in current usage and on the invoice', async () => {
    const usage = await currentUsage('dyn-sub');
    // Units 2 + 3 + 5 = 10; Σ prices 150.5 + 249.5 = 400 cents = 4.00 USD.
    expect(usage.charges_usage[0]).toMatchObject({ units: '10.0', events_count: 3, amount_cents: 400, charge: { charge_model: 'dynamic' } });
    const invoice = await januaryInvoice(subscriptionId);
    const [fee] = invoice.fees.filter((f: { item: { type: string } }) => f.item.type === 'charge');
    // Unit amount 4.00 / 10 = 0.4.
    expect(fee).toMatchObject({ units: '10.0', amount_cents: 400, precise_unit_amount: '0.4', item: { grouped_by: {} } });
    expect(fee.amount_details).toEqual({ kind: 'dynamic', units: '10', precise_total_amount: '4' });
  });

  it('is refused on another aggregation than sum_agg', async () => {
    const calls = await metric({ code: 'dyn_calls', aggregation_type: 'count_agg' });
    const res = await api.post('/plans', { plan: { name: 'z', code: 'z', interval: 'monthly', amount_cents: 0, amount_currency: 'USD', pay_in_advance: false,
      charges: [{ billable_metric_id: calls, charge_model: 'dynamic', properties: {} }] } });
    expect(res.status).toBe(422);
    expect(res.body.error_details).toEqual({ 'charges.0.charge_model': ['invalid_aggregation_type_or_charge_model'] });
  });
});

describe('metric expressions: round(event.properties.duration_ms / 1000 / 60, 2) billed per minute', () => {
  const EXPRESSION = 'round(event.properties.duration_ms / 1000 / 60, 2)';
  let subscriptionId: string;

  beforeAll(async () => {
    const minutes = await metric({ code: 'call_minutes', aggregation_type: 'sum_agg', field_name: 'minutes', expression: EXPRESSION });
    const created = await plan('voice', [{ billable_metric_id: minutes, charge_model: 'standard', properties: { amount: '0.10' } }]);
    subscriptionId = await subscribe(created.lago_id, 'voice-sub');
  });

  it('is evaluated once at ingestion and stored in the field', async () => {
    const res = await send('call_minutes', 'voice-sub', 'c1', { duration_ms: 150000 }); // 150000 / 1000 / 60 = 2.5
    expect(res.status).toBe(200);
    expect(res.body.event.properties).toEqual({ duration_ms: 150000, minutes: '2.5' });
    const batch = await api.post('/events/batch', { events: [
      { transaction_id: 'c2', code: 'call_minutes', external_subscription_id: 'voice-sub', timestamp: '2027-01-11T10:00:00Z', properties: { duration_ms: 61000 } }, // 1.01666… → 1.02
      { transaction_id: 'c3', code: 'call_minutes', external_subscription_id: 'voice-sub', timestamp: '2027-01-12T10:00:00Z', properties: { duration_ms: '45500' } }, // 0.75833… → 0.76
    ] });
    expect(batch.status).toBe(200);
    expect(batch.body.events.map((e: { properties: { minutes: string } }) => e.properties.minutes)).toEqual(['1.02', '0.76']);
    // A replay is the same event (the computed field compared as stored), counted once.
    expect((await send('call_minutes', 'voice-sub', 'c1', { duration_ms: 150000 })).status).toBe(200);
  });

  it('refuses an event the expression cannot read, and stores nothing', async () => {
    const res = await send('call_minutes', 'voice-sub', 'c4', { seconds: 60 });
    expect(res.status).toBe(422);
    expect(res.body.error_details).toEqual({ properties: ['expression_evaluation_failed'] });
    expect((await api.get('/events/c4')).status).toBe(404);
  });

  it('bills the stored minutes in current usage and on the invoice', async () => {
    const usage = await currentUsage('voice-sub');
    // 2.5 + 1.02 + 0.76 = 4.28 minutes × 0.10 = 0.428 USD → 43 cents (rounded once, at the fee).
    expect(usage.charges_usage[0]).toMatchObject({ units: '4.28', events_count: 3, amount_cents: 43 });
    const invoice = await januaryInvoice(subscriptionId);
    const [fee] = invoice.fees.filter((f: { item: { type: string } }) => f.item.type === 'charge');
    // Unrounded: 4.28 × 0.10 = 0.428 USD, 42.8 cents as Billow's precise_amount states it.
    expect(fee).toMatchObject({ units: '4.28', amount_cents: 43, precise_amount: '42.8' });
  });

  it('POST /billable_metrics/evaluate_expression answers the value, or Lago\'s codes', async () => {
    const ok = await api.post('/billable_metrics/evaluate_expression', { expression: EXPRESSION, event: { code: 'call_minutes', properties: { duration_ms: 61000 } } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ expression_result: { value: '1.02' } }); // 61000 / 60000 = 1.01666… → 1.02
    const text = await api.post('/billable_metrics/evaluate_expression', { expression: "concat(event.code, '/', event.timestamp)", event: { code: 'x', timestamp: 1800000000, properties: {} } });
    expect(text.body).toEqual({ expression_result: { value: 'x/1800000000' } });
    const invalid = await api.post('/billable_metrics/evaluate_expression', { expression: 'round(', event: { code: 'x', properties: {} } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error_details).toEqual({ expression: ['invalid_expression'] });
    const missing = await api.post('/billable_metrics/evaluate_expression', { expression: 'event.properties.nope + 1', event: { code: 'x', properties: {} } });
    expect(missing.body.error_details).toEqual({ event: ['invalid_event'] });
    const blank = await api.post('/billable_metrics/evaluate_expression', { expression: '', event: { code: 'x', properties: {} } });
    expect(blank.body.error_details).toEqual({ expression: ['value_is_mandatory'] });
  });

  it('a metric\'s expression must parse and suit its aggregation', async () => {
    const bad = await api.post('/billable_metrics', { billable_metric: { name: 'b', code: 'b', aggregation_type: 'sum_agg', field_name: 'f', expression: 'eval(1)' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error_details).toEqual({ expression: ['invalid_expression'] });
    const count = await api.post('/billable_metrics', { billable_metric: { name: 'c', code: 'c', aggregation_type: 'count_agg', expression: '1 + 1' } });
    expect(count.body.error_details).toEqual({ expression: ['not_compatible_with_aggregation_type'] });
    const shown = await api.get('/billable_metrics/call_minutes');
    expect(shown.body.billable_metric.expression).toBe(EXPRESSION);
  });
});

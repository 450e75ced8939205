/**
 * `/plans/:code/charges[/:charge_code[/filters[/:id]]]`: each change is a `PUT /plans` of the
 * plan's charge list, so the same input gets the same answer both ways (the codes below are the
 * ones `PUT /plans` gives, keyed by the charge's own fields); two concurrent changes both land;
 * refused requests and other organizations write nothing.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { CATALOG_TABLES, snapshot } from '../support/catalog';

type Api = Awaited<ReturnType<typeof createPlainTestApi>>;
let database: TestDatabase;
let api: Api;
let other: Api;
const metric: Record<string, string> = {};

const codes = (body: { plan?: { charges: { code: string }[] }; charges?: { code: string }[] }) => (body.plan?.charges ?? body.charges ?? []).map((c) => c.code);

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Charges Co');
  other = await createPlainTestApi(database.db, 'Other Co');
  for (const fields of [
    { code: 'calls', aggregation_type: 'count_agg' },
    { code: 'bytes', aggregation_type: 'sum_agg', field_name: 'n', filters: [{ key: 'region', values: ['eu', 'us'] }] },
    { code: 'last', aggregation_type: 'latest_agg', field_name: 'n' },
  ]) {
    metric[fields.code] = (await api.post('/billable_metrics', { billable_metric: { name: fields.code, ...fields } })).body.billable_metric.lago_id;
  }
  await api.post('/taxes', { tax: { name: 'VAT', code: 'vat', rate: '20' } });
  const created = await api.post('/plans', { plan: { name: 'P', code: 'p', interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ billable_metric_id: metric.calls, charge_model: 'standard', properties: { amount: '0.5' } }] } });
  expect(created.status).toBe(200);
});
afterAll(async () => database?.drop());

describe('charges', () => {
  test("POST adds a charge (its code the metric's by default); GET lists and reads it as the plan shows it", async () => {
    const response = await api.post('/plans/p/charges', { charge: { billable_metric_id: metric.bytes, charge_model: 'package', properties: { amount: '10', package_size: 100, free_units: 0 }, tax_codes: ['vat'], cascade_updates: false } });
    expect(response.status).toBe(200);
    expect(response.body.charge).toMatchObject({ code: 'bytes', charge_model: 'package', billable_metric_code: 'bytes', properties: { amount: '10', package_size: 100, free_units: 0 } });
    expect(response.body.charge.taxes.map((tax: { code: string }) => tax.code)).toEqual(['vat']);
    const plan = (await api.get('/plans/p')).body.plan;
    expect(codes({ plan })).toEqual(['calls', 'bytes']);
    expect(plan.charges[1]).toEqual(response.body.charge);
    // Lago lists a plan's charges newest first.
    const list = (await api.get('/plans/p/charges')).body;
    expect({ codes: codes(list), meta: list.meta }).toEqual({ codes: ['bytes', 'calls'], meta: { current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: 2 } });
    expect((await api.get('/plans/p/charges?per_page=1&page=2')).body.charges.map((c: { code: string }) => c.code)).toEqual(['calls']);
    expect((await api.get('/plans/p/charges/bytes')).body.charge).toEqual(response.body.charge);
  });

  test('the rules of PUT /plans, with the same codes keyed by the charge\'s own fields; nothing written', async () => {
    const before = await snapshot(database.db, CATALOG_TABLES);
    const cases: [Record<string, unknown>, Record<string, string[]>][] = [
      [{ billable_metric_id: metric.last, charge_model: 'percentage', properties: { rate: '1' } }, { charge_model: ['invalid_aggregation_type_or_charge_model'] }],
      [{ billable_metric_id: metric.calls, charge_model: 'standard', properties: {} }, { 'properties.amount': ['invalid_amount'] }],
      [{ billable_metric_id: metric.calls, charge_model: 'standard', code: 'calls', properties: { amount: '1' } }, { code: ['value_already_exist'] }],
      [{ billable_metric_id: metric.calls, charge_model: 'standard', invoiceable: false, properties: { amount: '1' } }, { invoiceable: ['must_be_true_unless_pay_in_advance'] }],
      [{ billable_metric_id: '00000000-0000-0000-0000-000000000000', charge_model: 'standard', properties: { amount: '1' } }, { billable_metric_id: ['billable_metric_not_found'] }],
      [{ charge_model: 'standard', properties: { amount: '1' } }, { billable_metric_id: ['value_is_mandatory'] }],
      [{ billable_metric_id: metric.calls, charge_model: 'standard', properties: { amount: '1' }, tax_codes: ['nope'] }, { tax_codes: ['tax_not_found'] }],
    ];
    for (const [body, details] of cases) {
      const nested = await api.post('/plans/p/charges', { charge: body });
      expect({ body, status: nested.status, details: nested.body.error_details }).toEqual({ body, status: 422, details });
      // The same charge through PUT /plans: the same codes, under charges.<index>.
      const current = (await api.get('/plans/p')).body.plan.charges.map((c: { lago_id: string }) => ({ id: c.lago_id }));
      const whole = await api.put('/plans/p', { plan: { charges: [...current, body] } });
      const index = current.length;
      const relocated = Object.fromEntries(Object.entries(whole.body.error_details as Record<string, string[]>).map(([key, value]) => [key.replace(`charges.${index}.`, ''), value]));
      expect(relocated).toEqual(details);
    }
    expect((await api.post('/plans/p/charges', { charge: { billable_metric_id: metric.calls, charge_model: 'standard', applied_pricing_unit: { code: 'x', conversion_rate: '1' } } })).body)
      .toEqual({ status: 403, error: 'Forbidden', code: 'feature_unavailable' });
    expect((await api.post('/plans/p/charges', { charge: { charge_model: 'magic' } })).body.error_details).toEqual({ charge_model: ['value_is_invalid'] });
    expect((await api.post('/plans/p/charges', {})).status).toBe(400);
    expect(await snapshot(database.db, CATALOG_TABLES)).toBe(before);
  });

  test('PUT changes what it sends and keeps the rest; DELETE removes it and answers it as it was', async () => {
    const updated = await api.put('/plans/p/charges/calls', { charge: { properties: { amount: '0.75' }, invoice_display_name: 'API calls' } });
    expect(updated.body.charge).toMatchObject({ code: 'calls', charge_model: 'standard', properties: { amount: '0.75' }, invoice_display_name: 'API calls' });
    const renamed = await api.put('/plans/p/charges/calls', { charge: { code: 'api_calls' } });
    expect(renamed.body.charge).toMatchObject({ lago_id: updated.body.charge.lago_id, code: 'api_calls', properties: { amount: '0.75' } });
    expect((await api.put('/plans/p/charges/api_calls', { charge: { billable_metric_id: metric.bytes } })).body.error_details).toEqual({ billable_metric_id: ['value_is_invalid'] });
    const extra = (await api.post('/plans/p/charges', { charge: { billable_metric_id: metric.calls, charge_model: 'standard', properties: { amount: '2' } } })).body.charge;
    expect(extra.code).toBe('calls'); // the metric's code is free again
    const removed = await api.delete('/plans/p/charges/calls');
    expect(removed.body.charge).toMatchObject({ lago_id: extra.lago_id, code: 'calls', properties: { amount: '2' } });
    expect((await api.get('/plans/p/charges/calls')).body).toEqual({ status: 404, error: 'Not Found', code: 'charge_not_found' });
    expect(codes((await api.get('/plans/p')).body)).toEqual(['api_calls', 'bytes']);
  });

  test('two charges added at once both land (the plan is locked while its list is rewritten)', async () => {
    const [one, two] = await Promise.all([
      api.post('/plans/p/charges', { charge: { billable_metric_id: metric.calls, charge_model: 'standard', code: 'calls_a', properties: { amount: '1' } } }),
      api.post('/plans/p/charges', { charge: { billable_metric_id: metric.calls, charge_model: 'standard', code: 'calls_b', properties: { amount: '1' } } }),
    ]);
    expect([one.status, two.status]).toEqual([200, 200]);
    expect(codes((await api.get('/plans/p')).body).sort()).toEqual(['api_calls', 'bytes', 'calls_a', 'calls_b']);
  });
});

describe('filters', () => {
  let eu: string;

  test("POST adds a filter; GET lists and reads it; PUT keeps its id when its values change; DELETE removes it", async () => {
    const created = await api.post('/plans/p/charges/bytes/filters', { filter: { invoice_display_name: 'Europe', properties: { amount: '12', package_size: 100, free_units: 0 }, values: { region: ['eu'] } } });
    expect(created.status).toBe(200);
    eu = created.body.filter.lago_id;
    expect(created.body.filter).toEqual({ lago_id: eu, charge_code: 'bytes', invoice_display_name: 'Europe', properties: { amount: '12', package_size: 100, free_units: 0 }, values: { region: ['eu'] } });
    expect((await api.get('/plans/p/charges/bytes')).body.charge.filters).toEqual([created.body.filter]);
    expect((await api.get('/plans/p/charges/bytes/filters')).body).toEqual({ filters: [created.body.filter], meta: { current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: 1 } });
    expect((await api.get(`/plans/p/charges/bytes/filters/${eu}`)).body.filter).toEqual(created.body.filter);

    const moved = await api.put(`/plans/p/charges/bytes/filters/${eu}`, { filter: { values: { region: ['us'] } } });
    expect(moved.body.filter).toEqual({ ...created.body.filter, values: { region: ['us'] } });

    const removed = await api.delete(`/plans/p/charges/bytes/filters/${eu}`);
    expect(removed.body.filter).toEqual(moved.body.filter);
    expect((await api.get(`/plans/p/charges/bytes/filters/${eu}`)).body).toEqual({ status: 404, error: 'Not Found', code: 'charge_filter_not_found' });
    expect((await api.get('/plans/p/charges/bytes')).body.charge.filters).toEqual([]);
  });

  test("the charge model's and the metric's rules, keyed by the filter's fields; nothing written", async () => {
    await api.post('/plans/p/charges/bytes/filters', { filter: { properties: { amount: '1', package_size: 10, free_units: 0 }, values: { region: ['eu'] } } });
    const before = await snapshot(database.db, CATALOG_TABLES);
    const cases: [Record<string, unknown>, Record<string, string[]>][] = [
      [{ properties: { amount: '1', package_size: 10, free_units: 0 }, values: { region: ['mars'] } }, { values: ['value_is_invalid'] }],
      [{ properties: { amount: '1', package_size: 10, free_units: 0 }, values: { region: ['eu'] } }, { values: ['value_already_exist'] }],
      [{ properties: { amount: '-1', package_size: 10, free_units: 0 }, values: { region: ['us'] } }, { 'properties.amount': ['invalid_amount'] }],
    ];
    for (const [filter, details] of cases) {
      const response = await api.post('/plans/p/charges/bytes/filters', { filter });
      expect({ filter, status: response.status, details: response.body.error_details }).toEqual({ filter, status: 422, details });
    }
    expect((await api.post('/plans/p/charges/bytes/filters', { filter: { properties: {} } })).body.error_details).toEqual({ values: ['value_is_mandatory'] });
    expect(await snapshot(database.db, CATALOG_TABLES)).toBe(before);
  });
});

test("unknown plans, charges and filters, and another organization's, are 404s writing nothing", async () => {
  const before = await snapshot(database.db, CATALOG_TABLES);
  const body = { charge: { billable_metric_id: metric.calls, charge_model: 'standard', properties: { amount: '1' } } };
  expect((await api.post('/plans/nope/charges', body)).body.code).toBe('plan_not_found');
  expect((await api.put('/plans/p/charges/nope', body)).body.code).toBe('charge_not_found');
  expect((await api.get('/plans/p/charges/bytes/filters/00000000-0000-0000-0000-000000000000')).body.code).toBe('charge_filter_not_found');
  for (const [method, path] of [['get', '/plans/p/charges'], ['post', '/plans/p/charges'], ['get', '/plans/p/charges/bytes'], ['put', '/plans/p/charges/bytes'], ['delete', '/plans/p/charges/bytes'], ['get', '/plans/p/charges/bytes/filters']] as const) {
    const response = method === 'get' || method === 'delete' ? await other[method](path) : await other[method](path, body);
    expect({ method, path, body: response.body }).toEqual({ method, path, body: { status: 404, error: 'Not Found', code: 'plan_not_found' } });
  }
  expect(await snapshot(database.db, CATALOG_TABLES)).toBe(before);
});

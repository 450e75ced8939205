import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { CATALOG_TABLES, keysOf, snapshot } from '../support/catalog';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;

const METRIC_KEYS = [
  'active_subscriptions_count', 'aggregation_type', 'code', 'created_at', 'description', 'draft_invoices_count', 'expression',
  'field_name', 'filters', 'lago_id', 'name', 'plans_count', 'recurring', 'rounding_function', 'rounding_precision', 'weighted_interval',
].sort();

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db);
});
afterAll(async () => database.drop());

const metric = (fields: Record<string, unknown>) => ({ billable_metric: { name: 'Metric', code: 'metric', aggregation_type: 'sum_agg', field_name: 'value', ...fields } });

describe('billable metrics', () => {
  test('an empty list has the zero meta', async () => {
    const res = await api.get('/billable_metrics');
    expect(res.body).toEqual({ billable_metrics: [], meta: { current_page: 0, next_page: null, prev_page: null, total_pages: 0, total_count: 0 } });
  });

  test('the fair-seats walkthrough metric: seats, unique_count_agg + recurring', async () => {
    const res = await api.post('/billable_metrics', {
      billable_metric: { name: 'Seats', code: 'seats', aggregation_type: 'unique_count_agg', field_name: 'seat_id', recurring: true },
    });
    expect(res.status).toBe(200);
    expect(keysOf(res.body.billable_metric)).toEqual(METRIC_KEYS);
    expect(res.body.billable_metric).toEqual({
      lago_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Seats',
      code: 'seats',
      description: null,
      aggregation_type: 'unique_count_agg',
      weighted_interval: null,
      recurring: true,
      rounding_function: null,
      rounding_precision: null,
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      field_name: 'seat_id',
      expression: null,
      filters: [],
      active_subscriptions_count: 0,
      draft_invoices_count: 0,
      plans_count: 0,
    });
    expect((await api.get('/billable_metrics/seats')).body).toEqual(res.body);
  });

  test('the legacy recurring_count_agg means unique count + recurring', async () => {
    const res = await api.post('/billable_metrics', {
      billable_metric: { name: 'Seats', code: 'legacy_seats', aggregation_type: 'recurring_count_agg', field_name: 'seat_id' },
    });
    expect(res.status).toBe(200);
    expect(res.body.billable_metric).toMatchObject({ code: 'legacy_seats', aggregation_type: 'unique_count_agg', recurring: true, field_name: 'seat_id' });
    const row = await database.db('billable_metrics').where({ id: res.body.billable_metric.lago_id }).first();
    expect(row).toMatchObject({ aggregation_type: 'unique_count_agg', recurring: true, legacy_recurring_count: true });
  });

  test('the hybrid walkthrough metric: mtu', async () => {
    const res = await api.post('/billable_metrics', {
      billable_metric: { name: 'Monthly Tracked Users', code: 'mtu', aggregation_type: 'unique_count_agg', field_name: 'user_id' },
    });
    expect(res.status).toBe(200);
    expect(res.body.billable_metric).toMatchObject({ name: 'Monthly Tracked Users', code: 'mtu', aggregation_type: 'unique_count_agg', field_name: 'user_id', recurring: false });
  });

  test('count_agg needs no field_name and drops one given', async () => {
    const res = await api.post('/billable_metrics', metric({ code: 'calls', aggregation_type: 'count_agg', field_name: 'ignored' }));
    expect(res.status).toBe(200);
    expect(res.body.billable_metric).toMatchObject({ aggregation_type: 'count_agg', field_name: null, recurring: false });
  });

  test('weighted sum keeps its interval; others drop it', async () => {
    const weighted = await api.post('/billable_metrics', metric({ code: 'gb', aggregation_type: 'weighted_sum_agg', weighted_interval: 'seconds', recurring: true }));
    expect(weighted.body.billable_metric).toMatchObject({ aggregation_type: 'weighted_sum_agg', weighted_interval: 'seconds', recurring: true });
    const sum = await api.post('/billable_metrics', metric({ code: 'sum_with_interval', weighted_interval: 'seconds' }));
    expect(sum.body.billable_metric.weighted_interval).toBeNull();
  });

  test('max, latest, rounding, description and filters (values sorted)', async () => {
    expect((await api.post('/billable_metrics', metric({ code: 'peak', aggregation_type: 'max_agg' }))).body.billable_metric.aggregation_type).toBe('max_agg');
    expect((await api.post('/billable_metrics', metric({ code: 'last', aggregation_type: 'latest_agg' }))).body.billable_metric.aggregation_type).toBe('latest_agg');
    const res = await api.post('/billable_metrics', metric({
      code: 'api_calls', description: 'Calls', rounding_function: 'ceil', rounding_precision: 2,
      filters: [{ key: 'region', values: ['us', 'eu', 'asia'] }, { key: 'tier', values: ['b', 'a', 'b'] }],
    }));
    expect(res.status).toBe(200);
    expect(res.body.billable_metric).toMatchObject({
      description: 'Calls', rounding_function: 'ceil', rounding_precision: 2,
      filters: [{ key: 'region', values: ['asia', 'eu', 'us'] }, { key: 'tier', values: ['a', 'b'] }],
    });
    const rounding = await api.post('/billable_metrics', metric({ code: 'rounded', rounding_function: 'round' }));
    expect(rounding.body.billable_metric).toMatchObject({ rounding_function: 'round', rounding_precision: 0 });
  });

  test('updates by code: only what is sent changes, the whole result is checked', async () => {
    await api.post('/billable_metrics', metric({ code: 'to_update', name: 'Before' }));
    const res = await api.put('/billable_metrics/to_update', { billable_metric: { name: 'After', code: 'updated', description: 'd' } });
    expect(res.status).toBe(200);
    expect(res.body.billable_metric).toMatchObject({ name: 'After', code: 'updated', description: 'd', aggregation_type: 'sum_agg', field_name: 'value' });
    expect((await api.get('/billable_metrics/to_update')).status).toBe(404);
    const toCount = await api.put('/billable_metrics/updated', { billable_metric: { aggregation_type: 'count_agg' } });
    expect(toCount.body.billable_metric).toMatchObject({ aggregation_type: 'count_agg', field_name: null });
  });

  test('lists with pagination meta, newest first', async () => {
    const all = await api.get('/billable_metrics');
    const total = all.body.meta.total_count as number;
    expect(total).toBeGreaterThanOrEqual(10);
    expect(all.body.meta).toEqual({ current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: total });
    const page = await api.get('/billable_metrics?per_page=3&page=2');
    expect(page.body.billable_metrics).toHaveLength(3);
    expect(page.body.billable_metrics.map((m: { code: string }) => m.code)).toEqual(all.body.billable_metrics.slice(3, 6).map((m: { code: string }) => m.code));
    expect(page.body.meta).toEqual({ current_page: 2, next_page: 3, prev_page: 1, total_pages: Math.ceil(total / 3), total_count: total });
    for (const item of all.body.billable_metrics) expect(keysOf(item)).toEqual(METRIC_KEYS);
  });

  test('delete is soft, answers with the metric, frees the code, and removes the charges on it', async () => {
    const created = await api.post('/billable_metrics', metric({ code: 'doomed' }));
    const metricId = created.body.billable_metric.lago_id;
    await api.post('/billable_metrics', metric({ code: 'kept' }));
    const keptId = (await api.get('/billable_metrics/kept')).body.billable_metric.lago_id;
    const plan = await api.post('/plans', {
      plan: {
        name: 'Uses doomed', code: 'uses_doomed', interval: 'monthly', amount_cents: 0, amount_currency: 'USD', pay_in_advance: false,
        charges: [
          { billable_metric_id: metricId, charge_model: 'standard', properties: { amount: '1' } },
          { billable_metric_id: keptId, charge_model: 'standard', properties: { amount: '2' } },
        ],
      },
    });
    expect(plan.status).toBe(200);
    const res = await api.delete('/billable_metrics/doomed');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ billable_metric: created.body.billable_metric });
    expect((await api.get('/billable_metrics/doomed')).body).toEqual({ status: 404, error: 'Not Found', code: 'billable_metric_not_found' });
    const row = await database.db('billable_metrics').where({ id: metricId }).first();
    expect(row.deleted_at).toBeInstanceOf(Date);
    const after = await api.get('/plans/uses_doomed');
    expect(after.body.plan.charges.map((c: { billable_metric_code: string }) => c.billable_metric_code)).toEqual(['kept']);
    expect((await api.post('/billable_metrics', metric({ code: 'doomed' }))).status).toBe(200);
  });

  test('changing a metric its charges cannot accept is refused', async () => {
    const created = await api.post('/billable_metrics', metric({ code: 'in_advance' }));
    await api.post('/plans', {
      plan: {
        name: 'Advance', code: 'advance_plan', interval: 'monthly', amount_cents: 0, amount_currency: 'USD', pay_in_advance: false,
        charges: [{ billable_metric_id: created.body.billable_metric.lago_id, charge_model: 'standard', pay_in_advance: true, properties: { amount: '1' } }],
      },
    });
    const before = await snapshot(database.db, CATALOG_TABLES);
    const res = await api.put('/billable_metrics/in_advance', { billable_metric: { aggregation_type: 'max_agg' } });
    expect(res.status).toBe(422);
    expect(res.body.error_details).toEqual({ aggregation_type: ['invalid_aggregation_type_or_charge_model'] });
    expect(await snapshot(database.db, CATALOG_TABLES)).toBe(before);
  });

  test('narrowing filters prunes the charge filters that used removed values', async () => {
    const created = await api.post('/billable_metrics', metric({ code: 'filtered', filters: [{ key: 'region', values: ['eu', 'us'] }] }));
    const plan = await api.post('/plans', {
      plan: {
        name: 'Filtered', code: 'filtered_plan', interval: 'monthly', amount_cents: 0, amount_currency: 'USD', pay_in_advance: false,
        charges: [{
          billable_metric_id: created.body.billable_metric.lago_id, charge_model: 'standard', properties: { amount: '1' },
          filters: [
            { invoice_display_name: 'EU', properties: { amount: '2' }, values: { region: ['eu'] } },
            { invoice_display_name: 'US', properties: { amount: '3' }, values: { region: ['us'] } },
          ],
        }],
      },
    });
    expect(plan.status).toBe(200);
    const res = await api.put('/billable_metrics/filtered', { billable_metric: { filters: [{ key: 'region', values: ['eu', 'asia'] }] } });
    expect(res.status).toBe(200);
    expect(res.body.billable_metric.filters).toEqual([{ key: 'region', values: ['asia', 'eu'] }]);
    const after = await api.get('/plans/filtered_plan');
    expect(after.body.plan.charges[0].filters.map((f: { invoice_display_name: string }) => f.invoice_display_name)).toEqual(['EU']);
  });

  describe('errors change nothing', () => {
    let before: string;
    beforeEach(async () => {
      before = await snapshot(database.db, CATALOG_TABLES);
    });
    afterEach(async () => {
      expect(await snapshot(database.db, CATALOG_TABLES)).toBe(before);
    });

    test('missing root', async () => {
      const res = await api.post('/billable_metrics', { name: 'x' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ status: 400, error: 'BadRequest: param is missing or the value is empty: billable_metric' });
    });

    test('missing fields', async () => {
      const res = await api.post('/billable_metrics', { billable_metric: { description: 'only' } });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        status: 422, error: 'Unprocessable Entity', code: 'validation_errors',
        error_details: { name: ['value_is_mandatory'], code: ['value_is_mandatory'], aggregation_type: ['value_is_mandatory'] },
      });
    });

    test('field_name is required unless count_agg', async () => {
      const res = await api.post('/billable_metrics', metric({ code: 'nofield', field_name: undefined }));
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({ field_name: ['value_is_mandatory'] });
    });

    test.each(['custom_agg', 'median_agg', 3])('aggregation_type %p is refused', async (aggregationType) => {
      const res = await api.post('/billable_metrics', metric({ code: 'x', aggregation_type: aggregationType }));
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({ aggregation_type: ['value_is_invalid'] });
    });

    test.each(['count_agg', 'max_agg', 'latest_agg'])('recurring is refused with %s', async (aggregationType) => {
      const res = await api.post('/billable_metrics', metric({ code: 'x', aggregation_type: aggregationType, recurring: true }));
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({ recurring: ['not_compatible_with_aggregation_type'] });
    });

    test('weighted sum needs its interval, which can only be seconds', async () => {
      const missing = await api.post('/billable_metrics', metric({ code: 'x', aggregation_type: 'weighted_sum_agg' }));
      expect(missing.body.error_details).toEqual({ weighted_interval: ['value_is_mandatory'] });
      const wrong = await api.post('/billable_metrics', metric({ code: 'x', aggregation_type: 'weighted_sum_agg', weighted_interval: 'hours' }));
      expect(wrong.body.error_details).toEqual({ weighted_interval: ['value_is_invalid'] });
    });

    test('an expression must parse (evaluated at ingestion since issue 16: test/api/pricing-power.test.ts)', async () => {
      const res = await api.post('/billable_metrics', metric({ code: 'x', expression: 'event.properties.a *' }));
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({ expression: ['invalid_expression'] });
    });

    test('wrong types and bad filters', async () => {
      const res = await api.post('/billable_metrics', metric({
        code: 'x', recurring: 'yes', rounding_function: 'up', rounding_precision: 1.5,
        filters: [{ key: 'region', values: [] }, { key: '', values: ['a'] }],
      }));
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({
        recurring: ['value_is_invalid'],
        rounding_function: ['value_is_invalid'],
        rounding_precision: ['value_is_invalid'],
        'filters.0.values': ['value_is_out_of_range'],
        'filters.1.key': ['value_is_mandatory'],
      });
      const duplicate = await api.post('/billable_metrics', metric({ code: 'x', filters: [{ key: 'a', values: ['1'] }, { key: 'a', values: ['2'] }] }));
      expect(duplicate.body.error_details).toEqual({ 'filters.1.key': ['value_already_exist'] });
    });

    test('duplicate code on create and update', async () => {
      const res = await api.post('/billable_metrics', metric({ code: 'seats' }));
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({ code: ['value_already_exist'] });
      const update = await api.put('/billable_metrics/mtu', { billable_metric: { code: 'seats' } });
      expect(update.status).toBe(422);
      expect(update.body.error_details).toEqual({ code: ['value_already_exist'] });
    });

    test('an update is checked as a whole', async () => {
      const res = await api.put('/billable_metrics/seats', { billable_metric: { aggregation_type: 'max_agg' } });
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({ recurring: ['not_compatible_with_aggregation_type'] });
      const nulled = await api.put('/billable_metrics/seats', { billable_metric: { name: null } });
      expect(nulled.body.error_details).toEqual({ name: ['value_is_mandatory'] });
    });

    test('unknown code', async () => {
      for (const res of [await api.get('/billable_metrics/nope'), await api.put('/billable_metrics/nope', metric({})), await api.delete('/billable_metrics/nope')]) {
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ status: 404, error: 'Not Found', code: 'billable_metric_not_found' });
      }
    });

    test('another organization sees none of these metrics', async () => {
      const other = await createPlainTestApi(database.db, 'Other Org');
      before = await snapshot(database.db, CATALOG_TABLES);
      expect((await other.get('/billable_metrics/seats')).status).toBe(404);
      expect((await other.put('/billable_metrics/seats', metric({}))).status).toBe(404);
      expect((await other.delete('/billable_metrics/seats')).status).toBe(404);
      expect((await other.get('/billable_metrics')).body.meta.total_count).toBe(0);
    });
  });
});

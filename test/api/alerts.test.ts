/**
 * Usage alerts (issue 15 pt 3): `/subscriptions/:external_id/alerts` in Lago's shapes and error
 * codes, and `alert.triggered` once per threshold per period when events cross it, computed from
 * the priced usage, evaluated soon after the events' commit.
 *
 * The catalog: `calls` (count) priced 1.00 USD per call (100 cents), `storage` (sum of `gb`) priced
 * 0.50 USD per GB, on a monthly calendar plan; the clock is 2031-03-20, so the period is March 2031.
 */
import type { Db } from '../../src/db/knex';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { insertMetric, insertPlan, insertSubscription } from '../support/usage-fixtures';
import { createUsageCache } from '../../src/services/usage';
import { createAlertEvaluator, evaluateSubscriptionAlerts, updateAlertByCode } from '../../src/services/alerts';
import { createAlertDefinitions } from '../../src/services/alerts/evaluation';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let database: TestDatabase;
let db: Db;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;
let other: Awaited<ReturnType<typeof createPlainTestApi>>;
let nowMs = Date.parse('2031-03-20T12:00:00Z');
let planId: string;
const subscriptionIds: Record<string, string> = {};

const MARCH_10 = Date.parse('2031-03-10T00:00:00Z') / 1000;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  api = await createPlainTestApi(db, 'Alerts Org', { now: () => nowMs });
  other = await createPlainTestApi(db, 'Other Alerts Org', { now: () => nowMs });
  const orgId = api.organization.id;
  const calls = await insertMetric(db, orgId, { code: 'calls', aggregation_type: 'count_agg' });
  const storage = await insertMetric(db, orgId, { code: 'storage', aggregation_type: 'sum_agg', field_name: 'gb' });
  await insertMetric(db, orgId, { code: 'unused', aggregation_type: 'count_agg' });
  ({ id: planId } = await insertPlan(db, orgId, {
    code: 'metered',
    charges: [
      { metricId: calls.id, charge_model: 'standard', properties: { amount: '1' } },
      { metricId: storage.id, charge_model: 'standard', properties: { amount: '0.5' } },
    ],
  }));
  for (const name of ['crud', 'concurrent', 'units', 'recurring', 'direct', 'lifetime', 'edited', 'restart']) {
    subscriptionIds[name] = (await insertSubscription(db, orgId, { customerExternalId: `cust-${name}`, externalId: `sub-${name}`, planId, startedAt: new Date('2031-01-01T00:00:00Z') })).id;
  }
});

afterAll(async () => {
  await database?.drop();
});

async function ok(response: PromiseLike<{ status: number; body: Json }>): Promise<Json> {
  const result = await response;
  if (result.status !== 200) throw new Error(`${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

let sequence = 0;
/** `count` events of `code` on the subscription, timestamped in March. */
function batch(subscription: string, code: string, count: number, properties: Json = {}) {
  return {
    events: Array.from({ length: count }, () => ({
      transaction_id: `tx-${++sequence}`, code, external_subscription_id: subscription, timestamp: MARCH_10 + sequence, properties,
    })),
  };
}

/** Polls until `check` holds (the evaluator runs about 100 ms after the events' commit). */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const alertRow = (code: string, external: string) =>
  db('alerts').where({ organization_id: api.organization.id, subscription_external_id: external, code }).whereNull('deleted_at').first<Json>();
/** Waits until the alert's last evaluation read `value`. */
const evaluatedAt = (code: string, external: string, value: string) =>
  until(() => alertRow(code, external), (row) => row !== undefined && Number(row.previous_value) === Number(value), `${code} to read ${value}`);

const triggeredWebhooks = async (alertId: string): Promise<Json[]> =>
  ((await db('webhook_events').where({ organization_id: api.organization.id, webhook_type: 'alert.triggered' }).orderBy('created_at')) as { payload: Json }[])
    .map((row) => row.payload)
    .filter((payload) => payload.triggered_alert.lago_alert_id === alertId);

const alertCount = async () => Number((await db('alerts').count({ count: '*' }))[0]!.count);
const errorBody = (details: Json) => ({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: details });

describe('CRUD in Lago\'s shapes', () => {
  test('create one alert: the answer is Lago\'s AlertObject', async () => {
    const body = await ok(api.post('/subscriptions/sub-crud/alerts', { alert: {
      alert_type: 'current_usage_amount', code: 'spend', name: 'Spend', thresholds: [{ code: 'warn', value: 8000 }, { code: 'step', value: '2500.5', recurring: true }],
    } }));
    expect(body.alert).toEqual({
      lago_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      lago_organization_id: api.organization.id,
      external_subscription_id: 'sub-crud',
      lago_wallet_id: null,
      wallet_code: null,
      billable_metric: null,
      alert_type: 'current_usage_amount',
      code: 'spend',
      name: 'Spend',
      direction: 'increasing',
      previous_value: 0,
      last_processed_at: null,
      // Values as Lago prints a decimal; `recurring` defaults to false.
      thresholds: [{ code: 'warn', value: '8000.0', recurring: false }, { code: 'step', value: '2500.5', recurring: true }],
      created_at: expect.stringMatching(/Z$/),
    });
  });

  test('a billable_metric alert shows its metric; get, list, update and delete by code', async () => {
    const created = await ok(api.post('/subscriptions/sub-crud/alerts', { alert: {
      alert_type: 'billable_metric_current_usage_units', code: 'gb', billable_metric_code: 'storage', thresholds: [{ value: '10' }],
    } }));
    expect(created.alert.billable_metric).toMatchObject({ code: 'storage', aggregation_type: 'sum_agg', field_name: 'gb' });
    expect(created.alert.thresholds).toEqual([{ code: null, value: '10.0', recurring: false }]);

    // The same alert (its evaluation, run soon after the creation, may have stamped it since).
    const evaluated = (alert: Json) => ({ ...alert, last_processed_at: 'any', previous_value: 'any' });
    expect(evaluated((await ok(api.get('/subscriptions/sub-crud/alerts/gb'))).alert)).toEqual(evaluated(created.alert));
    const listed = await ok(api.get('/subscriptions/sub-crud/alerts'));
    expect(listed.alerts.map((alert: Json) => alert.code)).toEqual(['spend', 'gb']);
    expect(listed.meta).toEqual({ current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: 2 });

    const updated = await ok(api.put('/subscriptions/sub-crud/alerts/gb', { alert: { name: 'Storage', code: 'gb2', billable_metric_code: 'calls', thresholds: [{ value: 5 }, { value: 7 }] } }));
    expect(updated.alert).toMatchObject({ lago_id: created.alert.lago_id, code: 'gb2', name: 'Storage', billable_metric: { code: 'calls' },
      thresholds: [{ code: null, value: '5.0', recurring: false }, { code: null, value: '7.0', recurring: false }] });
    // What the body leaves out is kept.
    const renamed = await ok(api.put('/subscriptions/sub-crud/alerts/gb2', { alert: { name: 'Calls' } }));
    expect(renamed.alert).toMatchObject({ code: 'gb2', name: 'Calls', billable_metric: { code: 'calls' }, thresholds: updated.alert.thresholds });

    const deleted = await ok(api.delete('/subscriptions/sub-crud/alerts/gb2'));
    expect(deleted.alert).toMatchObject({ lago_id: created.alert.lago_id, code: 'gb2' });
    expect((await api.get('/subscriptions/sub-crud/alerts/gb2')).body).toEqual({ status: 404, error: 'Not Found', code: 'alert_not_found' });
    // Its code is free again.
    await ok(api.post('/subscriptions/sub-crud/alerts', { alert: { alert_type: 'billable_metric_current_usage_units', code: 'gb2', billable_metric_code: 'calls', thresholds: [{ value: 1 }] } }));
  });

  test('a batch is created all or none, its problems keyed by index', async () => {
    const before = await alertCount();
    const refused = await api.post('/subscriptions/sub-crud/alerts', { alerts: [
      { alert_type: 'lifetime_usage_amount', code: 'life', thresholds: [{ value: 100 }] },
      { alert_type: 'billable_metric_current_usage_amount', code: 'spend', billable_metric_code: 'storage', thresholds: [{ value: 100 }] },
      { alert_type: 'billable_metric_current_usage_amount', code: 'no_metric', thresholds: [{ value: 100 }] },
    ] });
    // 1: `spend` exists on the subscription; 2: a billable_metric type without its metric.
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual(errorBody({ 1: { code: ['value_already_exist'] }, 2: { billable_metric: ['value_is_mandatory'] } }));
    expect(await alertCount()).toBe(before);

    const created = await ok(api.post('/subscriptions/sub-crud/alerts', { alerts: [
      { alert_type: 'lifetime_usage_amount', code: 'life', thresholds: [{ value: 100 }] },
      { alert_type: 'billable_metric_current_usage_amount', code: 'gb_spend', billable_metric_code: 'storage', thresholds: [{ value: 100 }] },
    ] }));
    expect(created.alerts.map((alert: Json) => [alert.code, alert.alert_type, alert.billable_metric?.code ?? null])).toEqual([
      ['life', 'lifetime_usage_amount', null], ['gb_spend', 'billable_metric_current_usage_amount', 'storage'],
    ]);
  });

  test('bad input: Lago\'s codes, and nothing written', async () => {
    const before = await alertCount();
    const post = (alert: Json) => api.post('/subscriptions/sub-crud/alerts', { alert });
    const base = { alert_type: 'current_usage_amount', code: 'other', thresholds: [{ value: 100 }] };
    const cases: [Json, Json][] = [
      [{ ...base, alert_type: 'wallet_balance_amount' }, { alert_type: ['invalid_type'] }],
      [{ ...base, alert_type: undefined }, { alert_type: ['value_is_mandatory'] }],
      [{ ...base, thresholds: [] }, { thresholds: ['value_is_mandatory'] }],
      [{ ...base, thresholds: undefined }, { thresholds: ['value_is_mandatory'] }],
      [{ ...base, thresholds: Array.from({ length: 21 }, (_, i) => ({ value: i + 1 })) }, { thresholds: ['too_many_thresholds'] }],
      [{ ...base, thresholds: [{ value: 100 }, { value: '100.0' }] }, { thresholds: ['duplicate_threshold_values'] }],
      [{ ...base, thresholds: [{ value: 100, recurring: true }, { value: 200, recurring: true }] }, { thresholds: ['multiple_recurring_thresholds'] }],
      [{ ...base, thresholds: [{ value: 100 }, { value: 0, recurring: true }] }, { 'thresholds.1.value': ['recurring_value_is_negative'] }],
      [{ ...base, thresholds: [{ value: '-1' }] }, { 'thresholds.0.value': ['value_is_invalid'] }],
      [{ ...base, thresholds: [{ value: '1.123456' }] }, { 'thresholds.0.value': ['value_is_invalid'] }],
      [{ ...base, thresholds: [{ value: 'ten' }] }, { 'thresholds.0.value': ['value_is_invalid'] }],
      [{ ...base, thresholds: [{}] }, { 'thresholds.0.value': ['value_is_mandatory'] }],
      [{ ...base, billable_metric_code: 'calls' }, { billable_metric: ['value_must_be_blank'] }],
      [{ ...base, alert_type: 'billable_metric_current_usage_units', billable_metric_code: 'unused', code: 'spend' }, { code: ['value_already_exist'] }],
      // One current_usage_amount alert per subscription (`spend`), as Lago's index.
      [{ ...base }, { base: ['alert_already_exists'] }],
    ];
    for (const [alert, details] of cases) {
      const response = await post(alert);
      expect([JSON.stringify(alert), response.status, response.body]).toEqual([JSON.stringify(alert), 422, errorBody(details)]);
    }
    expect((await post({ ...base, alert_type: 'billable_metric_current_usage_units', billable_metric_code: 'nope' })).body).toEqual({ status: 404, error: 'Not Found', code: 'billable_metric_not_found' });
    expect((await api.post('/subscriptions/sub-crud/alerts', {})).status).toBe(400);
    expect((await api.post('/subscriptions/sub-crud/alerts', { alerts: [] })).body).toEqual(errorBody({ alerts: ['no_alerts'] }));
    expect((await api.put('/subscriptions/sub-crud/alerts/spend', { alert: { thresholds: [{ value: 1, recurring: true }, { value: 2, recurring: true }] } })).body)
      .toEqual(errorBody({ thresholds: ['multiple_recurring_thresholds'] }));
    expect((await api.put('/subscriptions/sub-crud/alerts/spend', { alert: { code: 'life' } })).body).toEqual(errorBody({ code: ['value_already_exist'] }));
    expect(await alertCount()).toBe(before);
  });

  test('the subscription: unknown, or of another status, is 404 subscription_not_found', async () => {
    const notFound = { status: 404, error: 'Not Found', code: 'subscription_not_found' };
    expect((await api.get('/subscriptions/nope/alerts')).body).toEqual(notFound);
    expect((await api.get('/subscriptions/sub-crud/alerts?subscription_status=terminated')).body).toEqual(notFound);
    expect((await api.post('/subscriptions/nope/alerts', { alert: { alert_type: 'current_usage_amount', code: 'x', thresholds: [{ value: 1 }] } })).body).toEqual(notFound);
    // Another organization's subscription and alerts are not found.
    expect((await other.get('/subscriptions/sub-crud/alerts')).body).toEqual(notFound);
    expect((await other.get('/subscriptions/sub-crud/alerts/spend')).body).toEqual(notFound);
  });

  test('delete all: 200 without a body, the list empty', async () => {
    const response = await api.delete('/subscriptions/sub-crud/alerts');
    expect(response.status).toBe(200);
    expect(response.text).toBe('');
    expect((await ok(api.get('/subscriptions/sub-crud/alerts'))).alerts).toEqual([]);
  });
});

describe('alert.triggered', () => {
  test('an alert at 80.00 on current usage fires once although three concurrent batches cross it together', async () => {
    const created = await ok(api.post('/subscriptions/sub-concurrent/alerts', { alert: {
      alert_type: 'current_usage_amount', code: 'eighty', name: 'Eighty', thresholds: [{ code: 'warn', value: 8000 }],
    } }));
    // Three batches of 30 calls at 1.00 each, sent at once: 30 + 30 + 30 = 90 calls = 90.00 USD = 9000 cents ≥ 8000.
    const responses = await Promise.all([1, 2, 3].map(() => api.post('/events/batch', batch('sub-concurrent', 'calls', 30))));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    await evaluatedAt('eighty', 'sub-concurrent', '9000');
    // More events after the crossing never fire it again: 91 calls = 9100 cents.
    await ok(api.post('/events/batch', batch('sub-concurrent', 'calls', 1)));
    await evaluatedAt('eighty', 'sub-concurrent', '9100');

    const webhooks = await triggeredWebhooks(created.alert.lago_id);
    expect(webhooks).toHaveLength(1);
    const [payload] = webhooks;
    expect(payload).toEqual({
      webhook_type: 'alert.triggered',
      object_type: 'triggered_alert',
      organization_id: api.organization.id,
      triggered_alert: {
        lago_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        lago_organization_id: api.organization.id,
        lago_alert_id: created.alert.lago_id,
        lago_subscription_id: subscriptionIds.concurrent,
        external_subscription_id: 'sub-concurrent',
        external_customer_id: 'cust-concurrent',
        billable_metric_code: null,
        alert_type: 'current_usage_amount',
        alert_code: 'eighty',
        alert_name: 'Eighty',
        // Whichever evaluation saw the crossing: it read at least 8000 and at most 9000, from below 8000.
        current_value: expect.any(Number),
        previous_value: expect.any(Number),
        triggered_at: '2031-03-20T12:00:00Z',
        crossed_thresholds: [{ code: 'warn', value: '8000.0', recurring: false }],
      },
    });
    expect(payload!.triggered_alert.current_value).toBeGreaterThanOrEqual(8000);
    expect(payload!.triggered_alert.current_value).toBeLessThanOrEqual(9000);
    expect(payload!.triggered_alert.previous_value).toBeLessThan(8000);
    expect(Number((await db('triggered_alerts').where({ alert_id: created.alert.lago_id }).count({ count: '*' }))[0]!.count)).toBe(1);
    // The alert shows what its last evaluation read.
    expect((await ok(api.get('/subscriptions/sub-concurrent/alerts/eighty'))).alert).toMatchObject({ previous_value: 9100, last_processed_at: '2031-03-20T12:00:00Z' });
  });

  test('three evaluations at once, each with its own cache (three processes): one alert.triggered', async () => {
    const created = await ok(api.post('/subscriptions/sub-direct/alerts', { alert: {
      alert_type: 'current_usage_amount', code: 'direct', thresholds: [{ code: 'warn', value: 8000 }],
    } }));
    // The evaluation its creation asked for reads 0 first.
    await until(() => alertRow('direct', 'sub-direct'), (row) => row?.last_processed_at != null, 'the creation\'s evaluation');
    // Stored straight away, not through the API, so no evaluator runs: 85 calls = 8500 cents.
    const orgId = api.organization.id;
    await db('events').insert(Array.from({ length: 85 }, (_, i) => ({
      organization_id: orgId, transaction_id: `direct-${i}`, external_subscription_id: 'sub-direct', code: 'calls', timestamp: new Date((MARCH_10 + i) * 1000),
      subscription_id: subscriptionIds.direct,
    })));
    const results = await Promise.all([1, 2, 3].map(() => evaluateSubscriptionAlerts(db, { subscriptionId: subscriptionIds.direct!, nowMs, aggregator: createUsageCache(db) })));
    expect(results.flatMap((result) => result.triggered)).toHaveLength(1);
    const webhooks = await triggeredWebhooks(created.alert.lago_id);
    expect(webhooks.map((payload) => [payload.triggered_alert.previous_value, payload.triggered_alert.current_value, payload.triggered_alert.crossed_thresholds]))
      .toEqual([[0, 8500, [{ code: 'warn', value: '8000.0', recurring: false }]]]);
    // Evaluating again changes nothing; nor does an evaluation that starts from a previous value
    // below the threshold again (as after a lost update): the crossing of March is recorded.
    expect((await evaluateSubscriptionAlerts(db, { subscriptionId: subscriptionIds.direct!, nowMs })).triggered).toEqual([]);
    await db('alerts').where({ id: created.alert.lago_id }).update({ previous_value: 0 });
    expect((await evaluateSubscriptionAlerts(db, { subscriptionId: subscriptionIds.direct!, nowMs })).triggered).toEqual([]);
    expect(await triggeredWebhooks(created.alert.lago_id)).toHaveLength(1);
  });

  test('billable_metric_current_usage_units: the metric\'s units cross 10, then 25', async () => {
    const created = await ok(api.post('/subscriptions/sub-units/alerts', { alert: {
      alert_type: 'billable_metric_current_usage_units', code: 'gb', billable_metric_code: 'storage', thresholds: [{ code: 'ten', value: 10 }, { code: 'high', value: '25.5' }],
    } }));
    // 4 + 4 = 8 GB: below 10. Calls do not count towards the storage units.
    await ok(api.post('/events/batch', { events: [...batch('sub-units', 'storage', 2, { gb: 4 }).events, ...batch('sub-units', 'calls', 50).events] }));
    await evaluatedAt('gb', 'sub-units', '8');
    expect(await triggeredWebhooks(created.alert.lago_id)).toEqual([]);
    // + 3.5 = 11.5 GB: crosses 10.
    await ok(api.post('/events/batch', batch('sub-units', 'storage', 1, { gb: 3.5 })));
    await evaluatedAt('gb', 'sub-units', '11.5');
    // + 20 = 31.5 GB: crosses 25.5.
    await ok(api.post('/events/batch', batch('sub-units', 'storage', 1, { gb: 20 })));
    await evaluatedAt('gb', 'sub-units', '31.5');
    const webhooks = await triggeredWebhooks(created.alert.lago_id);
    expect(webhooks.map((payload) => [payload.triggered_alert.previous_value, payload.triggered_alert.current_value, payload.triggered_alert.crossed_thresholds, payload.triggered_alert.billable_metric_code])).toEqual([
      [8, 11.5, [{ code: 'ten', value: '10.0', recurring: false }], 'storage'],
      [11.5, 31.5, [{ code: 'high', value: '25.5', recurring: false }], 'storage'],
    ]);
  });

  test('a recurring threshold fires at each step once, and again in the next period', async () => {
    const created = await ok(api.post('/subscriptions/sub-recurring/alerts', { alert: {
      alert_type: 'current_usage_amount', code: 'steps', thresholds: [{ code: 'first', value: 1000 }, { code: 'every', value: 500, recurring: true }],
    } }));
    const crossings = async () => (await triggeredWebhooks(created.alert.lago_id)).map((payload) => payload.triggered_alert.crossed_thresholds.map((c: Json) => `${c.code}:${c.value}`));
    // 12 calls = 1200 cents: the fixed 1000.
    await ok(api.post('/events/batch', batch('sub-recurring', 'calls', 12)));
    await evaluatedAt('steps', 'sub-recurring', '1200');
    // + 9 = 21 calls = 2100 cents: steps 1000 + 500 = 1500 and 1000 + 2 × 500 = 2000.
    await ok(api.post('/events/batch', batch('sub-recurring', 'calls', 9)));
    await evaluatedAt('steps', 'sub-recurring', '2100');
    // + 1 = 2200: no step (the next is 2500).
    await ok(api.post('/events/batch', batch('sub-recurring', 'calls', 1)));
    await evaluatedAt('steps', 'sub-recurring', '2200');
    // + 3 = 2500: the step 2500, reached exactly.
    await ok(api.post('/events/batch', batch('sub-recurring', 'calls', 3)));
    await evaluatedAt('steps', 'sub-recurring', '2500');
    expect(await crossings()).toEqual([['first:1000.0'], ['every:1500.0', 'every:2000.0'], ['every:2500.0']]);

    // April: a new period starts from 0. 16 calls on April 2 = 1600 cents: the fixed 1000 and the step 1500 again, once each.
    nowMs = Date.parse('2031-04-02T12:00:00Z');
    const april = Date.parse('2031-04-02T00:00:00Z') / 1000;
    await ok(api.post('/events/batch', { events: batch('sub-recurring', 'calls', 16).events.map((event, i) => ({ ...event, timestamp: april + i })) }));
    await evaluatedAt('steps', 'sub-recurring', '1600');
    expect(await crossings()).toEqual([['first:1000.0'], ['every:1500.0', 'every:2000.0'], ['every:2500.0'], ['first:1000.0', 'every:1500.0']]);
    const periods = await db('alert_crossings').where({ alert_id: created.alert.lago_id }).orderBy(['period_start', 'threshold_key']).select<Json[]>('period_start', 'threshold_key');
    expect(periods.map((row) => `${(row.period_start as Date).toISOString().slice(0, 10)} ${row.threshold_key}`)).toEqual([
      '2031-03-01 fixed:1000', '2031-03-01 recurring:1500', '2031-03-01 recurring:2000', '2031-03-01 recurring:2500',
      '2031-04-01 fixed:1000', '2031-04-01 recurring:1500',
    ]);
  });

  test('an alert created above its threshold fires without waiting for the next event (lifetime usage)', async () => {
    // No invoice yet: the lifetime usage is the current usage, 6 calls in April = 600 cents.
    await ok(api.post('/events/batch', { events: batch('sub-lifetime', 'calls', 6).events.map((event, i) => ({ ...event, timestamp: Date.parse('2031-04-02T01:00:00Z') / 1000 + i })) }));
    const created = await ok(api.post('/subscriptions/sub-lifetime/alerts', { alert: { alert_type: 'lifetime_usage_amount', code: 'life', thresholds: [{ value: 500 }] } }));
    await evaluatedAt('life', 'sub-lifetime', '600');
    expect((await triggeredWebhooks(created.alert.lago_id)).map((payload) => [payload.triggered_alert.current_value, payload.triggered_alert.crossed_thresholds]))
      .toEqual([[600, [{ code: null, value: '500.0', recurring: false }]]]);
  });
});

describe('what an evaluator keeps, and a process that dies', () => {
  const april2 = Date.parse('2031-04-02T02:00:00Z');
  // The clock only moves forward: April 2, 12:00 (as the test before), the period is April.
  beforeAll(() => {
    nowMs = Math.max(nowMs, Date.parse('2031-04-02T12:00:00Z'));
  });
  /** `count` calls stored straight away, not through the API (no evaluator hears of them). */
  const storeCalls = (name: string, count: number) => db('events').insert(Array.from({ length: count }, () => ({
    organization_id: api.organization.id, transaction_id: `${name}-${++sequence}`, external_subscription_id: `sub-${name}`, code: 'calls',
    timestamp: new Date(april2 + sequence * 1000), subscription_id: subscriptionIds[name],
  })));

  test('thresholds replaced by another process between two evaluations: the kept alert is stale, the crossing of the new threshold is recorded', async () => {
    const created = await ok(api.post('/subscriptions/sub-edited/alerts', { alert: { alert_type: 'current_usage_amount', code: 'edit', thresholds: [{ value: 8000 }] } }));
    await until(() => alertRow('edit', 'sub-edited'), (row) => row?.last_processed_at != null, 'the creation\'s evaluation');
    const definitions = createAlertDefinitions();
    // 30 calls = 3000 cents: below 8000; the evaluator keeps the alert (threshold 8000) as read.
    await storeCalls('edited', 30);
    expect((await evaluateSubscriptionAlerts(db, { subscriptionId: subscriptionIds.edited!, nowMs, definitions })).triggered).toEqual([]);
    // Another process replaces the threshold by 5000 (no evaluator of this one hears of it).
    await updateAlertByCode(db, { organizationId: api.organization.id, externalId: 'sub-edited' }, 'edit', { thresholds: [{ value: '5000' }] });
    // + 30 calls = 6000 cents: nothing crossed by the kept 8000, but 3000 < 5000 ≤ 6000 by the alert as it is.
    await storeCalls('edited', 30);
    expect((await evaluateSubscriptionAlerts(db, { subscriptionId: subscriptionIds.edited!, nowMs, definitions })).triggered).toHaveLength(1);
    expect((await triggeredWebhooks(created.alert.lago_id)).map((payload) => [payload.triggered_alert.previous_value, payload.triggered_alert.current_value, payload.triggered_alert.crossed_thresholds]))
      .toEqual([[3000, 6000, [{ code: null, value: '5000.0', recurring: false }]]]);
    // The same kept definitions, read again after the locked evaluation: nothing new.
    expect((await evaluateSubscriptionAlerts(db, { subscriptionId: subscriptionIds.edited!, nowMs, definitions })).triggered).toEqual([]);
    expect(await triggeredWebhooks(created.alert.lago_id)).toHaveLength(1);
  });

  test('events acknowledged by a process that died before evaluating them: an evaluator evaluates them when it starts', async () => {
    const created = await ok(api.post('/subscriptions/sub-restart/alerts', { alert: { alert_type: 'current_usage_amount', code: 'restart', thresholds: [{ value: 2000 }] } }));
    await until(() => alertRow('restart', 'sub-restart'), (row) => row?.last_processed_at != null, 'the creation\'s evaluation');
    // 25 calls = 2500 cents ≥ 2000, committed, and the process that took them is gone.
    await storeCalls('restart', 25);
    expect(await triggeredWebhooks(created.alert.lago_id)).toEqual([]);
    // The next process's evaluator, at its start.
    const evaluator = createAlertEvaluator({ db, clock: { now: async () => nowMs } });
    await evaluator.sweep();
    await evaluator.drain();
    expect((await triggeredWebhooks(created.alert.lago_id)).map((payload) => [payload.triggered_alert.previous_value, payload.triggered_alert.current_value]))
      .toEqual([[0, 2500]]);
  });
});

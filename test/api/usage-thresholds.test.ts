/**
 * Usage thresholds on plans (issue 15, Lago's UsageThresholdObject): stored, shown back smallest
 * first, replaced when sent again and kept when not; at most one recurring; bad input changes nothing.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createPlainTestApi, createTestApi } from '../support/api';
import { createTimeSkippingEnv, startTestWorker } from '../support/temporal';

type Api = Awaited<ReturnType<typeof createPlainTestApi>>;

let database: TestDatabase;
let api: Api;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Thresholds Co');
});

afterAll(async () => database?.drop());

const plan = (code: string, extra: Record<string, unknown> = {}) => ({
  plan: { name: code, code, interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false, ...extra },
});

it('a plan keeps its thresholds, shows them smallest first, and replaces them when sent again', async () => {
  const created = await api.post('/plans', plan('tiers', {
    usage_thresholds: [{ amount_cents: 50000, threshold_display_name: 'Big', recurring: false }, { amount_cents: 2500, recurring: true }, { amount_cents: 10000 }],
  })).expect(200);
  expect(created.body.plan.usage_thresholds).toEqual([
    { lago_id: expect.any(String), threshold_display_name: null, amount_cents: 2500, recurring: true, created_at: expect.any(String), updated_at: expect.any(String) },
    { lago_id: expect.any(String), threshold_display_name: null, amount_cents: 10000, recurring: false, created_at: expect.any(String), updated_at: expect.any(String) },
    { lago_id: expect.any(String), threshold_display_name: 'Big', amount_cents: 50000, recurring: false, created_at: expect.any(String), updated_at: expect.any(String) },
  ]);
  expect(created.body.plan.applicable_usage_thresholds).toEqual([
    { threshold_display_name: null, amount_cents: 2500, recurring: true },
    { threshold_display_name: null, amount_cents: 10000, recurring: false },
    { threshold_display_name: 'Big', amount_cents: 50000, recurring: false },
  ]);

  // An update without usage_thresholds keeps them; with some, they replace the plan's; [] removes them.
  const renamed = await api.put('/plans/tiers', { plan: { name: 'Renamed' } }).expect(200);
  expect(renamed.body.plan.usage_thresholds.map((t: { amount_cents: number }) => t.amount_cents)).toEqual([2500, 10000, 50000]);
  const replaced = await api.put('/plans/tiers', { plan: { usage_thresholds: [{ amount_cents: 7500, threshold_display_name: 'Only' }] } }).expect(200);
  expect(replaced.body.plan.usage_thresholds).toEqual([expect.objectContaining({ amount_cents: 7500, threshold_display_name: 'Only', recurring: false })]);
  expect((await api.get('/plans/tiers').expect(200)).body.plan.usage_thresholds).toHaveLength(1);
  const cleared = await api.put('/plans/tiers', { plan: { usage_thresholds: [] } }).expect(200);
  expect(cleared.body.plan.usage_thresholds).toEqual([]);
});

it('two recurring thresholds, or an amount of 0, are refused and nothing is written', async () => {
  const twice = await api.post('/plans', plan('twice', { usage_thresholds: [{ amount_cents: 100, recurring: true }, { amount_cents: 200, recurring: true }] }));
  expect(twice.status).toBe(422);
  expect(twice.body).toMatchObject({ code: 'validation_errors', error_details: { usage_thresholds: ['multiple_recurring_thresholds'] } });
  const zero = await api.post('/plans', plan('zero', { usage_thresholds: [{ amount_cents: 0 }] }));
  expect(zero.status).toBe(422);
  expect(zero.body.code).toBe('validation_errors');
  expect(await database.db('plans').whereIn('code', ['twice', 'zero'])).toEqual([]);
  // The first test cleared its plan's: none is live.
  expect(await database.db('usage_thresholds').where({ organization_id: api.organization.id }).whereNull('deleted_at')).toEqual([]);
});


describe('subscriptions (on the time-skipping server)', () => {
  let env: TestWorkflowEnvironment;
  let stopWorker: () => Promise<void>;
  let live: Api;
  beforeAll(async () => {
    env = await createTimeSkippingEnv();
    stopWorker = await startTestWorker(env, database.db, 'thresholds-test');
    live = await createTestApi(database.db, env, 'thresholds-test', 'Thresholds Live Co');
  });
  afterAll(async () => {
    await stopWorker?.();
    await env?.teardown();
  });
  it('a subscription created again with the same plan: the same answer when nothing differs, 422 naming each field that would change it', async () => {
    await live.post('/plans', plan('repeat_plan')).expect(200);
    const body = (fields: Record<string, unknown> = {}) => ({
      subscription: { external_customer_id: 'repeat_customer', plan_code: 'repeat_plan', external_id: 'repeat_sub', name: 'First', usage_thresholds: [{ amount_cents: 10_000, recurring: false }], ...fields },
    });
    const created = (await live.post('/subscriptions', body()).expect(200)).body.subscription;
    // A retry: the same subscription.
    expect((await live.post('/subscriptions', body()).expect(200)).body.subscription.lago_id).toBe(created.lago_id);
    // Fields left out change nothing either.
    expect((await live.post('/subscriptions', { subscription: { external_customer_id: 'repeat_customer', plan_code: 'repeat_plan', external_id: 'repeat_sub' } }).expect(200)).body.subscription.lago_id).toBe(created.lago_id);
    // Other thresholds or another name would be dropped by a retry: refused, naming them.
    const refused = await live.post('/subscriptions', body({ name: 'Renamed', usage_thresholds: [{ amount_cents: 20_000 }] })).expect(422);
    expect(refused.body.error_details).toEqual({ name: ['value_differs_from_existing_subscription'], usage_thresholds: ['value_differs_from_existing_subscription'] });
    const after = (await live.get('/subscriptions/repeat_sub').expect(200)).body.subscription;
    expect(after.name).toBe('First');
  });
});

import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { CATALOG_TABLES, keysOf, snapshot } from '../support/catalog';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;

const COUPON_KEYS = [
  'amount_cents', 'amount_currency', 'billable_metric_codes', 'code', 'coupon_type', 'created_at', 'description', 'expiration', 'expiration_at',
  'frequency', 'frequency_duration', 'lago_id', 'limited_billable_metrics', 'limited_plans', 'name', 'percentage_rate', 'plan_codes', 'reusable',
  'terminated_at',
].sort();
const fixed = (fields: Record<string, unknown> = {}) => ({
  coupon: { name: 'Welcome', code: 'welcome', coupon_type: 'fixed_amount', amount_cents: 1000, amount_currency: 'USD', frequency: 'once', ...fields },
});
const percentage = (fields: Record<string, unknown> = {}) => ({
  coupon: { name: 'Ten percent', code: 'ten', coupon_type: 'percentage', percentage_rate: '10.5', frequency: 'recurring', frequency_duration: 3, ...fields },
});
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db);
  await api.post('/plans', { plan: { name: 'Team', code: 'team', interval: 'monthly', amount_cents: 12000, amount_currency: 'USD', pay_in_advance: true } });
  await api.post('/plans', { plan: { name: 'Pro', code: 'pro', interval: 'monthly', amount_cents: 0, amount_currency: 'USD', pay_in_advance: false } });
  await api.post('/billable_metrics', { billable_metric: { name: 'MTU', code: 'mtu', aggregation_type: 'unique_count_agg', field_name: 'user_id' } });
});
afterAll(async () => database.drop());

describe('coupons', () => {
  test('an empty list has the zero meta', async () => {
    expect((await api.get('/coupons')).body).toEqual({ coupons: [], meta: { current_page: 0, next_page: null, prev_page: null, total_pages: 0, total_count: 0 } });
  });

  test('a fixed amount coupon, once, no expiration', async () => {
    const res = await api.post('/coupons', fixed({ description: 'First invoice', reusable: false }));
    expect(res.status).toBe(200);
    expect(keysOf(res.body.coupon)).toEqual(COUPON_KEYS);
    expect(res.body.coupon).toEqual({
      lago_id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'Welcome', code: 'welcome', description: 'First invoice', coupon_type: 'fixed_amount',
      amount_cents: 1000, amount_currency: 'USD', percentage_rate: null, frequency: 'once', frequency_duration: null, reusable: false,
      limited_plans: false, plan_codes: [], limited_billable_metrics: false, billable_metric_codes: [],
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/), expiration: 'no_expiration', expiration_at: null, terminated_at: null,
    });
    expect((await api.get('/coupons/welcome')).body).toEqual(res.body);
  });

  test('a percentage coupon, recurring, limited to plans, with a time limit', async () => {
    const expirationAt = inDays(30);
    const res = await api.post('/coupons', percentage({ expiration: 'time_limit', expiration_at: expirationAt, applies_to: { plan_codes: ['team', 'pro'] }, amount_cents: 5 }));
    expect(res.status).toBe(200);
    expect(res.body.coupon).toMatchObject({
      coupon_type: 'percentage', percentage_rate: '10.5', amount_cents: null, amount_currency: null, frequency: 'recurring', frequency_duration: 3,
      reusable: true, limited_plans: true, plan_codes: ['pro', 'team'], limited_billable_metrics: false, billable_metric_codes: [],
      expiration: 'time_limit', expiration_at: expirationAt,
    });
  });

  test('forever, limited to billable metrics; frequency_duration dropped', async () => {
    const res = await api.post('/coupons', percentage({ code: 'forever', frequency: 'forever', percentage_rate: 100, applies_to: { billable_metric_codes: ['mtu'], plan_codes: [] } }));
    expect(res.status).toBe(200);
    expect(res.body.coupon).toMatchObject({ frequency: 'forever', frequency_duration: null, percentage_rate: '100.0', limited_billable_metrics: true, billable_metric_codes: ['mtu'], limited_plans: false });
  });

  test('updates by code: terms and limits', async () => {
    await api.post('/coupons', fixed({ code: 'editable' }));
    const res = await api.put('/coupons/editable', { coupon: { name: 'Edited', amount_cents: 2500, frequency: 'recurring', frequency_duration: 2, applies_to: { plan_codes: ['team'] } } });
    expect(res.status).toBe(200);
    expect(res.body.coupon).toMatchObject({ name: 'Edited', amount_cents: 2500, amount_currency: 'USD', frequency: 'recurring', frequency_duration: 2, limited_plans: true, plan_codes: ['team'] });
    const switched = await api.put('/coupons/editable', { coupon: { coupon_type: 'percentage', percentage_rate: '5', applies_to: null } });
    expect(switched.body.coupon).toMatchObject({ coupon_type: 'percentage', percentage_rate: '5.0', amount_cents: null, amount_currency: null, limited_plans: false, plan_codes: [] });
    const kept = await api.put('/coupons/editable', { coupon: { description: 'kept the rest' } });
    expect(kept.body.coupon).toMatchObject({ coupon_type: 'percentage', percentage_rate: '5.0', frequency: 'recurring', description: 'kept the rest' });
  });

  test('lists with pagination meta', async () => {
    const res = await api.get('/coupons?per_page=3');
    expect(res.body.meta).toEqual({ current_page: 1, next_page: 2, prev_page: null, total_pages: 2, total_count: 4 });
    expect(res.body.coupons.map((c: { code: string }) => c.code)).toEqual(['editable', 'forever', 'ten']);
    for (const item of res.body.coupons) expect(keysOf(item)).toEqual(COUPON_KEYS);
  });

  test('delete is soft, terminates the coupon and its applied coupons, frees the code', async () => {
    await api.post('/coupons', fixed({ code: 'doomed' }));
    await api.post('/customers', { customer: { external_id: 'acme', currency: 'USD' } });
    const applied = await api.post('/applied_coupons', { applied_coupon: { external_customer_id: 'acme', coupon_code: 'doomed' } });
    expect(applied.status).toBe(200);
    const res = await api.delete('/coupons/doomed');
    expect(res.status).toBe(200);
    expect(res.body.coupon).toMatchObject({ code: 'doomed', terminated_at: expect.stringMatching(/Z$/) });
    expect((await api.get('/coupons/doomed')).body).toEqual({ status: 404, error: 'Not Found', code: 'coupon_not_found' });
    const after = await api.get('/applied_coupons?external_customer_id=acme');
    expect(after.body.applied_coupons[0]).toMatchObject({ lago_id: applied.body.applied_coupon.lago_id, status: 'terminated', terminated_at: expect.stringMatching(/Z$/) });
    expect((await api.post('/coupons', fixed({ code: 'doomed' }))).status).toBe(200);
  });

  describe('errors change nothing', () => {
    let before: string;
    beforeEach(async () => {
      before = await snapshot(database.db, CATALOG_TABLES);
    });
    afterEach(async () => {
      expect(await snapshot(database.db, CATALOG_TABLES)).toBe(before);
    });
    const rejects = async (body: unknown, details: Record<string, string[]>) => {
      const res = await api.post('/coupons', body);
      expect(res.body).toEqual({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: details });
    };

    test('missing root', async () => {
      const res = await api.post('/coupons', { code: 'x' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ status: 400, error: 'BadRequest: param is missing or the value is empty: coupon' });
    });

    test('missing fields', async () => {
      await rejects({ coupon: { description: 'x' } }, {
        name: ['value_is_mandatory'], code: ['value_is_mandatory'], coupon_type: ['value_is_mandatory'], frequency: ['value_is_mandatory'],
      });
      await rejects(fixed({ code: 'x', amount_cents: null, amount_currency: undefined }), { amount_cents: ['value_is_mandatory'], amount_currency: ['value_is_mandatory'] });
      await rejects(percentage({ code: 'x', percentage_rate: undefined }), { percentage_rate: ['value_is_mandatory'] });
      await rejects(percentage({ code: 'x', frequency_duration: undefined }), { frequency_duration: ['value_is_mandatory'] });
      await rejects(fixed({ code: 'x', expiration: 'time_limit' }), { expiration_at: ['value_is_mandatory'] });
    });

    test('wrong types and values', async () => {
      await rejects(fixed({ code: 'x', coupon_type: 'free', frequency: 'daily', amount_cents: -5, amount_currency: 'ABC', reusable: 'no', expiration: 'soon' }), {
        coupon_type: ['value_is_invalid'], frequency: ['value_is_invalid'], amount_cents: ['value_is_out_of_range'], amount_currency: ['value_is_invalid'],
        reusable: ['value_is_invalid'], expiration: ['value_is_invalid'],
      });
      await rejects(percentage({ code: 'x', percentage_rate: '101', frequency_duration: 0 }), { percentage_rate: ['value_is_out_of_range'], frequency_duration: ['value_is_out_of_range'] });
      await rejects(percentage({ code: 'x', percentage_rate: '1e1' }), { percentage_rate: ['value_is_invalid'] });
      await rejects(fixed({ code: 'x', expiration: 'time_limit', expiration_at: 'tomorrow' }), { expiration_at: ['invalid_date'] });
      await rejects(fixed({ code: 'x', expiration: 'time_limit', expiration_at: inDays(-1) }), { expiration_at: ['invalid_date'] });
    });

    test('limits: never both kinds; unknown codes are 404s', async () => {
      await rejects(fixed({ code: 'x', applies_to: { plan_codes: ['team'], billable_metric_codes: ['mtu'] } }), { base: ['only_one_limitation_type_per_coupon_allowed'] });
      const plan = await api.post('/coupons', fixed({ code: 'x', applies_to: { plan_codes: ['team', 'nope'] } }));
      expect(plan.status).toBe(404);
      expect(plan.body).toEqual({ status: 404, error: 'Not Found', code: 'plan_not_found' });
      const metric = await api.post('/coupons', fixed({ code: 'x', applies_to: { billable_metric_codes: ['nope'] } }));
      expect(metric.body).toEqual({ status: 404, error: 'Not Found', code: 'billable_metric_not_found' });
      const update = await api.put('/coupons/welcome', { coupon: { name: 'changed', applies_to: { plan_codes: ['nope'] } } });
      expect(update.status).toBe(404);
    });

    test('duplicate code', async () => {
      await rejects(fixed(), { code: ['value_already_exist'] });
      expect((await api.put('/coupons/ten', { coupon: { code: 'welcome' } })).body.error_details).toEqual({ code: ['value_already_exist'] });
    });

    test('unknown code', async () => {
      for (const res of [await api.get('/coupons/nope'), await api.put('/coupons/nope', fixed()), await api.delete('/coupons/nope')]) {
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ status: 404, error: 'Not Found', code: 'coupon_not_found' });
      }
    });

    test('another organization sees none of these coupons and cannot limit to these plans', async () => {
      const other = await createPlainTestApi(database.db, 'Other Org');
      before = await snapshot(database.db, CATALOG_TABLES);
      expect((await other.get('/coupons/welcome')).status).toBe(404);
      expect((await other.put('/coupons/welcome', fixed())).status).toBe(404);
      expect((await other.delete('/coupons/welcome')).status).toBe(404);
      expect((await other.get('/coupons')).body.meta.total_count).toBe(0);
      expect((await other.post('/coupons', fixed({ applies_to: { plan_codes: ['team'] } }))).body.code).toBe('plan_not_found');
    });
  });
});

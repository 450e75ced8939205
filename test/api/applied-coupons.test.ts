import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { CATALOG_TABLES, keysOf, snapshot } from '../support/catalog';
import { activeAppliedCouponInputs, recordCouponConsumption } from '../../src/db/coupons';
import { applyCoupons } from '../../src/billing/coupons';
import { seedInvoice } from '../support/money';
import type { CustomerRow } from '../../src/db/customers';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;

const APPLIED_KEYS = [
  'amount_cents', 'amount_cents_remaining', 'amount_currency', 'coupon_code', 'coupon_name', 'created_at', 'credits', 'expiration_at', 'external_customer_id',
  'frequency', 'frequency_duration', 'frequency_duration_remaining', 'lago_coupon_id', 'lago_customer_id', 'lago_id', 'percentage_rate', 'status',
  'terminated_at',
].sort();
const apply = (fields: Record<string, unknown>) => ({ applied_coupon: { external_customer_id: 'acme', ...fields } });
const coupons: Record<string, string> = {};
let acmeId: string;
let teamPlanId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db);
  teamPlanId = (await api.post('/plans', { plan: { name: 'Team', code: 'team', interval: 'monthly', amount_cents: 12000, amount_currency: 'USD', pay_in_advance: true } })).body.plan.lago_id;
  acmeId = (await api.post('/customers', { customer: { external_id: 'acme', currency: 'USD' } })).body.customer.lago_id;
  await api.post('/customers', { customer: { external_id: 'globex' } });
  await api.post('/customers', { customer: { external_id: 'euro', currency: 'EUR' } });
  const create = async (coupon: Record<string, unknown>) => {
    const res = await api.post('/coupons', { coupon: { name: String(coupon.code), ...coupon } });
    expect(res.status).toBe(200);
    coupons[String(coupon.code)] = res.body.coupon.lago_id;
  };
  await create({ code: 'once_fixed', coupon_type: 'fixed_amount', amount_cents: 5000, amount_currency: 'USD', frequency: 'once', reusable: false });
  await create({ code: 'recurring_pct', coupon_type: 'percentage', percentage_rate: '10', frequency: 'recurring', frequency_duration: 3, applies_to: { plan_codes: ['team'] } });
  await create({ code: 'forever_fixed', coupon_type: 'fixed_amount', amount_cents: 100, amount_currency: 'USD', frequency: 'forever' });
  await create({ code: 'expiring', coupon_type: 'fixed_amount', amount_cents: 100, amount_currency: 'USD', frequency: 'once', expiration: 'time_limit', expiration_at: new Date(Date.now() + 86_400_000).toISOString() });
});
afterAll(async () => database.drop());

describe('applied coupons', () => {
  test('an empty list has the zero meta', async () => {
    expect((await api.get('/applied_coupons')).body).toEqual({ applied_coupons: [], meta: { current_page: 0, next_page: null, prev_page: null, total_pages: 0, total_count: 0 } });
  });

  test('applies a fixed once coupon: everything left to draw', async () => {
    const res = await api.post('/applied_coupons', apply({ coupon_code: 'once_fixed' }));
    expect(res.status).toBe(200);
    expect(keysOf(res.body.applied_coupon)).toEqual(APPLIED_KEYS);
    expect(res.body.applied_coupon).toEqual({
      lago_id: expect.stringMatching(/^[0-9a-f-]{36}$/), lago_coupon_id: coupons.once_fixed, coupon_code: 'once_fixed', coupon_name: 'once_fixed',
      lago_customer_id: acmeId, external_customer_id: 'acme', status: 'active', amount_cents: 5000, amount_cents_remaining: 5000, amount_currency: 'USD',
      percentage_rate: null, frequency: 'once', frequency_duration: null, frequency_duration_remaining: null, expiration_at: null,
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/), terminated_at: null, credits: [],
    });
  });

  test('applies a recurring percentage coupon with overrides', async () => {
    const res = await api.post('/applied_coupons', apply({ coupon_code: 'recurring_pct', percentage_rate: '12.5', frequency_duration: 2, amount_cents: 99 }));
    expect(res.status).toBe(200);
    expect(res.body.applied_coupon).toMatchObject({
      coupon_code: 'recurring_pct', percentage_rate: '12.5', amount_cents: null, amount_cents_remaining: null, amount_currency: null,
      frequency: 'recurring', frequency_duration: 2, frequency_duration_remaining: 2,
    });
  });

  test('overrides of a fixed coupon: amount and frequency', async () => {
    const res = await api.post('/applied_coupons', apply({ coupon_code: 'forever_fixed', amount_cents: 250, frequency: 'recurring', frequency_duration: 4 }));
    expect(res.body.applied_coupon).toMatchObject({ amount_cents: 250, amount_cents_remaining: null, frequency: 'recurring', frequency_duration: 4, frequency_duration_remaining: 4 });
    const other = await api.post('/applied_coupons', apply({ external_customer_id: 'globex', coupon_code: 'expiring' }));
    expect(other.body.applied_coupon).toMatchObject({ external_customer_id: 'globex', expiration_at: expect.stringMatching(/Z$/) });
  });

  test('a reusable coupon may be applied twice to one customer', async () => {
    expect((await api.post('/applied_coupons', apply({ coupon_code: 'forever_fixed' }))).status).toBe(200);
  });

  test('lists newest first, filtered by customer and status, with meta', async () => {
    const all = await api.get('/applied_coupons');
    expect(all.body.meta).toEqual({ current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: 5 });
    for (const item of all.body.applied_coupons) expect(keysOf(item)).toEqual(APPLIED_KEYS);
    const acme = await api.get('/applied_coupons?external_customer_id=acme&per_page=2');
    expect(acme.body.meta).toEqual({ current_page: 1, next_page: 2, prev_page: null, total_pages: 2, total_count: 4 });
    expect(acme.body.applied_coupons.map((a: { coupon_code: string }) => a.coupon_code)).toEqual(['forever_fixed', 'forever_fixed']);
    expect((await api.get('/applied_coupons?status=terminated')).body.meta.total_count).toBe(0);
    expect((await api.get('/applied_coupons?coupon_code[]=once_fixed&coupon_code[]=expiring')).body.meta.total_count).toBe(2);
    const sub = await api.get('/customers/acme/applied_coupons');
    expect(sub.status).toBe(200);
    expect(sub.body.applied_coupons.map((a: { coupon_code: string }) => a.coupon_code)).toEqual(['forever_fixed', 'forever_fixed', 'recurring_pct', 'once_fixed']);
    expect(sub.body.meta.total_count).toBe(4);
  });

  test('the invoicing core reads the active ones oldest first and writes back what it consumed, each invoice\'s draw listed as a credit', async () => {
    const inputs = await activeAppliedCouponInputs(database.db, api.organization.id, acmeId);
    expect(inputs.map((input) => [input.couponType, input.frequency])).toEqual([
      ['fixed_amount', 'once'], ['percentage', 'recurring'], ['fixed_amount', 'recurring'], ['fixed_amount', 'forever'],
    ]);
    expect(inputs[0]).toMatchObject({ amountCents: 5000n, amountCentsRemaining: 5000n, limitedPlanIds: [], limitedBillableMetricIds: [] });
    expect(inputs[1]!.percentageRate!.toString()).toBe('12.5');
    expect(inputs[1]).toMatchObject({ frequencyDurationRemaining: 2, limitedPlanIds: [teamPlanId] });
    // One 3000-cent fee on the team plan: the plan-limited 12.5 % first (375), then 2625 of the 5000 once coupon.
    const result = applyCoupons([{ id: 'fee', amountCents: 3000n, kind: 'subscription', planId: teamPlanId }], inputs);
    expect(result.coupons.map((c) => c.amountCents)).toEqual([375n, 2625n]);
    const acme = (await database.db<CustomerRow>('customers').where({ id: acmeId }).first())!;
    const { invoice } = await seedInvoice(database.db, api.organization, acme, { fees: [{ amountCents: 3000n }], currency: 'USD' });
    await database.db.transaction(async (trx) => {
      for (const consumption of result.coupons) await recordCouponConsumption(trx, consumption, new Date(), invoice);
    });
    const list = (await api.get('/customers/acme/applied_coupons')).body.applied_coupons as Record<string, unknown>[];
    const credit = (amountCents: number, code: string) => ({
      lago_id: expect.stringMatching(/^[0-9a-f-]{36}$/), amount_cents: amountCents, amount_currency: 'USD', before_taxes: true,
      item: { lago_item_id: coupons[code], type: 'coupon', code, name: code }, invoice: { lago_id: invoice.id, payment_status: invoice.payment_status },
    });
    // 5000 − 2625 = 2375 left of the once coupon; the recurring one had 2 invoices left, this one takes one: 1.
    expect(list.find((a) => a.coupon_code === 'once_fixed')).toMatchObject({ amount_cents_remaining: 2375, status: 'active', credits: [credit(2625, 'once_fixed')] });
    expect(list.find((a) => a.coupon_code === 'recurring_pct')).toMatchObject({ frequency_duration_remaining: 1, status: 'active', credits: [credit(375, 'recurring_pct')] });
    // The coupons the invoice did not draw from list no credit.
    for (const other of list.filter((a) => a.coupon_code === 'forever_fixed')) expect(other.credits).toEqual([]);
    // The invoice lists what it drew from each coupon among its credits.
    const shown = (await api.get(`/invoices/${invoice.id}`)).body.invoice;
    expect(shown.credits).toEqual(expect.arrayContaining([credit(2625, 'once_fixed'), credit(375, 'recurring_pct')]));
    expect(shown.credits).toHaveLength(2);
  });

  test('removing an applied coupon terminates it', async () => {
    const [target] = (await api.get('/applied_coupons?external_customer_id=acme&coupon_code=recurring_pct')).body.applied_coupons;
    const res = await api.delete(`/customers/acme/applied_coupons/${target.lago_id}`);
    expect(res.status).toBe(200);
    expect(res.body.applied_coupon).toMatchObject({ lago_id: target.lago_id, status: 'terminated', terminated_at: expect.stringMatching(/Z$/) });
    const again = await api.delete(`/customers/acme/applied_coupons/${target.lago_id}`);
    expect(again.body).toEqual(res.body);
    expect((await api.get('/applied_coupons?status=terminated')).body.applied_coupons.map((a: { lago_id: string }) => a.lago_id)).toEqual([target.lago_id]);
    expect((await activeAppliedCouponInputs(database.db, api.organization.id, acmeId)).map((input) => input.id)).not.toContain(target.lago_id);
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
      const res = await api.post('/applied_coupons', { coupon_code: 'x' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ status: 400, error: 'BadRequest: param is missing or the value is empty: applied_coupon' });
    });

    test('missing and wrong fields', async () => {
      const res = await api.post('/applied_coupons', { applied_coupon: { frequency: 'sometimes', amount_cents: 'a lot', percentage_rate: '-2' } });
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({
        external_customer_id: ['value_is_mandatory'], coupon_code: ['value_is_mandatory'], frequency: ['value_is_invalid'],
        amount_cents: ['value_is_invalid'], percentage_rate: ['value_is_invalid'],
      });
    });

    test('a coupon that is not reusable is applied once per customer', async () => {
      const res = await api.post('/applied_coupons', apply({ coupon_code: 'once_fixed' }));
      expect(res.status).toBe(422);
      expect(res.body).toEqual({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { coupon: ['coupon_is_not_reusable'] } });
    });

    test('a fixed amount in another currency than the customer', async () => {
      const res = await api.post('/applied_coupons', apply({ external_customer_id: 'euro', coupon_code: 'forever_fixed' }));
      expect(res.body.error_details).toEqual({ amount_currency: ['currencies_does_not_match'] });
      const override = await api.post('/applied_coupons', apply({ coupon_code: 'forever_fixed', amount_currency: 'EUR' }));
      expect(override.body.error_details).toEqual({ amount_currency: ['currencies_does_not_match'] });
    });

    test('a recurring override needs a duration', async () => {
      const res = await api.post('/applied_coupons', apply({ coupon_code: 'forever_fixed', frequency: 'recurring' }));
      expect(res.body.error_details).toEqual({ frequency_duration: ['value_is_mandatory'] });
    });

    test('unknown, expired or deleted coupon; unknown customer', async () => {
      expect((await api.post('/applied_coupons', apply({ coupon_code: 'nope' }))).body).toEqual({ status: 404, error: 'Not Found', code: 'coupon_not_found' });
      expect((await api.post('/applied_coupons', apply({ external_customer_id: 'nobody', coupon_code: 'forever_fixed' }))).body)
        .toEqual({ status: 404, error: 'Not Found', code: 'customer_not_found' });
      await database.db('coupons').where({ id: coupons.expiring }).update({ expiration_at: new Date(Date.now() - 1000) });
      before = await snapshot(database.db, CATALOG_TABLES);
      expect((await api.post('/applied_coupons', apply({ coupon_code: 'expiring' }))).body.code).toBe('coupon_not_found');
    });

    test('removing: unknown customer, unknown id, another customer\'s coupon', async () => {
      const [globex] = (await api.get('/applied_coupons?external_customer_id=globex')).body.applied_coupons;
      const cases = [
        [`/customers/nobody/applied_coupons/${globex.lago_id}`, 'customer_not_found'],
        ['/customers/acme/applied_coupons/not-a-uuid', 'applied_coupon_not_found'],
        ['/customers/acme/applied_coupons/00000000-0000-4000-8000-000000000000', 'applied_coupon_not_found'],
        [`/customers/acme/applied_coupons/${globex.lago_id}`, 'applied_coupon_not_found'],
      ];
      for (const [path, code] of cases) {
        const res = await api.delete(path!);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ status: 404, error: 'Not Found', code });
      }
      expect((await api.get('/customers/nobody/applied_coupons')).body.code).toBe('customer_not_found');
    });

    test('another organization sees none of them and cannot apply these coupons', async () => {
      const other = await createPlainTestApi(database.db, 'Other Org');
      await other.post('/customers', { customer: { external_id: 'acme', currency: 'USD' } });
      before = await snapshot(database.db, CATALOG_TABLES);
      const [applied] = (await api.get('/applied_coupons?external_customer_id=acme')).body.applied_coupons;
      expect((await other.get('/applied_coupons')).body.meta.total_count).toBe(0);
      expect((await other.get('/applied_coupons?external_customer_id=acme')).body.meta.total_count).toBe(0);
      expect((await other.get('/customers/acme/applied_coupons')).body.meta.total_count).toBe(0);
      expect((await other.delete(`/customers/acme/applied_coupons/${applied.lago_id}`)).body.code).toBe('applied_coupon_not_found');
      expect((await other.post('/applied_coupons', apply({ coupon_code: 'forever_fixed' }))).body.code).toBe('coupon_not_found');
    });
  });
});

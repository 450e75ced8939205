import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { CATALOG_TABLES, keysOf, snapshot } from '../support/catalog';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;
const metricIds: Record<string, string> = {};

const PLAN_KEYS = [
  'active_subscriptions_count', 'amount_cents', 'amount_currency', 'applicable_usage_thresholds', 'bill_charges_monthly', 'bill_fixed_charges_monthly', 'charges', 'code',
  'created_at', 'customers_count', 'description', 'draft_invoices_count', 'entitlements', 'fixed_charges', 'interval', 'invoice_display_name',
  'lago_id', 'metadata', 'name', 'parent_id', 'pay_in_advance', 'pending_deletion', 'taxes', 'trial_period', 'usage_thresholds',
].sort();
const CHARGE_KEYS = [
  'accepts_target_wallet', 'applied_pricing_unit', 'billable_metric_code', 'charge_model', 'code', 'created_at', 'filters', 'invoice_display_name',
  'invoiceable', 'lago_billable_metric_id', 'lago_id', 'lago_parent_id', 'min_amount_cents', 'pay_in_advance', 'properties', 'prorated',
  'regroup_paid_fees', 'taxes',
].sort();
const TIMESTAMP = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
const UUID = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

async function createMetric(fields: Record<string, unknown>): Promise<string> {
  const res = await api.post('/billable_metrics', { billable_metric: { name: String(fields.code), field_name: 'value', ...fields } });
  expect(res.status).toBe(200);
  metricIds[String(fields.code)] = res.body.billable_metric.lago_id;
  return res.body.billable_metric.lago_id;
}

const plan = (fields: Record<string, unknown>) => ({
  plan: { name: 'Plan', code: 'plan', interval: 'monthly', amount_cents: 1000, amount_currency: 'USD', pay_in_advance: false, ...fields },
});
const charge = (metric: string, fields: Record<string, unknown> = {}) => ({
  billable_metric_id: metricIds[metric], charge_model: 'standard', properties: { amount: '1' }, ...fields,
});

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db);
  await createMetric({ code: 'seats', aggregation_type: 'unique_count_agg', field_name: 'seat_id', recurring: true });
  await createMetric({ code: 'legacy_seats', aggregation_type: 'recurring_count_agg', field_name: 'seat_id' });
  await createMetric({ code: 'mtu', aggregation_type: 'unique_count_agg', field_name: 'user_id' });
  await createMetric({ code: 'calls', aggregation_type: 'count_agg' });
  await createMetric({ code: 'bytes', aggregation_type: 'sum_agg', filters: [{ key: 'region', values: ['eu', 'us'] }, { key: 'tier', values: ['gold'] }] });
  await createMetric({ code: 'peak', aggregation_type: 'max_agg' });
  await createMetric({ code: 'last', aggregation_type: 'latest_agg' });
  await createMetric({ code: 'storage', aggregation_type: 'weighted_sum_agg', weighted_interval: 'seconds', recurring: true });
  expect((await api.post('/taxes', { tax: { name: 'VAT 12.5%', code: 'vat_12_5', rate: '12.5' } })).status).toBe(200);
  expect((await api.post('/taxes', { tax: { name: 'Local', code: 'local', rate: '2' } })).status).toBe(200);
});
afterAll(async () => database.drop());

describe('plans', () => {
  test('an empty list has the zero meta', async () => {
    const res = await api.get('/plans');
    expect(res.body).toEqual({ plans: [], meta: { current_page: 0, next_page: null, prev_page: null, total_pages: 0, total_count: 0 } });
  });

  test('fair-seats walkthrough: the pro plan with a prorated standard charge on seats', async () => {
    const res = await api.post('/plans', {
      plan: {
        name: 'Pro', code: 'pro', interval: 'monthly', amount_cents: 0, amount_currency: 'EUR', pay_in_advance: false,
        charges: [{ billable_metric_id: metricIds.seats, charge_model: 'standard', properties: { amount: '8.25' }, prorated: true }],
      },
    });
    expect(res.status).toBe(200);
    expect(keysOf(res.body.plan)).toEqual(PLAN_KEYS);
    expect(res.body.plan).toEqual({
      lago_id: UUID, name: 'Pro', invoice_display_name: null, created_at: TIMESTAMP, code: 'pro', interval: 'monthly', description: null,
      amount_cents: 0, amount_currency: 'EUR', trial_period: 0, pay_in_advance: false, bill_charges_monthly: null, bill_fixed_charges_monthly: null,
      customers_count: 0, active_subscriptions_count: 0, draft_invoices_count: 0, parent_id: null, pending_deletion: false,
      charges: [expect.any(Object)], fixed_charges: [], usage_thresholds: [], applicable_usage_thresholds: [], taxes: [], entitlements: [],
      metadata: null,
    });
    const [seatCharge] = res.body.plan.charges;
    expect(keysOf(seatCharge)).toEqual(CHARGE_KEYS);
    expect(seatCharge).toEqual({
      lago_id: UUID, lago_billable_metric_id: metricIds.seats, code: 'seats', invoice_display_name: null, billable_metric_code: 'seats',
      created_at: TIMESTAMP, charge_model: 'standard', invoiceable: true, regroup_paid_fees: null, pay_in_advance: false, prorated: true,
      min_amount_cents: 0, accepts_target_wallet: false, properties: { amount: '8.25' }, applied_pricing_unit: null, lago_parent_id: null,
      filters: [], taxes: [],
    });
    expect((await api.get('/plans/pro')).body).toEqual(res.body);
  });

  test('fair-seats walkthrough with the legacy metric: charges default to prorated', async () => {
    const res = await api.post('/plans', {
      plan: {
        name: 'Pro', code: 'pro_legacy', interval: 'monthly', amount_cents: 0, amount_currency: 'EUR', pay_in_advance: false,
        charges: [{ billable_metric_id: metricIds.legacy_seats, charge_model: 'standard', properties: { amount: '8.25' } }],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.plan.charges[0]).toMatchObject({ billable_metric_code: 'legacy_seats', prorated: true, properties: { amount: '8.25' } });
    // Said explicitly, prorated: false stays false; with a model that cannot prorate, the default is false.
    const explicit = await api.post('/plans', plan({
      code: 'legacy_not_prorated',
      charges: [charge('legacy_seats', { prorated: false }), charge('legacy_seats', { charge_model: 'package', properties: { amount: '5', package_size: 10, free_units: 0 } })],
    }));
    expect(explicit.body.plan.charges.map((c: { prorated: boolean }) => c.prorated)).toEqual([false, false]);
  });

  test('hybrid walkthrough: the team plan with a graduated charge on mtu', async () => {
    const ranges = [
      { from_value: 0, to_value: 10000, per_unit_amount: '0', flat_amount: '0' },
      { from_value: 10001, to_value: 25000, per_unit_amount: '0.012', flat_amount: '0' },
      { from_value: 25001, to_value: null, per_unit_amount: '0.01', flat_amount: '0' },
    ];
    const res = await api.post('/plans', {
      plan: {
        name: 'Team', code: 'team', interval: 'monthly', amount_cents: 12000, amount_currency: 'USD', pay_in_advance: true, trial_period: 0,
        charges: [{ billable_metric_id: metricIds.mtu, charge_model: 'graduated', properties: { graduated_ranges: ranges } }],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.plan).toMatchObject({ name: 'Team', code: 'team', interval: 'monthly', amount_cents: 12000, amount_currency: 'USD', pay_in_advance: true, trial_period: 0 });
    expect(res.body.plan.charges).toHaveLength(1);
    expect(res.body.plan.charges[0]).toMatchObject({
      lago_billable_metric_id: metricIds.mtu, billable_metric_code: 'mtu', code: 'mtu', charge_model: 'graduated', pay_in_advance: false,
      prorated: false, invoiceable: true, properties: { graduated_ranges: ranges },
    });
    expect((await api.get('/plans/team')).body).toEqual(res.body);
  });

  test('every plan field, taxes on the plan and on charges', async () => {
    const res = await api.post('/plans', plan({
      name: 'Yearly', code: 'yearly', interval: 'yearly', amount_cents: 120000, amount_currency: 'EUR', pay_in_advance: true,
      trial_period: 14.5, bill_charges_monthly: true, invoice_display_name: 'Yearly plan', description: 'Billed yearly',
      metadata: { team: 'sales' }, tax_codes: ['vat_12_5'], usage_thresholds: [], fixed_charges: [], bill_fixed_charges_monthly: false,
      // Lago's defaults of fields Billow refuses otherwise (src/api/contract.ts) are accepted.
      charges: [charge('calls', { code: 'api_calls', invoice_display_name: 'API calls', min_amount_cents: 0, accepts_target_wallet: false, tax_codes: ['local', 'vat_12_5'] })],
    }));
    expect(res.status).toBe(200);
    expect(res.body.plan).toMatchObject({
      interval: 'yearly', trial_period: 14.5, bill_charges_monthly: true, invoice_display_name: 'Yearly plan', description: 'Billed yearly',
      metadata: { team: 'sales' },
    });
    expect(res.body.plan.taxes).toHaveLength(1);
    expect(res.body.plan.taxes[0]).toMatchObject({ code: 'vat_12_5', rate: 12.5, plans_count: 1 });
    expect(res.body.plan.charges[0]).toMatchObject({ code: 'api_calls', invoice_display_name: 'API calls', min_amount_cents: 0 });
    expect(res.body.plan.charges[0].taxes.map((t: { code: string }) => t.code)).toEqual(['local', 'vat_12_5']);
    expect((await api.get('/taxes/local')).body.tax.charges_count).toBe(1);
  });

  test.each([
    ['weekly', true, null], ['monthly', true, null], ['quarterly', true, null], ['semiannual', true, true], ['semiannual', undefined, false], ['yearly', false, false],
  ])('interval %s with bill_charges_monthly %p gives %p', async (interval, given, expected) => {
    const res = await api.post('/plans', plan({ code: `interval_${interval}_${String(given)}`, interval, bill_charges_monthly: given }));
    expect(res.status).toBe(200);
    expect(res.body.plan).toMatchObject({ interval, bill_charges_monthly: expected });
  });

  test('charge codes: from the metric when absent, unique per plan', async () => {
    const res = await api.post('/plans', plan({
      code: 'codes', charges: [charge('calls'), charge('calls', { properties: { amount: '2' } }), charge('mtu', { code: 'custom' })],
    }));
    expect(res.status).toBe(200);
    expect(res.body.plan.charges.map((c: { code: string }) => c.code)).toEqual(['calls', 'calls_2', 'custom']);
  });

  test('every charge model, pay in advance, filters', async () => {
    const res = await api.post('/plans', plan({
      code: 'models',
      charges: [
        charge('bytes', { charge_model: 'package', properties: { amount: '10', package_size: 100, free_units: 5 } }),
        charge('bytes', { charge_model: 'volume', properties: { volume_ranges: [{ from_value: 0, to_value: 100, per_unit_amount: '2', flat_amount: '1' }, { from_value: 100, to_value: null, per_unit_amount: '1', flat_amount: '0' }] } }),
        charge('bytes', { charge_model: 'percentage', properties: { rate: '1.5', fixed_amount: '0.1', free_units_per_events: 3, per_transaction_max_amount: '' } }),
        charge('bytes', { charge_model: 'graduated_percentage', pay_in_advance: true, invoiceable: false, regroup_paid_fees: null,
          properties: { graduated_percentage_ranges: [{ from_value: 0, to_value: null, rate: '1', flat_amount: '0' }] } }),
        charge('calls', { pay_in_advance: true }),
        charge('bytes', {
          properties: { amount: '1', grouped_by: [] },
          filters: [
            { invoice_display_name: 'EU gold', properties: { amount: '3' }, values: { region: ['eu'], tier: ['gold'] } },
            { properties: { amount: '2' }, values: { region: ['us', 'eu'] } },
          ],
        }),
      ],
    }));
    expect(res.status).toBe(200);
    const charges = res.body.plan.charges;
    expect(charges.map((c: { charge_model: string }) => c.charge_model)).toEqual(['package', 'volume', 'percentage', 'graduated_percentage', 'standard', 'standard']);
    expect(charges[0].properties).toEqual({ amount: '10', package_size: 100, free_units: 5 });
    expect(charges[2].properties).toEqual({ rate: '1.5', fixed_amount: '0.1', free_units_per_events: 3, per_transaction_max_amount: '' });
    expect(charges[3]).toMatchObject({ pay_in_advance: true, invoiceable: false, regroup_paid_fees: null });
    expect(charges[4]).toMatchObject({ billable_metric_code: 'calls', pay_in_advance: true });
    // An empty grouping is Lago's default (no groups), accepted and shown as sent.
    expect(charges[5].properties).toEqual({ amount: '1', grouped_by: [], pricing_group_keys: [] });
    expect(charges[5].filters).toEqual([
      { lago_id: UUID, charge_code: charges[5].code, invoice_display_name: 'EU gold', properties: { amount: '3' }, values: { region: ['eu'], tier: ['gold'] } },
      { lago_id: UUID, charge_code: charges[5].code, invoice_display_name: null, properties: { amount: '2' }, values: { region: ['eu', 'us'] } },
    ]);
  });

  test('unknown property keys are not stored', async () => {
    const res = await api.post('/plans', plan({ code: 'extra_keys', charges: [charge('calls', { properties: { amount: '1', rate: '5', junk: true } })] }));
    expect(res.body.plan.charges[0].properties).toEqual({ amount: '1' });
  });

  describe('update', () => {
    let ids: string[];
    beforeAll(async () => {
      const res = await api.post('/plans', plan({
        code: 'editable', tax_codes: ['local'],
        charges: [charge('calls', { code: 'a' }), charge('mtu', { code: 'b' }), charge('bytes', { code: 'c', filters: [{ properties: { amount: '5' }, values: { region: ['eu'] } }] })],
      }));
      expect(res.status).toBe(200);
      ids = res.body.plan.charges.map((c: { lago_id: string }) => c.lago_id);
    });

    test('plan fields only: charges and taxes stay', async () => {
      const res = await api.put('/plans/editable', { plan: { name: 'Edited', amount_cents: 2000, description: 'new' } });
      expect(res.status).toBe(200);
      expect(res.body.plan).toMatchObject({ name: 'Edited', amount_cents: 2000, description: 'new', code: 'editable', interval: 'monthly' });
      expect(res.body.plan.charges.map((c: { lago_id: string }) => c.lago_id)).toEqual(ids);
      expect(res.body.plan.taxes.map((t: { code: string }) => t.code)).toEqual(['local']);
    });

    test('charges: with id updates, without creates, absent deletes; codes may swap', async () => {
      const res = await api.put('/plans/editable', {
        plan: {
          tax_codes: [],
          charges: [
            { id: ids[0], code: 'b', properties: { amount: '9' } },
            { id: ids[1], code: 'a', charge_model: 'graduated', properties: { graduated_ranges: [{ from_value: 0, to_value: null, per_unit_amount: '1', flat_amount: '0' }] } },
            charge('peak', { code: 'new' }),
          ],
        },
      });
      expect(res.status).toBe(200);
      const charges = res.body.plan.charges;
      expect(res.body.plan.taxes).toEqual([]);
      expect(charges.map((c: { code: string }) => c.code)).toEqual(['b', 'a', 'new']);
      expect(charges[0]).toMatchObject({ lago_id: ids[0], billable_metric_code: 'calls', charge_model: 'standard', properties: { amount: '9' } });
      expect(charges[1]).toMatchObject({ lago_id: ids[1], billable_metric_code: 'mtu', charge_model: 'graduated' });
      expect(charges[2]).toMatchObject({ billable_metric_code: 'peak' });
      expect(charges[2].lago_id).not.toBe(ids[2]);
      const removed = await database.db('charges').where({ id: ids[2] }).first();
      expect(removed.deleted_at).toBeInstanceOf(Date);
    });

    test('an empty charges array removes them all', async () => {
      const res = await api.put('/plans/editable', { plan: { charges: [] } });
      expect(res.body.plan.charges).toEqual([]);
    });

    test('the code can change, and the old one is then unknown', async () => {
      const res = await api.put('/plans/editable', { plan: { code: 'renamed' } });
      expect(res.body.plan.code).toBe('renamed');
      expect((await api.get('/plans/editable')).status).toBe(404);
    });
  });

  test('lists with pagination meta, charges and taxes included', async () => {
    const all = await api.get('/plans');
    const total = all.body.meta.total_count as number;
    expect(total).toBeGreaterThan(10);
    expect(all.body.meta).toEqual({ current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: total });
    const page = await api.get('/plans?page=3&per_page=4');
    expect(page.body.meta).toEqual({ current_page: 3, next_page: total > 12 ? 4 : null, prev_page: 2, total_pages: Math.ceil(total / 4), total_count: total });
    expect(page.body.plans.map((p: { code: string }) => p.code)).toEqual(all.body.plans.slice(8, 12).map((p: { code: string }) => p.code));
    const team = all.body.plans.find((p: { code: string }) => p.code === 'team');
    expect(team).toEqual((await api.get('/plans/team')).body.plan);
    for (const item of all.body.plans) expect(keysOf(item)).toEqual(PLAN_KEYS);
  });

  test('delete is soft and answers with the plan, marked pending deletion as Lago answers it', async () => {
    await api.post('/plans', plan({ code: 'doomed', charges: [charge('calls')] }));
    const before = (await api.get('/plans/doomed')).body;
    expect(before.plan.pending_deletion).toBe(false);
    const res = await api.delete('/plans/doomed');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ plan: { ...before.plan, pending_deletion: true } });
    expect((await api.get('/plans/doomed')).body).toEqual({ status: 404, error: 'Not Found', code: 'plan_not_found' });
    expect((await database.db('plans').where({ id: before.plan.lago_id }).first()).deleted_at).toBeInstanceOf(Date);
    expect((await api.post('/plans', plan({ code: 'doomed' }))).status).toBe(200);
  });

  describe('with a live subscription', () => {
    beforeAll(async () => {
      await api.post('/plans', plan({ code: 'subscribed', charges: [charge('calls')] }));
      await api.post('/customers', { customer: { external_id: 'subscriber' } });
      const [planRow, customer] = await Promise.all([
        database.db('plans').where({ code: 'subscribed', organization_id: api.organization.id }).whereNull('deleted_at').first(),
        database.db('customers').where({ external_id: 'subscriber', organization_id: api.organization.id }).first(),
      ]);
      await database.db('subscriptions').insert({
        organization_id: api.organization.id, customer_id: customer.id, plan_id: planRow.id, external_id: 'sub', status: 'active',
        billing_time: 'calendar', subscription_at: new Date(), started_at: new Date(), workflow_id: 'subscription/x/sub',
      });
    });

    test('prices and charges may change (for future invoices)', async () => {
      const res = await api.put('/plans/subscribed', { plan: { amount_cents: 5000, interval: 'monthly', charges: [charge('calls', { properties: { amount: '3' } })] } });
      expect(res.status).toBe(200);
      expect(res.body.plan.amount_cents).toBe(5000);
    });

    test('the schedule cannot change', async () => {
      const before = await snapshot(database.db, CATALOG_TABLES);
      const res = await api.put('/plans/subscribed', { plan: { interval: 'yearly', pay_in_advance: true, amount_currency: 'EUR', name: 'x' } });
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({
        interval: ['cannot_change_with_active_subscriptions'],
        pay_in_advance: ['cannot_change_with_active_subscriptions'],
        amount_currency: ['cannot_change_with_active_subscriptions'],
      });
      expect(await snapshot(database.db, CATALOG_TABLES)).toBe(before);
    });

    test('a deletion whose subscriptions cannot be ended now (no workflow answers) is 503 and leaves the plan pending deletion', async () => {
      // Ending subscriptions through their workflows is tested on the real worker (test/workflows/deletions.test.ts).
      const deleted = await api.delete('/plans/subscribed');
      expect(deleted.status).toBe(503);
      expect(deleted.body).toMatchObject({ status: 503, error: 'Service Unavailable', code: 'subscriptions_still_active' });
      const kept = await api.get('/plans/subscribed');
      expect(kept.status).toBe(200);
      expect(kept.body.plan.pending_deletion).toBe(true);
      expect(await database.db('subscriptions').where({ external_id: 'sub' }).pluck('status')).toEqual(['active']);
    });
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
      const res = await api.post('/plans', body);
      expect(res.body).toEqual({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: details });
      expect(res.status).toBe(422);
    };

    test('missing root', async () => {
      for (const res of [await api.post('/plans', { name: 'x' }), await api.put('/plans/pro', { plan: {} })]) {
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ status: 400, error: 'BadRequest: param is missing or the value is empty: plan' });
      }
    });

    test('missing fields', async () => {
      await rejects({ plan: { description: 'x' } }, {
        name: ['value_is_mandatory'], code: ['value_is_mandatory'], interval: ['value_is_mandatory'], amount_cents: ['value_is_mandatory'],
        amount_currency: ['value_is_mandatory'], pay_in_advance: ['value_is_mandatory'],
      });
    });

    test('wrong types and values', async () => {
      await rejects(plan({ code: 'x', interval: 'daily', amount_cents: -1, amount_currency: 'usd', pay_in_advance: 'no', trial_period: '3', tax_codes: 'vat' }), {
        interval: ['value_is_invalid'], amount_cents: ['value_is_out_of_range'], amount_currency: ['value_is_invalid'], pay_in_advance: ['value_is_invalid'],
        trial_period: ['value_is_invalid'], tax_codes: ['value_is_invalid'],
      });
      await rejects(plan({ code: 'x', amount_cents: 1.5 }), { amount_cents: ['value_is_invalid'] });
      await rejects(plan({ code: 'x', charges: [{ charge_model: 'magic', billable_metric_id: 7, pay_in_advance: 1 }] }), {
        'charges.0.charge_model': ['value_is_invalid'], 'charges.0.billable_metric_id': ['value_is_invalid'], 'charges.0.pay_in_advance': ['value_is_invalid'],
      });
    });

    test('duplicate code', async () => {
      await rejects(plan({ code: 'pro' }), { code: ['value_already_exist'] });
      const res = await api.put('/plans/team', { plan: { code: 'pro' } });
      expect(res.body.error_details).toEqual({ code: ['value_already_exist'] });
    });

    test('unknown metric, tax, charge', async () => {
      await rejects(plan({ code: 'x', charges: [{ billable_metric_id: '00000000-0000-4000-8000-000000000000', charge_model: 'standard', properties: { amount: '1' } }] }), {
        'charges.0.billable_metric_id': ['billable_metric_not_found'],
      });
      await rejects(plan({ code: 'x', charges: [{ billable_metric_id: 'seats', charge_model: 'standard', properties: { amount: '1' } }] }), {
        'charges.0.billable_metric_id': ['billable_metric_not_found'],
      });
      await rejects(plan({ code: 'x', charges: [{ charge_model: 'standard', properties: { amount: '1' } }, { billable_metric_id: metricIds.calls }] }), {
        'charges.0.billable_metric_id': ['value_is_mandatory'], 'charges.1.charge_model': ['value_is_mandatory'],
      });
      await rejects(plan({ code: 'x', tax_codes: ['nope'] }), { tax_codes: ['tax_not_found'] });
      await rejects(plan({ code: 'x', charges: [charge('calls', { tax_codes: ['vat_12_5', 'nope'] })] }), { 'charges.0.tax_codes': ['tax_not_found'] });
      const res = await api.put('/plans/pro', { plan: { charges: [{ id: '00000000-0000-4000-8000-000000000000', properties: { amount: '1' } }, { id: 'x' }] } });
      expect(res.body.error_details).toEqual({ 'charges.0.id': ['charge_not_found'], 'charges.1.id': ['charge_not_found'] });
      const proCharge = (await api.get('/plans/pro')).body.plan.charges[0];
      const moved = await api.put('/plans/pro', { plan: { charges: [{ id: proCharge.lago_id, billable_metric_id: metricIds.calls }] } });
      expect(moved.body.error_details).toEqual({ 'charges.0.billable_metric_id': ['value_is_invalid'] });
    });

    test.each([
      ['standard', { amount: 8.25 }, { 'charges.0.properties.amount': ['invalid_amount'] }],
      ['standard', { amount: '-1' }, { 'charges.0.properties.amount': ['invalid_amount'] }],
      ['standard', {}, { 'charges.0.properties.amount': ['invalid_amount'] }],
      ['standard', 'five', { 'charges.0.properties': ['value_is_invalid'] }],
      ['package', { amount: '1', package_size: 0, free_units: -1 }, { 'charges.0.properties.package_size': ['invalid_package_size'], 'charges.0.properties.free_units': ['invalid_free_units'] }],
      ['graduated', { graduated_ranges: [] }, { 'charges.0.properties.graduated_ranges': ['missing_graduated_ranges'] }],
      ['graduated', { graduated_ranges: [{ from_value: 5, to_value: null, per_unit_amount: '1', flat_amount: '0' }] }, { 'charges.0.properties.graduated_ranges': ['invalid_graduated_ranges'] }],
      ['graduated', { graduated_ranges: [{ from_value: 0, to_value: 10, per_unit_amount: '1', flat_amount: '0' }, { from_value: 12, to_value: null, per_unit_amount: '1', flat_amount: '0' }] }, { 'charges.0.properties.graduated_ranges': ['invalid_graduated_ranges'] }],
      ['graduated', { graduated_ranges: [{ from_value: 0, to_value: null, per_unit_amount: 'x', flat_amount: '0' }] }, { 'charges.0.properties.per_unit_amount': ['invalid_amount'] }],
      ['volume', { volume_ranges: [{ from_value: 0, to_value: 10, per_unit_amount: '1', flat_amount: '0' }] }, { 'charges.0.properties.volume_ranges': ['invalid_volume_ranges'] }],
      ['percentage', { rate: '' }, { 'charges.0.properties.rate': ['invalid_rate'] }],
      ['graduated_percentage', {}, { 'charges.0.properties.graduated_percentage_ranges': ['missing_graduated_percentage_ranges'] }],
    ])('invalid %s properties %j', async (model, properties, details) => {
      await rejects(plan({ code: 'x', charges: [charge('calls', { charge_model: model, properties })] }), details);
    });

    test('filter errors are keyed by filter', async () => {
      await rejects(plan({
        code: 'x',
        charges: [charge('bytes', { filters: [
          { properties: { amount: 'x' }, values: { region: ['eu'] } },
          { properties: { amount: '1' }, values: { region: ['mars'] } },
          { properties: { amount: '1' }, values: { planet: ['earth'] } },
          { properties: { amount: '1' }, values: { region: ['eu'] } },
        ] })],
      }), {
        'charges.0.filters.0.properties.amount': ['invalid_amount'],
        'charges.0.filters.1.values': ['value_is_invalid'],
        'charges.0.filters.2.values': ['value_is_invalid'],
        'charges.0.filters.3.values': ['value_already_exist'],
      });
    });

    test.each([
      ['volume in advance', 'calls', { charge_model: 'volume', pay_in_advance: true, properties: { volume_ranges: [{ from_value: 0, to_value: null, per_unit_amount: '1', flat_amount: '0' }] } }, { 'charges.0.charge_model': ['invalid_aggregation_type_or_charge_model'] }],
      ['max_agg in advance', 'peak', { pay_in_advance: true }, { 'charges.0.charge_model': ['invalid_aggregation_type_or_charge_model'] }],
      ['latest_agg in advance', 'last', { pay_in_advance: true }, { 'charges.0.charge_model': ['invalid_aggregation_type_or_charge_model'] }],
      ['weighted sum in advance', 'storage', { pay_in_advance: true }, { 'charges.0.charge_model': ['invalid_aggregation_type_or_charge_model'] }],
      ['percentage on latest_agg', 'last', { charge_model: 'percentage', properties: { rate: '1' } }, { 'charges.0.charge_model': ['invalid_aggregation_type_or_charge_model'] }],
      ['prorated on a metric that is not recurring', 'calls', { prorated: true }, { 'charges.0.prorated': ['invalid_billable_metric_or_charge_model'] }],
      ['prorated package', 'seats', { prorated: true, charge_model: 'package', properties: { amount: '1', package_size: 1, free_units: 0 } }, { 'charges.0.prorated': ['invalid_billable_metric_or_charge_model'] }],
      ['prorated graduated in advance', 'seats', { prorated: true, pay_in_advance: true, charge_model: 'graduated', properties: { graduated_ranges: [{ from_value: 0, to_value: null, per_unit_amount: '1', flat_amount: '0' }] } }, { 'charges.0.prorated': ['invalid_billable_metric_or_charge_model'] }],
      ['prorated weighted sum', 'storage', { prorated: true }, { 'charges.0.prorated': ['invalid_billable_metric_or_charge_model'] }],
      ['not invoiceable in arrears', 'calls', { invoiceable: false }, { 'charges.0.invoiceable': ['must_be_true_unless_pay_in_advance'] }],
      // Refused whatever the charge: regrouping paid fees needs payments (src/api/contract.ts).
      ['regrouped in arrears', 'calls', { regroup_paid_fees: 'invoice' }, { 'charges.0.regroup_paid_fees': ['feature_not_supported'] }],
      ['a repeated code', 'calls', { code: 'same' }, { 'charges.1.code': ['value_already_exist'] }],
    ])('refuses %s', async (_label, metric, fields, details) => {
      const charges = [charge(metric, fields)];
      if (_label === 'a repeated code') charges.push(charge('mtu', { code: 'same' }));
      await rejects(plan({ code: 'x', charges }), details);
    });

    test('premium features are refused with 403', async () => {
      // Usage thresholds (issue 15) and minimum commitments (issue 16) are honoured since (test/api/usage-thresholds.test.ts, plan-commitments.test.ts).
      for (const extra of [{ charges: [charge('calls', { applied_pricing_unit: { code: 'credits', conversion_rate: '2' } })] }]) {
        const res = await api.post('/plans', plan({ code: 'premium', ...extra }));
        expect(res.status).toBe(403);
        expect(res.body).toEqual({ status: 403, error: 'Forbidden', code: 'feature_unavailable' });
      }
    });

    test('fields Billow does not bill are refused with feature_not_supported (their defaults are accepted above)', async () => {
      // Each was accepted and then ignored (billed as if absent) before the request contract.
      // Charges' spending minimums are billed since issue 16 (test/api/plan-commitments.test.ts).
      // Grouping keys, presentation keys and the dynamic model are billed or shown since issue 16 (test/api/pricing-power.test.ts); presentation breakdowns are not printed on PDFs yet.
      await rejects(plan({ code: 'x', charges: [charge('calls', { properties: { amount: '1', presentation_group_keys: [{ value: 'region', options: { display_in_invoice: true } }] } })] }), { 'charges.0.properties.presentation_group_keys.0.options.display_in_invoice': ['feature_not_supported'] });
      // bill_fixed_charges_monthly and fixed_charges are billed since issue 16 point 5 (test/api/fixed-charges.test.ts).
      // With other problems, every one is named.
      await rejects(plan({ code: 'x', amount_cents: -1, charges: [charge('calls', { accepts_target_wallet: true })] }), {
        amount_cents: ['value_is_out_of_range'], 'charges.0.accepts_target_wallet': ['feature_not_supported'],
      });
    });

    test('a bad update changes nothing, even with valid parts', async () => {
      const res = await api.put('/plans/team', { plan: { name: 'Changed', tax_codes: ['vat_12_5'], charges: [charge('calls', { properties: { amount: 'x' } })] } });
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({ 'charges.0.properties.amount': ['invalid_amount'] });
    });

    test('unknown code', async () => {
      for (const res of [await api.get('/plans/nope'), await api.put('/plans/nope', { plan: { name: 'x' } }), await api.delete('/plans/nope')]) {
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ status: 404, error: 'Not Found', code: 'plan_not_found' });
      }
    });

    test('another organization sees none of these plans, and cannot use these metrics or taxes', async () => {
      const other = await createPlainTestApi(database.db, 'Other Org');
      before = await snapshot(database.db, CATALOG_TABLES);
      expect((await other.get('/plans/pro')).status).toBe(404);
      expect((await other.put('/plans/pro', { plan: { name: 'mine' } })).status).toBe(404);
      expect((await other.delete('/plans/pro')).status).toBe(404);
      expect((await other.get('/plans')).body.meta.total_count).toBe(0);
      const borrowed = await other.post('/plans', plan({ code: 'borrow', tax_codes: ['vat_12_5'], charges: [charge('calls')] }));
      expect(borrowed.status).toBe(422);
      expect(borrowed.body.error_details).toEqual({ 'charges.0.billable_metric_id': ['billable_metric_not_found'] });
      const taxed = await other.post('/plans', plan({ code: 'borrow', tax_codes: ['vat_12_5'] }));
      expect(taxed.body.error_details).toEqual({ tax_codes: ['tax_not_found'] });
    });
  });
});

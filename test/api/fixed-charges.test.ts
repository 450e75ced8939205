/**
 * Fixed charges through the API (issue 16 point 5): `fixed_charges` and `bill_fixed_charges_monthly`
 * on plans, `/plans/:code/fixed_charges[/:code]`, and the validation of
 * `/subscriptions/:external_id/fixed_charges[/:code]` (billing: test/workflows/fixed-charges.test.ts).
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;
const addOns: Record<string, string> = {};

const TIMESTAMP = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
const UUID = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
const FIXED_CHARGE_KEYS = [
  'add_on_code', 'charge_model', 'code', 'created_at', 'invoice_display_name', 'lago_add_on_id', 'lago_id', 'lago_parent_id', 'pay_in_advance',
  'properties', 'prorated', 'taxes', 'units',
];

const plan = (fields: Record<string, unknown>) => ({
  plan: { name: 'Plan', code: 'plan', interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false, ...fields },
});
const fixed = (addOn: string, fields: Record<string, unknown> = {}) => ({ add_on_id: addOns[addOn], charge_model: 'standard', units: 1, properties: { amount: '10' }, ...fields });

async function rejects(body: unknown, details: Record<string, string[]>, path = '/plans', method: 'post' | 'put' = 'post'): Promise<void> {
  const res = await api[method](path, body);
  expect({ status: res.status, body: res.body }).toEqual({ status: 422, body: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: details } });
}

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db);
  for (const code of ['seat', 'platform', 'support']) {
    const res = await api.post('/add_ons', { add_on: { name: `${code} name`, invoice_display_name: `${code} invoice`, code, amount_cents: 100, amount_currency: 'EUR' } });
    expect(res.status).toBe(200);
    addOns[code] = res.body.add_on.lago_id;
  }
  expect((await api.post('/taxes', { tax: { name: 'VAT 20%', code: 'vat_20', rate: '20' } })).status).toBe(200);
});
afterAll(async () => database.drop());

describe('fixed charges on plans', () => {
  test('stored and answered in Lago\'s shape', async () => {
    const res = await api.post('/plans', plan({
      code: 'seats', interval: 'yearly', bill_fixed_charges_monthly: true,
      fixed_charges: [
        fixed('seat', { invoice_display_name: 'Seats', units: 10, prorated: true, tax_codes: ['vat_20'] }),
        fixed('platform', { add_on_id: undefined, add_on_code: 'platform', code: 'platform_fee', pay_in_advance: true, units: 1, properties: { amount: '99.5' } }),
        fixed('support', { charge_model: 'volume', units: 12, properties: { volume_ranges: [
          { from_value: 0, to_value: 10, per_unit_amount: '5', flat_amount: '0' }, { from_value: 11, to_value: null, per_unit_amount: '4', flat_amount: '1' },
        ] } }),
      ],
    }));
    expect(res.status).toBe(200);
    expect(res.body.plan.bill_fixed_charges_monthly).toBe(true);
    const [seat, platform, support] = res.body.plan.fixed_charges;
    expect(Object.keys(seat).sort()).toEqual(FIXED_CHARGE_KEYS);
    expect(seat).toEqual({
      lago_id: UUID, lago_add_on_id: addOns.seat, invoice_display_name: 'Seats', add_on_code: 'seat', created_at: TIMESTAMP, code: 'seat',
      charge_model: 'standard', pay_in_advance: false, prorated: true, properties: { amount: '10' }, units: 10, lago_parent_id: null,
      taxes: [expect.objectContaining({ code: 'vat_20', rate: 20 })],
    });
    expect(platform).toMatchObject({ lago_add_on_id: addOns.platform, add_on_code: 'platform', code: 'platform_fee', pay_in_advance: true, units: 1, properties: { amount: '99.5' }, taxes: [] });
    expect(support).toMatchObject({ code: 'support', charge_model: 'volume', units: 12, properties: { volume_ranges: [
      { from_value: 0, to_value: 10, per_unit_amount: '5', flat_amount: '0' }, { from_value: 11, to_value: null, per_unit_amount: '4', flat_amount: '1' },
    ] } });
    expect((await api.get('/plans/seats')).body).toEqual(res.body);
  });

  test('bill_fixed_charges_monthly is kept for yearly and semiannual plans only', async () => {
    const monthly = await api.post('/plans', plan({ code: 'monthly_fixed', bill_fixed_charges_monthly: true }));
    expect(monthly.body.plan.bill_fixed_charges_monthly).toBeNull();
    const semiannual = await api.post('/plans', plan({ code: 'semiannual_fixed', interval: 'semiannual' }));
    expect(semiannual.body.plan.bill_fixed_charges_monthly).toBe(false);
  });

  test('PUT /plans updates an entry with id, creates one without, removes the others', async () => {
    const created = (await api.post('/plans', plan({ code: 'edit_fixed', fixed_charges: [fixed('seat', { units: 3 }), fixed('platform')] }))).body.plan;
    const [seat] = created.fixed_charges;
    const res = await api.put('/plans/edit_fixed', { plan: { fixed_charges: [{ id: seat.lago_id, units: 5 }, fixed('support', { code: 'support_2' })] } });
    expect(res.status).toBe(200);
    expect(res.body.plan.fixed_charges.map((charge: { lago_id: string; code: string; units: number; properties: unknown }) => [charge.lago_id === seat.lago_id, charge.code, charge.units, charge.properties]))
      .toEqual([[true, 'seat', 5, { amount: '10' }], [false, 'support_2', 1, { amount: '10' }]]);
    // Omitting fixed_charges leaves them as they are.
    expect((await api.put('/plans/edit_fixed', { plan: { name: 'Renamed' } })).body.plan.fixed_charges).toHaveLength(2);
  });

  test('invalid fixed charges are refused with each problem named, and nothing is written', async () => {
    const before = await database.db('fixed_charges').count('* as n').first();
    await rejects(plan({ code: 'bad', fixed_charges: [{ charge_model: 'standard', properties: { amount: '1' } }] }), { 'fixed_charges.0.add_on_id': ['value_is_mandatory'] });
    await rejects(plan({ code: 'bad', fixed_charges: [{ add_on_code: 'nope', charge_model: 'standard' }] }), { 'fixed_charges.0.add_on_code': ['add_on_not_found'] });
    await rejects(plan({ code: 'bad', fixed_charges: [fixed('seat', { properties: { amount: 'x' } })] }), { 'fixed_charges.0.properties.amount': ['invalid_amount'] });
    // Lago refuses a prorated graduated fixed charge paid in advance.
    await rejects(plan({ code: 'bad', fixed_charges: [fixed('seat', { charge_model: 'graduated', pay_in_advance: true, prorated: true, properties: { graduated_ranges: [
      { from_value: 0, to_value: null, per_unit_amount: '1', flat_amount: '0' },
    ] } })] }), { 'fixed_charges.0.prorated': ['value_is_invalid'] });
    await rejects(plan({ code: 'bad', fixed_charges: [fixed('seat', { code: 'dup' }), fixed('platform', { code: 'dup' })] }), { 'fixed_charges.1.code': ['value_already_exist'] });
    const model = await api.post('/plans', plan({ code: 'bad', fixed_charges: [fixed('seat', { charge_model: 'package' })] }));
    expect([model.status, Object.keys(model.body.error_details ?? {})]).toEqual([422, ['fixed_charges.0.charge_model']]);
    const units = await api.post('/plans', plan({ code: 'bad', fixed_charges: [fixed('seat', { units: -1 })] }));
    expect([units.status, Object.keys(units.body.error_details ?? {})]).toEqual([422, ['fixed_charges.0.units']]);
    expect(await database.db('fixed_charges').count('* as n').first()).toEqual(before);
    expect((await api.get('/plans/bad')).status).toBe(404);
  });
});

describe('/plans/:code/fixed_charges', () => {
  beforeAll(async () => {
    expect((await api.post('/plans', plan({ code: 'nested', fixed_charges: [fixed('seat', { units: 2 })] }))).status).toBe(200);
  });

  test('create, list, read, update and delete', async () => {
    const created = await api.post('/plans/nested/fixed_charges', { fixed_charge: { add_on_code: 'platform', charge_model: 'standard', units: '1.0', properties: { amount: '49' }, cascade_updates: false } });
    expect(created.status).toBe(200);
    expect(created.body.fixed_charge).toMatchObject({ code: 'platform', add_on_code: 'platform', units: 1, properties: { amount: '49' } });

    const list = await api.get('/plans/nested/fixed_charges');
    expect(list.body.fixed_charges.map((charge: { code: string }) => charge.code)).toEqual(['seat', 'platform']);
    expect(list.body.meta).toEqual({ current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: 2 });
    expect((await api.get('/plans/nested/fixed_charges/platform')).body).toEqual(created.body);

    const updated = await api.put('/plans/nested/fixed_charges/platform', { fixed_charge: { units: '3', properties: { amount: '50' } } });
    expect(updated.body.fixed_charge).toMatchObject({ lago_id: created.body.fixed_charge.lago_id, units: 3, properties: { amount: '50' } });

    const deleted = await api.delete('/plans/nested/fixed_charges/platform');
    expect(deleted.body.fixed_charge).toMatchObject({ lago_id: created.body.fixed_charge.lago_id, units: 3 });
    expect((await api.get('/plans/nested/fixed_charges/platform')).body).toEqual({ status: 404, error: 'Not Found', code: 'fixed_charge_not_found' });
    expect((await api.get('/plans/nested')).body.plan.fixed_charges.map((charge: { code: string }) => charge.code)).toEqual(['seat']);
  });

  test('problems are keyed by the fixed charge\'s own fields; fields of other models are refused', async () => {
    await rejects({ fixed_charge: { properties: { amount: 'x' } } }, { 'properties.amount': ['invalid_amount'] }, '/plans/nested/fixed_charges/seat', 'put');
    await rejects({ fixed_charge: { add_on_code: 'support', charge_model: 'standard', properties: { amount: '1', package_size: 10 } } }, { 'properties.package_size': ['feature_not_supported'] }, '/plans/nested/fixed_charges');
    expect((await api.get('/plans/nope/fixed_charges')).body.code).toBe('plan_not_found');
    expect((await api.put('/plans/nested/fixed_charges/nope', { fixed_charge: { units: 1 } })).body.code).toBe('fixed_charge_not_found');
  });
});

describe('/subscriptions/:external_id/fixed_charges', () => {
  test('a plan override (display name, properties, taxes) is refused, naming the field; an unknown subscription is 404', async () => {
    await rejects({ fixed_charge: { units: '2', invoice_display_name: 'Mine' } }, { invoice_display_name: ['feature_not_supported'] }, '/subscriptions/nope/fixed_charges/seat', 'put');
    await rejects({ fixed_charge: { units: '2', tax_codes: ['vat_20'] } }, { tax_codes: ['feature_not_supported'] }, '/subscriptions/nope/fixed_charges/seat', 'put');
    await rejects({ fixed_charge: { units: '2', properties: { amount: '1' } } }, { properties: ['feature_not_supported'] }, '/subscriptions/nope/fixed_charges/seat', 'put');
    expect((await api.put('/subscriptions/nope/fixed_charges/seat', { fixed_charge: { units: '2' } })).body.code).toBe('subscription_not_found');
    expect((await api.get('/subscriptions/nope/fixed_charges')).body.code).toBe('subscription_not_found');
  });
});

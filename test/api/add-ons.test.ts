import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { CATALOG_TABLES, keysOf, snapshot } from '../support/catalog';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;

const ADD_ON_KEYS = ['amount_cents', 'amount_currency', 'code', 'created_at', 'description', 'invoice_display_name', 'lago_id', 'name', 'taxes'].sort();
const addOn = (fields: Record<string, unknown> = {}) => ({ add_on: { name: 'Setup', code: 'setup', amount_cents: 50000, amount_currency: 'USD', ...fields } });

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db);
  await api.post('/taxes', { tax: { name: 'VAT', code: 'vat', rate: '20' } });
  await api.post('/taxes', { tax: { name: 'Local', code: 'local', rate: '1.5' } });
});
afterAll(async () => database.drop());

describe('add-ons', () => {
  test('an empty list has the zero meta', async () => {
    expect((await api.get('/add_ons')).body).toEqual({ add_ons: [], meta: { current_page: 0, next_page: null, prev_page: null, total_pages: 0, total_count: 0 } });
  });

  test('creates an add-on with taxes and reads it back', async () => {
    const res = await api.post('/add_ons', addOn({ invoice_display_name: 'Onboarding', description: 'One-time setup', tax_codes: ['vat'] }));
    expect(res.status).toBe(200);
    expect(keysOf(res.body.add_on)).toEqual(ADD_ON_KEYS);
    expect(res.body.add_on).toEqual({
      lago_id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'Setup', invoice_display_name: 'Onboarding', code: 'setup', amount_cents: 50000,
      amount_currency: 'USD', description: 'One-time setup', created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      taxes: [expect.objectContaining({ code: 'vat', rate: 20, add_ons_count: 1 })],
    });
    expect((await api.get('/add_ons/setup')).body).toEqual(res.body);
    expect((await api.get('/taxes/vat')).body.tax.add_ons_count).toBe(1);
  });

  test('defaults: no display name, no description, no taxes; JPY has no minor unit', async () => {
    const res = await api.post('/add_ons', addOn({ code: 'yen', amount_cents: 1200, amount_currency: 'JPY' }));
    expect(res.body.add_on).toMatchObject({ invoice_display_name: null, description: null, taxes: [], amount_cents: 1200, amount_currency: 'JPY' });
  });

  test('updates by code: only what is sent changes; tax_codes replace the taxes', async () => {
    const res = await api.put('/add_ons/setup', { add_on: { amount_cents: 60000, tax_codes: ['local'], invoice_display_name: null } });
    expect(res.status).toBe(200);
    expect(res.body.add_on).toMatchObject({ name: 'Setup', amount_cents: 60000, amount_currency: 'USD', invoice_display_name: null, description: 'One-time setup' });
    expect(res.body.add_on.taxes.map((t: { code: string }) => t.code)).toEqual(['local']);
    const kept = await api.put('/add_ons/setup', { add_on: { name: 'Setup fee' } });
    expect(kept.body.add_on.taxes.map((t: { code: string }) => t.code)).toEqual(['local']);
    const renamed = await api.put('/add_ons/yen', { add_on: { code: 'yen_fee' } });
    expect(renamed.body.add_on.code).toBe('yen_fee');
    expect((await api.get('/add_ons/yen')).status).toBe(404);
  });

  test('lists with pagination meta', async () => {
    for (const code of ['a', 'b', 'c']) await api.post('/add_ons', addOn({ code }));
    const res = await api.get('/add_ons?per_page=2&page=2');
    expect(res.body.meta).toEqual({ current_page: 2, next_page: 3, prev_page: 1, total_pages: 3, total_count: 5 });
    expect(res.body.add_ons.map((a: { code: string }) => a.code)).toEqual(['a', 'yen_fee']);
    for (const item of res.body.add_ons) expect(keysOf(item)).toEqual(ADD_ON_KEYS);
  });

  test('delete is soft, answers with the add-on and frees the code', async () => {
    const before = (await api.get('/add_ons/a')).body;
    const res = await api.delete('/add_ons/a');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(before);
    expect((await api.get('/add_ons/a')).body).toEqual({ status: 404, error: 'Not Found', code: 'add_on_not_found' });
    expect((await database.db('add_ons').where({ id: before.add_on.lago_id }).first()).deleted_at).toBeInstanceOf(Date);
    expect((await api.post('/add_ons', addOn({ code: 'a' }))).status).toBe(200);
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
      const res = await api.post('/add_ons', { name: 'x' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ status: 400, error: 'BadRequest: param is missing or the value is empty: add_on' });
    });

    test('missing fields', async () => {
      const res = await api.post('/add_ons', { add_on: { description: 'x' } });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        status: 422, error: 'Unprocessable Entity', code: 'validation_errors',
        error_details: { name: ['value_is_mandatory'], code: ['value_is_mandatory'], amount_cents: ['value_is_mandatory'], amount_currency: ['value_is_mandatory'] },
      });
    });

    test('wrong types', async () => {
      const res = await api.post('/add_ons', addOn({ code: 'x', amount_cents: '12.5', amount_currency: 'XXX', tax_codes: [1] }));
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({ amount_cents: ['value_is_invalid'], amount_currency: ['value_is_invalid'], 'tax_codes.0': ['value_is_invalid'] });
      const float = await api.post('/add_ons', addOn({ code: 'x', amount_cents: 10.5 }));
      expect(float.body.error_details).toEqual({ amount_cents: ['value_is_invalid'] });
      // Beyond 2^53 − 1 an amount cannot travel as an exact JSON number: refused, never a 500.
      for (const amount of ['9007199254740992', '99999999999999999999', 9007199254740992]) {
        const big = await api.post('/add_ons', addOn({ code: 'x', amount_cents: amount }));
        expect(big.status).toBe(422);
        expect(big.body.error_details).toEqual({ amount_cents: ['value_is_out_of_range'] });
      }
      expect((await api.post('/add_ons', addOn({ code: 'x', amount_cents: '1'.repeat(21) }))).body.error_details).toEqual({ amount_cents: ['value_is_invalid'] });
    });

    test('duplicate code, unknown tax', async () => {
      expect((await api.post('/add_ons', addOn())).body.error_details).toEqual({ code: ['value_already_exist'] });
      expect((await api.put('/add_ons/b', { add_on: { code: 'setup' } })).body.error_details).toEqual({ code: ['value_already_exist'] });
      expect((await api.post('/add_ons', addOn({ code: 'x', tax_codes: ['vat', 'nope'] }))).body.error_details).toEqual({ tax_codes: ['tax_not_found'] });
      expect((await api.put('/add_ons/b', { add_on: { name: 'changed', tax_codes: ['nope'] } })).body.error_details).toEqual({ tax_codes: ['tax_not_found'] });
    });

    test('unknown code', async () => {
      for (const res of [await api.get('/add_ons/nope'), await api.put('/add_ons/nope', addOn()), await api.delete('/add_ons/nope')]) {
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ status: 404, error: 'Not Found', code: 'add_on_not_found' });
      }
    });

    test('another organization sees none of these add-ons', async () => {
      const other = await createPlainTestApi(database.db, 'Other Org');
      before = await snapshot(database.db, CATALOG_TABLES);
      expect((await other.get('/add_ons/setup')).status).toBe(404);
      expect((await other.put('/add_ons/setup', addOn())).status).toBe(404);
      expect((await other.delete('/add_ons/setup')).status).toBe(404);
      expect((await other.get('/add_ons')).body.meta.total_count).toBe(0);
    });
  });
});

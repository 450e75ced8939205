import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { CATALOG_TABLES, keysOf, snapshot } from '../support/catalog';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;

const TAX_KEYS = [
  'add_ons_count', 'applied_to_organization', 'charges_count', 'code', 'commitments_count', 'created_at', 'customers_count',
  'description', 'lago_id', 'name', 'plans_count', 'rate',
].sort();

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db);
});
afterAll(async () => database.drop());

describe('taxes', () => {
  test('an empty list has the zero meta', async () => {
    const res = await api.get('/taxes');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ taxes: [], meta: { current_page: 0, next_page: null, prev_page: null, total_pages: 0, total_count: 0 } });
  });

  test('creates the walkthrough tax vat_12_5 and reads it back', async () => {
    const created = await api.post('/taxes', { tax: { name: 'VAT 12.5%', code: 'vat_12_5', rate: '12.5' } });
    expect(created.status).toBe(200);
    expect(keysOf(created.body.tax)).toEqual(TAX_KEYS);
    expect(created.body.tax).toMatchObject({
      name: 'VAT 12.5%', code: 'vat_12_5', rate: 12.5, description: null, applied_to_organization: false,
      add_ons_count: 0, customers_count: 0, plans_count: 0, charges_count: 0, commitments_count: 0,
    });
    expect(created.body.tax.lago_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.tax.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const read = await api.get('/taxes/vat_12_5');
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ tax: created.body.tax });
  });

  test('rates are JSON numbers, as Lago\'s TaxObject declares them', async () => {
    const res = await api.post('/taxes', { tax: { name: 'Twenty', code: 'twenty', rate: '20', description: 'Standard' } });
    expect(res.body.tax).toMatchObject({ rate: 20, description: 'Standard' });
    const number = await api.post('/taxes', { tax: { name: 'Zero', code: 'zero', rate: 0 } });
    expect(number.status).toBe(200);
    expect(number.body.tax.rate).toBe(0);
  });

  test('counts the customers, plans and charges using a tax', async () => {
    await api.post('/taxes', { tax: { name: 'Counted', code: 'counted', rate: '5' } });
    await api.post('/customers', { customer: { external_id: 'c1', tax_codes: ['counted'] } });
    await api.post('/plans', { plan: { name: 'P', code: 'counted_plan', interval: 'monthly', amount_cents: 100, amount_currency: 'USD', pay_in_advance: false, tax_codes: ['counted'] } });
    const res = await api.get('/taxes/counted');
    expect(res.body.tax).toMatchObject({ customers_count: 1, plans_count: 1, charges_count: 0, add_ons_count: 0 });
  });

  test('updates by code, including the code itself', async () => {
    await api.post('/taxes', { tax: { name: 'Old', code: 'old', rate: '1' } });
    const res = await api.put('/taxes/old', { tax: { name: 'New', code: 'new', rate: '2.25' } });
    expect(res.status).toBe(200);
    expect(res.body.tax).toMatchObject({ name: 'New', code: 'new', rate: 2.25 });
    expect((await api.get('/taxes/old')).status).toBe(404);
    expect((await api.get('/taxes/new')).body.tax.rate).toBe(2.25);
  });

  test('lists with pagination meta', async () => {
    const res = await api.get('/taxes?per_page=2&page=2');
    expect(res.status).toBe(200);
    const total = res.body.meta.total_count as number;
    expect(total).toBeGreaterThanOrEqual(5);
    expect(res.body.taxes).toHaveLength(2);
    expect(res.body.meta).toEqual({ current_page: 2, next_page: total > 4 ? 3 : null, prev_page: 1, total_pages: Math.ceil(total / 2), total_count: total });
    for (const tax of res.body.taxes) expect(keysOf(tax)).toEqual(TAX_KEYS);
  });

  test('deletes a tax, unlinks it, and answers with the tax', async () => {
    await api.post('/taxes', { tax: { name: 'Gone', code: 'gone', rate: '3' } });
    await api.post('/customers', { customer: { external_id: 'c2', tax_codes: ['gone'] } });
    const res = await api.delete('/taxes/gone');
    expect(res.status).toBe(200);
    expect(res.body.tax).toMatchObject({ code: 'gone', rate: 3, customers_count: 1 });
    expect((await api.get('/taxes/gone')).body).toEqual({ status: 404, error: 'Not Found', code: 'tax_not_found' });
    expect((await api.get('/customers/c2')).body.customer.taxes).toEqual([]);
    // The code is free again.
    expect((await api.post('/taxes', { tax: { name: 'Gone again', code: 'gone', rate: '3' } })).status).toBe(200);
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
      const res = await api.post('/taxes', { name: 'x' });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ status: 400, error: 'BadRequest: param is missing or the value is empty: tax' });
      expect((await api.put('/taxes/vat_12_5', {})).body.error).toBe('BadRequest: param is missing or the value is empty: tax');
    });

    test('missing fields', async () => {
      const res = await api.post('/taxes', { tax: { description: 'nothing else' } });
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        status: 422, error: 'Unprocessable Entity', code: 'validation_errors',
        error_details: { name: ['value_is_mandatory'], code: ['value_is_mandatory'], rate: ['value_is_mandatory'] },
      });
    });

    test.each([
      ['a float-like string with an exponent', '1e2', 'value_is_invalid'],
      ['a negative rate', '-1', 'value_is_invalid'],
      ['a blank rate', '', 'value_is_invalid'],
      ['words', 'twelve', 'value_is_invalid'],
      ['more than 100 %', '100.5', 'value_is_out_of_range'],
      ['more than five decimals', '1.123456', 'value_is_invalid'],
      ['a boolean', true, 'value_is_invalid'],
    ])('rate: %s', async (_label, rate, code) => {
      const res = await api.post('/taxes', { tax: { name: 'Bad', code: 'bad', rate } });
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({ rate: [code] });
    });

    test('wrong types', async () => {
      const res = await api.post('/taxes', { tax: { name: 12, code: ['x'], rate: '1', applied_to_organization: 'yes' } });
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({ name: ['value_is_invalid'], code: ['value_is_invalid'], applied_to_organization: ['value_is_invalid'] });
    });

    test('duplicate code on create and on update', async () => {
      const res = await api.post('/taxes', { tax: { name: 'Dup', code: 'vat_12_5', rate: '1' } });
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({ code: ['value_already_exist'] });
      const update = await api.put('/taxes/twenty', { tax: { code: 'vat_12_5' } });
      expect(update.status).toBe(422);
      expect(update.body.error_details).toEqual({ code: ['value_already_exist'] });
    });

    test('unknown code', async () => {
      for (const res of [await api.get('/taxes/nope'), await api.put('/taxes/nope', { tax: { name: 'x' } }), await api.delete('/taxes/nope')]) {
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ status: 404, error: 'Not Found', code: 'tax_not_found' });
      }
    });

    test('another organization sees none of these taxes', async () => {
      const other = await createPlainTestApi(database.db, 'Other Org');
      before = await snapshot(database.db, CATALOG_TABLES);
      expect((await other.get('/taxes/vat_12_5')).status).toBe(404);
      expect((await other.put('/taxes/vat_12_5', { tax: { name: 'mine' } })).status).toBe(404);
      expect((await other.delete('/taxes/vat_12_5')).status).toBe(404);
      expect((await other.get('/taxes')).body.meta.total_count).toBe(0);
    });
  });
});

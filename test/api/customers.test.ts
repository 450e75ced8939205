import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { CATALOG_TABLES, keysOf, snapshot } from '../support/catalog';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;

const CUSTOMER_KEYS = [
  'address_line1', 'address_line2', 'applicable_timezone', 'billing_configuration', 'city', 'country', 'created_at', 'currency', 'customer_type',
  'email', 'external_id', 'firstname', 'lago_id', 'lastname', 'legal_name', 'legal_number', 'logo_url', 'metadata', 'name', 'net_payment_term', 'phone',
  'sequential_id', 'shipping_address', 'slug', 'state', 'tax_identification_number', 'taxes', 'timezone', 'updated_at', 'url', 'zipcode',
].sort();
const codes = (list: { external_id: string }[]) => list.map((customer) => customer.external_id);

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db);
  await api.post('/taxes', { tax: { name: 'VAT 12.5%', code: 'vat_12_5', rate: '12.5' } });
  await api.post('/taxes', { tax: { name: 'Local', code: 'local', rate: '1' } });
});
afterAll(async () => database.drop());

describe('customers (catalog additions)', () => {
  test('an empty list has the zero meta', async () => {
    expect((await api.get('/customers')).body).toEqual({ customers: [], meta: { current_page: 0, next_page: null, prev_page: null, total_pages: 0, total_count: 0 } });
  });

  test('hybrid walkthrough customer: acme with vat_12_5 and stripe, taxes shown', async () => {
    const res = await api.post('/customers', {
      customer: { external_id: 'acme', name: 'Acme Inc', currency: 'USD', timezone: 'UTC', country: 'US', tax_codes: ['vat_12_5'], billing_configuration: { payment_provider: 'stripe' } },
    });
    expect(res.status).toBe(200);
    expect(keysOf(res.body.customer)).toEqual(CUSTOMER_KEYS);
    expect(res.body.customer.billing_configuration.payment_provider).toBe('stripe');
    expect(res.body.customer.taxes).toEqual([{
      lago_id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: 'VAT 12.5%', code: 'vat_12_5', rate: 12.5, description: null, applied_to_organization: false,
      add_ons_count: 0, customers_count: 1, plans_count: 0, charges_count: 0, commitments_count: 0, created_at: expect.stringMatching(/Z$/),
    }]);
    expect((await api.get('/customers/acme')).body).toEqual(res.body);
    const updated = await api.post('/customers', { customer: { external_id: 'acme', tax_codes: ['local', 'vat_12_5'] } });
    expect(updated.body.customer.taxes.map((t: { code: string }) => t.code)).toEqual(['local', 'vat_12_5']);
  });

  test('billing configuration and shipping address: the keys sent replace those stored, the others are kept', async () => {
    await api.post('/customers', { customer: { external_id: 'shipper', billing_configuration: { payment_provider: 'stripe', provider_customer_id: 'cus_1' }, shipping_address: { city: 'Lyon', country: 'fr' } } });
    const res = await api.post('/customers', { customer: { external_id: 'shipper', billing_configuration: { provider_customer_id: 'cus_2', document_locale: 'en' }, shipping_address: { zipcode: '69001' } } });
    expect(res.status).toBe(200);
    expect(res.body.customer.billing_configuration).toMatchObject({ payment_provider: 'stripe', provider_customer_id: 'cus_2', document_locale: 'en' });
    expect(res.body.customer.shipping_address).toEqual({ address_line1: null, address_line2: null, city: 'Lyon', state: null, zipcode: '69001', country: 'FR' });
    expect((await api.get('/customers/shipper')).body.customer.shipping_address).toEqual(res.body.customer.shipping_address);
    expect((await api.delete('/customers/shipper')).status).toBe(200); // out of the lists below
  });

  test('fair-seats walkthrough customer: airbnb, EUR, no tax', async () => {
    const res = await api.post('/customers', { customer: { external_id: 'airbnb', name: 'Airbnb', currency: 'EUR', timezone: 'UTC', country: 'fr' } });
    expect(res.body.customer).toMatchObject({ external_id: 'airbnb', currency: 'EUR', timezone: 'UTC', country: 'FR', taxes: [] });
  });

  test('list filters: search_term, currencies[], countries[]', async () => {
    await api.post('/customers', { customer: { external_id: 'globex', name: 'Globex 100%_done', email: 'billing@globex.test', currency: 'USD', country: 'DE' } });
    await api.post('/customers', { customer: { external_id: 'initech', firstname: 'Bill', lastname: 'Lumbergh', currency: 'GBP' } });
    expect(codes((await api.get('/customers')).body.customers)).toEqual(['initech', 'globex', 'airbnb', 'acme']);
    expect(codes((await api.get('/customers?search_term=GLOBEX.test')).body.customers)).toEqual(['globex']);
    expect(codes((await api.get('/customers?search_term=lumb')).body.customers)).toEqual(['initech']);
    expect(codes((await api.get('/customers?search_term=acm')).body.customers)).toEqual(['acme']);
    expect(codes((await api.get('/customers?search_term=100%25_')).body.customers)).toEqual(['globex']);
    expect(codes((await api.get('/customers?search_term=%25')).body.customers)).toEqual(['globex']);
    expect(codes((await api.get('/customers?currencies[]=USD&currencies[]=EUR')).body.customers)).toEqual(['globex', 'airbnb', 'acme']);
    expect(codes((await api.get('/customers?currencies[]=usd&countries[]=DE')).body.customers)).toEqual(['globex']);
    const page = await api.get('/customers?currencies[]=USD&currencies[]=EUR&per_page=2&page=2');
    expect(page.body.meta).toEqual({ current_page: 2, next_page: null, prev_page: 1, total_pages: 2, total_count: 3 });
    expect(codes(page.body.customers)).toEqual(['acme']);
    expect((await api.get('/customers?search_term=nothing-matches')).body.meta).toEqual({ current_page: 0, next_page: null, prev_page: null, total_pages: 0, total_count: 0 });
    const listed = (await api.get('/customers')).body.customers.find((c: { external_id: string }) => c.external_id === 'acme');
    expect(listed.taxes.map((t: { code: string }) => t.code)).toEqual(['local', 'vat_12_5']);
  });

  test('delete is soft, answers with the customer, terminates its applied coupons, frees the external id', async () => {
    await api.post('/customers', { customer: { external_id: 'leaving', currency: 'USD', tax_codes: ['local'] } });
    await api.post('/coupons', { coupon: { name: 'C', code: 'c', coupon_type: 'percentage', percentage_rate: '5', frequency: 'forever' } });
    const applied = await api.post('/applied_coupons', { applied_coupon: { external_customer_id: 'leaving', coupon_code: 'c' } });
    const before = (await api.get('/customers/leaving')).body;
    const res = await api.delete('/customers/leaving');
    expect(res.status).toBe(200);
    // The deleted customer as it was (its updated_at moves with the deletion).
    expect({ ...res.body.customer, updated_at: null }).toEqual({ ...before.customer, updated_at: null });
    expect((await api.get('/customers/leaving')).body).toEqual({ status: 404, error: 'Not Found', code: 'customer_not_found' });
    const row = await database.db('customers').where({ id: before.customer.lago_id }).first();
    expect(row.deleted_at).toBeInstanceOf(Date);
    const coupon = await database.db('applied_coupons').where({ id: applied.body.applied_coupon.lago_id }).first();
    expect(coupon).toMatchObject({ status: 'terminated' });
    expect(codes((await api.get('/customers')).body.customers)).not.toContain('leaving');
    const again = await api.post('/customers', { customer: { external_id: 'leaving' } });
    expect(again.status).toBe(200);
    expect(again.body.customer.lago_id).not.toBe(before.customer.lago_id);
    expect(again.body.customer.taxes).toEqual([]);
  });

  describe('errors change nothing', () => {
    let before: string;
    beforeEach(async () => {
      before = await snapshot(database.db, CATALOG_TABLES);
    });
    afterEach(async () => {
      expect(await snapshot(database.db, CATALOG_TABLES)).toBe(before);
    });

    test('unknown tax code', async () => {
      const res = await api.post('/customers', { customer: { external_id: 'acme', tax_codes: ['nope'] } });
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({ tax_codes: ['tax_not_found'] });
    });

    test('a customer whose live subscription cannot be ended now (no workflow answers) is not deleted: 503', async () => {
      // Ending subscriptions through their workflows, then deleting, is tested on the real worker (test/workflows/deletions.test.ts).
      const plan = await api.post('/plans', { plan: { name: 'P', code: 'p', interval: 'monthly', amount_cents: 100, amount_currency: 'USD', pay_in_advance: false } });
      const customer = (await api.get('/customers/airbnb')).body.customer;
      await database.db('subscriptions').insert({
        organization_id: api.organization.id, customer_id: customer.lago_id, plan_id: plan.body.plan.lago_id, external_id: 'airbnb-p', status: 'active',
        billing_time: 'calendar', subscription_at: new Date(), started_at: new Date(), workflow_id: 'subscription/x/airbnb-p',
      });
      before = await snapshot(database.db, CATALOG_TABLES);
      const res = await api.delete('/customers/airbnb');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 503, error: 'Service Unavailable', code: 'subscriptions_still_active' });
    });

    test('unknown customer', async () => {
      for (const res of [await api.delete('/customers/nobody'), await api.get('/customers/nobody'), await api.get('/customers/nobody/applied_coupons')]) {
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ status: 404, error: 'Not Found', code: 'customer_not_found' });
      }
    });

    test('another organization cannot read, list or delete these customers', async () => {
      const other = await createPlainTestApi(database.db, 'Other Org');
      before = await snapshot(database.db, CATALOG_TABLES);
      expect((await other.get('/customers/acme')).status).toBe(404);
      expect((await other.delete('/customers/acme')).status).toBe(404);
      expect((await other.get('/customers/acme/applied_coupons')).status).toBe(404);
      expect((await other.get('/customers?search_term=acme')).body.meta.total_count).toBe(0);
    });
  });
});

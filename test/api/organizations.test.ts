/**
 * `GET/PUT /organizations`: Lago's organization object; settings honoured for what is computed
 * after the change (an invoice issued before keeps its number and due date, one issued after takes
 * the new ones, at once); the timezone locked while a subscription bills in it; `webhook_url` as
 * the first endpoint; what Billow does not do refused with `feature_not_supported`, writing nothing.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { seedCustomer, snapshotTables } from '../support/money';
import { seedPlan, seedSubscription } from '../support/ledger';
import { organizationHmacKey } from '../../src/services/organizations';

type Api = Awaited<ReturnType<typeof createPlainTestApi>>;
let database: TestDatabase;
let api: Api;
let other: Api;
const NOW = Date.parse('2027-06-01T10:00:00Z');
const TABLES = ['organizations', 'webhook_endpoints', 'taxes'];

const ORGANIZATION_KEYS = [
  'address_line1', 'address_line2', 'billing_configuration', 'city', 'country', 'created_at', 'default_currency', 'document_number_prefix',
  'document_numbering', 'email', 'email_settings', 'events_store', 'finalize_zero_amount_invoice', 'lago_id', 'late_usage', 'legal_name', 'legal_number', 'name',
  'net_payment_term', 'state', 'tax_identification_number', 'taxes', 'timezone', 'webhook_url', 'webhook_urls', 'zipcode',
].sort();

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Settings Co', { now: () => NOW });
  other = await createPlainTestApi(database.db, 'Other Co', { now: () => NOW });
  await seedCustomer(database.db, api.organization.id, 'buyer');
  await api.post('/add_ons', { add_on: { name: 'Setup', code: 'setup', amount_cents: 5000, amount_currency: 'EUR' } });
});
afterAll(async () => database?.drop());

describe('GET /organizations', () => {
  test("the key's organization in Lago's shape, with the settings Billow fixes and the taxes applied to it", async () => {
    // Billow refuses organization-wide taxes (they would be left off invoices: docs/lago-compatibility.md), so
    // the list shows only a tax stored with the flag before that (set here in the database).
    const refused = await api.post('/taxes', { tax: { name: 'VAT', code: 'vat', rate: '20', applied_to_organization: true } });
    expect(refused.body).toEqual({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { applied_to_organization: ['feature_not_supported'] } });
    expect((await api.post('/taxes', { tax: { name: 'VAT', code: 'vat', rate: '20' } })).status).toBe(200);
    await database.db('taxes').where({ organization_id: api.organization.id, code: 'vat' }).update({ applied_to_organization: true });
    await api.post('/taxes', { tax: { name: 'Other', code: 'other', rate: '5' } });
    const { organization } = (await api.get('/organizations')).body;
    expect(Object.keys(organization).sort()).toEqual(ORGANIZATION_KEYS);
    expect(organization).toMatchObject({
      lago_id: api.organization.id, name: 'Settings Co', timezone: 'UTC', net_payment_term: 0, default_currency: 'USD', country: 'FR',
      document_numbering: 'per_customer', document_number_prefix: api.organization.document_number_prefix,
      webhook_url: null, webhook_urls: [], email_settings: [], finalize_zero_amount_invoice: true, events_store: 'postgres', late_usage: 'next_invoice',
      billing_configuration: { invoice_footer: 'Billow test footer', invoice_grace_period: 0, document_locale: 'en' },
    });
    expect(organization.taxes.map((tax: { code: string }) => tax.code)).toEqual(['vat']);
    expect(JSON.stringify(organization)).not.toContain(await organizationHmacKey(database.db, api.organization.id));
    expect((await other.get('/organizations')).body.organization).toMatchObject({ lago_id: other.organization.id, name: 'Other Co', taxes: [] });
  });
});

describe('PUT /organizations', () => {
  test('changes apply to what is computed afterwards: an invoice issued before keeps its number and due date', async () => {
    const before = (await api.post('/invoices', { invoice: { external_customer_id: 'buyer', fees: [{ add_on_code: 'setup' }] } })).body.invoice;
    // Per customer: <prefix>-<customer 001>-<invoice 001>; net term 0: due the day it is issued.
    expect(before).toMatchObject({ number: `${api.organization.document_number_prefix}-001-001`, issuing_date: '2027-06-01', payment_due_date: '2027-06-01' });

    const response = await api.put('/organizations', { organization: {
      net_payment_term: 30, document_number_prefix: 'acme-x', default_currency: 'eur', country: 'de', email: 'billing@acme.test', city: 'Berlin',
      legal_name: 'Acme GmbH', billing_configuration: { invoice_footer: 'Danke.' },
    } });
    expect(response.status).toBe(200);
    expect(response.body.organization).toMatchObject({
      net_payment_term: 30, document_number_prefix: 'ACME-X', default_currency: 'EUR', country: 'DE', email: 'billing@acme.test', city: 'Berlin',
      legal_name: 'Acme GmbH', billing_configuration: { invoice_footer: 'Danke.', invoice_grace_period: 0, document_locale: 'en' },
    });

    // The very next request: the new prefix, and 2027-06-01 + 30 days = 2027-07-01.
    const after = (await api.post('/invoices', { invoice: { external_customer_id: 'buyer', fees: [{ add_on_code: 'setup' }] } })).body.invoice;
    expect(after).toMatchObject({ number: 'ACME-X-001-002', issuing_date: '2027-06-01', payment_due_date: '2027-07-01', net_payment_term: 30 });
    expect((await api.get(`/invoices/${before.lago_id}`)).body.invoice).toMatchObject({ number: before.number, payment_due_date: '2027-06-01' });
    // The customer's slug follows the prefix.
    expect((await api.get('/customers/buyer')).body.customer.slug).toBe('ACME-X-001');
  });

  test('numbered per customer, no organization-wide sequence is taken; switching to per_organization continues from the invoices numbered so far', async () => {
    const numbering = await createPlainTestApi(database.db, 'Numbering Co', { now: () => NOW });
    const organizationId = numbering.organization.id;
    const prefix = numbering.organization.document_number_prefix;
    await seedCustomer(database.db, organizationId, 'first');
    await seedCustomer(database.db, organizationId, 'second');
    await numbering.post('/add_ons', { add_on: { name: 'Setup', code: 'setup', amount_cents: 5000, amount_currency: 'EUR' } }).expect(200);
    const issue = async (customer: string) => (await numbering.post('/invoices', { invoice: { external_customer_id: customer, fees: [{ add_on_code: 'setup' }] } }).expect(200)).body.invoice;
    const organizationSequence = async () => (await database.db('sequence_counters').where({ organization_id: organizationId, scope: 'invoices' }).first())?.value;

    // Per customer (the default): <prefix>-<customer>-<invoice of that customer>, and no organization counter row at all.
    expect([(await issue('first')).number, (await issue('first')).number, (await issue('second')).number]).toEqual([`${prefix}-001-001`, `${prefix}-001-002`, `${prefix}-002-001`]);
    expect(await organizationSequence()).toBeUndefined();

    // Three invoices numbered so far: per organization, the next is the fourth of June 2027, then the fifth.
    await numbering.put('/organizations', { organization: { document_numbering: 'per_organization' } }).expect(200);
    expect([(await issue('second')).number, (await issue('first')).number]).toEqual([`${prefix}-202706-004`, `${prefix}-202706-005`]);
    // Back per customer: each customer's own sequence went on counting (first had 2, now 3 with the fifth).
    await numbering.put('/organizations', { organization: { document_numbering: 'per_customer' } }).expect(200);
    expect((await issue('first')).number).toBe(`${prefix}-001-004`);
    // Six numbered: per organization again, the seventh.
    await numbering.put('/organizations', { organization: { document_numbering: 'per_organization' } }).expect(200);
    expect((await issue('second')).number).toBe(`${prefix}-202706-007`);
  });

  test('webhook_url is the first endpoint: created when there is none, changed afterwards', async () => {
    const first = await api.put('/organizations', { organization: { webhook_url: 'https://hooks.acme.test/one' } });
    expect(first.body.organization).toMatchObject({ webhook_url: 'https://hooks.acme.test/one', webhook_urls: ['https://hooks.acme.test/one'] });
    const second = await api.put('/organizations', { organization: { webhook_url: 'https://hooks.acme.test/two' } });
    expect(second.body.organization.webhook_urls).toEqual(['https://hooks.acme.test/two']);
    const endpoints = (await api.get('/webhook_endpoints')).body.webhook_endpoints;
    expect(endpoints).toEqual([expect.objectContaining({ webhook_url: 'https://hooks.acme.test/two', signature_algo: 'jwt', event_types: null })]);
  });

  test('what Billow does is accepted as it is; any other choice is refused with feature_not_supported, writing nothing', async () => {
    const accepted = await api.put('/organizations', { organization: {
      email_settings: [], finalize_zero_amount_invoice: true, billing_configuration: { invoice_grace_period: 0, document_locale: 'en' },
    } });
    expect(accepted.status).toBe(200);
    const before = await snapshotTables(database.db, TABLES);
    const refusals: [Record<string, unknown>, string][] = [
      [{ email_settings: ['invoice.finalized'] }, 'email_settings'],
      [{ billing_configuration: { document_locale: 'fr' } }, 'billing_configuration.document_locale'],
      [{ finalize_zero_amount_invoice: false }, 'finalize_zero_amount_invoice'],
    ];
    for (const [body, field] of refusals) {
      // A valid change beside the refused one is not applied either.
      const response = await api.put('/organizations', { organization: { ...body, net_payment_term: 7 } });
      expect({ field, status: response.status, body: response.body }).toEqual({
        field, status: 422, body: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { [field]: ['feature_not_supported'] } },
      });
    }
    expect(await snapshotTables(database.db, TABLES)).toBe(before);
  });

  test('bad values are a 422 naming them (400 without the root), writing nothing', async () => {
    const before = await snapshotTables(database.db, TABLES);
    const bad: [Record<string, unknown>, string][] = [
      [{ document_number_prefix: '' }, 'document_number_prefix'],
      [{ document_number_prefix: 'ELEVEN-CHAR' }, 'document_number_prefix'],
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
      [{ net_payment_term: -1 }, 'net_payment_term'],
      [{ default_currency: 'EURO' }, 'default_currency'],
      [{ document_numbering: 'per_planet' }, 'document_numbering'],
      [{ webhook_url: 'ftp://x' }, 'webhook_url'],
      [{ email: 'not an email' }, 'email'],
      [{ country: 'DEU' }, 'country'],
      [{ billing_configuration: { invoice_footer: 'x'.repeat(601) } }, 'billing_configuration.invoice_footer'],
      [{ billing_configuration: { invoice_grace_period: -1 } }, 'billing_configuration.invoice_grace_period'],
      [{ billing_configuration: { invoice_grace_period: 366 } }, 'billing_configuration.invoice_grace_period'],
      [{ late_usage: 'sometimes' }, 'late_usage'],
    ];
    for (const [body, field] of bad) {
      const response = await api.put('/organizations', { organization: body });
      expect({ field, status: response.status, fields: Object.keys(response.body.error_details ?? {}) }).toEqual({ field, status: 422, fields: [field] });
    }
    expect((await api.put('/organizations', { nope: {} })).status).toBe(400);
    expect(await snapshotTables(database.db, TABLES)).toBe(before);
  });

  test("the timezone cannot change while a subscription bills in it; it can once its customer has its own", async () => {
    const customer = await seedCustomer(database.db, api.organization.id, 'tz_customer', { timezone: null });
    const plan = await seedPlan(database.db, api.organization.id, 'tz_plan', { interval: 'monthly', amountCents: 1000n });
    await seedSubscription(database.db, customer, plan, 'tz_sub', { startedAt: '2027-05-01T00:00:00Z' });
    const before = await snapshotTables(database.db, TABLES);
    const refused = await api.put('/organizations', { organization: { timezone: 'Europe/Paris' } });
    expect(refused.body).toEqual({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { timezone: ['cannot_change_with_active_subscriptions'] } });
    expect(await snapshotTables(database.db, TABLES)).toBe(before);
    // The same timezone again is no change.
    expect((await api.put('/organizations', { organization: { timezone: 'UTC' } })).status).toBe(200);
    await api.post('/customers', { customer: { external_id: 'tz_customer', timezone: 'America/New_York' } });
    const changed = await api.put('/organizations', { organization: { timezone: 'Europe/Paris' } });
    expect(changed.body.organization.timezone).toBe('Europe/Paris');
    // Another organization is untouched by all of this.
    expect((await other.get('/organizations')).body.organization).toMatchObject({ timezone: 'UTC', net_payment_term: 0, webhook_urls: [] });
  });
});

/** Invoices: one-off invoices of add-ons, payment status and metadata, finalize, void, delete, list filters. */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { seedAddOn, seedCustomer, seedInvoice, seedTax, snapshotTables } from '../support/money';
import type { CustomerRow } from '../../src/db/customers';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;
let other: Awaited<ReturnType<typeof createPlainTestApi>>;
let acme: CustomerRow;
let setupAddOnId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  api = await createPlainTestApi(db, 'Money Corp');
  other = await createPlainTestApi(db, 'Other Corp');
  const org = api.organization.id;
  const vat20 = await seedTax(db, org, 'vat20', '20');
  const vat10 = await seedTax(db, org, 'vat10', '10');
  const vat5 = await seedTax(db, org, 'vat5', '5');
  acme = await seedCustomer(db, org, 'acme');
  await db('customer_taxes').insert({ owner_id: acme.id, tax_id: vat5.id });
  setupAddOnId = (await seedAddOn(db, org, 'setup', 1050n)).id;
  await seedAddOn(db, org, 'support', 1000n, 'EUR', [vat10.id]);
  await seedAddOn(db, org, 'usd_thing', 500n, 'USD');
  void vat20;
  await seedAddOn(db, other.organization.id, 'foreign', 100n);
  await seedCustomer(db, other.organization.id, 'acme');
});
afterAll(async () => database?.drop());

const oneOff = (fees: unknown[], extra: Record<string, unknown> = {}) => ({ invoice: { external_customer_id: 'acme', currency: 'EUR', fees, ...extra } });

describe('POST /invoices (one-off)', () => {
  test('2 × 1050 cents at 20 %: fees 2100, tax 420, total 2520', async () => {
    const res = await api.post('/invoices', oneOff([{ add_on_code: 'setup', units: 2, tax_codes: ['vat20'] }]));
    expect(res.status).toBe(200);
    const invoice = res.body.invoice;
    // 2 × 1050 = 2100; 2100 × 20 % = 420; 2100 + 420 = 2520.
    expect(invoice).toMatchObject({
      invoice_type: 'one_off', status: 'finalized', payment_status: 'pending', currency: 'EUR',
      fees_amount_cents: 2100, taxes_amount_cents: 420, coupons_amount_cents: 0, credit_notes_amount_cents: 0, prepaid_credit_amount_cents: 0,
      sub_total_excluding_taxes_amount_cents: 2100, sub_total_including_taxes_amount_cents: 2520, total_amount_cents: 2520,
      total_due_amount_cents: 2520, total_paid_amount_cents: 0, sequential_id: 1, metadata: [], credits: [],
      number: `${api.organization.document_number_prefix}-001-001`,
    });
    expect(invoice.applied_taxes).toEqual([expect.objectContaining({ tax_code: 'vat20', tax_name: 'Tax vat20', tax_rate: 20, amount_cents: 420, fees_amount_cents: 2100, amount_currency: 'EUR' })]);
    expect(invoice.fees).toHaveLength(1);
    expect(invoice.fees[0]).toMatchObject({
      amount_cents: 2100, unit_amount_cents: 1050, units: '2.0', precise_unit_amount: '10.5', taxes_amount_cents: 420, taxes_rate: 20,
      total_amount_cents: 2520, amount_currency: 'EUR', pay_in_advance: false,
      item: { type: 'add_on', code: 'setup', name: 'Add-on setup', description: 'About setup', invoice_display_name: 'Add-on setup', lago_item_id: setupAddOnId, item_type: 'AddOn' },
    });
    expect(invoice.fees[0].applied_taxes).toEqual([expect.objectContaining({ tax_code: 'vat20', tax_rate: 20 })]);
  });

  test('units × a given unit amount is rounded once; an empty tax_codes list means untaxed', async () => {
    // 1.5 × 333 = 499.5 → 500 (half away from zero); tax_codes [] overrides the customer's 5 %.
    const res = await api.post('/invoices', oneOff([{ add_on_code: 'setup', units: '1.5', unit_amount_cents: 333, tax_codes: [], description: 'Half day', invoice_display_name: 'Onboarding' }]));
    expect(res.status).toBe(200);
    expect(res.body.invoice).toMatchObject({ fees_amount_cents: 500, taxes_amount_cents: 0, total_amount_cents: 500, applied_taxes: [] });
    expect(res.body.invoice.fees[0]).toMatchObject({ units: '1.5', unit_amount_cents: 333, amount_cents: 500, item: { description: 'Half day', invoice_display_name: 'Onboarding' } });
  });

  test('taxes default to the add-on\'s, then to the customer\'s', async () => {
    const res = await api.post('/invoices', oneOff([{ add_on_code: 'support' }, { add_on_code: 'setup' }]));
    expect(res.status).toBe(200);
    // support: 1000 at the add-on's 10 % = 100; setup: 1050 at the customer's 5 % = 52.5;
    // invoice tax = round(100 + 52.5) = round(152.5) = 153; total 2050 + 153 = 2203.
    expect(res.body.invoice).toMatchObject({ fees_amount_cents: 2050, taxes_amount_cents: 153, total_amount_cents: 2203 });
    const byCode = Object.fromEntries(res.body.invoice.fees.map((f: { item: { code: string }; taxes_rate: number }) => [f.item.code, f.taxes_rate]));
    expect(byCode).toEqual({ support: 10, setup: 5 });
    expect(res.body.invoice.applied_taxes.map((t: { tax_code: string; amount_cents: number }) => [t.tax_code, t.amount_cents]).sort()).toEqual([['vat10', 100], ['vat5', 53]]);
  });

  test('the currency defaults to the customer\'s', async () => {
    const res = await api.post('/invoices', { invoice: { external_customer_id: 'acme', fees: [{ add_on_code: 'setup', tax_codes: [] }] } });
    expect(res.status).toBe(200);
    expect(res.body.invoice).toMatchObject({ currency: 'EUR', total_amount_cents: 1050 });
  });

  test('the same Idempotency-Key returns the first invoice; another key numbers the next one', async () => {
    const body = oneOff([{ add_on_code: 'setup', tax_codes: [] }]);
    const first = await api.post('/invoices', body).set('Idempotency-Key', 'order-42');
    const again = await api.post('/invoices', body).set('Idempotency-Key', 'order-42');
    expect(again.status).toBe(200);
    expect(again.body.invoice.lago_id).toBe(first.body.invoice.lago_id);
    expect(await database.db('invoices').where({ idempotency_key: 'one_off:order-42' })).toHaveLength(1);
    const next = await api.post('/invoices', body).set('Idempotency-Key', 'order-43');
    expect(next.body.invoice.sequential_id).toBe(first.body.invoice.sequential_id + 1);
  });

  test('client mistakes answer 400/404/422 and write nothing', async () => {
    const before = await snapshotTables(database.db);
    const cases: [unknown, number, unknown][] = [
      [{}, 400, { status: 400, error: 'BadRequest: param is missing or the value is empty: invoice' }],
      [{ invoice: { external_customer_id: 'acme' } }, 422, { fees: ['value_is_mandatory'] }],
      [oneOff([]), 422, { fees: ['value_is_mandatory'] }],
      [oneOff([{}]), 422, { 'fees.0.add_on_code': ['value_is_mandatory'] }],
      [oneOff([{ add_on_code: 'setup', units: 'abc' }]), 422, { 'fees.0.units': ['value_is_invalid'] }],
      [oneOff([{ add_on_code: 'setup', units: 0 }]), 422, { 'fees.0.units': ['value_is_out_of_range'] }],
      [oneOff([{ add_on_code: 'setup', unit_amount_cents: -5 }]), 422, { 'fees.0.unit_amount_cents': ['value_is_out_of_range'] }],
      [oneOff([{ add_on_code: 'setup' }], { currency: 'ZZZ' }), 422, { currency: ['value_is_invalid'] }],
      [oneOff([{ add_on_code: 'usd_thing' }]), 422, { currency: ['currencies_does_not_match'] }],
      [oneOff([{ add_on_code: 'setup' }], { external_customer_id: 'nobody' }), 404, 'customer_not_found'],
      [oneOff([{ add_on_code: 'nothing' }]), 404, 'add_on_not_found'],
      [oneOff([{ add_on_code: 'foreign' }]), 404, 'add_on_not_found'],
      [oneOff([{ add_on_code: 'setup', tax_codes: ['nope'] }]), 404, 'tax_not_found'],
    ];
    for (const [body, status, expected] of cases) {
      const res = await api.post('/invoices', body);
      expect({ body, status: res.status }).toEqual({ body, status });
      if (status === 422) expect(res.body).toEqual({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: expected });
      else if (status === 404) expect(res.body).toEqual({ status: 404, error: 'Not Found', code: expected });
      else expect(res.body).toEqual(expected);
    }
    expect(await snapshotTables(database.db)).toBe(before);
  });
});

describe('invoice actions', () => {
  test('PUT sets the payment status and the metadata', async () => {
    const { invoice } = await seedInvoice(database.db, api.organization, acme, { fees: [{ amountCents: 1000n }] });
    const paid = await api.put(`/invoices/${invoice.id}`, { invoice: { payment_status: 'succeeded', metadata: [{ key: 'po', value: 'PO-1' }] } });
    expect(paid.status).toBe(200);
    expect(paid.body.invoice).toMatchObject({ payment_status: 'succeeded', total_paid_amount_cents: 1000, total_due_amount_cents: 0 });
    expect(paid.body.invoice.metadata).toEqual([{ lago_id: expect.stringMatching(/^[0-9a-f-]{36}$/), key: 'po', value: 'PO-1', created_at: expect.stringMatching(/Z$/) }]);
    const firstId = paid.body.invoice.metadata[0].lago_id;
    // The same key keeps its id; the list replaces the metadata.
    const again = await api.put(`/invoices/${invoice.id}`, { invoice: { metadata: [{ key: 'po', value: 'PO-2' }, { key: 'ref', value: 'x' }] } });
    expect(again.body.invoice.metadata).toEqual([
      expect.objectContaining({ lago_id: firstId, key: 'po', value: 'PO-2' }),
      expect.objectContaining({ key: 'ref', value: 'x' }),
    ]);
    expect(again.body.invoice.payment_status).toBe('succeeded');
    const read = await api.get(`/invoices/${invoice.id}`);
    expect(read.body.invoice.metadata).toEqual(again.body.invoice.metadata);
  });

  test('PUT refuses bad input, unknown invoices and drafts', async () => {
    const { invoice } = await seedInvoice(database.db, api.organization, acme, { fees: [{ amountCents: 1000n }] });
    const { invoice: draft } = await seedInvoice(database.db, api.organization, acme, { fees: [{ amountCents: 1000n }], status: 'draft' });
    const before = await snapshotTables(database.db);
    expect((await api.put(`/invoices/${invoice.id}`, {})).status).toBe(400);
    const bad = await api.put(`/invoices/${invoice.id}`, { invoice: { payment_status: 'paid' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error_details).toEqual({ payment_status: ['value_is_invalid'] });
    const tooMany = await api.put(`/invoices/${invoice.id}`, { invoice: { metadata: [1, 2, 3, 4, 5, 6].map((i) => ({ key: `k${i}`, value: 'v' })) } });
    expect(tooMany.body.error_details).toEqual({ metadata: ['invalid_count'] });
    const onDraft = await api.put(`/invoices/${draft.id}`, { invoice: { payment_status: 'succeeded' } });
    expect(onDraft.status).toBe(405);
    expect(onDraft.body).toEqual({ status: 405, error: 'Method Not Allowed', code: 'payment_status_update_on_draft_invoice' });
    for (const id of ['00000000-0000-0000-0000-000000000000', 'not-a-uuid']) {
      const res = await api.put(`/invoices/${id}`, { invoice: { payment_status: 'succeeded' } });
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('invoice_not_found');
    }
    const foreign = await other.put(`/invoices/${invoice.id}`, { invoice: { payment_status: 'succeeded' } });
    expect(foreign.status).toBe(404);
    expect(await snapshotTables(database.db)).toBe(before);
  });

  test('finalize: draft only, anything else is a 404', async () => {
    const { invoice: draft } = await seedInvoice(database.db, api.organization, acme, { fees: [{ amountCents: 700n }], status: 'draft' });
    expect((await other.put(`/invoices/${draft.id}/finalize`, {})).status).toBe(404);
    const res = await api.put(`/invoices/${draft.id}/finalize`, {});
    expect(res.status).toBe(200);
    expect(res.body.invoice).toMatchObject({ lago_id: draft.id, status: 'finalized', total_amount_cents: 700 });
    const again = await api.put(`/invoices/${draft.id}/finalize`, {});
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('invoice_not_found');
    expect((await api.put('/invoices/00000000-0000-0000-0000-000000000000/finalize', {})).status).toBe(404);
  });

  test('void: finalized → voided once; again or on a draft is 405 not_voidable', async () => {
    const { invoice } = await seedInvoice(database.db, api.organization, acme, { fees: [{ amountCents: 800n }] });
    const { invoice: draft } = await seedInvoice(database.db, api.organization, acme, { fees: [{ amountCents: 800n }], status: 'draft' });
    expect((await other.post(`/invoices/${invoice.id}/void`, {})).status).toBe(404);
    const res = await api.post(`/invoices/${invoice.id}/void`, {});
    expect(res.status).toBe(200);
    expect(res.body.invoice).toMatchObject({ status: 'voided', voided_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/) });
    const before = await snapshotTables(database.db);
    const again = await api.post(`/invoices/${invoice.id}/void`, {});
    expect(again.status).toBe(405);
    expect(again.body).toEqual({ status: 405, error: 'Method Not Allowed', code: 'not_voidable' });
    expect((await api.post(`/invoices/${draft.id}/void`, {})).body.code).toBe('not_voidable');
    expect((await api.post('/invoices/00000000-0000-0000-0000-000000000000/void', {})).status).toBe(404);
    expect(await snapshotTables(database.db)).toBe(before);
  });

  test('delete: drafts only (405 not_deletable otherwise); a deleted draft disappears', async () => {
    const { invoice } = await seedInvoice(database.db, api.organization, acme, { fees: [{ amountCents: 900n }] });
    const { invoice: draft } = await seedInvoice(database.db, api.organization, acme, { fees: [{ amountCents: 900n }], status: 'draft' });
    const refused = await api.delete(`/invoices/${invoice.id}`);
    expect(refused.status).toBe(405);
    expect(refused.body).toEqual({ status: 405, error: 'Method Not Allowed', code: 'not_deletable' });
    expect((await other.delete(`/invoices/${draft.id}`)).status).toBe(404);
    const res = await api.delete(`/invoices/${draft.id}`);
    expect(res.status).toBe(200);
    expect(res.body.invoice).toMatchObject({ lago_id: draft.id, status: 'draft' });
    expect((await api.get(`/invoices/${draft.id}`)).status).toBe(404);
    expect((await api.delete(`/invoices/${draft.id}`)).status).toBe(404);
    const list = await api.get('/invoices?per_page=1000');
    expect(list.body.invoices.map((i: { lago_id: string }) => i.lago_id)).not.toContain(draft.id);
  });
});

describe('GET /invoices filters', () => {
  let ids: Record<string, string>;
  beforeAll(async () => {
    const { db } = database;
    const bob = await seedCustomer(db, api.organization.id, 'bob', { currency: 'USD' });
    const a = await seedInvoice(db, api.organization, bob, { fees: [{ amountCents: 100n }], currency: 'USD' });
    const b = await seedInvoice(db, api.organization, bob, { fees: [{ amountCents: 5000n }], currency: 'USD', paymentStatus: 'succeeded' });
    const c = await seedInvoice(db, api.organization, bob, { fees: [{ amountCents: 300n }], currency: 'USD', status: 'draft' });
    await db('invoices').where({ id: b.invoice.id }).update({ issuing_date: '2027-05-10' });
    ids = { a: a.invoice.id, b: b.invoice.id, c: c.invoice.id };
  });

  const listed = async (query: string) => {
    const res = await api.get(`/invoices?external_customer_id=bob&${query}`);
    expect(res.status).toBe(200);
    return res.body.invoices.map((i: { lago_id: string }) => i.lago_id).sort();
  };

  test('filter by status, payment status, type, currency, dates and amounts', async () => {
    expect(await listed('')).toEqual([ids.a, ids.b, ids.c].sort());
    expect(await listed('status=draft')).toEqual([ids.c]);
    expect(await listed('statuses[]=draft&statuses[]=finalized')).toEqual([ids.a, ids.b, ids.c].sort());
    expect(await listed('payment_status=succeeded')).toEqual([ids.b]);
    expect(await listed('invoice_type=one_off')).toEqual([]);
    expect(await listed('invoice_type=subscription&currency=USD')).toEqual([ids.a, ids.b, ids.c].sort());
    expect(await listed('currency=EUR')).toEqual([]);
    expect(await listed('issuing_date_from=2027-04-01')).toEqual([ids.b]);
    expect(await listed('issuing_date_to=2027-04-01')).toEqual([ids.a, ids.c].sort());
    expect(await listed('amount_from=300&amount_to=5000')).toEqual([ids.b, ids.c].sort());
    expect(await listed('amount_to=299')).toEqual([ids.a]);
    const other_ = await other.get('/invoices');
    expect(other_.body.invoices).toEqual([]);
  });

  test('bad filter values are 422 with the field named', async () => {
    for (const [query, field, code] of [
      ['status=bogus', 'status', 'value_is_invalid'],
      ['payment_status=paid', 'payment_status', 'value_is_invalid'],
      ['invoice_type=x', 'invoice_type', 'value_is_invalid'],
      ['currency=usd', 'currency', 'value_is_invalid'],
      ['issuing_date_from=2027-02-30', 'issuing_date_from', 'invalid_date'],
      ['amount_to=1.5', 'amount_to', 'value_is_invalid'],
    ]) {
      const res = await api.get(`/invoices?${query}`);
      expect({ query, status: res.status, details: res.body.error_details }).toEqual({ query, status: 422, details: { [field!]: [code] } });
    }
  });
});

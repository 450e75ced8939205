/**
 * `/fees`: invoiced fees and fees billed without an invoice, listed and read in Lago's shape; the
 * payment status of an invoice-less fee set by hand (only the current status's timestamp kept);
 * deletion only without an invoice and while unpaid, never billing the event again.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { seedCustomer, snapshotTables } from '../support/money';
import { seedInvoicelessFee, seedLedgerInvoice, seedSubscription } from '../support/ledger';
import { insertInvoicelessFeeOnce, type FeeRow } from '../../src/db/invoices';

type Api = Awaited<ReturnType<typeof createPlainTestApi>>;
let database: TestDatabase;
let api: Api;
let other: Api;
let now = Date.parse('2027-05-10T08:30:00Z');
let invoiceless: FeeRow;
let second: FeeRow;
let invoiced: FeeRow;
let invoiceId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Fees Co', { now: () => now });
  other = await createPlainTestApi(database.db, 'Other Co', { now: () => now });
  const { db } = database;
  const org = api.organization;
  const customer = await seedCustomer(db, org.id, 'fee_customer');
  const metric = (await api.post('/billable_metrics', { billable_metric: { name: 'Seats', code: 'seats', aggregation_type: 'sum_agg', field_name: 'n' } })).body.billable_metric;
  const plan = (await api.post('/plans', { plan: { name: 'P', code: 'p', interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ billable_metric_id: metric.lago_id, charge_model: 'standard', pay_in_advance: true, invoiceable: false, properties: { amount: '3' } }] } })).body.plan;
  const planRow = (await db('plans').where({ id: plan.lago_id }).first())!;
  const subscription = await seedSubscription(db, customer, planRow, 'fee_sub', { startedAt: '2027-05-01T00:00:00Z' });
  const chargeId = plan.charges[0].lago_id as string;
  invoiceless = await seedInvoicelessFee(db, org.id, { kind: 'charge', amountCents: 300n, taxesCents: 60n, subscriptionId: subscription.id, chargeId, from: '2027-05-03T10:00:00Z', to: '2027-05-31T23:59:59.999Z', eventTransactionId: 'tx_1', feeKey: 'in_advance:tx_1:c' });
  second = await seedInvoicelessFee(db, org.id, { kind: 'charge', amountCents: 600n, subscriptionId: subscription.id, chargeId, from: '2027-05-04T10:00:00Z', to: '2027-05-31T23:59:59.999Z', eventTransactionId: 'tx_2', feeKey: 'in_advance:tx_2:c' });
  const seeded = await seedLedgerInvoice(db, org, customer, { issuingDate: '2027-05-01', paymentStatus: 'succeeded', subscriptionId: subscription.id, fees: [
    { kind: 'subscription', amountCents: 1000n, subscriptionId: subscription.id, from: '2027-05-01T00:00:00Z', to: '2027-05-31T23:59:59.999Z', billedDays: 31, fullDays: 31 },
  ] });
  invoiced = seeded.fees[0]!;
  invoiceId = seeded.invoice.id;
});
afterAll(async () => database?.drop());

describe('GET /fees', () => {
  test("every fee, oldest first, invoiced ones paid with their invoice, in Lago's shape", async () => {
    const response = await api.get('/fees');
    expect(response.status).toBe(200);
    expect(response.body.meta).toEqual({ current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: 3 });
    const [first] = response.body.fees;
    expect(first).toMatchObject({
      lago_id: invoiceless.id, lago_invoice_id: null, lago_subscription_id: invoiceless.subscription_id, external_subscription_id: 'fee_sub',
      external_customer_id: 'fee_customer', amount_cents: 300, taxes_amount_cents: 60, total_amount_cents: 360, amount_currency: 'EUR',
      pay_in_advance: true, invoiceable: false, payment_status: 'pending', succeeded_at: null, failed_at: null, refunded_at: null,
      event_transaction_id: 'tx_1', item: expect.objectContaining({ type: 'charge' }),
    });
    const fee = response.body.fees.find((row: { lago_id: string }) => row.lago_id === invoiced.id);
    expect(fee).toMatchObject({ lago_invoice_id: invoiceId, payment_status: 'succeeded', external_customer_id: 'fee_customer' });
  });

  test("Lago's filters narrow it; a bad one is a 422 naming it", async () => {
    const ids = async (query: string) => (await api.get(`/fees?${query}`)).body.fees.map((fee: { lago_id: string }) => fee.lago_id);
    expect(await ids('fee_type=subscription')).toEqual([invoiced.id]);
    expect(await ids('event_transaction_id=tx_2')).toEqual([second.id]);
    expect(await ids('payment_status=succeeded')).toEqual([invoiced.id]);
    expect(await ids('billable_metric_code=seats')).toEqual([invoiceless.id, second.id]);
    expect(await ids('external_subscription_id=fee_sub&currency=eur')).toHaveLength(3);
    expect(await ids('currency=USD')).toEqual([]);
    expect(await ids('external_customer_id=nobody')).toEqual([]);
    for (const [query, field] of [['fee_type=tax', 'fee_type'], ['payment_status=paid', 'payment_status'], ['created_at_from=yesterday', 'created_at_from'], ['currency=XX', 'currency']]) {
      const response = await api.get(`/fees?${query}`);
      expect({ query, status: response.status, fields: Object.keys(response.body.error_details ?? {}) }).toEqual({ query, status: 422, fields: [field] });
    }
  });

  test('GET /fees/:id; unknown, malformed and other organizations\' ids are fee_not_found', async () => {
    expect((await api.get(`/fees/${second.id}`)).body.fee).toMatchObject({ lago_id: second.id, amount_cents: 600 });
    for (const [client, id] of [[api, '00000000-0000-0000-0000-000000000000'], [api, 'nope'], [other, second.id]] as const) {
      expect((await client.get(`/fees/${id}`)).body).toEqual({ status: 404, error: 'Not Found', code: 'fee_not_found' });
    }
  });
});

describe('PUT /fees/:id', () => {
  test('sets the payment status of a fee without an invoice, keeping only the current timestamp', async () => {
    const paid = await api.put(`/fees/${invoiceless.id}`, { fee: { payment_status: 'succeeded' } });
    expect(paid.status).toBe(200);
    expect(paid.body.fee).toMatchObject({ payment_status: 'succeeded', succeeded_at: '2027-05-10T08:30:00Z', failed_at: null, refunded_at: null });
    now = Date.parse('2027-05-11T09:00:00Z');
    const failed = await api.put(`/fees/${invoiceless.id}`, { fee: { payment_status: 'failed' } });
    expect(failed.body.fee).toMatchObject({ payment_status: 'failed', succeeded_at: null, failed_at: '2027-05-11T09:00:00Z', refunded_at: null });
  });

  test('an invoiced fee is paid with its invoice: 405 invoiced_fee; a bad status is a 422; nothing is written', async () => {
    const before = await snapshotTables(database.db, ['fees']);
    expect((await api.put(`/fees/${invoiced.id}`, { fee: { payment_status: 'failed' } })).body).toEqual({ status: 405, error: 'Method Not Allowed', code: 'invoiced_fee' });
    const bad = await api.put(`/fees/${invoiceless.id}`, { fee: { payment_status: 'paid' } });
    expect(bad.status).toBe(422);
    expect(Object.keys(bad.body.error_details)).toEqual(['payment_status']);
    expect((await api.put(`/fees/${invoiceless.id}`, {})).status).toBe(400);
    expect((await other.put(`/fees/${invoiceless.id}`, { fee: { payment_status: 'succeeded' } })).status).toBe(404);
    expect(await snapshotTables(database.db, ['fees'])).toBe(before);
  });
});

describe('DELETE /fees/:id', () => {
  test('refused for an invoiced fee (405 invoiced_fee) and a paid one (405 paid_fee)', async () => {
    const before = await snapshotTables(database.db, ['fees']);
    expect((await api.delete(`/fees/${invoiced.id}`)).body.code).toBe('invoiced_fee');
    await api.put(`/fees/${second.id}`, { fee: { payment_status: 'succeeded' } });
    const snapshot = await snapshotTables(database.db, ['fees']);
    expect((await api.delete(`/fees/${second.id}`)).body).toEqual({ status: 405, error: 'Method Not Allowed', code: 'paid_fee' });
    expect((await api.delete(`/fees/${second.id}`)).status).toBe(405);
    expect(await snapshotTables(database.db, ['fees'])).toBe(snapshot);
    expect(before).not.toBe(snapshot); // the payment status did change in between
  });

  test('an unpaid fee without an invoice is deleted: gone from every answer, and its event is never billed again', async () => {
    const deleted = await api.delete(`/fees/${invoiceless.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.fee).toMatchObject({ lago_id: invoiceless.id, payment_status: 'failed' });
    expect((await api.get(`/fees/${invoiceless.id}`)).status).toBe(404);
    expect((await api.delete(`/fees/${invoiceless.id}`)).status).toBe(404);
    expect((await api.get('/fees')).body.fees.map((fee: { lago_id: string }) => fee.lago_id)).not.toContain(invoiceless.id);
    // A retried activity inserting the same fee (same business key) finds it taken and bills nothing.
    const { id: _id, organization_id: _org, invoice_id: _invoice, created_at: _created, currency, ...draft } = invoiceless;
    void _id; void _org; void _invoice; void _created;
    expect(await insertInvoicelessFeeOnce(database.db, api.organization.id, currency, draft as never)).toBeUndefined();
    const [{ n }] = (await database.db('fees').where({ fee_key: 'in_advance:tx_1:c' }).count({ n: '*' })) as [{ n: string | bigint }];
    expect(Number(n)).toBe(1);
  });
});

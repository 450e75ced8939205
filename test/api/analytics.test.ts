/**
 * Analytics over a ledger written row by row (test/support/ledger.ts), every figure worked out by
 * hand below. Today is 2027-04-15 (UTC organization, created 2027-01-10), so without `months` the
 * window is January to April 2027.
 *
 * The ledger (EUR unless said, no taxes unless said):
 * - Y, yearly plan 1200.00 in advance: invoice of 2027-01-01 for 2027-01-01…2027-12-31 (120000,
 *   365 of 365 days), paid; a credit note refunds 1200 of it. The same invoice issued twice by
 *   mistake and voided must count nowhere.
 * - U, monthly in advance, upgraded on 2027-03-15 from A (100.00) to B (200.00): A's invoice of
 *   2027-03-01 (10000 for March, due 2027-03-31) and a credit note giving back the unused 17 days
 *   (10000 × 17 / 31 = 5483.87 → 5484); B's invoice of 2027-03-15 for 15…31 March (20000 × 17 / 31
 *   = 10967.74 → 10968, due 2027-04-14); B's invoice of 2027-04-01 for April (20000, due
 *   2027-05-01) with a usage fee of 450 less a 50 coupon (total 20400). A fee billed without an
 *   invoice on 2027-03-20: 300. A draft and a voided invoice with usage fees must count nowhere.
 * - D, in USD, monthly 50.00 in advance: invoice of 2027-04-01 for April (5000 + 20 % tax 1000) with
 *   a usage fee of 1234 (+ tax 247), total 7481, due 2027-04-10, payment failed.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { seedCustomer, snapshotTables } from '../support/money';
import { seedInvoicelessFee, seedLedgerInvoice, seedPlan, seedSubscription } from '../support/ledger';
import type { CustomerRow } from '../../src/db/customers';

type Api = Awaited<ReturnType<typeof createPlainTestApi>>;
let database: TestDatabase;
let api: Api;
let other: Api;
let y: CustomerRow;
let u: CustomerRow;
let d: CustomerRow;
const ids: Record<string, string> = {};
const TODAY = Date.parse('2027-04-15T12:00:00Z');

async function ok(response: PromiseLike<{ status: number; body: Record<string, any> }>) { // eslint-disable-line @typescript-eslint/no-explicit-any
  const result = await response;
  if (result.status !== 200) throw new Error(`${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Analytics Co', { now: () => TODAY });
  other = await createPlainTestApi(database.db, 'Other Co', { now: () => TODAY });
  await database.db('organizations').where({ id: api.organization.id }).update({ created_at: new Date('2027-01-10T09:00:00Z') });
  const { db } = database;
  const org = (await db('organizations').where({ id: api.organization.id }).first())!;
  y = await seedCustomer(db, org.id, 'y');
  u = await seedCustomer(db, org.id, 'u');
  d = await seedCustomer(db, org.id, 'd', { currency: 'USD' });

  const calls = await ok(api.post('/billable_metrics', { billable_metric: { name: 'API calls', code: 'api_calls', aggregation_type: 'count_agg' } }));
  const storage = await ok(api.post('/billable_metrics', { billable_metric: { name: 'Storage', code: 'storage', aggregation_type: 'sum_agg', field_name: 'gb' } }));
  const yearly = await seedPlan(db, org.id, 'yearly', { interval: 'yearly', amountCents: 120000n });
  const planA = await seedPlan(db, org.id, 'a', { interval: 'monthly', amountCents: 10000n });
  const planB = await ok(api.post('/plans', { plan: { name: 'B', code: 'b', interval: 'monthly', amount_cents: 20000, amount_currency: 'EUR', pay_in_advance: true,
    charges: [{ billable_metric_id: calls.billable_metric.lago_id, charge_model: 'standard', properties: { amount: '1' } }] } }));
  const planD = await ok(api.post('/plans', { plan: { name: 'D', code: 'd', interval: 'monthly', amount_cents: 5000, amount_currency: 'USD', pay_in_advance: true,
    charges: [{ billable_metric_id: storage.billable_metric.lago_id, charge_model: 'standard', properties: { amount: '1' } }] } }));
  const planBRow = (await db('plans').where({ id: planB.plan.lago_id }).first())!;
  const planDRow = (await db('plans').where({ id: planD.plan.lago_id }).first())!;
  const callsCharge = planB.plan.charges[0].lago_id as string;
  const storageCharge = planD.plan.charges[0].lago_id as string;

  const subY = await seedSubscription(db, y, yearly, 'sub_y', { startedAt: '2027-01-01T00:00:00Z' });
  const subA = await seedSubscription(db, u, planA, 'sub_u', { startedAt: '2027-03-01T00:00:00Z', terminatedAt: '2027-03-15T10:00:00Z' });
  const subB = await seedSubscription(db, u, planBRow, 'sub_u', { startedAt: '2027-03-15T10:00:00Z' });
  const subD = await seedSubscription(db, d, planDRow, 'sub_d', { startedAt: '2027-04-01T00:00:00Z' });

  const yearFee = { kind: 'subscription' as const, amountCents: 120000n, subscriptionId: subY.id, from: '2027-01-01T00:00:00Z', to: '2027-12-31T23:59:59.999Z', billedDays: 365, fullDays: 365 };
  const annual = await seedLedgerInvoice(db, org, y, { issuingDate: '2027-01-01', paymentStatus: 'succeeded', fees: [yearFee] });
  await seedLedgerInvoice(db, org, y, { issuingDate: '2027-01-01', status: 'voided', fees: [yearFee] });
  await ok(api.post('/credit_notes', { credit_note: { invoice_id: annual.invoice.id, reason: 'other', credit_amount_cents: 0, refund_amount_cents: 1200, items: [{ fee_id: annual.fees[0]!.id, amount_cents: 1200 }] } }));

  const march = await seedLedgerInvoice(db, org, u, { issuingDate: '2027-03-01', dueDate: '2027-03-31', fees: [
    { kind: 'subscription', amountCents: 10000n, subscriptionId: subA.id, from: '2027-03-01T00:00:00Z', to: '2027-03-31T23:59:59.999Z', billedDays: 31, fullDays: 31 },
  ] });
  await ok(api.post('/credit_notes', { credit_note: { invoice_id: march.invoice.id, reason: 'order_change', credit_amount_cents: 5484, items: [{ fee_id: march.fees[0]!.id, amount_cents: 5484 }] } }));
  const upgrade = await seedLedgerInvoice(db, org, u, { issuingDate: '2027-03-15', dueDate: '2027-04-14', fees: [
    { kind: 'subscription', amountCents: 10968n, subscriptionId: subB.id, from: '2027-03-15T00:00:00Z', to: '2027-03-31T23:59:59.999Z', billedDays: 17, fullDays: 31 },
  ] });
  const april = await seedLedgerInvoice(db, org, u, { issuingDate: '2027-04-01', dueDate: '2027-05-01', fees: [
    { kind: 'subscription', amountCents: 20000n, subscriptionId: subB.id, from: '2027-04-01T00:00:00Z', to: '2027-04-30T23:59:59.999Z', billedDays: 30, fullDays: 30 },
    { kind: 'charge', amountCents: 450n, couponsCents: 50n, subscriptionId: subB.id, chargeId: callsCharge, from: '2027-03-15T00:00:00Z', to: '2027-03-31T23:59:59.999Z' },
  ] });
  await seedInvoicelessFee(db, org.id, { kind: 'charge', amountCents: 300n, subscriptionId: subB.id, chargeId: callsCharge, from: '2027-03-20T08:00:00Z', to: '2027-04-14T23:59:59.999Z' });
  await seedLedgerInvoice(db, org, u, { issuingDate: '2027-04-02', status: 'draft', fees: [{ kind: 'charge', amountCents: 777n, subscriptionId: subB.id, chargeId: callsCharge }] });
  await seedLedgerInvoice(db, org, u, { issuingDate: '2027-04-03', status: 'voided', fees: [{ kind: 'charge', amountCents: 999n, subscriptionId: subB.id, chargeId: callsCharge }] });

  const usd = await seedLedgerInvoice(db, org, d, { issuingDate: '2027-04-01', dueDate: '2027-04-10', currency: 'USD', paymentStatus: 'failed', fees: [
    { kind: 'subscription', amountCents: 5000n, taxesCents: 1000n, subscriptionId: subD.id, from: '2027-04-01T00:00:00Z', to: '2027-04-30T23:59:59.999Z', billedDays: 30, fullDays: 30 },
    { kind: 'charge', amountCents: 1234n, taxesCents: 247n, subscriptionId: subD.id, chargeId: storageCharge },
  ] });
  Object.assign(ids, { march: march.invoice.id, upgrade: upgrade.invoice.id, april: april.invoice.id, usd: usd.invoice.id });
});
afterAll(async () => database?.drop());

const month = (m: string) => `2027-${m}-01T00:00:00.000Z`;

describe('GET /analytics/mrr', () => {
  test('an annual plan is 1/12 of it per month; an upgrade in mid-March shows in March and April; each currency apart; the voided copy nowhere', async () => {
    const { mrrs } = await ok(api.get('/analytics/mrr'));
    expect(mrrs).toEqual([
      // Y: (120000 − 1200 refunded) × 31 / 365 × 365 / 31 / 12 = 118800 / 12 = 9900 every month (the voided copy would add 10000).
      { month: month('01'), amount_cents: 9900, currency: 'EUR' },
      { month: month('02'), amount_cents: 9900, currency: 'EUR' },
      // March: Y 9900 + A (10000 − 5484 credited) × 31/31 = 4516 + B 10968 × 17/17 × 31/31 = 10968 → 25384.
      { month: month('03'), amount_cents: 25384, currency: 'EUR' },
      // April: Y 9900 + B 20000 × 30/30 = 20000 → 29900 (the usage fee is not recurring).
      { month: month('04'), amount_cents: 29900, currency: 'EUR' },
      // D: 5000 + 1000 tax (Lago's MRR is after taxes).
      { month: month('04'), amount_cents: 6000, currency: 'USD' },
    ]);
  });

  test('currency, months and external_customer_id narrow it', async () => {
    expect((await ok(api.get('/analytics/mrr?currency=usd'))).mrrs).toEqual([{ month: month('04'), amount_cents: 6000, currency: 'USD' }]);
    // months=2: March and April only.
    expect((await ok(api.get('/analytics/mrr?months=2&currency=EUR'))).mrrs.map((row: { month: string }) => row.month)).toEqual([month('03'), month('04')]);
    // U alone: March 4516 + 10968 = 15484; April 20000.
    expect((await ok(api.get('/analytics/mrr?external_customer_id=u'))).mrrs).toEqual([
      { month: month('03'), amount_cents: 15484, currency: 'EUR' },
      { month: month('04'), amount_cents: 20000, currency: 'EUR' },
    ]);
  });
});

describe('GET /analytics/gross_revenue', () => {
  test('finalized totals less refunds, plus fees without an invoice, by issuing month and currency', async () => {
    expect((await ok(api.get('/analytics/gross_revenue?external_customer_id=y'))).gross_revenues).toEqual([
      // 120000 − 1200 refunded; the voided copy does not count.
      { month: month('01'), amount_cents: 118800, currency: 'EUR', invoices_count: 1 },
    ]);
    const { gross_revenues: rows } = await ok(api.get('/analytics/gross_revenue'));
    expect(rows).toEqual([
      { month: month('01'), amount_cents: 118800, currency: 'EUR', invoices_count: 1 },
      // 10000 + 10968 invoiced + 300 billed without an invoice on 2027-03-20 (not an invoice).
      { month: month('03'), amount_cents: 21268, currency: 'EUR', invoices_count: 2 },
      // 20000 + 450 − 50 coupon; the draft (777) and the voided invoice (999) do not count.
      { month: month('04'), amount_cents: 20400, currency: 'EUR', invoices_count: 1 },
      // 5000 + 1000 + 1234 + 247.
      { month: month('04'), amount_cents: 7481, currency: 'USD', invoices_count: 1 },
    ]);
  });
});

describe('GET /analytics/invoice_collection', () => {
  test('finalized invoices by issuing month, payment status and currency', async () => {
    expect((await ok(api.get('/analytics/invoice_collection'))).invoice_collections).toEqual([
      { month: month('01'), payment_status: 'succeeded', invoices_count: 1, amount_cents: 120000, currency: 'EUR' },
      { month: month('03'), payment_status: 'pending', invoices_count: 2, amount_cents: 20968, currency: 'EUR' },
      { month: month('04'), payment_status: 'failed', invoices_count: 1, amount_cents: 7481, currency: 'USD' },
      { month: month('04'), payment_status: 'pending', invoices_count: 1, amount_cents: 20400, currency: 'EUR' },
    ]);
  });
});

describe('GET /analytics/invoiced_usage', () => {
  test('usage fees on finalized invoices after coupons, before taxes, by metric', async () => {
    expect((await ok(api.get('/analytics/invoiced_usage'))).invoiced_usages).toEqual([
      // 450 − 50 coupon; the draft's 777, the voided invoice's 999 and the invoice-less 300 are not invoiced usage.
      { month: month('04'), code: 'api_calls', amount_cents: 400, currency: 'EUR' },
      // 1234 before its 247 of tax.
      { month: month('04'), code: 'storage', amount_cents: 1234, currency: 'USD' },
    ]);
  });
});

describe('GET /analytics/overdue_balance', () => {
  test('unpaid finalized invoices due before today, by due month', async () => {
    expect((await ok(api.get('/analytics/overdue_balance'))).overdue_balances).toEqual([
      // Due 2027-03-31, pending: 10000 still owed (the credit note is a credit, not an offset).
      { month: month('03'), amount_cents: 10000, currency: 'EUR', lago_invoice_ids: [ids.march] },
      // Due 2027-04-14, the day before today. April 1's (due 2027-05-01) is not overdue; Y's is paid.
      { month: month('04'), amount_cents: 10968, currency: 'EUR', lago_invoice_ids: [ids.upgrade] },
      // Due 2027-04-10, payment failed.
      { month: month('04'), amount_cents: 7481, currency: 'USD', lago_invoice_ids: [ids.usd] },
    ]);
  });

});

describe('the query and the organization', () => {
  test('bad parameters are a 422 naming them; an unknown customer is a 404; nothing is written', async () => {
    const before = await snapshotTables(database.db);
    for (const [query, field] of [['currency=XYZ', 'currency'], ['months=-1', 'months'], ['months=abc', 'months'], ['months[]=1', 'months'], ['currency[a]=b', 'currency'], ['billing_entity_code=x', 'billing_entity_code']] as const) {
      for (const metric of ['gross_revenue', 'invoice_collection', 'invoiced_usage', 'mrr', 'overdue_balance']) {
        const response = await api.get(`/analytics/${metric}?${query}`);
        expect({ metric, query, status: response.status, fields: Object.keys(response.body.error_details ?? {}) }).toEqual({ metric, query, status: 422, fields: [field] });
      }
    }
    const unknown = await api.get('/analytics/mrr?external_customer_id=nobody');
    expect(unknown.body).toEqual({ status: 404, error: 'Not Found', code: 'customer_not_found' });
    expect(await snapshotTables(database.db)).toBe(before);
  });

  test("another organization sees none of it, and cannot name this one's customer", async () => {
    for (const metric of ['gross_revenue', 'invoice_collection', 'invoiced_usage', 'mrr', 'overdue_balance']) {
      const body = await ok(other.get(`/analytics/${metric}`));
      expect(Object.values(body)).toEqual([[]]);
      expect((await other.get(`/analytics/${metric}?external_customer_id=u`)).status).toBe(404);
    }
  });
});

// These change the ledger: they run last.
describe('later changes', () => {
  test('an anniversary year from 2027-02-15 counts 14/28 of a month in February and a full month from March', async () => {
    const c = await seedCustomer(database.db, api.organization.id, 'anniv');
    const plan = await seedPlan(database.db, api.organization.id, 'yearly_anniv', { interval: 'yearly', amountCents: 240000n });
    const sub = await seedSubscription(database.db, c, plan, 'sub_anniv', { startedAt: '2027-02-15T00:00:00Z' });
    const org = (await database.db('organizations').where({ id: api.organization.id }).first())!;
    await seedLedgerInvoice(database.db, org, c, { issuingDate: '2027-02-15', paymentStatus: 'succeeded', fees: [
      { kind: 'subscription', amountCents: 240000n, subscriptionId: sub.id, from: '2027-02-15T00:00:00Z', to: '2028-02-14T23:59:59.999Z', billedDays: 365, fullDays: 365 },
    ] });
    // 240000 / 12 = 20000 a month. February holds 14 of its 28 days (15…28): 240000 × 14 / 365 × 365 / 28 / 12 = 10000.
    // March: 240000 × 31 / 365 × 365 / 31 / 12 = 20000.
    expect((await ok(api.get('/analytics/mrr?external_customer_id=anniv'))).mrrs).toEqual([
      { month: month('02'), amount_cents: 10000, currency: 'EUR' },
      { month: month('03'), amount_cents: 20000, currency: 'EUR' },
      { month: month('04'), amount_cents: 20000, currency: 'EUR' },
    ]);
  });

  test('paying an overdue invoice takes it out', async () => {
    await ok(api.put(`/invoices/${ids.upgrade}`, { invoice: { payment_status: 'succeeded' } }));
    const rows = (await ok(api.get('/analytics/overdue_balance?currency=EUR'))).overdue_balances;
    expect(rows).toEqual([{ month: month('03'), amount_cents: 10000, currency: 'EUR', lago_invoice_ids: [ids.march] }]);
  });
});

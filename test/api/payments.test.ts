/**
 * Manual and partial payments (`POST /payments`, `GET /payments`, `GET /payments/:id`,
 * `GET /customers/:id/payments`): what an invoice was paid and still owes follows each payment,
 * `payment_status` becomes `succeeded` only when it is paid in full, paying more than is due is
 * refused, and a retried request records its payment once.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { seedCustomer, seedInvoice, snapshotTables } from '../support/money';
import type { CustomerRow } from '../../src/db/customers';
import type { InvoiceRow } from '../../src/db/invoices';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;
let other: Awaited<ReturnType<typeof createPlainTestApi>>;
let acme: CustomerRow;
let globex: CustomerRow;
// 2027-06-15T12:00:00Z: "today" for paid_at.
const NOW = Date.UTC(2027, 5, 15, 12);
const TABLES = ['invoices', 'payments', 'webhook_events'];

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Payments Co', { now: () => NOW });
  other = await createPlainTestApi(database.db, 'Other Co', { now: () => NOW });
  acme = await seedCustomer(database.db, api.organization.id, 'acme');
  globex = await seedCustomer(database.db, api.organization.id, 'globex');
});
afterAll(async () => database?.drop());

/** A finalized invoice of one 10 000-cent fee at 20 %: 10 000 + 2 000 tax = 12 000 due. */
async function invoiceOf12000(customer: CustomerRow = acme, options: { status?: InvoiceRow['status'] } = {}): Promise<InvoiceRow> {
  return (await seedInvoice(database.db, api.organization, customer, { fees: [{ amountCents: 10_000n, taxRate: '20' }], ...options })).invoice;
}

const pay = (invoiceId: string, amountCents: number, reference: string, extra: Record<string, unknown> = {}) =>
  api.post('/payments', { payment: { invoice_id: invoiceId, amount_cents: amountCents, reference, ...extra } });

async function statusWebhooks(invoiceId: string): Promise<Record<string, unknown>[]> {
  const rows = await database.db('webhook_events').where({ organization_id: api.organization.id, webhook_type: 'invoice.payment_status_updated' }).select('payload');
  return rows.map((row: { payload: { invoice: Record<string, unknown> } }) => row.payload.invoice).filter((invoice) => invoice.lago_id === invoiceId);
}

describe('a partial payment, then the rest', () => {
  test('5 000 then 7 000 on 12 000: pending with 7 000 due, then succeeded with nothing due; one invoice.payment_status_updated', async () => {
    const invoice = await invoiceOf12000();
    const first = await pay(invoice.id, 5_000, 'wire-1');
    expect(first.status).toBe(200);
    expect(first.body.payment).toEqual({
      lago_id: expect.any(String), lago_customer_id: acme.id, external_customer_id: 'acme',
      invoice_ids: [invoice.id], invoice_numbers: [invoice.number], lago_payable_id: invoice.id, payable_type: 'Invoice',
      amount_cents: 5_000, amount_currency: 'EUR', status: 'succeeded', payment_status: 'succeeded', type: 'manual', reference: 'wire-1',
      payment_provider_code: null, payment_provider_type: null, external_payment_id: null, provider_payment_id: null, provider_customer_id: null,
      payment_method_id: null, next_action: {}, created_at: '2027-06-15T12:00:00Z',
    });
    // Paid 5 000 of 12 000: 12 000 − 5 000 = 7 000 still due; not paid in full, so still pending.
    let shown = (await api.get(`/invoices/${invoice.id}`)).body.invoice;
    expect(shown).toMatchObject({ total_amount_cents: 12_000, total_paid_amount_cents: 5_000, total_due_amount_cents: 7_000, payment_status: 'pending' });
    expect(await statusWebhooks(invoice.id)).toEqual([]);

    const rest = await pay(invoice.id, 7_000, 'wire-2');
    expect(rest.status).toBe(200);
    // 5 000 + 7 000 = 12 000 = the total: paid in full.
    shown = (await api.get(`/invoices/${invoice.id}`)).body.invoice;
    expect(shown).toMatchObject({ total_paid_amount_cents: 12_000, total_due_amount_cents: 0, payment_status: 'succeeded' });
    const hooks = await statusWebhooks(invoice.id);
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ payment_status: 'succeeded', total_paid_amount_cents: 12_000, total_due_amount_cents: 0 });

    // Nothing is left: one cent more is refused.
    const more = await pay(invoice.id, 1, 'wire-3');
    expect(more.status).toBe(422);
    expect(more.body).toMatchObject({ code: 'validation_errors', error_details: { amount_cents: ['invalid_amount'] } });
  });

  test('paying more than is due is refused (422) and changes nothing', async () => {
    const invoice = await invoiceOf12000();
    expect((await pay(invoice.id, 2_000, 'part')).status).toBe(200);
    const before = await snapshotTables(database.db, TABLES);
    // 12 000 − 2 000 = 10 000 due: 10 001 is one cent too many.
    const over = await pay(invoice.id, 10_001, 'too-much');
    expect(over.status).toBe(422);
    expect(over.body).toEqual({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { amount_cents: ['invalid_amount'] } });
    expect(await snapshotTables(database.db, TABLES)).toBe(before);
    // Exactly what is due is accepted: 10 000.
    expect((await pay(invoice.id, 10_000, 'exact')).status).toBe(200);
    expect((await api.get(`/invoices/${invoice.id}`)).body.invoice).toMatchObject({ total_paid_amount_cents: 12_000, total_due_amount_cents: 0, payment_status: 'succeeded' });
  });

  test('an invoice paid by hand (PUT payment_status succeeded) has nothing due: a payment is refused', async () => {
    const invoice = await invoiceOf12000();
    expect((await api.put(`/invoices/${invoice.id}`, { invoice: { payment_status: 'succeeded' } })).status).toBe(200);
    expect((await api.get(`/invoices/${invoice.id}`)).body.invoice).toMatchObject({ total_paid_amount_cents: 12_000, total_due_amount_cents: 0 });
    expect((await pay(invoice.id, 100, 'late')).body.error_details).toEqual({ amount_cents: ['invalid_amount'] });
  });
});

describe('exactly once under retried requests', () => {
  test('the same request again answers the same payment and changes nothing', async () => {
    const invoice = await invoiceOf12000();
    const first = await pay(invoice.id, 3_000, 'retry-me', { paid_at: '2027-06-10' });
    expect(first.status).toBe(200);
    const before = await snapshotTables(database.db, TABLES);
    const again = await pay(invoice.id, 3_000, 'retry-me', { paid_at: '2027-06-10' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(await snapshotTables(database.db, TABLES)).toBe(before);
    // 12 000 − 3 000 (once) = 9 000.
    expect((await api.get(`/invoices/${invoice.id}`)).body.invoice.total_due_amount_cents).toBe(9_000);
  });

  test('concurrent identical requests record one payment', async () => {
    const invoice = await invoiceOf12000();
    const answers = await Promise.all([1, 2, 3, 4].map(() => pay(invoice.id, 4_000, 'burst')));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(answers.map((answer) => answer.body.payment.lago_id)).size).toBe(1);
    const [row] = await database.db('payments').where({ invoice_id: invoice.id }).count({ n: '*' });
    expect(Number(row?.n)).toBe(1);
    // 12 000 − 4 000 = 8 000.
    expect((await api.get(`/invoices/${invoice.id}`)).body.invoice).toMatchObject({ total_paid_amount_cents: 4_000, total_due_amount_cents: 8_000 });
  });

  test('concurrent payments that together exceed what is due: one is recorded, the other refused', async () => {
    const invoice = await invoiceOf12000();
    const answers = await Promise.all([pay(invoice.id, 7_000, 'a'), pay(invoice.id, 7_000, 'b')]);
    // 7 000 + 7 000 = 14 000 > 12 000: only one fits.
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 422]);
    expect((await api.get(`/invoices/${invoice.id}`)).body.invoice).toMatchObject({ total_paid_amount_cents: 7_000, total_due_amount_cents: 5_000, payment_status: 'pending' });
  });

  test('the same reference with another amount is refused', async () => {
    const invoice = await invoiceOf12000();
    expect((await pay(invoice.id, 1_000, 'ref-x')).status).toBe(200);
    const clash = await pay(invoice.id, 1_500, 'ref-x');
    expect(clash.status).toBe(422);
    expect(clash.body.error_details).toEqual({ reference: ['value_already_exist'] });
    expect((await api.get(`/invoices/${invoice.id}`)).body.invoice.total_paid_amount_cents).toBe(1_000);
  });
});

describe('what is refused', () => {
  test('a draft or voided invoice, an unknown one, another organization\'s', async () => {
    const draft = await invoiceOf12000(acme, { status: 'draft' });
    const voided = await invoiceOf12000(acme, { status: 'voided' });
    const mine = await invoiceOf12000();
    const before = await snapshotTables(database.db, TABLES);
    expect((await pay(draft.id, 100, 'd')).body).toMatchObject({ status: 422, error_details: { invoice_id: ['invalid_status'] } });
    expect((await pay(voided.id, 100, 'v')).body).toMatchObject({ status: 422, error_details: { invoice_id: ['invalid_status'] } });
    expect((await pay('00000000-0000-4000-8000-000000000000', 100, 'u')).body).toMatchObject({ status: 404, code: 'invoice_not_found' });
    expect((await pay('not-a-uuid', 100, 'u')).status).toBe(404);
    expect((await other.post('/payments', { payment: { invoice_id: mine.id, amount_cents: 100, reference: 'x' } })).status).toBe(404);
    expect(await snapshotTables(database.db, TABLES)).toBe(before);
  });

  test('bad bodies: zero, negative or fractional amounts, no reference, a paid_at in the future or not a date', async () => {
    const invoice = await invoiceOf12000();
    const before = await snapshotTables(database.db, TABLES);
    for (const amount of [0, -5, 1.5]) expect((await pay(invoice.id, amount, 'r')).body.error_details).toHaveProperty('amount_cents');
    expect((await api.post('/payments', { payment: { invoice_id: invoice.id, amount_cents: 100 } })).body.error_details).toHaveProperty('reference');
    // Today is 2027-06-15 (UTC): the 16th is in the future.
    expect((await pay(invoice.id, 100, 'r', { paid_at: '2027-06-16' })).body.error_details).toEqual({ paid_at: ['invalid_date'] });
    expect((await pay(invoice.id, 100, 'r', { paid_at: '2027-02-30' })).body.error_details).toEqual({ paid_at: ['invalid_date'] });
    expect((await pay(invoice.id, 100, 'r', { paid_at: 'yesterday' })).status).toBe(422);
    expect((await api.post('/payments', {})).status).toBe(400);
    expect(await snapshotTables(database.db, TABLES)).toBe(before);
  });
});

describe('reading payments', () => {
  test('GET /payments/:id, GET /payments (filters), GET /customers/:id/payments; paid_at is the payment\'s created_at', async () => {
    const first = await invoiceOf12000(globex);
    const second = await invoiceOf12000(globex);
    const a = (await pay(first.id, 1_000, 'g-1', { paid_at: '2027-06-01' })).body.payment;
    const b = (await pay(second.id, 2_000, 'g-2', { paid_at: '2027-06-02' })).body.payment;
    expect(a.created_at).toBe('2027-06-01T00:00:00Z');

    expect((await api.get(`/payments/${a.lago_id}`)).body).toEqual({ payment: a });
    expect((await api.get('/payments/00000000-0000-4000-8000-000000000000')).body).toMatchObject({ status: 404, code: 'payment_not_found' });
    expect((await other.get(`/payments/${a.lago_id}`)).status).toBe(404);

    // Newest first: b (June 2nd) before a (June 1st).
    const mine = await api.get('/payments?external_customer_id=globex');
    expect(mine.body.payments.map((p: { lago_id: string }) => p.lago_id)).toEqual([b.lago_id, a.lago_id]);
    expect(mine.body.meta).toMatchObject({ current_page: 1, total_count: 2, total_pages: 1 });
    expect((await api.get(`/payments?invoice_id=${first.id}`)).body.payments).toEqual([a]);
    expect((await api.get('/payments?external_customer_id=nobody')).body).toMatchObject({ payments: [], meta: { total_count: 0 } });
    expect((await api.get('/payments?invoice_id=nope')).body.payments).toEqual([]);
    expect((await api.get('/payments?external_customer_id=globex&per_page=1&page=2')).body.payments).toEqual([a]);

    const scoped = await api.get('/customers/globex/payments');
    expect(scoped.body.payments.map((p: { lago_id: string }) => p.lago_id)).toEqual([b.lago_id, a.lago_id]);
    expect((await api.get(`/customers/globex/payments?invoice_id=${second.id}`)).body.payments).toEqual([b]);
    expect((await api.get('/customers/nobody/payments')).body).toMatchObject({ status: 404, code: 'customer_not_found' });
    expect((await other.get('/payments')).body.payments).toEqual([]);
  });
});

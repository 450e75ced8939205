/** Credit notes: creation rules and amounts, numbering, void, refund status, lists, and consumption by later invoices. */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { seedCustomer, seedInvoice, snapshotTables } from '../support/money';
import { createCreditNote, remainingCreditableFeeCents } from '../../src/services/credits';
import { availableCreditNoteCents, consumeCreditNotes } from '../../src/services/invoicing/credit-draws';
import type { CustomerRow } from '../../src/db/customers';
import type { InvoiceRow } from '../../src/db/invoices';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;
let other: Awaited<ReturnType<typeof createPlainTestApi>>;
let acme: CustomerRow;

const CREDIT_NOTE_KEYS = [
  'applied_taxes', 'balance_amount_cents', 'billing_entity_code', 'coupons_adjustment_amount_cents', 'created_at', 'credit_amount_cents', 'credit_status',
  'currency', 'customer', 'description', 'file_url', 'invoice_number', 'issuing_date', 'items', 'lago_id', 'lago_invoice_id', 'metadata', 'number',
  'offset_amount_cents', 'precise_taxes_amount_cents', 'reason', 'refund_amount_cents', 'refund_status', 'refunded_at', 'self_billed', 'sequential_id',
  'sub_total_excluding_taxes_amount_cents', 'taxes_amount_cents', 'taxes_rate', 'total_amount_cents', 'updated_at', 'voided_at', 'xml_url',
].sort();

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Credit Corp');
  other = await createPlainTestApi(database.db, 'Other Corp');
  acme = await seedCustomer(database.db, api.organization.id, 'acme');
});
afterAll(async () => database?.drop());

/** An invoice with one 2000-cent fee taxed 12.5 % (tax 250, total 2250) and one untaxed 1000-cent fee. */
async function taxedInvoice(customer = acme, options: Partial<Parameters<typeof seedInvoice>[3]> = {}) {
  return seedInvoice(database.db, api.organization, customer, { fees: [{ amountCents: 2000n, taxRate: '12.5' }, { amountCents: 1000n }], ...options });
}

const note = (invoiceId: string, items: { fee_id: string; amount_cents: number }[], extra: Record<string, unknown> = {}) =>
  ({ credit_note: { invoice_id: invoiceId, reason: 'product_unsatisfactory', items, ...extra } });

describe('POST /credit_notes', () => {
  test('500 of a 2000 fee taxed 12.5 %: 500 + 63 tax = 563; two notes are …-CN001 and …-CN002', async () => {
    const { invoice, feeIds } = await taxedInvoice();
    const [taxedFee] = feeIds;
    // The fee's tax is 2000 × 12.5 % = 250. The item takes its share of it: 250 × 500 / 2000 =
    // 62.5, rounded half away from zero to 63. The note is 500 + 63 = 563, all credited here.
    const res = await api.post('/credit_notes', note(invoice.id, [{ fee_id: taxedFee!, amount_cents: 500 }], { credit_amount_cents: 563, refund_amount_cents: 0, description: 'Sorry' }));
    expect(res.status).toBe(200);
    const cn = res.body.credit_note;
    expect(Object.keys(cn).sort()).toEqual(CREDIT_NOTE_KEYS);
    expect(cn).toMatchObject({
      sequential_id: 1, number: `${invoice.number}-CN001`, lago_invoice_id: invoice.id, invoice_number: invoice.number,
      credit_status: 'available', refund_status: null, reason: 'product_unsatisfactory', description: 'Sorry', currency: 'EUR',
      sub_total_excluding_taxes_amount_cents: 500, taxes_amount_cents: 63, total_amount_cents: 563, taxes_rate: 12.5, precise_taxes_amount_cents: '62.5',
      credit_amount_cents: 563, refund_amount_cents: 0, offset_amount_cents: 0, balance_amount_cents: 563, coupons_adjustment_amount_cents: 0,
      voided_at: null, refunded_at: null, file_url: null,
    });
    expect(cn.issuing_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(cn.customer).toMatchObject({ lago_id: acme.id, external_id: 'acme' });
    expect(cn.items).toEqual([{ lago_id: expect.any(String), amount_cents: 500, amount_currency: 'EUR', fee: expect.objectContaining({ lago_id: taxedFee, amount_cents: 2000, lago_invoice_id: invoice.id }) }]);
    expect(cn.applied_taxes).toEqual([expect.objectContaining({ lago_credit_note_id: cn.lago_id, tax_code: 'vat_12.5', tax_rate: 12.5, base_amount_cents: 500, amount_cents: 63, amount_currency: 'EUR' })]);

    // Both amounts omitted: everything is credited. The second 500 takes round(250 × 1000 / 2000) − 63 = 62.
    const second = await api.post('/credit_notes', note(invoice.id, [{ fee_id: taxedFee!, amount_cents: 500 }]));
    expect(second.status).toBe(200);
    expect(second.body.credit_note).toMatchObject({ sequential_id: 2, number: `${invoice.number}-CN002`, taxes_amount_cents: 62, total_amount_cents: 562, credit_amount_cents: 562 });
    expect((await api.get(`/credit_notes/${cn.lago_id}`)).body).toEqual({ credit_note: cn });
  });

  test('credit + refund must equal the items with their tax share', async () => {
    const { invoice, feeIds } = await taxedInvoice();
    const before = await snapshotTables(database.db);
    const res = await api.post('/credit_notes', note(invoice.id, [{ fee_id: feeIds[0]!, amount_cents: 500 }], { credit_amount_cents: 500 }));
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { base: ['does_not_match_item_amounts'] } });
    expect(await snapshotTables(database.db)).toBe(before);
    // Untaxed fee: 300 back is 300.
    const ok = await api.post('/credit_notes', note(invoice.id, [{ fee_id: feeIds[1]!, amount_cents: 300 }], { credit_amount_cents: 300 }));
    expect(ok.body.credit_note).toMatchObject({ total_amount_cents: 300, taxes_amount_cents: 0, applied_taxes: [], number: `${invoice.number}-CN001` });
  });

  test('an item never exceeds what is left of its fee', async () => {
    const { invoice, feeIds } = await taxedInvoice();
    expect((await api.post('/credit_notes', note(invoice.id, [{ fee_id: feeIds[0]!, amount_cents: 1500 }]))).status).toBe(200);
    const before = await snapshotTables(database.db);
    for (const items of [[{ fee_id: feeIds[0]!, amount_cents: 501 }], [{ fee_id: feeIds[0]!, amount_cents: 300 }, { fee_id: feeIds[0]!, amount_cents: 201 }], [{ fee_id: feeIds[1]!, amount_cents: 0 }]]) {
      const res = await api.post('/credit_notes', note(invoice.id, items));
      expect(res.status).toBe(422);
      expect(res.body.error_details).toEqual({ amount_cents: ['higher_than_remaining_fee_amount'] });
    }
    expect(await snapshotTables(database.db)).toBe(before);
    // Exactly what is left is fine, and gives back the rest of the tax: 250 − round(250 × 1500 / 2000) = 250 − 188 = 62.
    const last = await api.post('/credit_notes', note(invoice.id, [{ fee_id: feeIds[0]!, amount_cents: 500 }]));
    expect(last.body.credit_note).toMatchObject({ taxes_amount_cents: 62, number: `${invoice.number}-CN002` });
  });

  test('refunds need a paid invoice and stay within what was paid', async () => {
    const unpaid = await taxedInvoice();
    const refused = await api.post('/credit_notes', note(unpaid.invoice.id, [{ fee_id: unpaid.feeIds[1]!, amount_cents: 100 }], { refund_amount_cents: 100 }));
    expect(refused.body.error_details).toEqual({ refund_amount_cents: ['cannot_refund_unpaid_invoice'] });

    const { invoice, feeIds } = await taxedInvoice(acme, { paymentStatus: 'succeeded' });
    // 1000 of the taxed fee: 1000 + 125 = 1125, split 1000 refunded + 125 credited.
    const split = await api.post('/credit_notes', note(invoice.id, [{ fee_id: feeIds[0]!, amount_cents: 1000 }], { refund_amount_cents: 1000, credit_amount_cents: 125 }));
    expect(split.status).toBe(200);
    expect(split.body.credit_note).toMatchObject({ refund_status: 'pending', credit_status: 'available', refund_amount_cents: 1000, credit_amount_cents: 125, balance_amount_cents: 125 });
    // Paid 2000 + 250 + 1000 = 3250; 1000 refunded so far, so refunding the untaxed 1000 fits.
    const refundOnly = await api.post('/credit_notes', note(invoice.id, [{ fee_id: feeIds[1]!, amount_cents: 1000 }], { refund_amount_cents: 1000 }));
    expect(refundOnly.body.credit_note).toMatchObject({ credit_status: null, refund_status: 'pending', balance_amount_cents: 0 });
    // Had the invoice been 2500, 2500 − 2000 refunded = 500 would be left: refunding the last
    // 1000 of the taxed fee (1000 + 125 tax = 1125) is then more than was paid.
    await database.db('invoices').where({ id: invoice.id }).update({ total_amount_cents: 2500 });
    const tooMuch = await api.post('/credit_notes', note(invoice.id, [{ fee_id: feeIds[0]!, amount_cents: 1000 }], { refund_amount_cents: 1125 }));
    expect(tooMuch.body.error_details).toEqual({ refund_amount_cents: ['higher_than_remaining_invoice_amount'] });
  });

  test('wrong invoices, fees and bodies answer 400/404/405/422 and write nothing', async () => {
    const { invoice, feeIds } = await taxedInvoice();
    const elsewhere = await taxedInvoice();
    const draft = await taxedInvoice(acme, { status: 'draft' });
    const voided = await taxedInvoice(acme, { status: 'voided' });
    const credit = await seedInvoice(database.db, api.organization, acme, { fees: [{ amountCents: 1500n }], invoiceType: 'credit' });
    const foreignCustomer = await seedCustomer(database.db, other.organization.id, 'acme');
    const foreign = await seedInvoice(database.db, other.organization, foreignCustomer, { fees: [{ amountCents: 100n }] });
    const item = [{ fee_id: feeIds[1]!, amount_cents: 100 }];
    const before = await snapshotTables(database.db);
    const cases: [unknown, number, unknown][] = [
      [{}, 400, { status: 400, error: 'BadRequest: param is missing or the value is empty: credit_note' }],
      [{ credit_note: { invoice_id: invoice.id } }, 422, { items: ['value_is_mandatory'] }],
      [note(invoice.id, []), 422, { items: ['value_is_mandatory'] }],
      [note(invoice.id, item, { reason: 'whim' }), 422, { reason: ['value_is_invalid'] }],
      [note(invoice.id, [{ fee_id: feeIds[1]!, amount_cents: 'abc' as unknown as number }]), 422, { 'items.0.amount_cents': ['value_is_invalid'] }],
      [note(invoice.id, [{ fee_id: feeIds[1]!, amount_cents: -1 }]), 422, { 'items.0.amount_cents': ['value_is_out_of_range'] }],
      [note('00000000-0000-0000-0000-000000000000', item), 404, 'invoice_not_found'],
      [note('nope', item), 404, 'invoice_not_found'],
      [note(foreign.invoice.id, [{ fee_id: foreign.feeIds[0]!, amount_cents: 10 }]), 404, 'invoice_not_found'],
      [note(invoice.id, [{ fee_id: elsewhere.feeIds[0]!, amount_cents: 10 }]), 404, 'fee_not_found'],
      [note(invoice.id, [{ fee_id: 'nope', amount_cents: 10 }]), 404, 'fee_not_found'],
      [note(draft.invoice.id, [{ fee_id: draft.feeIds[1]!, amount_cents: 10 }]), 405, 'invalid_type_or_status'],
      [note(voided.invoice.id, [{ fee_id: voided.feeIds[1]!, amount_cents: 10 }]), 405, 'invalid_type_or_status'],
      [note(credit.invoice.id, [{ fee_id: credit.feeIds[0]!, amount_cents: 10 }]), 422, { base: ['cannot_credit_invoice'] }],
    ];
    for (const [body, status, expected] of cases) {
      const res = await api.post('/credit_notes', body);
      expect({ body, status: res.status }).toEqual({ body, status });
      if (status === 422) expect(res.body.error_details).toEqual(expected);
      else if (status === 400) expect(res.body).toEqual(expected);
      else expect(res.body.code).toBe(expected);
    }
    expect(await snapshotTables(database.db)).toBe(before);
  });

  test('concurrent notes on one fee never over-credit it, and numbers stay gapless', async () => {
    const { invoice, feeIds } = await taxedInvoice();
    const results = await Promise.all([1, 2, 3].map(() => api.post('/credit_notes', note(invoice.id, [{ fee_id: feeIds[0]!, amount_cents: 900 }]))));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 422]);
    const numbers = results.filter((r) => r.status === 200).map((r) => r.body.credit_note.number).sort();
    expect(numbers).toEqual([`${invoice.number}-CN001`, `${invoice.number}-CN002`]);
  });
});

describe('credit note actions and lists', () => {
  let invoice: InvoiceRow;
  let feeIds: string[];
  let creditId: string;
  let refundId: string;

  beforeAll(async () => {
    ({ invoice, feeIds } = await taxedInvoice(acme, { paymentStatus: 'succeeded' }));
    creditId = (await api.post('/credit_notes', note(invoice.id, [{ fee_id: feeIds[1]!, amount_cents: 200 }]))).body.credit_note.lago_id;
    refundId = (await api.post('/credit_notes', note(invoice.id, [{ fee_id: feeIds[1]!, amount_cents: 100 }], { refund_amount_cents: 100 }))).body.credit_note.lago_id;
  });

  test('void drops the balance once; nothing left to void is 405 no_voidable_amount', async () => {
    expect((await other.put(`/credit_notes/${creditId}/void`, {})).status).toBe(404);
    const res = await api.put(`/credit_notes/${creditId}/void`, {});
    expect(res.status).toBe(200);
    expect(res.body.credit_note).toMatchObject({ credit_status: 'voided', balance_amount_cents: 0, credit_amount_cents: 200, voided_at: expect.stringMatching(/Z$/) });
    for (const id of [creditId, refundId]) {
      const again = await api.put(`/credit_notes/${id}/void`, {});
      expect(again.status).toBe(405);
      expect(again.body).toEqual({ status: 405, error: 'Method Not Allowed', code: 'no_voidable_amount' });
    }
    expect((await api.put('/credit_notes/00000000-0000-0000-0000-000000000000/void', {})).body.code).toBe('credit_note_not_found');
    // A void does not re-open the fee: 200 + 100 of its 1000 stay credited.
    const over = await api.post('/credit_notes', note(invoice.id, [{ fee_id: feeIds[1]!, amount_cents: 701 }]));
    expect(over.body.error_details).toEqual({ amount_cents: ['higher_than_remaining_fee_amount'] });
  });

  test('PUT sets the refund status', async () => {
    const res = await api.put(`/credit_notes/${refundId}`, { credit_note: { refund_status: 'succeeded' } });
    expect(res.status).toBe(200);
    expect(res.body.credit_note).toMatchObject({ refund_status: 'succeeded', refunded_at: expect.stringMatching(/Z$/) });
    const before = await snapshotTables(database.db);
    expect((await api.put(`/credit_notes/${refundId}`, { credit_note: { refund_status: 'done' } })).body.error_details).toEqual({ refund_status: ['value_is_invalid'] });
    expect((await api.put(`/credit_notes/${refundId}`, {})).status).toBe(400);
    expect((await api.put('/credit_notes/nope', { credit_note: { refund_status: 'failed' } })).status).toBe(404);
    expect((await other.put(`/credit_notes/${refundId}`, { credit_note: { refund_status: 'failed' } })).status).toBe(404);
    expect(await snapshotTables(database.db)).toBe(before);
  });

  test('GET one and lists by customer and invoice, scoped by organization', async () => {
    expect((await other.get(`/credit_notes/${creditId}`)).status).toBe(404);
    expect((await api.get('/credit_notes/nope')).body).toEqual({ status: 404, error: 'Not Found', code: 'credit_note_not_found' });
    const byInvoice = await api.get(`/credit_notes?invoice_id=${invoice.id}`);
    expect(byInvoice.status).toBe(200);
    expect(byInvoice.body.credit_notes.map((c: { lago_id: string }) => c.lago_id).sort()).toEqual([creditId, refundId].sort());
    expect(byInvoice.body.meta).toMatchObject({ total_count: 2, current_page: 1 });
    expect((await api.get('/credit_notes?invoice_id=nope')).body.credit_notes).toEqual([]);
    expect((await api.get('/credit_notes?external_customer_id=acme')).body.meta.total_count).toBeGreaterThanOrEqual(2);
    expect((await api.get('/credit_notes?external_customer_id=nobody')).body.credit_notes).toEqual([]);
    expect((await other.get('/credit_notes')).body.credit_notes).toEqual([]);
  });
});

describe('services: createCreditNote and consumeCreditNotes', () => {
  test('an automatic order_cancellation note is created once per business key', async () => {
    const bob = await seedCustomer(database.db, api.organization.id, 'bob');
    const { invoice, feeIds } = await taxedInvoice(bob);
    const input = {
      organizationId: api.organization.id, invoiceId: invoice.id, reason: 'order_cancellation' as const,
      items: [{ feeId: feeIds[0]!, amountCents: 1000n }], idempotencyKey: `termination:${invoice.id}`, issuingDate: '2027-03-15', nowMs: Date.now(),
    };
    const first = await database.db.transaction((trx) => createCreditNote(trx, input));
    const again = await database.db.transaction((trx) => createCreditNote(trx, input));
    expect(first.created).toBe(true);
    expect(again).toEqual({ creditNote: first.creditNote, created: false });
    // 1000 of the 2000 fee: tax round(250 × 1000 / 2000) = 125; all credited: 1125.
    expect(first.creditNote).toMatchObject({ reason: 'order_cancellation', issuing_date: '2027-03-15', total_amount_cents: 1125n, credit_amount_cents: 1125n, credit_status: 'available' });
    expect(await database.db('credit_notes').where({ invoice_id: invoice.id })).toHaveLength(1);
  });

  test('allocate refund refunds what the payment covers and credits the rest; remainingCreditableFeeCents', async () => {
    const erin = await seedCustomer(database.db, api.organization.id, 'erin');
    const { invoice, feeIds } = await taxedInvoice(erin, { paymentStatus: 'succeeded' });
    const base = { organizationId: api.organization.id, invoiceId: invoice.id, reason: 'order_cancellation' as const, allocate: 'refund' as const, nowMs: Date.now() };
    // Paid 3250. 2000 of the taxed fee: 2000 + 250 = 2250, all refunded.
    const first = await database.db.transaction((trx) => createCreditNote(trx, { ...base, items: [{ feeId: feeIds[0]!, amountCents: 2000n }] }));
    expect(first.creditNote).toMatchObject({ total_amount_cents: 2250n, refund_amount_cents: 2250n, credit_amount_cents: 0n, credit_status: null, refund_status: 'pending' });
    // 1000 left to refund after 3250 − 2250: the untaxed 1000 is refunded whole.
    expect(await remainingCreditableFeeCents(database.db, api.organization.id, feeIds[1]!)).toBe(1000n);
    await database.db('invoices').where({ id: invoice.id }).update({ total_amount_cents: 2500 });
    // Had 2500 been paid, only 250 would be left: 250 refunded, 750 credited.
    const second = await database.db.transaction((trx) => createCreditNote(trx, { ...base, items: [{ feeId: feeIds[1]!, amountCents: 1000n }] }));
    expect(second.creditNote).toMatchObject({ refund_amount_cents: 250n, credit_amount_cents: 750n, balance_amount_cents: 750n });
    expect(await remainingCreditableFeeCents(database.db, api.organization.id, feeIds[1]!)).toBe(0n);
    expect(await remainingCreditableFeeCents(database.db, api.organization.id, 'nope')).toBe(0n);
    expect(await remainingCreditableFeeCents(database.db, other.organization.id, feeIds[0]!)).toBe(0n);
  });

  test('later invoices consume available notes oldest first, once; voiding the invoice gives the credit back', async () => {
    const carol = await seedCustomer(database.db, api.organization.id, 'carol');
    const { invoice, feeIds } = await taxedInvoice(carol);
    const first = (await api.post('/credit_notes', note(invoice.id, [{ fee_id: feeIds[0]!, amount_cents: 500 }]))).body.credit_note; // 563
    const second = (await api.post('/credit_notes', note(invoice.id, [{ fee_id: feeIds[0]!, amount_cents: 500 }]))).body.credit_note; // 562
    expect(await availableCreditNoteCents(database.db, carol.id, { currency: 'EUR' })).toBe(1125n);
    expect(await availableCreditNoteCents(database.db, carol.id, { currency: 'USD' })).toBe(0n);

    // A later invoice of 1000 draws 563 from the first note and 437 from the second (562 − 437 = 125 left).
    const later = await seedInvoice(database.db, api.organization, carol, { fees: [{ amountCents: 1000n }], creditNoteCents: 1000n });
    const consume = () => database.db.transaction((trx) => consumeCreditNotes(trx, { customerId: carol.id, invoiceId: later.invoice.id, amountCents: 1000n }));
    expect(await consume()).toBe(1000n);
    expect(await consume()).toBe(1000n);
    expect(await availableCreditNoteCents(database.db, carol.id)).toBe(125n);
    expect((await api.get(`/credit_notes/${first.lago_id}`)).body.credit_note).toMatchObject({ credit_status: 'consumed', balance_amount_cents: 0 });
    expect((await api.get(`/credit_notes/${second.lago_id}`)).body.credit_note).toMatchObject({ credit_status: 'available', balance_amount_cents: 125 });
    const shown = (await api.get(`/invoices/${later.invoice.id}`)).body.invoice;
    expect(shown.credits.map((c: { amount_cents: number; item: { code: string; type: string } }) => [c.item.type, c.item.code, c.amount_cents])).toEqual([
      ['credit_note', first.number, 563], ['credit_note', second.number, 437],
    ]);
    // Asking more than is available takes only what is there.
    const third = await seedInvoice(database.db, api.organization, carol, { fees: [{ amountCents: 1000n }] });
    expect(await database.db.transaction((trx) => consumeCreditNotes(trx, { customerId: carol.id, invoiceId: third.invoice.id, amountCents: 1000n }))).toBe(125n);
    expect(await availableCreditNoteCents(database.db, carol.id)).toBe(0n);

    // Voiding the later invoice gives 563 and 437 back.
    expect((await api.post(`/invoices/${later.invoice.id}/void`, {})).status).toBe(200);
    expect(await availableCreditNoteCents(database.db, carol.id)).toBe(1000n);
    expect((await api.get(`/credit_notes/${first.lago_id}`)).body.credit_note).toMatchObject({ credit_status: 'available', balance_amount_cents: 563 });
  });

  test('consumeCreditNotes refuses an invoice of another customer', async () => {
    const { invoice } = await taxedInvoice();
    const dave = await seedCustomer(database.db, api.organization.id, 'dave');
    await expect(database.db.transaction((trx) => consumeCreditNotes(trx, { customerId: dave.id, invoiceId: invoice.id, amountCents: 1n }))).rejects.toThrow(/not an invoice of customer/);
  });
});

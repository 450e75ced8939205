/** Wallets, wallet transactions, credit invoices, and the services invoices use to draw prepaid credits. */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { seedCustomer, seedInvoice, snapshotTables } from '../support/money';
import { availableWalletCents, consumeWalletCredits } from '../../src/services/invoicing/credit-draws';
import type { CustomerRow } from '../../src/db/customers';

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;
let other: Awaited<ReturnType<typeof createPlainTestApi>>;
let acme: CustomerRow;

const WALLET_KEYS = [
  'applies_to', 'balance', 'balance_cents', 'code', 'consumed_amount_cents', 'consumed_credits', 'created_at', 'credits_balance', 'credits_ongoing_balance',
  'credits_ongoing_usage_balance', 'currency', 'expiration_at', 'external_customer_id', 'invoice_requires_successful_payment', 'lago_customer_id',
  'lago_id', 'last_balance_sync_at', 'last_consumed_credit_at', 'metadata', 'name', 'ongoing_balance_cents', 'ongoing_usage_balance_cents',
  'paid_top_up_max_amount_cents', 'paid_top_up_min_amount_cents', 'priority', 'purchase_order_number', 'rate_amount', 'recurring_transaction_rules', 'status',
  'terminated_at',
].sort();
const TRANSACTION_KEYS = [
  'amount', 'created_at', 'credit_amount', 'failed_at', 'invoice_requires_successful_payment', 'lago_credit_note_id', 'lago_id', 'lago_invoice_id',
  'lago_voided_invoice_id', 'lago_wallet_id', 'metadata', 'name', 'payment_method', 'priority', 'purchase_order_number', 'remaining_amount_cents',
  'remaining_credit_amount', 'settled_at', 'source', 'status', 'transaction_status', 'transaction_type',
].sort();
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Wallet Corp');
  other = await createPlainTestApi(database.db, 'Other Corp');
  acme = await seedCustomer(database.db, api.organization.id, 'acme');
  await seedCustomer(database.db, api.organization.id, 'dollar', { currency: 'USD' });
  await seedCustomer(database.db, other.organization.id, 'acme');
});
afterAll(async () => database?.drop());

async function newCustomer(externalId: string, currency = 'EUR') {
  return seedCustomer(database.db, api.organization.id, externalId, { currency });
}

async function createWallet(body: Record<string, unknown>) {
  const res = await api.post('/wallets', { wallet: { currency: 'EUR', rate_amount: '1', ...body } });
  expect(res.status).toBe(200);
  return res.body.wallet as { lago_id: string; balance_cents: number };
}

async function draw(customer: CustomerRow, amountCents: bigint, invoiceId?: string) {
  const id = invoiceId ?? (await seedInvoice(database.db, api.organization, customer, { fees: [{ amountCents: 100_000n }] })).invoice.id;
  const drawn = await database.db.transaction((trx) => consumeWalletCredits(trx, { organizationId: api.organization.id, customerId: customer.id, invoiceId: id, amountCents, asOf: new Date() }));
  return { drawn, invoiceId: id };
}

describe('wallets', () => {
  let walletId: string;
  let creditInvoiceId: string;

  test('rate 1.5 with 10 paid and 5 granted credits: a credit invoice of 1500, a balance of 2250 once paid', async () => {
    const res = await api.post('/wallets', { wallet: { external_customer_id: 'acme', rate_amount: '1.5', currency: 'EUR', name: 'Prepaid', code: 'main', paid_credits: '10', granted_credits: '5' } });
    expect(res.status).toBe(200);
    const wallet = res.body.wallet;
    expect(Object.keys(wallet).sort()).toEqual(WALLET_KEYS);
    // Granted credits settle at once: 5 × 1.5 × 100 = 750 cents; paid ones wait for the payment.
    expect(wallet).toMatchObject({
      lago_customer_id: acme.id, external_customer_id: 'acme', status: 'active', currency: 'EUR', name: 'Prepaid', code: 'main',
      // Lago's deprecated `balance`: 750 cents in euros, 7.50 → "7.5".
      rate_amount: '1.5', credits_balance: '5.0', balance: '7.5', balance_cents: 750, credits_ongoing_balance: '5.0', ongoing_balance_cents: 750,
      consumed_credits: '0.0', consumed_amount_cents: 0, priority: 50, expiration_at: null, terminated_at: null,
      invoice_requires_successful_payment: false, recurring_transaction_rules: [], applies_to: { fee_types: [], billable_metric_codes: [] },
    });
    expect(wallet.created_at).toMatch(ISO);
    walletId = wallet.lago_id;

    const transactions = await api.get(`/wallets/${walletId}/wallet_transactions`);
    expect(transactions.status).toBe(200);
    expect(transactions.body.meta).toMatchObject({ total_count: 2 });
    const byStatus = Object.fromEntries(transactions.body.wallet_transactions.map((t: { transaction_status: string }) => [t.transaction_status, t]));
    expect(Object.keys(byStatus.purchased).sort()).toEqual(TRANSACTION_KEYS);
    expect(byStatus.purchased).toMatchObject({ lago_wallet_id: walletId, status: 'pending', transaction_type: 'inbound', source: 'manual', credit_amount: '10.0', amount: '15.0', settled_at: null });
    // What Billow has no concept of: Lago's defaults (docs/lago-compatibility.md, "Responses").
    expect(byStatus.purchased).toMatchObject({
      priority: 50, payment_method: { payment_method_id: null, payment_method_type: 'provider' }, remaining_amount_cents: null, remaining_credit_amount: null, lago_voided_invoice_id: null,
    });
    expect(byStatus.granted).toMatchObject({ status: 'settled', transaction_type: 'inbound', credit_amount: '5.0', amount: '7.5', lago_invoice_id: null, settled_at: expect.stringMatching(ISO) });

    // The credit invoice: one untaxed credit fee of 10 × 1.5 × 100 = 1500 cents, numbered like any invoice.
    creditInvoiceId = byStatus.purchased.lago_invoice_id;
    const invoice = (await api.get(`/invoices/${creditInvoiceId}`)).body.invoice;
    expect(invoice).toMatchObject({
      invoice_type: 'credit', status: 'finalized', payment_status: 'pending', currency: 'EUR', fees_amount_cents: 1500, taxes_amount_cents: 0,
      total_amount_cents: 1500, number: `${api.organization.document_number_prefix}-001-001`,
    });
    expect(invoice.fees).toEqual([expect.objectContaining({
      amount_cents: 1500, units: '10.0', unit_amount_cents: 150, precise_unit_amount: '1.5', taxes_amount_cents: 0,
      item: expect.objectContaining({ type: 'credit', code: 'credit', item_type: 'WalletTransaction', lago_item_id: byStatus.purchased.lago_id }),
    })]);

    // Paying the credit invoice settles the purchase: 750 + 1500 = 2250 = 15 × 1.5 × 100.
    const paid = await api.put(`/invoices/${creditInvoiceId}`, { invoice: { payment_status: 'succeeded' } });
    expect(paid.status).toBe(200);
    const after = (await api.get(`/wallets/${walletId}`)).body.wallet;
    expect(after).toMatchObject({ balance_cents: 2250, credits_balance: '15.0' });
    const settled = (await api.get(`/wallets/${walletId}/wallet_transactions?transaction_status=purchased`)).body.wallet_transactions;
    expect(settled).toEqual([expect.objectContaining({ status: 'settled', settled_at: expect.stringMatching(ISO) })]);
    // Paying again changes nothing.
    await api.put(`/invoices/${creditInvoiceId}`, { invoice: { payment_status: 'succeeded' } });
    expect((await api.get(`/wallets/${walletId}`)).body.wallet.balance_cents).toBe(2250);
  });

  test('consumeWalletCredits draws 1000 of 2250, leaving 1250; never more than available; once per invoice', async () => {
    expect(await availableWalletCents(database.db, acme.id, { currency: 'EUR', asOf: new Date() })).toBe(2250n);
    const first = await draw(acme, 1000n);
    expect(first.drawn).toBe(1000n);
    // 2250 − 1000 = 1250 cents = 1250 / 150 = 8.33333 credits; 1000 / 150 = 6.66667 credits consumed.
    const wallet = (await api.get(`/wallets/${walletId}`)).body.wallet;
    expect(wallet).toMatchObject({ balance_cents: 1250, credits_balance: '8.33333', consumed_amount_cents: 1000, consumed_credits: '6.66667', last_consumed_credit_at: expect.stringMatching(ISO) });
    expect(await availableWalletCents(database.db, acme.id, { asOf: new Date() })).toBe(1250n);
    const outbound = (await api.get(`/wallets/${walletId}/wallet_transactions?transaction_type=outbound`)).body.wallet_transactions;
    expect(outbound).toEqual([expect.objectContaining({ transaction_status: 'invoiced', status: 'settled', amount: '10.0', credit_amount: '6.66667', lago_invoice_id: first.invoiceId })]);

    // The same invoice again: the first draw is returned, nothing more is taken.
    expect((await draw(acme, 1000n, first.invoiceId)).drawn).toBe(1000n);
    expect(await availableWalletCents(database.db, acme.id, { asOf: new Date() })).toBe(1250n);

    // Asking 5000 takes the 1250 left, no more.
    expect((await draw(acme, 5000n)).drawn).toBe(1250n);
    expect(await availableWalletCents(database.db, acme.id, { asOf: new Date() })).toBe(0n);
    expect((await draw(acme, 10n)).drawn).toBe(0n);
    expect((await draw(acme, 0n)).drawn).toBe(0n);
  });

  test('concurrent draws never take more than the balance', async () => {
    const carol = await newCustomer('carol');
    await createWallet({ external_customer_id: 'carol', granted_credits: '10' });
    // 1000 cents, two invoices asking 800 each at the same time: 800 + 200, nothing more.
    const invoices = await Promise.all([1, 2].map(() => seedInvoice(database.db, api.organization, carol, { fees: [{ amountCents: 800n }] })));
    const drawn = await Promise.all(invoices.map(({ invoice }) => draw(carol, 800n, invoice.id)));
    expect(drawn.map((d) => d.drawn).sort()).toEqual([200n, 800n]);
    expect(await availableWalletCents(database.db, carol.id, { asOf: new Date() })).toBe(0n);
  });

  test('wallets are drawn by priority, then age; expired, terminated and other-currency wallets are skipped', async () => {
    const dave = await newCustomer('dave');
    const low = await createWallet({ external_customer_id: 'dave', granted_credits: '3', priority: 20 });
    const high = await createWallet({ external_customer_id: 'dave', granted_credits: '2', priority: 1 });
    const expiring = await createWallet({ external_customer_id: 'dave', granted_credits: '50', priority: 1, expiration_at: new Date(Date.now() + 60_000).toISOString() });
    const ended = await createWallet({ external_customer_id: 'dave', granted_credits: '50', priority: 1 });
    await api.delete(`/wallets/${ended.lago_id}`);
    await database.db('wallets').where({ id: expiring.lago_id }).update({ expiration_at: new Date(Date.now() - 1000) });
    expect(await availableWalletCents(database.db, dave.id, { currency: 'EUR', asOf: new Date() })).toBe(500n);
    expect(await availableWalletCents(database.db, dave.id, { currency: 'USD', asOf: new Date() })).toBe(0n);
    // 250 cents: 200 from the priority-1 wallet, then 50 from the priority-20 one.
    expect((await draw(dave, 250n)).drawn).toBe(250n);
    expect((await api.get(`/wallets/${high.lago_id}`)).body.wallet.balance_cents).toBe(0);
    expect((await api.get(`/wallets/${low.lago_id}`)).body.wallet.balance_cents).toBe(250);
    expect((await api.get(`/wallets/${expiring.lago_id}`)).body.wallet.balance_cents).toBe(5000);
    expect((await api.get(`/wallets/${ended.lago_id}`)).body.wallet.balance_cents).toBe(5000);
    // A USD invoice finds no EUR wallet to draw on.
    const usd = await seedInvoice(database.db, api.organization, dave, { fees: [{ amountCents: 100n }], currency: 'USD' });
    expect((await draw(dave, 100n, usd.invoice.id)).drawn).toBe(0n);
  });

  test('consumeWalletCredits refuses an invoice of another customer', async () => {
    const erin = await newCustomer('erin');
    const { invoice } = await seedInvoice(database.db, api.organization, acme, { fees: [{ amountCents: 100n }] });
    await expect(draw(erin, 10n, invoice.id)).rejects.toThrow(/not an invoice of customer/);
  });

  test('voiding an invoice gives its drawn credits back', async () => {
    const fred = await newCustomer('fred');
    const wallet = await createWallet({ external_customer_id: 'fred', granted_credits: '10' });
    const { invoiceId } = await draw(fred, 300n);
    expect((await api.get(`/wallets/${wallet.lago_id}`)).body.wallet.balance_cents).toBe(700);
    expect((await api.post(`/invoices/${invoiceId}/void`, {})).status).toBe(200);
    const after = (await api.get(`/wallets/${wallet.lago_id}`)).body.wallet;
    expect(after).toMatchObject({ balance_cents: 1000, consumed_amount_cents: 0 });
    const back = (await api.get(`/wallets/${wallet.lago_id}/wallet_transactions?transaction_type=inbound&transaction_status=granted`)).body.wallet_transactions;
    expect(back.map((t: { amount: string; lago_invoice_id: string | null }) => [t.amount, t.lago_invoice_id])).toContainEqual(['3.0', invoiceId]);
  });

  test('a failed payment fails the purchase; a later success settles it; voiding a credit invoice fails its purchase', async () => {
    await newCustomer('gina');
    const wallet = await createWallet({ external_customer_id: 'gina', paid_credits: '4' });
    const [purchase] = (await api.get(`/wallets/${wallet.lago_id}/wallet_transactions`)).body.wallet_transactions;
    await api.put(`/invoices/${purchase.lago_invoice_id}`, { invoice: { payment_status: 'failed' } });
    const failed = (await api.get(`/wallet_transactions/${purchase.lago_id}`)).body.wallet_transaction;
    expect(failed).toMatchObject({ status: 'failed', failed_at: expect.stringMatching(ISO) });
    expect((await api.get(`/wallets/${wallet.lago_id}`)).body.wallet.balance_cents).toBe(0);
    await api.put(`/invoices/${purchase.lago_invoice_id}`, { invoice: { payment_status: 'succeeded' } });
    expect((await api.get(`/wallet_transactions/${purchase.lago_id}`)).body.wallet_transaction).toMatchObject({ status: 'settled', failed_at: null });
    expect((await api.get(`/wallets/${wallet.lago_id}`)).body.wallet.balance_cents).toBe(400);

    const topUp = await api.post('/wallet_transactions', { wallet_transaction: { wallet_id: wallet.lago_id, paid_credits: '2' } });
    const pending = topUp.body.wallet_transactions[0];
    expect((await api.post(`/invoices/${pending.lago_invoice_id}/void`, {})).status).toBe(200);
    expect((await api.get(`/wallet_transactions/${pending.lago_id}`)).body.wallet_transaction.status).toBe('failed');
    expect((await api.get(`/wallets/${wallet.lago_id}`)).body.wallet.balance_cents).toBe(400);
  });
});

describe('wallet transactions', () => {
  test('paid, granted and voided credits in one request, in that order', async () => {
    await newCustomer('hugo');
    const wallet = await createWallet({ external_customer_id: 'hugo', rate_amount: '2', granted_credits: '10' });
    const res = await api.post('/wallet_transactions', { wallet_transaction: { wallet_id: wallet.lago_id, paid_credits: '1', granted_credits: '2.5', voided_credits: '4', name: 'Adjust', metadata: [{ key: 'k', value: 'v' }] } });
    expect(res.status).toBe(200);
    const [paid, granted, voided] = res.body.wallet_transactions;
    expect(res.body.wallet_transactions).toHaveLength(3);
    expect(Object.keys(paid).sort()).toEqual(TRANSACTION_KEYS);
    // At 2 EUR a credit: 1 paid = 200 cents (pending); 2.5 granted = 500; 4 voided = 800.
    expect(paid).toMatchObject({ transaction_status: 'purchased', status: 'pending', amount: '2.0', credit_amount: '1.0', name: 'Adjust', metadata: [{ key: 'k', value: 'v' }] });
    expect(granted).toMatchObject({ transaction_status: 'granted', status: 'settled', amount: '5.0', credit_amount: '2.5' });
    expect(voided).toMatchObject({ transaction_status: 'voided', transaction_type: 'outbound', status: 'settled', amount: '8.0', credit_amount: '4.0' });
    // 2000 + 500 − 800 = 1700 cents = 8.5 credits.
    expect((await api.get(`/wallets/${wallet.lago_id}`)).body.wallet).toMatchObject({ balance_cents: 1700, credits_balance: '8.5' });
  });

  test('voiding more than the balance, bad amounts and unknown wallets change nothing', async () => {
    await newCustomer('ivy');
    const wallet = await createWallet({ external_customer_id: 'ivy', granted_credits: '1' });
    const foreignCustomer = await seedCustomer(database.db, other.organization.id, 'ivy');
    void foreignCustomer;
    const before = await snapshotTables(database.db);
    const cases: [unknown, number, unknown][] = [
      [{}, 400, undefined],
      [{ wallet_transaction: { wallet_id: wallet.lago_id, voided_credits: '1.01' } }, 422, { voided_credits: ['insufficient_credits'] }],
      [{ wallet_transaction: { wallet_id: wallet.lago_id, paid_credits: '-1' } }, 422, { paid_credits: ['value_is_invalid'] }],
      [{ wallet_transaction: { wallet_id: wallet.lago_id, granted_credits: '0.000001' } }, 422, { granted_credits: ['value_is_invalid'] }],
      [{ wallet_transaction: { wallet_id: wallet.lago_id, granted_credits: '0.001' } }, 422, { granted_credits: ['value_is_invalid'] }],
      [{ wallet_transaction: { paid_credits: '1' } }, 422, { wallet_id: ['value_is_mandatory'] }],
      [{ wallet_transaction: { wallet_id: '00000000-0000-0000-0000-000000000000', paid_credits: '1' } }, 404, 'wallet_not_found'],
      [{ wallet_transaction: { wallet_id: 'nope', paid_credits: '1' } }, 404, 'wallet_not_found'],
    ];
    for (const [body, status, expected] of cases) {
      const res = await api.post('/wallet_transactions', body);
      expect({ body, status: res.status }).toEqual({ body, status });
      if (status === 422) expect(res.body.error_details).toEqual(expected);
      if (status === 404) expect(res.body).toEqual({ status: 404, error: 'Not Found', code: expected });
    }
    const foreign = await other.post('/wallet_transactions', { wallet_transaction: { wallet_id: wallet.lago_id, granted_credits: '1' } });
    expect(foreign.status).toBe(404);
    expect(await snapshotTables(database.db)).toBe(before);
    // An empty top-up is answered with no transaction.
    const empty = await api.post('/wallet_transactions', { wallet_transaction: { wallet_id: wallet.lago_id } });
    expect(empty.body).toEqual({ wallet_transactions: [] });
  });

  test('a terminated wallet takes no more transactions', async () => {
    await newCustomer('jack');
    const wallet = await createWallet({ external_customer_id: 'jack', granted_credits: '1' });
    await api.delete(`/wallets/${wallet.lago_id}`);
    const res = await api.post('/wallet_transactions', { wallet_transaction: { wallet_id: wallet.lago_id, granted_credits: '1' } });
    expect(res.status).toBe(422);
    expect(res.body.error_details).toEqual({ wallet_id: ['wallet_is_terminated'] });
  });
});

describe('wallet endpoints', () => {
  test('POST refuses client mistakes and writes nothing', async () => {
    await createWallet({ external_customer_id: 'acme', code: 'taken' });
    const before = await snapshotTables(database.db);
    const base = { external_customer_id: 'acme', rate_amount: '1', currency: 'EUR' };
    const cases: [unknown, number, unknown][] = [
      [{}, 400, undefined],
      [{ wallet: { external_customer_id: 'acme', currency: 'EUR' } }, 422, { rate_amount: ['value_is_mandatory'] }],
      [{ wallet: { ...base, rate_amount: '0' } }, 422, { rate_amount: ['value_is_out_of_range'] }],
      [{ wallet: { ...base, rate_amount: 'abc' } }, 422, { rate_amount: ['value_is_invalid'] }],
      [{ wallet: { ...base, currency: undefined } }, 422, { currency: ['value_is_mandatory'] }],
      [{ wallet: { ...base, currency: 'USD' } }, 422, { currency: ['currencies_does_not_match'] }],
      [{ wallet: { ...base, priority: 51 } }, 422, { priority: ['value_is_out_of_range'] }],
      [{ wallet: { ...base, paid_credits: '-1' } }, 422, { paid_credits: ['value_is_invalid'] }],
      [{ wallet: { ...base, expiration_at: '2001-01-01T00:00:00Z' } }, 422, { expiration_at: ['invalid_date'] }],
      [{ wallet: { ...base, expiration_at: 'soon' } }, 422, { expiration_at: ['invalid_date'] }],
      [{ wallet: { ...base, code: 'taken' } }, 422, { code: ['value_already_exist'] }],
      [{ wallet: { ...base, external_customer_id: 'nobody' } }, 404, 'customer_not_found'],
    ];
    for (const [body, status, expected] of cases) {
      const res = await api.post('/wallets', body);
      expect({ body, status: res.status }).toEqual({ body, status });
      if (status === 422) expect(res.body.error_details).toEqual(expected);
      if (status === 404) expect(res.body.code).toEqual(expected);
    }
    expect(await snapshotTables(database.db)).toBe(before);
  });

  test('PUT, GET, list by customer and DELETE (terminate)', async () => {
    await newCustomer('kate');
    const wallet = await createWallet({ external_customer_id: 'kate', name: 'Old', granted_credits: '1' });
    const expiration = '2099-01-01T00:00:00Z';
    const updated = await api.put(`/wallets/${wallet.lago_id}`, { wallet: { name: 'New', priority: 3, expiration_at: expiration, code: 'k1' } });
    expect(updated.status).toBe(200);
    expect(updated.body.wallet).toMatchObject({ name: 'New', priority: 3, expiration_at: expiration, code: 'k1', balance_cents: 100 });
    expect((await api.get(`/wallets/${wallet.lago_id}`)).body).toEqual({ wallet: updated.body.wallet });

    const list = await api.get('/wallets?external_customer_id=kate');
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ wallets: [updated.body.wallet], meta: { current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: 1 } });
    expect((await api.get('/wallets?external_customer_id=nobody')).body.code).toBe('customer_not_found');
    expect((await api.get('/wallets')).body.meta.total_count).toBeGreaterThan(1);
    expect((await other.get('/wallets')).body.wallets).toEqual([]);

    const bad = await api.put(`/wallets/${wallet.lago_id}`, { wallet: { expiration_at: '2000-01-01T00:00:00Z' } });
    expect(bad.body.error_details).toEqual({ expiration_at: ['invalid_date'] });
    expect((await api.put(`/wallets/${wallet.lago_id}`, {})).status).toBe(400);

    const terminated = await api.delete(`/wallets/${wallet.lago_id}`);
    expect(terminated.status).toBe(200);
    expect(terminated.body.wallet).toMatchObject({ status: 'terminated', terminated_at: expect.stringMatching(ISO), balance_cents: 100 });
    const again = await api.delete(`/wallets/${wallet.lago_id}`);
    expect(again.body.wallet.terminated_at).toBe(terminated.body.wallet.terminated_at);
  });

  test('unknown and foreign wallets are 404 everywhere', async () => {
    const wallet = await createWallet({ external_customer_id: 'acme' });
    for (const id of ['00000000-0000-0000-0000-000000000000', 'not-a-uuid']) {
      for (const res of [await api.get(`/wallets/${id}`), await api.put(`/wallets/${id}`, { wallet: { name: 'x' } }), await api.delete(`/wallets/${id}`), await api.get(`/wallets/${id}/wallet_transactions`)]) {
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('wallet_not_found');
      }
    }
    for (const res of [await other.get(`/wallets/${wallet.lago_id}`), await other.put(`/wallets/${wallet.lago_id}`, { wallet: { name: 'x' } }), await other.delete(`/wallets/${wallet.lago_id}`)]) {
      expect(res.status).toBe(404);
    }
    expect((await api.get('/wallet_transactions/00000000-0000-0000-0000-000000000000')).body.code).toBe('wallet_transaction_not_found');
    const bad = await api.get(`/wallets/${wallet.lago_id}/wallet_transactions?status=nope`);
    expect(bad.status).toBe(422);
    expect(bad.body.error_details).toEqual({ status: ['value_is_invalid'] });
  });
});

/**
 * Wallet transactions (issue 15 pt 4, issue 14 pt 6): which inbound transactions each outbound one
 * consumed (`/wallet_transactions/:id/consumptions` and `/fundings`, `remaining_amount_cents`),
 * recorded at each draw in Lago's order (granted before purchased, then oldest), and
 * `invoice_requires_successful_payment`: paid credits pending until their invoice is paid.
 */
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createPlainTestApi } from '../support/api';
import { seedCustomer, seedInvoice } from '../support/money';
import { consumeWalletCredits } from '../../src/services/invoicing/credit-draws';
import { replayWalletConsumptions } from '../../migrations/20261201_029_wallet_transaction_consumptions';
import type { CustomerRow } from '../../src/db/customers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let database: TestDatabase;
let api: Awaited<ReturnType<typeof createPlainTestApi>>;
let other: Awaited<ReturnType<typeof createPlainTestApi>>;

beforeAll(async () => {
  database = await createTestDatabase();
  api = await createPlainTestApi(database.db, 'Consumption Corp');
  other = await createPlainTestApi(database.db, 'Other Corp');
});
afterAll(async () => database?.drop());

async function ok(response: PromiseLike<{ status: number; body: Json }>): Promise<Json> {
  const result = await response;
  if (result.status !== 200) throw new Error(`${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

/** An invoice of the customer drawing `amountCents` on its wallets, as the invoice writer does; returns the outbound transaction. */
async function drawByInvoice(customer: CustomerRow, walletId: string, amountCents: bigint): Promise<{ invoiceId: string; outboundId: string }> {
  const { invoice } = await seedInvoice(database.db, api.organization, customer, { fees: [{ amountCents: 100_000n }] });
  const drawn = await database.db.transaction((trx) => consumeWalletCredits(trx, {
    organizationId: api.organization.id, customerId: customer.id, invoiceId: invoice.id, amountCents, asOf: new Date(),
  }));
  expect(drawn).toBe(amountCents);
  const outbound = (await ok(api.get(`/wallets/${walletId}/wallet_transactions?transaction_type=outbound&transaction_status=invoiced`))).wallet_transactions
    .find((t: Json) => t.lago_invoice_id === invoice.id);
  return { invoiceId: invoice.id, outboundId: outbound.lago_id };
}

const transaction = async (id: string) => (await ok(api.get(`/wallet_transactions/${id}`))).wallet_transaction;
/** [the other transaction's id, amount_cents, credit_amount] of each row, in the order answered. */
const rowsOf = (list: Json[]) => list.map((row) => [row.wallet_transaction.lago_id, row.amount_cents, row.credit_amount]);

describe('consumptions and fundings', () => {
  let customer: CustomerRow;
  let walletId: string;
  const ids = {} as Record<'p1' | 'p2' | 'g1' | 'g2' | 'o1' | 'o1Invoice' | 'v1' | 'o2', string>;

  beforeAll(async () => {
    customer = await seedCustomer(database.db, api.organization.id, 'fifo');
  });

  test('each draw consumes granted credits first, then the oldest purchase, and is recorded at once', async () => {
    // Rate 2: one credit is 2.00 EUR = 200 cents.
    const created = await ok(api.post('/wallets', { wallet: { external_customer_id: 'fifo', rate_amount: '2', currency: 'EUR', paid_credits: '15', granted_credits: '5' } }));
    walletId = created.wallet.lago_id;
    const initial = (await ok(api.get(`/wallets/${walletId}/wallet_transactions`))).wallet_transactions;
    ids.p1 = initial.find((t: Json) => t.transaction_status === 'purchased').lago_id; // 15 × 200 = 3000 cents, pending
    ids.g1 = initial.find((t: Json) => t.transaction_status === 'granted').lago_id; //  5 × 200 = 1000 cents, settled
    // A pending purchase has nothing to consume yet; a settled grant holds all of its amount.
    expect(await transaction(ids.p1)).toMatchObject({ status: 'pending', remaining_amount_cents: null, remaining_credit_amount: null });
    expect(await transaction(ids.g1)).toMatchObject({ status: 'settled', remaining_amount_cents: 1000, remaining_credit_amount: '5.0' });

    await ok(api.put(`/invoices/${(await transaction(ids.p1)).lago_invoice_id}`, { invoice: { payment_status: 'succeeded' } }));
    expect(await transaction(ids.p1)).toMatchObject({ status: 'settled', remaining_amount_cents: 3000, remaining_credit_amount: '15.0' });
    // A second purchase, younger than P1, paid too: 5 × 200 = 1000 cents.
    ids.p2 = (await ok(api.post('/wallet_transactions', { wallet_transaction: { wallet_id: walletId, paid_credits: '5' } }))).wallet_transactions[0].lago_id;
    await ok(api.put(`/invoices/${(await transaction(ids.p2)).lago_invoice_id}`, { invoice: { payment_status: 'succeeded' } }));
    // A grant younger than both purchases: 2.5 × 200 = 500 cents.
    ids.g2 = (await ok(api.post('/wallet_transactions', { wallet_transaction: { wallet_id: walletId, granted_credits: '2.5' } }))).wallet_transactions[0].lago_id;
    // Balance: 1000 + 3000 + 1000 + 500 = 5500.
    expect((await ok(api.get(`/wallets/${walletId}`))).wallet.balance_cents).toBe(5500);

    // O1, an invoice drawing 1200: the grants first although P1 is older: G1 1000 (5 credits), then G2 200 (1 credit).
    const o1 = await drawByInvoice(customer, walletId, 1200n);
    ids.o1 = o1.outboundId;
    ids.o1Invoice = o1.invoiceId;
    expect(rowsOf((await ok(api.get(`/wallet_transactions/${ids.o1}/fundings`))).wallet_transaction_fundings)).toEqual([[ids.g1, 1000, '5.0'], [ids.g2, 200, '1.0']]);

    // V1, 4 voided credits = 800 cents: what is left of G2 (300, 1.5 credits), then the oldest purchase P1 (500, 2.5 credits).
    ids.v1 = (await ok(api.post('/wallet_transactions', { wallet_transaction: { wallet_id: walletId, voided_credits: '4' } }))).wallet_transactions[0].lago_id;
    expect(rowsOf((await ok(api.get(`/wallet_transactions/${ids.v1}/fundings`))).wallet_transaction_fundings)).toEqual([[ids.g2, 300, '1.5'], [ids.p1, 500, '2.5']]);

    // O2, an invoice drawing 3000: P1's remaining 3000 − 500 = 2500 (12.5 credits), then 500 of P2 (2.5 credits).
    ids.o2 = (await drawByInvoice(customer, walletId, 3000n)).outboundId;
    expect(rowsOf((await ok(api.get(`/wallet_transactions/${ids.o2}/fundings`))).wallet_transaction_fundings)).toEqual([[ids.p1, 2500, '12.5'], [ids.p2, 500, '2.5']]);

    // What is left: G1 0, G2 0, P1 0, P2 1000 − 500 = 500, which is the balance: 5500 − 1200 − 800 − 3000 = 500.
    expect((await ok(api.get(`/wallets/${walletId}`))).wallet.balance_cents).toBe(500);
    const remaining = await Promise.all([ids.g1, ids.g2, ids.p1, ids.p2].map(async (id) => (await transaction(id)).remaining_amount_cents));
    expect(remaining).toEqual([0, 0, 0, 500]);
    expect(await transaction(ids.p2)).toMatchObject({ remaining_credit_amount: '2.5' });
    // Outbound transactions have no remaining amount.
    expect(await transaction(ids.o2)).toMatchObject({ remaining_amount_cents: null, remaining_credit_amount: null });
  });

  test('an inbound transaction lists what consumed it, in order, with Lago\'s shape; paginated', async () => {
    const body = await ok(api.get(`/wallet_transactions/${ids.p1}/consumptions`));
    // P1 (3000): V1 took 500, then O2 2500.
    expect(rowsOf(body.wallet_transaction_consumptions)).toEqual([[ids.v1, 500, '2.5'], [ids.o2, 2500, '12.5']]);
    expect(body.meta).toEqual({ current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: 2 });
    const first = body.wallet_transaction_consumptions[0];
    expect(Object.keys(first).sort()).toEqual(['amount_cents', 'created_at', 'credit_amount', 'lago_id', 'wallet_transaction']);
    expect(first.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(first.wallet_transaction).toMatchObject({ lago_id: ids.v1, transaction_type: 'outbound', transaction_status: 'voided', credit_amount: '4.0', amount: '8.0' });

    const second = await ok(api.get(`/wallet_transactions/${ids.p1}/consumptions?per_page=1&page=2`));
    expect(rowsOf(second.wallet_transaction_consumptions)).toEqual([[ids.o2, 2500, '12.5']]);
    expect(second.meta).toEqual({ current_page: 2, next_page: null, prev_page: 1, total_pages: 2, total_count: 2 });

    expect(rowsOf((await ok(api.get(`/wallet_transactions/${ids.g1}/consumptions`))).wallet_transaction_consumptions)).toEqual([[ids.o1, 1000, '5.0']]);
    // A grant not yet consumed: an empty list.
    const fresh = (await ok(api.post('/wallet_transactions', { wallet_transaction: { wallet_id: walletId, granted_credits: '1' } }))).wallet_transactions[0].lago_id;
    expect(await ok(api.get(`/wallet_transactions/${fresh}/consumptions`))).toEqual({
      wallet_transaction_consumptions: [], meta: { current_page: 0, next_page: null, prev_page: null, total_pages: 0, total_count: 0 },
    });
  });

  test('the wrong direction is a 422 naming transaction_type; unknown and foreign transactions are 404', async () => {
    const wrong = await api.get(`/wallet_transactions/${ids.g1}/fundings`);
    expect(wrong.status).toBe(422);
    expect(wrong.body).toMatchObject({ code: 'validation_errors', error_details: { transaction_type: ['must_be_outbound'] } });
    const wrongOut = await api.get(`/wallet_transactions/${ids.o1}/consumptions`);
    expect(wrongOut.status).toBe(422);
    expect(wrongOut.body).toMatchObject({ code: 'validation_errors', error_details: { transaction_type: ['must_be_inbound'] } });
    for (const path of [`/wallet_transactions/${ids.p1}/consumptions`, `/wallet_transactions/${ids.o1}/fundings`]) {
      const foreign = await other.get(path);
      expect(foreign.status).toBe(404);
      expect(foreign.body).toMatchObject({ code: 'wallet_transaction_not_found' });
    }
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect((await api.get(`/wallet_transactions/${id}/consumptions`)).status).toBe(404);
      expect((await api.get(`/wallet_transactions/${id}/fundings`)).status).toBe(404);
    }
  });

  test('voiding an invoice gives its credits back as a new grant, consumable in full; the history stays', async () => {
    // O1's 1200 come back as one settled grant of 1200 (6 credits).
    await ok(api.post(`/invoices/${ids.o1Invoice}/void`, {}));
    const back = (await ok(api.get(`/wallets/${walletId}/wallet_transactions?transaction_type=inbound&transaction_status=granted`))).wallet_transactions
      .find((t: Json) => t.lago_invoice_id === ids.o1Invoice);
    expect(back).toMatchObject({ status: 'settled', remaining_amount_cents: 1200, remaining_credit_amount: '6.0' });
    expect(rowsOf((await ok(api.get(`/wallet_transactions/${ids.o1}/fundings`))).wallet_transaction_fundings)).toEqual([[ids.g1, 1000, '5.0'], [ids.g2, 200, '1.0']]);
  });

  test('replaying the wallet\'s history (the migration\'s backfill) finds the rows the draws recorded', async () => {
    const recorded = async () => ({
      rows: await database.db('wallet_transaction_consumptions').where({ wallet_id: walletId }).orderBy('seq')
        .select('inbound_wallet_transaction_id', 'outbound_wallet_transaction_id', 'consumed_amount_cents'),
      remaining: await database.db('wallet_transactions').where({ wallet_id: walletId }).orderBy('id').select('id', 'remaining_amount_cents'),
    });
    const live = await recorded();
    expect(live.rows).toHaveLength(6); // O1: 2, V1: 2, O2: 2
    await database.db('wallet_transaction_consumptions').where({ wallet_id: walletId }).delete();
    await database.db('wallet_transactions').where({ wallet_id: walletId }).update({ remaining_amount_cents: null });
    await database.db.transaction((trx) => replayWalletConsumptions(trx, [walletId]));
    expect(await recorded()).toEqual(live);
  });
});

describe('concurrent draws', () => {
  test('each outbound transaction is funded by exactly its amount; what is left of the inbound ones is the balance', async () => {
    const customer = await seedCustomer(database.db, api.organization.id, 'race');
    // Rate 1: 10 + 5 granted credits = 1000 + 500 cents.
    const wallet = (await ok(api.post('/wallets', { wallet: { external_customer_id: 'race', rate_amount: '1', currency: 'EUR', granted_credits: '10' } }))).wallet;
    await ok(api.post('/wallet_transactions', { wallet_transaction: { wallet_id: wallet.lago_id, granted_credits: '5' } }));
    // Three invoices asking 600 each at once: 600 + 600 + 300 = 1500, whatever the order.
    const invoices = await Promise.all([1, 2, 3].map(() => seedInvoice(database.db, api.organization, customer, { fees: [{ amountCents: 600n }] })));
    const drawn = await Promise.all(invoices.map(({ invoice }) => database.db.transaction((trx) => consumeWalletCredits(trx, {
      organizationId: api.organization.id, customerId: customer.id, invoiceId: invoice.id, amountCents: 600n, asOf: new Date(),
    }))));
    expect(drawn.map(String).sort()).toEqual(['300', '600', '600']);
    const transactions = (await ok(api.get(`/wallets/${wallet.lago_id}/wallet_transactions`))).wallet_transactions as Json[];
    for (const outbound of transactions.filter((t) => t.transaction_type === 'outbound')) {
      const fundings = (await ok(api.get(`/wallet_transactions/${outbound.lago_id}/fundings`))).wallet_transaction_fundings as Json[];
      // Two draws of 6.00 EUR (600 cents), one of 3.00 (300).
      expect([outbound.amount, fundings.reduce((sum, f) => sum + f.amount_cents, 0)]).toEqual([outbound.amount, ({ '6.0': 600, '3.0': 300 } as Json)[outbound.amount]]);
    }
    for (const inbound of transactions.filter((t) => t.transaction_type === 'inbound')) {
      const consumptions = (await ok(api.get(`/wallet_transactions/${inbound.lago_id}/consumptions`))).wallet_transaction_consumptions as Json[];
      // All consumed: remaining 0, the consumptions add up to the whole amount.
      expect([inbound.remaining_amount_cents, consumptions.reduce((sum, c) => sum + c.amount_cents, 0)]).toEqual([0, ({ '10.0': 1000, '5.0': 500 } as Json)[inbound.amount]]);
    }
    expect((await ok(api.get(`/wallets/${wallet.lago_id}`))).wallet.balance_cents).toBe(0);
  });
});

describe('invoice_requires_successful_payment', () => {
  let walletId: string;

  beforeAll(async () => {
    await seedCustomer(database.db, api.organization.id, 'gated');
  });

  test('the wallet keeps it and its rules and transactions take it as their default', async () => {
    const created = await ok(api.post('/wallets', { wallet: {
      external_customer_id: 'gated', rate_amount: '1', currency: 'EUR', invoice_requires_successful_payment: true,
      recurring_transaction_rules: [{ trigger: 'threshold', threshold_credits: '1', paid_credits: '10', started_at: '2098-01-01T00:00:00Z' }],
    } }));
    walletId = created.wallet.lago_id;
    expect(created.wallet.invoice_requires_successful_payment).toBe(true);
    expect(created.wallet.recurring_transaction_rules[0].invoice_requires_successful_payment).toBe(true);
    const ruleId = created.wallet.recurring_transaction_rules[0].lago_id;
    // A rule may say otherwise.
    const updated = await ok(api.put(`/wallets/${walletId}`, { wallet: {
      recurring_transaction_rules: [{ lago_id: ruleId, trigger: 'threshold', threshold_credits: '1', paid_credits: '10', started_at: '2098-01-01T00:00:00Z', invoice_requires_successful_payment: false }],
    } }));
    expect(updated.wallet).toMatchObject({ invoice_requires_successful_payment: true, recurring_transaction_rules: [expect.objectContaining({ invoice_requires_successful_payment: false })] });
    const granted = (await ok(api.post('/wallet_transactions', { wallet_transaction: { wallet_id: walletId, granted_credits: '1' } }))).wallet_transactions[0];
    expect(granted.invoice_requires_successful_payment).toBe(true);
    // Voiding the credit again leaves the balance at 0 for what follows.
    await ok(api.post('/wallet_transactions', { wallet_transaction: { wallet_id: walletId, voided_credits: '1' } }));
    const off = await ok(api.put(`/wallets/${walletId}`, { wallet: { invoice_requires_successful_payment: false } }));
    expect(off.wallet.invoice_requires_successful_payment).toBe(false);
    await ok(api.put(`/wallets/${walletId}`, { wallet: { invoice_requires_successful_payment: true } }));
  });

  test('100 paid credits at rate 1: pending with a balance of 0 until the payment succeeds, then 100.00, once', async () => {
    const [purchase] = (await ok(api.post('/wallet_transactions', { wallet_transaction: { wallet_id: walletId, paid_credits: '100', invoice_requires_successful_payment: true } }))).wallet_transactions;
    expect(purchase).toMatchObject({ status: 'pending', transaction_status: 'purchased', invoice_requires_successful_payment: true, settled_at: null, remaining_amount_cents: null });
    expect((await ok(api.get(`/wallets/${walletId}`))).wallet).toMatchObject({ balance_cents: 0, credits_balance: '0.0' });
    // The credit invoice asks for 100 × 1.00 = 100.00 EUR.
    const invoice = (await ok(api.get(`/invoices/${purchase.lago_invoice_id}`))).invoice;
    expect(invoice).toMatchObject({ invoice_type: 'credit', total_amount_cents: 10_000, payment_status: 'pending' });

    await ok(api.put(`/invoices/${purchase.lago_invoice_id}`, { invoice: { payment_status: 'succeeded' } }));
    expect(await transaction(purchase.lago_id)).toMatchObject({ status: 'settled', settled_at: expect.any(String), remaining_amount_cents: 10_000 });
    // 100 credits × 1.00 = 100.00 EUR = 10000 cents.
    expect((await ok(api.get(`/wallets/${walletId}`))).wallet).toMatchObject({ balance_cents: 10_000, credits_balance: '100.0' });
    // The payment told again (a retried webhook or activity): granted once.
    await ok(api.put(`/invoices/${purchase.lago_invoice_id}`, { invoice: { payment_status: 'succeeded' } }));
    expect((await ok(api.get(`/wallets/${walletId}`))).wallet.balance_cents).toBe(10_000);
    const purchases = (await ok(api.get(`/wallets/${walletId}/wallet_transactions?transaction_status=purchased`))).wallet_transactions;
    expect(purchases).toHaveLength(1);
  });

  test('a failed payment fails the transaction and leaves the balance unchanged', async () => {
    const [purchase] = (await ok(api.post('/wallet_transactions', { wallet_transaction: { wallet_id: walletId, paid_credits: '100', invoice_requires_successful_payment: true } }))).wallet_transactions;
    expect(purchase.status).toBe('pending');
    await ok(api.put(`/invoices/${purchase.lago_invoice_id}`, { invoice: { payment_status: 'failed' } }));
    expect(await transaction(purchase.lago_id)).toMatchObject({ status: 'failed', failed_at: expect.any(String), remaining_amount_cents: null });
    // Still the 10000 of the earlier purchase, nothing of this one.
    expect((await ok(api.get(`/wallets/${walletId}`))).wallet.balance_cents).toBe(10_000);
  });

  test('without the flag: the same pending purchase, the flag shown false', async () => {
    const [purchase] = (await ok(api.post('/wallet_transactions', { wallet_transaction: { wallet_id: walletId, paid_credits: '10', invoice_requires_successful_payment: false } }))).wallet_transactions;
    expect(purchase).toMatchObject({ status: 'pending', invoice_requires_successful_payment: false });
    await ok(api.put(`/invoices/${purchase.lago_invoice_id}`, { invoice: { payment_status: 'succeeded' } }));
    // 10000 + 10 × 100 = 11000.
    expect((await ok(api.get(`/wallets/${walletId}`))).wallet.balance_cents).toBe(11_000);
  });
});

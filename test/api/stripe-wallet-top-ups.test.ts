/**
 * A wallet top-up bought with `invoice_requires_successful_payment: true`, paid through Stripe
 * (stripe-mock, the real worker on the time-skipping server): the credit invoice's payment
 * workflow charges Stripe; the paid credits stay pending, the balance unchanged, until Stripe's
 * signed `payment_intent.succeeded`, then settle once however often the webhook comes again; a
 * `payment_intent.payment_failed` fails the transaction and grants nothing (issue 14 pt 6).
 */
import request from 'supertest';
import Stripe from 'stripe';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv, startTestWorker } from '../support/temporal';
import { createTestApi } from '../support/api';
import { startStripeMock, type StripeMock } from '../support/stripe-mock';
import { relayWorkflowRequests } from '../../src/webhooks/relay';
import { connectStripe } from '../../src/services/payments';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TASK_QUEUE = 'stripe-wallet-top-ups';
const SECRET_KEY = 'sk_test_billowWalletKey4242';
const WEBHOOK_SECRET = 'whsec_billowWalletSecret0001';

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let stripeMock: StripeMock;
let stopWorker: () => Promise<void>;
let api: Awaited<ReturnType<typeof createTestApi>>;
let walletId: string;
const stripe = new Stripe('sk_test_unused');

beforeAll(async () => {
  stripeMock = await startStripeMock();
  process.env.BILLOW_STRIPE_API_URL = stripeMock.url;
  env = await createTimeSkippingEnv();
  database = await createTestDatabase();
  stopWorker = await startTestWorker(env, database.db, TASK_QUEUE);
  api = await createTestApi(database.db, env, TASK_QUEUE, 'Stripe Wallets Co');
  await connectStripe(database.db, api.organization.id, { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, code: 'stripe_test' });
  await api.post('/customers', { customer: {
    external_id: 'payer', currency: 'EUR', timezone: 'UTC', billing_configuration: { payment_provider: 'stripe', provider_customer_id: 'cus_payer' },
  } }).expect(200);
  // Rate 1: one credit is 1.00 EUR.
  const wallet = await api.post('/wallets', { wallet: { external_customer_id: 'payer', rate_amount: '1', currency: 'EUR', invoice_requires_successful_payment: true } });
  expect(wallet.status).toBe(200);
  walletId = wallet.body.wallet.lago_id;
}, 120_000);

afterAll(async () => {
  await stopWorker?.();
  await env?.teardown();
  await database?.drop();
  await stripeMock?.stop();
  delete process.env.BILLOW_STRIPE_API_URL;
});

/** The outbox relay starts the credit invoice's payment workflow; answers once it has charged Stripe. */
async function collect(invoiceId: string): Promise<Json> {
  await relayWorkflowRequests({ db: database.db, client: env.client, taskQueue: TASK_QUEUE });
  for (let i = 0; i < 300; i++) {
    const payment = await database.db('payments').where({ invoice_id: invoiceId }).first();
    if (payment?.provider_payment_id) return payment;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`invoice ${invoiceId} was not charged within 30 s`);
}

function signedEvent(type: string, intent: Record<string, unknown>) {
  const payload = JSON.stringify({
    id: `evt_${Math.random().toString(36).slice(2)}`, object: 'event', api_version: '2026-08-26.dahlia', created: 1_800_000_000, livemode: false,
    type, data: { object: { object: 'payment_intent', currency: 'eur', metadata: {}, ...intent } },
  });
  return { payload, header: stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) };
}

const postWebhook = (payload: string, header: string) => request(api.app).post(`/webhooks/stripe/${api.organization.id}`)
  .set('Content-Type', 'application/json').set('Stripe-Signature', header).send(payload);

async function buy(credits: string): Promise<Json> {
  const res = await api.post('/wallet_transactions', { wallet_transaction: { wallet_id: walletId, paid_credits: credits } });
  expect(res.status).toBe(200);
  return res.body.wallet_transactions[0];
}

const balance = async () => (await api.get(`/wallets/${walletId}`)).body.wallet.balance_cents;
const transaction = async (id: string) => (await api.get(`/wallet_transactions/${id}`)).body.wallet_transaction;

test('100 paid credits: pending and a balance of 0 while Stripe is charged, 100.00 once the payment succeeds, once', async () => {
  const purchase = await buy('100');
  // The wallet's flag is the transaction's.
  expect(purchase).toMatchObject({ status: 'pending', invoice_requires_successful_payment: true });
  const payment = await collect(purchase.lago_invoice_id);
  // 100 credits × 1.00 EUR = 10000 cents asked of Stripe; nothing granted yet.
  expect(BigInt(payment.amount_cents)).toBe(10_000n);
  expect(await transaction(purchase.lago_id)).toMatchObject({ status: 'pending' });
  expect(await balance()).toBe(0);

  const { payload, header } = signedEvent('payment_intent.succeeded', { id: payment.provider_payment_id, status: 'succeeded', amount: 10_000 });
  expect((await postWebhook(payload, header)).body).toEqual({ received: true, handled: true });
  expect(await transaction(purchase.lago_id)).toMatchObject({ status: 'settled', remaining_amount_cents: 10_000 });
  expect(await balance()).toBe(10_000);
  // The same webhook again, and the status set again by hand: still 10000.
  expect((await postWebhook(payload, header)).status).toBe(200);
  await api.put(`/invoices/${purchase.lago_invoice_id}`, { invoice: { payment_status: 'succeeded' } }).expect(200);
  expect(await balance()).toBe(10_000);
});

test('a failed payment fails the transaction; the balance stays', async () => {
  const purchase = await buy('100');
  const payment = await collect(purchase.lago_invoice_id);
  const { payload, header } = signedEvent('payment_intent.payment_failed', {
    id: payment.provider_payment_id, status: 'requires_payment_method', amount: 10_000,
    last_payment_error: { message: 'Your card was declined.', code: 'card_declined' },
  });
  expect((await postWebhook(payload, header)).body).toEqual({ received: true, handled: true });
  expect(await transaction(purchase.lago_id)).toMatchObject({ status: 'failed', remaining_amount_cents: null });
  // Only the first purchase's 10000.
  expect(await balance()).toBe(10_000);
});

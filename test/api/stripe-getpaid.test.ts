/**
 * Getting paid, the rest of issue 14, against stripe-mock (Stripe's own API double) with the real
 * worker on the time-skipping server:
 * - connecting Stripe through the API (`PUT /api/v1/payment_providers/stripe`): secrets sealed,
 *   never answered; the webhook URL to give Stripe;
 * - `billing_configuration.sync_with_provider`: the Stripe customer created, its id stored;
 * - `POST /customers/:id/checkout_url` and `POST /invoices/:id/payment_url` (Checkout sessions) and
 *   Stripe's `checkout.session.completed` coming back;
 * - money out: a credit note's refund on a Stripe-paid invoice refunded at Stripe once, its
 *   `refund_status` moved by the answer or by Stripe's signed `charge.refunded`;
 * - `GET /invoices?payment_overdue=`.
 * Webhooks are built and signed with the SDK's test-header helper.
 */
import request from 'supertest';
import Stripe from 'stripe';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestDatabase } from '../support/database';
import { moveClockTo } from '../support/temporal';
import { createTestApi } from '../support/api';
import { snapshotTables } from '../support/money';
import { startStripeTestbed, type StripeTestbed } from '../support/stripe-mock';
import { relayWorkflowRequests } from '../../src/webhooks/relay';
import {
  configuredProviders, handleProviderWebhook, invoicePaymentUrl, markOverdue, planRefunds, recordRefund, saveCustomerWithProvider, sendRefund,
  chargeAttempt, recordAttempt, startAttempt, startDunningAttempt, startRequestAttempt, type ProviderFactory,
} from '../../src/services/payments';
import { ProviderRefusal } from '../../src/services/payments/providers';
import { paymentWorkflowId } from '../../src/workflows/ids';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TASK_QUEUE = 'stripe-getpaid';
const SECRET_KEY = 'sk_test_getpaidSecretKey9876';
const WEBHOOK_SECRET = 'whsec_getpaidSigningSecret0042';
const TABLES = ['invoices', 'payments', 'refunds', 'credit_notes', 'customers', 'payment_providers', 'webhook_events', 'provider_events'];

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let testbed: StripeTestbed;
let api: Awaited<ReturnType<typeof createTestApi>>;
let unconnected: Awaited<ReturnType<typeof createTestApi>>;
const stripe = new Stripe('sk_test_unused');

beforeAll(async () => {
  testbed = await startStripeTestbed(TASK_QUEUE);
  ({ env, database } = testbed);
  api = await createTestApi(database.db, env, TASK_QUEUE, 'Getpaid Co');
  unconnected = await createTestApi(database.db, env, TASK_QUEUE, 'Offline Co');
  await api.post('/add_ons', { add_on: { name: 'Setup', code: 'setup', amount_cents: 10_000, amount_currency: 'EUR' } }).expect(200);
}, 120_000);

afterAll(async () => {
  await testbed?.stop();
});

const organizationId = () => api.organization.id;

/** A one-off invoice of the 10 000-cent add-on (untaxed): 10 000 due. */
async function invoiceFor(customer: string): Promise<Json> {
  const res = await api.post('/invoices', { invoice: { external_customer_id: customer, currency: 'EUR', fees: [{ add_on_code: 'setup' }] } });
  expect(res.status).toBe(200);
  return res.body.invoice;
}

function signed(type: string, object: Json, options: { id?: string; secret?: string } = {}) {
  const payload = JSON.stringify({
    id: options.id ?? `evt_${Math.random().toString(36).slice(2)}`, object: 'event', api_version: '2026-08-26.dahlia', created: 1_800_000_000, livemode: false,
    type, data: { object },
  });
  return { payload, header: stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? WEBHOOK_SECRET }) };
}

const postWebhook = ({ payload, header }: { payload: string; header: string }) =>
  request(api.app).post(`/webhooks/stripe/${organizationId()}`).set('Content-Type', 'application/json').set('Stripe-Signature', header).send(payload);

async function webhooksOf(type: string, objectId?: string): Promise<Json[]> {
  const rows = await database.db('webhook_events').where({ organization_id: organizationId(), webhook_type: type, ...(objectId ? { object_id: objectId } : {}) }).select('payload');
  return rows.map((row: { payload: Json }) => row.payload);
}

/** Polls until `check` answers something truthy (the workflow's result is not awaited: that would skip the test server's clock). */
async function until<T>(what: string, check: () => Promise<T | undefined | null | false>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what}: not within 30 s`);
}

/** A Stripe-paying customer and one of its invoices paid at Stripe (payment workflow, then payment_intent.succeeded). */
async function paidAtStripe(customer: string): Promise<{ invoice: Json; payment: Json }> {
  const invoice = await invoiceFor(customer);
  await relayWorkflowRequests({ db: database.db, client: env.client, taskQueue: TASK_QUEUE });
  const row = await until('charged', async () => database.db('payments').where({ invoice_id: invoice.lago_id }).whereNotNull('provider_payment_id').first());
  const event = signed('payment_intent.succeeded', { id: row.provider_payment_id, object: 'payment_intent', status: 'succeeded', amount: 10_000, currency: 'eur', metadata: {} });
  expect((await postWebhook(event)).body).toEqual({ received: true, handled: true });
  const shown = (await api.get(`/invoices/${invoice.lago_id}`)).body.invoice;
  expect(shown).toMatchObject({ payment_status: 'succeeded', total_paid_amount_cents: 10_000, total_due_amount_cents: 0 });
  return { invoice: shown, payment: (await api.get(`/payments/${row.id}`)).body.payment };
}

describe('PUT /api/v1/payment_providers/stripe', () => {
  test('connects: the secrets sealed at rest and in no answer; GET shows the connection and the webhook URL; bad input changes nothing', async () => {
    expect((await api.get('/payment_providers/stripe')).body).toEqual({ status: 404, error: 'Not Found', code: 'payment_provider_not_found' });

    // Bad input: a key that is no Stripe key, a signing secret that is none, an unknown field; a missing root.
    const before = await snapshotTables(database.db, ['payment_providers']);
    const bad = await api.put('/payment_providers/stripe', { payment_provider: { secret_key: 'pk_test_publishable00', webhook_secret: 'secret' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error_details).toEqual({ secret_key: ['invalid_value'], webhook_secret: ['invalid_value'] });
    const unknown = await api.put('/payment_providers/stripe', { payment_provider: { secret_key: SECRET_KEY, webhook_secret: WEBHOOK_SECRET, api_version: '2020-01-01' } });
    expect(unknown.status).toBe(422);
    expect((await api.put('/payment_providers/stripe', {})).status).toBe(400);
    expect(await snapshotTables(database.db, ['payment_providers'])).toBe(before);

    const put = await api.put('/payment_providers/stripe', { payment_provider: { secret_key: SECRET_KEY, webhook_secret: WEBHOOK_SECRET, code: 'stripe_eu', name: 'Stripe EU' } });
    expect(put.status).toBe(200);
    const expected = {
      lago_id: expect.any(String), payment_provider_type: 'stripe', code: 'stripe_eu', name: 'Stripe EU',
      // The prefix up to the second underscore and the last four characters: sk_test_ … 9876.
      secret_key_mask: 'sk_test_…9876', webhook_secret_set: true,
      webhook_url: `http://billow.test/webhooks/stripe/${organizationId()}`, success_redirect_url: null,
      created_at: expect.any(String), updated_at: expect.any(String),
    };
    expect(put.body).toEqual({ payment_provider: expected });
    const got = await api.get('/payment_providers/stripe');
    expect(got.body).toEqual({ payment_provider: { ...expected, lago_id: put.body.payment_provider.lago_id } });
    for (const answer of [put.text, got.text]) {
      expect(answer).not.toContain(SECRET_KEY);
      expect(answer).not.toContain('getpaidSecretKey');
      expect(answer).not.toContain(WEBHOOK_SECRET);
    }
    const stored = await database.db('payment_providers').where({ organization_id: organizationId() }).first();
    expect(JSON.stringify(stored)).not.toContain('getpaidSecretKey');
    expect(JSON.stringify(stored)).not.toContain('getpaidSigningSecret');
    // Another organization sees no connection of its own.
    expect((await unconnected.get('/payment_providers/stripe')).status).toBe(404);

    // The signing secret given through the route verifies Stripe's webhooks; another does not.
    const event = signed('customer.created', { id: 'cus_x', object: 'customer' });
    expect((await postWebhook(event)).body).toEqual({ received: true, handled: false });
    expect((await postWebhook(signed('customer.created', { id: 'cus_x', object: 'customer' }, { secret: 'whsec_someoneElse000' }))).status).toBe(400);
  });

  test('DELETE removes the connection (then 404), PUT connects again with the same row id kept only while connected', async () => {
    const deleted = await api.delete('/payment_providers/stripe');
    expect(deleted.status).toBe(200);
    expect(deleted.body.payment_provider).toMatchObject({ code: 'stripe_eu', secret_key_mask: 'sk_test_…9876' });
    expect((await api.get('/payment_providers/stripe')).status).toBe(404);
    expect((await api.delete('/payment_providers/stripe')).status).toBe(404);
    expect((await database.db('payment_providers').where({ organization_id: organizationId() })).length).toBe(0);
    const again = await api.put('/payment_providers/stripe', { payment_provider: { secret_key: SECRET_KEY, webhook_secret: WEBHOOK_SECRET, code: 'stripe_test' } });
    expect(again.status).toBe(200);
    expect(again.body.payment_provider).toMatchObject({ code: 'stripe_test', name: 'Stripe' });
  });
});

describe('billing_configuration.sync_with_provider', () => {
  test('creates the Stripe customer and stores its id (customer.payment_provider_created); the same request again creates none', async () => {
    const res = await api.post('/customers', { customer: {
      external_id: 'synced', name: 'Synced Ltd', email: 'billing@synced.test', currency: 'EUR', timezone: 'UTC',
      billing_configuration: { payment_provider: 'stripe', sync_with_provider: true },
    } });
    expect(res.status).toBe(200);
    const providerCustomerId = res.body.customer.billing_configuration.provider_customer_id;
    expect(providerCustomerId).toMatch(/^cus_/);
    expect(res.body.customer.billing_configuration).toMatchObject({ payment_provider: 'stripe', payment_provider_code: 'stripe_test', sync_with_provider: true });
    expect((await api.get('/customers/synced')).body.customer.billing_configuration.provider_customer_id).toBe(providerCustomerId);
    const created = await webhooksOf('customer.payment_provider_created');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ object_type: 'customer', customer: { external_id: 'synced', billing_configuration: { provider_customer_id: providerCustomerId } } });

    // Again: the customer has its Stripe id, nothing is created (stripe-mock would answer another id).
    const again = await api.post('/customers', { customer: { external_id: 'synced', billing_configuration: { payment_provider: 'stripe', sync_with_provider: true } } });
    expect(again.body.customer.billing_configuration.provider_customer_id).toBe(providerCustomerId);
    expect(await webhooksOf('customer.payment_provider_created')).toHaveLength(1);
  });

  test('refused before anything is written: another provider, no provider, an organization not connected to Stripe', async () => {
    const before = await snapshotTables(database.db, TABLES);
    const gocardless = await api.post('/customers', { customer: { external_id: 'nosync', billing_configuration: { payment_provider: 'gocardless', sync_with_provider: true } } });
    expect([gocardless.status, gocardless.body.error_details]).toEqual([422, { 'billing_configuration.payment_provider': ['invalid_payment_provider'] }]);
    const none = await api.post('/customers', { customer: { external_id: 'nosync', billing_configuration: { sync_with_provider: true } } });
    expect([none.status, none.body.error_details]).toEqual([422, { 'billing_configuration.payment_provider': ['invalid_payment_provider'] }]);
    const offline = await unconnected.post('/customers', { customer: { external_id: 'nosync', billing_configuration: { payment_provider: 'stripe', sync_with_provider: true } } });
    expect([offline.status, offline.body.error_details]).toEqual([422, { 'billing_configuration.payment_provider': ['payment_provider_not_connected'] }]);
    expect(await snapshotTables(database.db, TABLES)).toBe(before);
    // With a provider_customer_id given there is nothing to create: stored and shown, no connection needed.
    const given = await unconnected.post('/customers', { customer: { external_id: 'given', billing_configuration: { payment_provider: 'stripe', provider_customer_id: 'cus_given', sync_with_provider: true } } });
    expect(given.status).toBe(200);
    expect(given.body.customer.billing_configuration).toMatchObject({ provider_customer_id: 'cus_given', sync_with_provider: true });
  });

  test('Stripe refusing keeps the customer without an id (customer.payment_provider_error); the retry sends the same idempotency key', async () => {
    const keys: string[] = [];
    let refuse = true;
    const spying: ProviderFactory = (credentials) => {
      const real = configuredProviders()(credentials);
      return {
        ...real,
        createCustomer: async (input) => {
          keys.push(input.idempotencyKey);
          if (refuse) throw new ProviderRefusal({ message: 'Invalid email address: x', error_code: 'email_invalid' }, 'request');
          return real.createCustomer(input);
        },
      };
    };
    const input = { external_id: 'flaky', currency: 'EUR', billing_configuration: { payment_provider: 'stripe', sync_with_provider: true } };
    const first = await saveCustomerWithProvider(database.db, spying, organizationId(), input, Date.now());
    expect(first.customer.billing_configuration.provider_customer_id).toBeUndefined();
    const errors = (await webhooksOf('customer.payment_provider_error')).filter((p) => p.payment_provider_customer_error.external_customer_id === 'flaky');
    expect(errors).toEqual([expect.objectContaining({ payment_provider_customer_error: expect.objectContaining({
      lago_customer_id: first.customer.id, payment_provider: 'stripe', payment_provider_code: 'stripe_test', provider_error: { message: 'Invalid email address: x', error_code: 'email_invalid' },
    }) })]);
    refuse = false;
    const second = await saveCustomerWithProvider(database.db, spying, organizationId(), input, Date.now());
    expect(second.customer.id).toBe(first.customer.id);
    expect(second.customer.billing_configuration.provider_customer_id).toMatch(/^cus_/);
    const key = `billow:${organizationId()}:customer:${first.customer.id}:create`;
    expect(keys).toEqual([key, key]);
  });
});

describe('Checkout sessions', () => {
  beforeAll(async () => {
    await api.post('/customers', { customer: { external_id: 'payer', currency: 'EUR', timezone: 'UTC', billing_configuration: { payment_provider: 'stripe', provider_customer_id: 'cus_payer' } } }).expect(200);
    await api.post('/customers', { customer: { external_id: 'offline', currency: 'EUR', timezone: 'UTC' } }).expect(200);
    await api.post('/customers', { customer: { external_id: 'noid', currency: 'EUR', timezone: 'UTC', billing_configuration: { payment_provider: 'stripe' } } }).expect(200);
  });

  test('POST /customers/:id/checkout_url: a setup session (customer.checkout_url_generated); refusals in Lago\'s codes', async () => {
    const res = await api.post('/customers/payer/checkout_url', {});
    expect(res.status).toBe(200);
    const customer = (await api.get('/customers/payer')).body.customer;
    expect(res.body).toEqual({ customer: {
      lago_customer_id: customer.lago_id, external_customer_id: 'payer', payment_provider: 'stripe', payment_provider_code: 'stripe_test',
      checkout_url: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\//),
    } });
    const generated = await webhooksOf('customer.checkout_url_generated');
    expect(generated.at(-1)).toMatchObject({ object_type: 'payment_provider_customer_checkout_url', payment_provider_customer_checkout_url: { external_customer_id: 'payer', checkout_url: res.body.customer.checkout_url } });

    const before = await snapshotTables(database.db, TABLES);
    expect((await api.post('/customers/offline/checkout_url', {})).body).toMatchObject({ status: 422, error_details: { base: ['no_linked_payment_provider'] } });
    expect((await api.post('/customers/noid/checkout_url', {})).body).toMatchObject({ status: 422, error_details: { base: ['missing_payment_provider_customer'] } });
    expect((await api.post('/customers/nobody/checkout_url', {})).body).toEqual({ status: 404, error: 'Not Found', code: 'customer_not_found' });
    expect((await unconnected.post('/customers/payer/checkout_url', {})).status).toBe(404);
    expect(await snapshotTables(database.db, TABLES)).toBe(before);
  });

  test('checkout.session.completed (setup): the saved method becomes the customer\'s default at Stripe, once', async () => {
    const calls: Json[] = [];
    const spying: ProviderFactory = (credentials) => ({
      ...configuredProviders()(credentials),
      useSetupPaymentMethod: async (input) => { calls.push(input); },
    });
    const session = { id: 'cs_setup_1', object: 'checkout.session', mode: 'setup', customer: 'cus_payer', setup_intent: 'seti_1', status: 'complete', metadata: {} };
    const event = signed('checkout.session.completed', session, { id: 'evt_setup_1' });
    const handle = () => handleProviderWebhook(database.db, spying, { organizationId: organizationId(), rawBody: Buffer.from(event.payload), signature: event.header, nowMs: Date.now() });
    expect(await handle()).toBe('handled');
    expect(await handle()).toBe('replayed');
    expect(calls).toEqual([{ providerCustomerId: 'cus_payer', setupIntentId: 'seti_1' }]);
  });

  test('POST /invoices/:id/payment_url: a payment session for what is due; checkout.session.completed records one payment', async () => {
    const invoice = await invoiceFor('payer');
    const res = await api.post(`/invoices/${invoice.lago_id}/payment_url`, {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ invoice_payment_details: {
      lago_customer_id: invoice.customer.lago_id, lago_invoice_id: invoice.lago_id, external_customer_id: 'payer', payment_provider: 'stripe',
      payment_url: expect.stringMatching(/^https:\/\/checkout\.stripe\.com\//),
    } });

    // Stripe says the session was paid: 10 000 of 10 000, nothing due.
    const session = {
      id: 'cs_pay_1', object: 'checkout.session', mode: 'payment', customer: 'cus_payer', payment_intent: 'pi_checkout_1', payment_status: 'paid',
      amount_total: 10_000, currency: 'eur', status: 'complete', metadata: { billow_invoice_id: invoice.lago_id, billow_organization_id: organizationId() },
    };
    const completed = signed('checkout.session.completed', session);
    expect((await postWebhook(completed)).body).toEqual({ received: true, handled: true });
    expect((await api.get(`/invoices/${invoice.lago_id}`)).body.invoice).toMatchObject({ payment_status: 'succeeded', total_paid_amount_cents: 10_000, total_due_amount_cents: 0 });
    const payments = (await api.get(`/payments?invoice_id=${invoice.lago_id}`)).body.payments;
    // The invoice's payment workflow was not relayed here: the checkout's payment is its only one.
    expect(payments).toEqual([expect.objectContaining({ type: 'provider', amount_cents: 10_000, payment_status: 'succeeded', provider_payment_id: 'pi_checkout_1', payment_provider_code: 'stripe_test' })]);

    // The same event, and another event of the same session, and the PaymentIntent's own: one payment, paid once.
    const before = await snapshotTables(database.db, TABLES);
    expect((await postWebhook(completed)).body).toEqual({ received: true, handled: false });
    expect(await snapshotTables(database.db, TABLES)).toBe(before);
    await postWebhook(signed('checkout.session.completed', session)).expect(200);
    await postWebhook(signed('payment_intent.succeeded', { id: 'pi_checkout_1', object: 'payment_intent', status: 'succeeded', amount: 10_000, currency: 'eur', metadata: {} })).expect(200);
    expect((await api.get(`/payments?invoice_id=${invoice.lago_id}`)).body.payments).toHaveLength(1);
    expect((await api.get(`/invoices/${invoice.lago_id}`)).body.invoice).toMatchObject({ total_paid_amount_cents: 10_000, total_due_amount_cents: 0 });

    // Paid: no payment URL.
    expect((await api.post(`/invoices/${invoice.lago_id}/payment_url`, {})).body).toMatchObject({ status: 422, error_details: { base: ['invalid_invoice_status_or_payment_status'] } });
  });

  test('a partly paid invoice\'s session is for what is left; refusals change nothing', async () => {
    const invoice = await invoiceFor('payer');
    await api.post('/payments', { payment: { invoice_id: invoice.lago_id, amount_cents: 4_000, reference: 'wire-part' } }).expect(200);
    const asked: Json[] = [];
    const spying: ProviderFactory = (credentials) => {
      const real = configuredProviders()(credentials);
      return { ...real, paymentCheckout: async (input) => { asked.push(input); return real.paymentCheckout(input); } };
    };
    await invoicePaymentUrl(database.db, spying, organizationId(), invoice.lago_id, Date.now());
    // 10 000 − 4 000 paid by wire = 6 000.
    expect(asked).toEqual([expect.objectContaining({ amountCents: 6_000n, currency: 'EUR', providerCustomerId: 'cus_payer', name: `Invoice ${invoice.number}` })]);

    const offline = await invoiceFor('offline');
    const before = await snapshotTables(database.db, TABLES);
    expect((await api.post(`/invoices/${offline.lago_id}/payment_url`, {})).body).toMatchObject({ status: 422, error_details: { base: ['no_linked_payment_provider'] } });
    expect((await api.post('/invoices/00000000-0000-4000-8000-000000000000/payment_url', {})).body).toEqual({ status: 404, error: 'Not Found', code: 'invoice_not_found' });
    expect((await unconnected.post(`/invoices/${invoice.lago_id}/payment_url`, {})).status).toBe(404);
    expect(await snapshotTables(database.db, TABLES)).toBe(before);
  });
});

describe('Refunds through credit notes', () => {
  beforeAll(async () => {
    await api.post('/customers', { customer: { external_id: 'refundee', currency: 'EUR', timezone: 'UTC', billing_configuration: { payment_provider: 'stripe', provider_customer_id: 'cus_refundee' } } }).expect(200);
    await api.post('/customers', { customer: { external_id: 'wirepayer', currency: 'EUR', timezone: 'UTC' } }).expect(200);
  });

  const creditNote = (invoice: Json, refund: number) => api.post('/credit_notes', { credit_note: {
    invoice_id: invoice.lago_id, reason: 'other', credit_amount_cents: 0, refund_amount_cents: refund, items: [{ fee_id: invoice.fees[0].lago_id, amount_cents: refund }],
  } });

  test('refund_amount_cents on a Stripe-paid invoice: one Stripe refund with the credit note\'s key; refund_status succeeded', async () => {
    const { invoice, payment } = await paidAtStripe('refundee');
    const res = await creditNote(invoice, 4_000);
    expect(res.status).toBe(200);
    expect(res.body.credit_note).toMatchObject({ refund_amount_cents: 4_000, refund_status: 'pending', refunded_at: null });
    const id = res.body.credit_note.lago_id;
    await relayWorkflowRequests({ db: database.db, client: env.client, taskQueue: TASK_QUEUE });
    // stripe-mock answers a refund `succeeded` at once.
    const shown = await until('refunded', async () => {
      const note = (await api.get(`/credit_notes/${id}`)).body.credit_note;
      return note.refund_status === 'succeeded' ? note : undefined;
    });
    expect(shown).toMatchObject({ refund_amount_cents: 4_000, refund_status: 'succeeded', refunded_at: expect.any(String) });
    const refunds = await database.db('refunds').where({ credit_note_id: id });
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ payment_id: payment.lago_id, status: 'succeeded', idempotency_key: `credit_note:${id}:payment:${payment.lago_id}`, provider_refund_id: expect.stringMatching(/^re_/) });
    // 4 000 of the 10 000 paid.
    expect(Number(refunds[0].amount_cents)).toBe(4_000);
  });

  test('a refund Stripe leaves pending is settled by the signed charge.refunded, once; a retried refund call sends the same key', async () => {
    const { invoice, payment } = await paidAtStripe('refundee');
    const keys: string[] = [];
    const pending: ProviderFactory = (credentials) => ({
      ...configuredProviders()(credentials),
      refund: async (input) => { keys.push(input.idempotencyKey); return { providerRefundId: 're_pending_1', status: 'pending', error: null }; },
    });
    const res = await creditNote(invoice, 2_500);
    const id = res.body.credit_note.lago_id;
    // The refund workflow's activities, its Stripe call twice (the first answer lost).
    const planned = await planRefunds(database.db, organizationId(), id);
    expect(await planRefunds(database.db, organizationId(), id)).toEqual(planned);
    if (!('refundIds' in planned)) throw new Error(`skipped: ${planned.skipped}`);
    const [refundId] = planned.refundIds;
    await sendRefund(database.db, pending, organizationId(), refundId!);
    const outcome = await sendRefund(database.db, pending, organizationId(), refundId!);
    expect(await recordRefund(database.db, organizationId(), refundId!, outcome, Date.now())).toBe('pending');
    const key = `billow:${organizationId()}:credit_note:${id}:payment:${payment.lago_id}`;
    expect(keys).toEqual([key, key]);
    expect((await api.get(`/credit_notes/${id}`)).body.credit_note.refund_status).toBe('pending');

    const refunded = signed('charge.refunded', {
      id: 'ch_1', object: 'charge', payment_intent: payment.provider_payment_id, amount_refunded: 2_500,
      refunds: { object: 'list', data: [{ id: 're_pending_1', object: 'refund', status: 'succeeded', amount: 2_500, metadata: { billow_refund_id: refundId } }] },
    });
    expect((await postWebhook(refunded)).body).toEqual({ received: true, handled: true });
    expect((await api.get(`/credit_notes/${id}`)).body.credit_note).toMatchObject({ refund_status: 'succeeded', refunded_at: expect.any(String) });
    const before = await snapshotTables(database.db, TABLES);
    expect((await postWebhook(refunded)).body).toEqual({ received: true, handled: false });
    expect(await snapshotTables(database.db, TABLES)).toBe(before);
  });

  test('a refund Stripe fails: refund_status failed and credit_note.provider_refund_failure', async () => {
    const { invoice } = await paidAtStripe('refundee');
    const failing: ProviderFactory = (credentials) => ({
      ...configuredProviders()(credentials),
      refund: async () => { throw new ProviderRefusal({ message: 'Charge has already been refunded.', error_code: 'charge_already_refunded' }, 'request'); },
    });
    const id = (await creditNote(invoice, 1_000)).body.credit_note.lago_id;
    const planned = await planRefunds(database.db, organizationId(), id);
    if (!('refundIds' in planned)) throw new Error(`skipped: ${planned.skipped}`);
    const outcome = await sendRefund(database.db, failing, organizationId(), planned.refundIds[0]!);
    expect(await recordRefund(database.db, organizationId(), planned.refundIds[0]!, outcome, Date.now())).toBe('failed');
    expect((await api.get(`/credit_notes/${id}`)).body.credit_note).toMatchObject({ refund_status: 'failed', refunded_at: null });
    const failures = (await webhooksOf('credit_note.provider_refund_failure')).filter((p) => p.credit_note_payment_provider_refund_error.lago_credit_note_id === id);
    expect(failures).toEqual([expect.objectContaining({ credit_note_payment_provider_refund_error: expect.objectContaining({
      external_customer_id: 'refundee', provider_customer_id: 'cus_refundee', payment_provider: 'stripe', payment_provider_code: 'stripe_test',
      provider_error: { message: 'Charge has already been refunded.', error_code: 'charge_already_refunded' },
    }) })]);
  });

  test('two credit notes never refund more than the payment took; an invoice paid by wire is refunded by hand (stays pending)', async () => {
    const { invoice } = await paidAtStripe('refundee');
    const first = (await creditNote(invoice, 6_000)).body.credit_note.lago_id;
    const second = (await creditNote(invoice, 4_000)).body.credit_note.lago_id;
    const a = await planRefunds(database.db, organizationId(), first);
    const b = await planRefunds(database.db, organizationId(), second);
    const amounts = async (plan: typeof a) => ('refundIds' in plan ? (await database.db('refunds').whereIn('id', plan.refundIds)).map((r: Json) => Number(r.amount_cents)) : []);
    // 6 000 + 4 000 = the 10 000 Stripe took.
    expect([await amounts(a), await amounts(b)]).toEqual([[6_000], [4_000]]);

    const wired = await invoiceFor('wirepayer');
    await api.post('/payments', { payment: { invoice_id: wired.lago_id, amount_cents: 10_000, reference: 'wire-all' } }).expect(200);
    const paid = (await api.get(`/invoices/${wired.lago_id}`)).body.invoice;
    const manual = (await creditNote(paid, 3_000)).body.credit_note.lago_id;
    expect(await planRefunds(database.db, organizationId(), manual)).toEqual({ skipped: 'not_collected_by_provider' });
    expect((await api.get(`/credit_notes/${manual}`)).body.credit_note.refund_status).toBe('pending');
  });
});

describe('GET /invoices?payment_overdue=', () => {
  test('true: only the overdue ones; false: the others; anything else 422', async () => {
    await api.post('/customers', { customer: { external_id: 'overdue_filter', currency: 'EUR', timezone: 'UTC' } }).expect(200);
    const late = await invoiceFor('overdue_filter');
    const onTime = await invoiceFor('overdue_filter');
    // Far past its due date: it turns overdue (as the payment workflow's timer would).
    expect(await markOverdue(database.db, organizationId(), late.lago_id, Date.UTC(2100, 0, 1))).toBe(true);
    const ids = async (query: string) => (await api.get(`/invoices?external_customer_id=overdue_filter&${query}`)).body.invoices.map((i: Json) => i.lago_id);
    expect(await ids('payment_overdue=true')).toEqual([late.lago_id]);
    expect(await ids('payment_overdue=false')).toEqual([onTime.lago_id]);
    expect((await ids('')).sort()).toEqual([late.lago_id, onTime.lago_id].sort());
    const customerList = await api.get('/customers/overdue_filter/invoices?payment_overdue=true');
    expect(customerList.body.invoices.map((i: Json) => i.lago_id)).toEqual([late.lago_id]);
    expect((await api.get('/invoices?payment_overdue=yes')).body).toMatchObject({ status: 422, error_details: { payment_overdue: ['value_is_invalid'] } });
  });
});

describe('Payment requests', () => {
  beforeAll(async () => {
    // Without a provider at first: their invoices' own workflows find nothing to collect.
    for (const id of ['grouped', 'grouped_fail', 'bywire']) await api.post('/customers', { customer: { external_id: id, currency: 'EUR', timezone: 'UTC' } }).expect(200);
  });

  /** Invoices of the customer, their own workflows run (nothing collected), then overdue; then the customer pays through Stripe. */
  async function overdueInvoices(customer: string, count: number, stripeId?: string): Promise<Json[]> {
    const invoices: Json[] = [];
    for (let i = 0; i < count; i++) invoices.push(await invoiceFor(customer));
    await relayWorkflowRequests({ db: database.db, client: env.client, taskQueue: TASK_QUEUE });
    // Issued with no provider, an invoice has no payment workflow of its own (issue 12: its due date is its
    // organization's overdue workflow's), so nothing but the request below can charge it once the customer gets one.
    for (const invoice of invoices) await expect(env.client.workflow.getHandle(paymentWorkflowId({ type: 'invoice', id: invoice.lago_id })).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    for (const invoice of invoices) expect(await markOverdue(database.db, organizationId(), invoice.lago_id, Date.UTC(2100, 0, 1))).toBe(true);
    if (stripeId) await api.post('/customers', { customer: { external_id: customer, billing_configuration: { payment_provider: 'stripe', provider_customer_id: stripeId } } }).expect(200);
    return invoices;
  }

  test('gathers overdue invoices into one request for what they owe; one PaymentIntent pays them all', async () => {
    const [first, second] = await overdueInvoices('grouped', 2);
    // The second partly paid by wire: 10 000 − 3 000 = 7 000 still due.
    await api.post('/payments', { payment: { invoice_id: second!.lago_id, amount_cents: 3_000, reference: 'wire-3000' } }).expect(200);
    await api.post('/customers', { customer: { external_id: 'grouped', billing_configuration: { payment_provider: 'stripe', provider_customer_id: 'cus_grouped' } } }).expect(200);
    const res = await api.post('/payment_requests', { payment_request: { external_customer_id: 'grouped', email: 'ap@grouped.test', lago_invoice_ids: [second!.lago_id, first!.lago_id] } });
    expect(res.status).toBe(200);
    const request = res.body.payment_request;
    // 10 000 + 7 000 = 17 000.
    expect(request).toMatchObject({ email: 'ap@grouped.test', amount_cents: 17_000, amount_currency: 'EUR', payment_status: 'pending', customer: { external_id: 'grouped' } });
    expect(request.invoices.map((i: Json) => i.lago_id)).toEqual([first!.lago_id, second!.lago_id]);
    expect(await webhooksOf('payment_request.created', request.lago_id)).toHaveLength(1);

    await relayWorkflowRequests({ db: database.db, client: env.client, taskQueue: TASK_QUEUE });
    const row = await until('request charged', async () => database.db('payments').where({ payment_request_id: request.lago_id }).whereNotNull('provider_payment_id').first());
    expect(row).toMatchObject({ invoice_id: null, idempotency_key: `payment_request:${request.lago_id}:attempt:1`, attempt: 1 });
    expect(Number(row.amount_cents)).toBe(17_000);
    const listed = (await api.get(`/payments?invoice_id=${second!.lago_id}`)).body.payments as Json[];
    expect(listed.find((p) => p.lago_id === row.id)).toMatchObject({
      payable_type: 'PaymentRequest', lago_payable_id: request.lago_id, invoice_ids: [first!.lago_id, second!.lago_id], amount_cents: 17_000, payment_status: 'pending',
    });

    const succeeded = signed('payment_intent.succeeded', { id: row.provider_payment_id, object: 'payment_intent', status: 'succeeded', amount: 17_000, currency: 'eur', metadata: {} });
    expect((await postWebhook(succeeded)).body).toEqual({ received: true, handled: true });
    expect((await api.get(`/payment_requests/${request.lago_id}`)).body.payment_request.payment_status).toBe('succeeded');
    // Each invoice paid its part: 10 000 of 10 000; 3 000 by wire + 7 000 = 10 000.
    for (const invoice of [first!, second!]) {
      expect((await api.get(`/invoices/${invoice.lago_id}`)).body.invoice).toMatchObject({ payment_status: 'succeeded', total_paid_amount_cents: 10_000, total_due_amount_cents: 0, payment_overdue: false });
    }
    expect(await webhooksOf('payment_request.payment_status_updated', request.lago_id)).toEqual([expect.objectContaining({ payment_request: expect.objectContaining({ payment_status: 'succeeded' }) })]);
    // The same event again: nothing changes.
    const before = await snapshotTables(database.db, [...TABLES, 'payment_requests']);
    expect((await postWebhook(succeeded)).body).toEqual({ received: true, handled: false });
    expect(await snapshotTables(database.db, [...TABLES, 'payment_requests'])).toBe(before);

    const ids = async (query: string) => (await api.get(`/payment_requests?${query}`)).body.payment_requests.map((r: Json) => r.lago_id);
    expect(await ids('external_customer_id=grouped')).toEqual([request.lago_id]);
    expect(await ids('external_customer_id=grouped&payment_status=pending')).toEqual([]);
    expect((await api.get('/customers/grouped/payment_requests')).body.payment_requests.map((r: Json) => r.lago_id)).toEqual([request.lago_id]);
    expect((await api.get('/customers/nobody/payment_requests')).status).toBe(404);
  });

  test('a failed payment fails the request and its invoices (payment_request.payment_failure)', async () => {
    const invoices = await overdueInvoices('grouped_fail', 2, 'cus_grouped_fail');
    const request = (await api.post('/payment_requests', { payment_request: { external_customer_id: 'grouped_fail', email: 'ap@fail.test', lago_invoice_ids: invoices.map((i) => i.lago_id) } })).body.payment_request;
    const declining: ProviderFactory = (credentials) => ({
      ...configuredProviders()(credentials),
      charge: async () => { throw new ProviderRefusal({ message: 'Your card was declined.', error_code: 'card_declined' }, 'card'); },
    });
    // The request workflow's activities.
    const started = await startRequestAttempt(database.db, organizationId(), request.lago_id, 1);
    if (!('paymentId' in started)) throw new Error(`skipped: ${started.skipped}`);
    const outcome = await chargeAttempt(database.db, declining, organizationId(), started.paymentId);
    expect(await recordAttempt(database.db, organizationId(), started.paymentId, outcome, Date.now())).toBe('failed');
    expect((await api.get(`/payment_requests/${request.lago_id}`)).body.payment_request.payment_status).toBe('failed');
    for (const invoice of invoices) expect((await api.get(`/invoices/${invoice.lago_id}`)).body.invoice).toMatchObject({ payment_status: 'failed', total_due_amount_cents: 10_000 });
    expect(await webhooksOf('payment_request.payment_failure')).toEqual(expect.arrayContaining([expect.objectContaining({
      payment_provider_payment_request_payment_error: expect.objectContaining({ lago_payment_request_id: request.lago_id, provider_error: { message: 'Your card was declined.', error_code: 'card_declined' } }),
    })]));
  });

  test('refused, nothing written: not overdue, already requested, another customer\'s invoice, an unknown customer, a payment method', async () => {
    const [overdue] = await overdueInvoices('bywire', 1);
    const fresh = await invoiceFor('bywire');
    // A customer without Stripe: the request is recorded, nothing is collected.
    const manual = await api.post('/payment_requests', { payment_request: { external_customer_id: 'bywire', email: 'ap@wire.test', lago_invoice_ids: [overdue!.lago_id] } });
    expect(manual.body.payment_request).toMatchObject({ amount_cents: 10_000, payment_status: 'pending' });
    const before = await snapshotTables(database.db, [...TABLES, 'payment_requests', 'payment_request_invoices', 'workflow_requests']);
    const refusal = async (body: Json) => { const r = await api.post('/payment_requests', { payment_request: { external_customer_id: 'bywire', email: 'ap@wire.test', ...body } }); return [r.status, r.body.error_details ?? r.body.code]; };
    expect(await refusal({ lago_invoice_ids: [fresh.lago_id] })).toEqual([422, { lago_invoice_ids: ['invoices_not_overdue'] }]);
    expect(await refusal({ lago_invoice_ids: [overdue!.lago_id] })).toEqual([422, { lago_invoice_ids: ['invoices_already_requested'] }]);
    const others = (await api.get('/invoices?external_customer_id=grouped')).body.invoices as Json[];
    expect(await refusal({ lago_invoice_ids: [others[0]!.lago_id] })).toEqual([404, 'invoice_not_found']);
    expect(await refusal({ lago_invoice_ids: [] })).toEqual([422, { lago_invoice_ids: ['value_is_out_of_range'] }]);
    expect(await refusal({ external_customer_id: 'nobody', lago_invoice_ids: [overdue!.lago_id] })).toEqual([404, 'customer_not_found']);
    expect(await refusal({ lago_invoice_ids: [overdue!.lago_id], payment_method: { payment_method_type: 'manual' } })).toEqual([422, { payment_method: ['feature_not_supported'] }]);
    expect(await snapshotTables(database.db, [...TABLES, 'payment_requests', 'payment_request_invoices', 'workflow_requests'])).toBe(before);
    expect((await api.get(`/payment_requests/${manual.body.payment_request.lago_id}`)).status).toBe(200);
    expect((await unconnected.get(`/payment_requests/${manual.body.payment_request.lago_id}`)).status).toBe(404);
  });
});

// Last in the file: the dunning test moves the test server's clock forward by days.
describe('Dunning campaigns', () => {
  let dun: Awaited<ReturnType<typeof createTestApi>>;
  const DAY_MS = 86_400_000;

  beforeAll(async () => {
    dun = await createTestApi(database.db, env, TASK_QUEUE, 'Dunning Co');
    await dun.put('/payment_providers/stripe', { payment_provider: { secret_key: SECRET_KEY, webhook_secret: WEBHOOK_SECRET, code: 'stripe_dun' } }).expect(200);
    await dun.post('/add_ons', { add_on: { name: 'Setup', code: 'setup', amount_cents: 10_000, amount_currency: 'EUR' } }).expect(200);
    // Due in 30 days: the dunning below happens before the invoice turns overdue.
    await dun.post('/customers', { customer: { external_id: 'debtor', currency: 'EUR', timezone: 'UTC', net_payment_term: 30, billing_configuration: { payment_provider: 'stripe', provider_customer_id: 'cus_debtor' } } }).expect(200);
  });

  const dunInvoice = async () => (await dun.post('/invoices', { invoice: { external_customer_id: 'debtor', currency: 'EUR', fees: [{ add_on_code: 'setup' }] } }).expect(200)).body.invoice as Json;
  const postDunWebhook = ({ payload, header }: { payload: string; header: string }) =>
    request(dun.app).post(`/webhooks/stripe/${dun.organization.id}`).set('Content-Type', 'application/json').set('Stripe-Signature', header).send(payload);
  const attemptRow = (invoiceId: string, attempt: number) => until(`attempt ${attempt} charged`, async () =>
    database.db('payments').where({ invoice_id: invoiceId, attempt }).whereNotNull('provider_payment_id').first());
  async function fail(row: Json): Promise<void> {
    const event = signed('payment_intent.payment_failed', {
      id: row.provider_payment_id, object: 'payment_intent', status: 'requires_payment_method', amount: 10_000, currency: 'eur', metadata: {},
      last_payment_error: { message: 'Your card was declined.', code: 'card_declined' },
    });
    expect((await postDunWebhook(event)).body).toEqual({ received: true, handled: true });
  }

  test('PUT, GET and DELETE /dunning_campaign; bad input is refused by name and changes nothing', async () => {
    expect((await dun.get('/dunning_campaign')).body).toEqual({ status: 404, error: 'Not Found', code: 'dunning_campaign_not_found' });
    const before = await snapshotTables(database.db, ['dunning_campaigns']);
    const details = async (body: Json) => (await dun.put('/dunning_campaign', { dunning_campaign: body })).body.error_details;
    const valid = { max_attempts: 3, days_between_attempts: 2, thresholds: [{ currency: 'EUR', amount_cents: 5_000 }] };
    expect(await details({ ...valid, max_attempts: 0 })).toEqual({ max_attempts: ['value_is_out_of_range'] });
    expect(await details({ ...valid, days_between_attempts: 400 })).toEqual({ days_between_attempts: ['value_is_out_of_range'] });
    expect(await details({ ...valid, thresholds: [] })).toEqual({ thresholds: ['value_is_out_of_range'] });
    expect(await details({ ...valid, thresholds: [{ currency: 'EURO', amount_cents: 1 }] })).toEqual({ 'thresholds.0.currency': ['value_is_invalid'] });
    expect(await details({ ...valid, thresholds: [{ currency: 'EUR', amount_cents: 1 }, { currency: 'EUR', amount_cents: 2 }] })).toEqual({ 'thresholds.1.currency': ['value_already_exist'] });
    expect((await dun.put('/dunning_campaign', { dunning_campaign: { ...valid, escalate_to: 'legal' } })).status).toBe(422);
    expect(await snapshotTables(database.db, ['dunning_campaigns'])).toBe(before);

    const put = await dun.put('/dunning_campaign', { dunning_campaign: { ...valid, code: 'eur_dunning', name: 'EUR dunning' } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ dunning_campaign: {
      lago_id: expect.any(String), code: 'eur_dunning', name: 'EUR dunning', max_attempts: 3, days_between_attempts: 2,
      thresholds: [{ currency: 'EUR', amount_cents: 5_000 }], created_at: expect.any(String), updated_at: expect.any(String),
    } });
    expect((await dun.get('/dunning_campaign')).body).toEqual(put.body);
    expect((await api.get('/dunning_campaign')).status).toBe(404);
    expect((await dun.delete('/dunning_campaign')).body).toEqual(put.body);
    expect((await dun.get('/dunning_campaign')).status).toBe(404);
    await dun.put('/dunning_campaign', { dunning_campaign: { ...valid, code: 'eur_dunning' } }).expect(200);
  });

  test('a failed collection is attempted again every 2 days, 3 attempts in all, each a payment; then dunning_campaign.finished', async () => {
    const invoice = await dunInvoice();
    await relayWorkflowRequests({ db: database.db, client: env.client, taskQueue: TASK_QUEUE });
    await fail(await attemptRow(invoice.lago_id, 1));
    expect((await dun.get(`/invoices/${invoice.lago_id}`)).body.invoice.payment_status).toBe('failed');
    const start = await env.currentTimeMs();

    // Day 2: attempt 2, for the 10 000 still due, with its own key; it fails too.
    await moveClockTo(env, new Date(start + 2 * DAY_MS + 3_600_000).toISOString());
    const second = await attemptRow(invoice.lago_id, 2);
    expect(second).toMatchObject({ idempotency_key: `invoice:${invoice.lago_id}:attempt:2`, payment_status: 'pending' });
    expect(Number(second.amount_cents)).toBe(10_000);
    await fail(second);
    // Day 4: attempt 3, the last (max_attempts 3); it fails.
    await moveClockTo(env, new Date(start + 4 * DAY_MS + 2 * 3_600_000).toISOString());
    await fail(await attemptRow(invoice.lago_id, 3));
    // Day 6: no attempt 4; the campaign is spent on an invoice that still owes 10 000.
    await moveClockTo(env, new Date(start + 6 * DAY_MS + 3 * 3_600_000).toISOString());
    const finished = await until('dunning_campaign.finished', async () => {
      const rows = await database.db('webhook_events').where({ organization_id: dun.organization.id, webhook_type: 'dunning_campaign.finished' }).select('payload');
      return rows[0]?.payload as Json | undefined;
    });
    expect(finished).toMatchObject({ object_type: 'dunning_campaign', dunning_campaign: {
      external_customer_id: 'debtor', dunning_campaign_code: 'eur_dunning', overdue_balance_cents: 10_000, overdue_balance_currency: 'EUR', lago_invoice_id: invoice.lago_id,
    } });
    const payments = (await dun.get(`/payments?invoice_id=${invoice.lago_id}`)).body.payments as Json[];
    // Three attempts, three payments, each failed; nothing paid.
    expect(payments.map((p) => p.payment_status)).toEqual(['failed', 'failed', 'failed']);
    expect((await database.db('payments').where({ invoice_id: invoice.lago_id }).orderBy('attempt')).map((p: Json) => p.attempt)).toEqual([1, 2, 3]);
    expect((await dun.get(`/invoices/${invoice.lago_id}`)).body.invoice).toMatchObject({ payment_status: 'failed', total_paid_amount_cents: 0, total_due_amount_cents: 10_000 });
  });

  test('no attempt below the threshold, while one is pending, when nothing is due, or beyond max_attempts', async () => {
    const org = dun.organization.id;
    // Pending: attempt 1 started (no outcome yet), attempt 2 waits.
    const waiting = await dunInvoice();
    const first = await startAttempt(database.db, org, waiting.lago_id, 1);
    expect('paymentId' in first).toBe(true);
    expect(await startDunningAttempt(database.db, org, waiting.lago_id, 2)).toEqual({ skipped: 'attempt_pending' });
    // Below the threshold: 10 000 − 6 000 paid by wire = 4 000 due, under the 5 000 of EUR.
    const partly = await dunInvoice();
    await dun.post('/payments', { payment: { invoice_id: partly.lago_id, amount_cents: 6_000, reference: 'wire-6000' } }).expect(200);
    expect(await startDunningAttempt(database.db, org, partly.lago_id, 2)).toEqual({ skipped: 'below_threshold' });
    // Paid: nothing due.
    await dun.post('/payments', { payment: { invoice_id: partly.lago_id, amount_cents: 4_000, reference: 'wire-4000' } }).expect(200);
    expect(await startDunningAttempt(database.db, org, partly.lago_id, 2)).toEqual({ skipped: 'nothing_due' });
    // Attempt 4 of a campaign of 3.
    expect(await startDunningAttempt(database.db, org, waiting.lago_id, 4)).toEqual({ skipped: 'campaign_spent' });
    expect(await database.db('payments').where({ invoice_id: waiting.lago_id })).toHaveLength(1);
  });
});

/**
 * Organization isolation matrix. Organization A creates one of every object; organization B's key
 * then tries every route of the API (the table below, checked against the operation registry of
 * src/api/openapi.ts so a new route without a row fails) on A's objects:
 * - reading, updating, deleting or acting on one of A's objects answers 404 `<resource>_not_found`;
 * - lists filtered by A's ids show nothing of A's;
 * - B cannot reference A's objects when creating its own (a plan on A's metric, a subscription on
 *   A's plan, a credit note on A's invoice…);
 * - none of this writes anything; creating an object with the same code as one of A's makes B's
 *   own and leaves A's alone.
 */
import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv, startTestWorker } from '../support/temporal';
import { createTestApi } from '../support/api';
import { seedInvoice } from '../support/money';
import { snapshot } from '../support/catalog';
import { operationsFor } from '../../src/api/openapi';
import { ensureWebhooks, type WebhookEndpointRow, type WebhookEventRow } from '../../src/db/webhooks';
import type { CustomerRow } from '../../src/db/customers';

const TASK_QUEUE = 'isolation-test';
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let stopWorker: () => Promise<void>;
type Api = Awaited<ReturnType<typeof createTestApi>>;
let a: Api;
let b: Api;

/** A's objects: codes all start with `iso_a_`, so any leak into B's answers is easy to spot. */
interface Ids {
  metricId: string; planId: string; taxId: string; addOnId: string; couponId: string; customerId: string; appliedCouponId: string;
  subscriptionId: string; eventId: string; invoiceId: string; draftInvoiceId: string; feeId: string; creditNoteId: string;
  walletId: string; walletTransactionId: string; outboundTransactionId: string; endpointId: string; webhookId: string; filterId: string; paymentId: string;
  paymentProviderId: string; dunningCampaignId: string; paymentRequestId: string;
}
let ids: Ids;
const METRIC = 'iso_a_metric';
const PLAN = 'iso_a_plan';
const TAX = 'iso_a_tax';
const ADD_ON = 'iso_a_addon';
const COUPON = 'iso_a_coupon';
const CUSTOMER = 'iso_a_customer';
const SUBSCRIPTION = 'iso_a_sub';
const TRANSACTION = 'iso_a_tx';
const WALLET = 'iso_a_wallet';
const FEATURE = 'iso_a_feature';
const ALERT = 'iso_a_alert';
const FIXED_CHARGE = 'iso_a_fixed';

/** Every table an API call may write (webhook_events left out: the relay stamps its rows on its own). */
const TABLES = [
  'billable_metrics', 'plans', 'charges', 'taxes', 'plan_taxes', 'charge_taxes', 'customer_taxes', 'customers', 'add_ons', 'add_on_taxes',
  'coupons', 'coupon_targets', 'applied_coupons', 'subscriptions', 'events', 'invoices', 'fees', 'credit_notes', 'credit_note_items',
  'invoice_credits', 'wallets', 'wallet_transactions', 'webhook_endpoints', 'webhooks', 'webhook_deliveries', 'payments', 'invoice_subscriptions',
  'fixed_charges', 'fixed_charge_taxes', 'fixed_charge_units',
  'features', 'privileges', 'entitlements', 'entitlement_values', 'entitlement_removals',
  'alerts', 'alert_thresholds', 'triggered_alerts', 'alert_crossings',
  'wallet_alerts', 'wallet_alert_thresholds', 'wallet_triggered_alerts',
  'usage_thresholds', 'lifetime_usages',
  'wallet_transaction_consumptions',
];

async function ok(response: PromiseLike<{ status: number; body: Record<string, any> }>) { // eslint-disable-line @typescript-eslint/no-explicit-any
  const result = await response;
  if (result.status !== 200) throw new Error(`${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  database = await createTestDatabase();
  stopWorker = await startTestWorker(env, database.db, TASK_QUEUE);
  a = await createTestApi(database.db, env, TASK_QUEUE, 'Isolation A');
  b = await createTestApi(database.db, env, TASK_QUEUE, 'Isolation B');

  const metric = await ok(a.post('/billable_metrics', { billable_metric: { name: 'Calls', code: METRIC, aggregation_type: 'count_agg', filters: [{ key: 'region', values: ['eu', 'us'] }] } }));
  const tax = await ok(a.post('/taxes', { tax: { name: 'VAT', code: TAX, rate: '20' } }));
  const plan = await ok(a.post('/plans', { plan: {
    name: 'A plan', code: PLAN, interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ billable_metric_id: metric.billable_metric.lago_id, charge_model: 'standard', properties: { amount: '1' }, filters: [{ properties: { amount: '2' }, values: { region: ['eu'] } }] }],
  } }));
  const addOn = await ok(a.post('/add_ons', { add_on: { name: 'Setup', code: ADD_ON, amount_cents: 5000, amount_currency: 'EUR' } }));
  const coupon = await ok(a.post('/coupons', { coupon: { name: 'Ten', code: COUPON, coupon_type: 'fixed_amount', amount_cents: 100, amount_currency: 'EUR', frequency: 'once' } }));
  const customer = await ok(a.post('/customers', { customer: { external_id: CUSTOMER, currency: 'EUR', timezone: 'UTC', tax_codes: [TAX] } }));
  const applied = await ok(a.post('/applied_coupons', { applied_coupon: { external_customer_id: CUSTOMER, coupon_code: COUPON } }));
  const subscription = await ok(a.post('/subscriptions', { subscription: { external_customer_id: CUSTOMER, plan_code: PLAN, external_id: SUBSCRIPTION } }));
  const event = await ok(a.post('/events', { event: { transaction_id: TRANSACTION, code: METRIC, external_subscription_id: SUBSCRIPTION } }));
  // A fixed charge on A's plan (its add-on), so its subscription has one too.
  await ok(a.post(`/plans/${PLAN}/fixed_charges`, { fixed_charge: { add_on_code: ADD_ON, code: FIXED_CHARGE, charge_model: 'standard', units: '2', properties: { amount: '10' } } }));
  // A feature, granted by A's plan and overridden on A's subscription.
  await ok(a.post('/features', { feature: { code: FEATURE, privileges: [{ code: 'max', value_type: 'integer' }] } }));
  await ok(a.post(`/plans/${PLAN}/entitlements`, { entitlements: { [FEATURE]: { max: 5 } } }));
  await ok(send(a, 'patch', `/subscriptions/${SUBSCRIPTION}/entitlements`, { entitlements: { [FEATURE]: { max: 9 } } }));
  await ok(a.post(`/subscriptions/${SUBSCRIPTION}/alerts`, { alert: { alert_type: 'current_usage_amount', code: ALERT, thresholds: [{ value: 1_000_000 }] } }));
  // Its evaluation (soon after the creation) stamps the alert: wait for it, so B's probes see the tables still.
  for (let tries = 0; tries < 100; tries++) {
    const row = await database.db('alerts').where({ organization_id: a.organization.id, code: ALERT }).first<{ last_processed_at: Date | null }>();
    if (row?.last_processed_at) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const customerRow = (await database.db<CustomerRow>('customers').where({ id: customer.customer.lago_id }).first())!;
  const { invoice, feeIds } = await seedInvoice(database.db, a.organization, customerRow, { fees: [{ amountCents: 2000n, taxRate: '20', taxCode: TAX }] });
  const { invoice: draft } = await seedInvoice(database.db, a.organization, customerRow, { fees: [{ amountCents: 300n }], status: 'draft' });
  const payment = await ok(a.post('/payments', { payment: { invoice_id: invoice.id, amount_cents: 100, reference: 'iso-a-wire' } }));
  // Issue 14: A's Stripe connection and dunning campaign (organization-level settings).
  const stripeConnection = await ok(a.put('/payment_providers/stripe', { payment_provider: { secret_key: 'sk_test_isoAsecret0001', webhook_secret: 'whsec_isoAsigning0001', code: 'iso_a_stripe' } }));
  const dunningCampaign = await ok(a.put('/dunning_campaign', { dunning_campaign: { code: 'iso_a_dunning', max_attempts: 3, days_between_attempts: 2, thresholds: [{ currency: 'EUR', amount_cents: 0 }] } }));
  const { invoice: overdue } = await seedInvoice(database.db, a.organization, customerRow, { fees: [{ amountCents: 700n }] });
  await database.db('invoices').where({ id: overdue.id }).update({ payment_overdue: true });
  const paymentRequest = await ok(a.post('/payment_requests', { payment_request: { external_customer_id: CUSTOMER, email: 'a@iso.test', lago_invoice_ids: [overdue.id] } }));
  const creditNote = await ok(a.post('/credit_notes', { credit_note: { invoice_id: invoice.id, reason: 'other', credit_amount_cents: 120, items: [{ fee_id: feeIds[0], amount_cents: 100 }] } }));
  const wallet = await ok(a.post('/wallets', { wallet: { external_customer_id: CUSTOMER, code: WALLET, rate_amount: '1', currency: 'EUR', granted_credits: '10' } }));
  const transactions = await ok(a.post('/wallet_transactions', { wallet_transaction: { wallet_id: wallet.wallet.lago_id, granted_credits: '5' } }));
  // An outbound transaction (its fundings): one credit voided.
  const voided = await ok(a.post('/wallet_transactions', { wallet_transaction: { wallet_id: wallet.wallet.lago_id, voided_credits: '1' } }));
  // A wallet alert no balance here ever reaches (its evaluations write no triggered alert).
  await ok(a.post(`/customers/${CUSTOMER}/wallets/${WALLET}/alerts`, { alert: { alert_type: 'wallet_balance_amount', code: ALERT, thresholds: [{ value: 1 }] } }));
  // An endpoint for a type never sent here, and one webhook on it written directly (no delivery runs).
  const endpoint = await ok(a.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: 'https://hooks.example.com/a', event_types: ['credit_note.provider_refund_failure'] } }));
  const [webhookEvent] = await database.db<WebhookEventRow>('webhook_events')
    .insert({ organization_id: a.organization.id, webhook_type: 'credit_note.provider_refund_failure', object_type: 'credit_note', object_id: creditNote.credit_note.lago_id, payload: {}, dispatched_at: new Date() })
    .returning('*');
  const endpointRow = (await database.db<WebhookEndpointRow>('webhook_endpoints').where({ id: endpoint.webhook_endpoint.lago_id }).first())!;
  const [webhook] = await ensureWebhooks(database.db, webhookEvent!, [endpointRow]);
  ids = {
    metricId: metric.billable_metric.lago_id, planId: plan.plan.lago_id, taxId: tax.tax.lago_id, addOnId: addOn.add_on.lago_id,
    couponId: coupon.coupon.lago_id, customerId: customer.customer.lago_id, appliedCouponId: applied.applied_coupon.lago_id,
    subscriptionId: subscription.subscription.lago_id, eventId: event.event.lago_id, invoiceId: invoice.id, draftInvoiceId: draft.id,
    feeId: feeIds[0]!, creditNoteId: creditNote.credit_note.lago_id, walletId: wallet.wallet.lago_id,
    walletTransactionId: transactions.wallet_transactions[0].lago_id, outboundTransactionId: voided.wallet_transactions[0].lago_id, endpointId: endpoint.webhook_endpoint.lago_id, webhookId: webhook!.id,
    filterId: plan.plan.charges[0].filters[0].lago_id, paymentId: payment.payment.lago_id,
    paymentProviderId: stripeConnection.payment_provider.lago_id, dunningCampaignId: dunningCampaign.dunning_campaign.lago_id,
    paymentRequestId: paymentRequest.payment_request.lago_id,
  };
});

afterAll(async () => {
  await stopWorker?.();
  await env?.teardown();
  await database?.drop();
});

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Row =
  /** B acts on one of A's objects: 404 with this code. */
  | { kind: 'object'; path: () => string; body?: () => unknown; code: string }
  /** B lists, filtered by A's ids: nothing of A's (or 404 for a filter naming A's object). */
  | { kind: 'list'; path: () => string }
  /** B creates its own object referencing A's: refused with one of these statuses. */
  | { kind: 'reference'; body: () => unknown; statuses: number[] }
  /** B creates an object with the same code as A's: B's own, A's untouched. */
  | { kind: 'own'; body: () => unknown; root: string }
  /** Holds no organization's data. */
  | { kind: 'public'; why: string }
  /** The caller's own organization: B reads and changes its own, never A's. */
  | { kind: 'self'; body?: () => unknown }
  /** A report (analytics): B sees nothing of A's, and naming A's customer is a 404. */
  | { kind: 'report'; path: () => string }
  /** An organization-level setting (its Stripe connection, its dunning campaign): B's PUT sets B's own, A's untouched. */
  | { kind: 'setting'; root: string; body: () => unknown };

const MATRIX: Record<string, Row> = {
  'GET /health': { kind: 'public', why: 'static' },
  'GET /ready': { kind: 'public', why: "the instance's own state (PostgreSQL, Temporal, a worker polling), no organization's data" },
  'GET /api/v1/openapi.json': { kind: 'public', why: 'the API description' },
  'GET /docs': { kind: 'public', why: 'the API description' },
  'GET /api/v1/webhooks/json_public_key': { kind: 'public', why: "the instance's signing key, the same for every organization" },
  'GET /api/v1/webhooks/public_key': { kind: 'public', why: "the instance's signing key, the same for every organization" },

  'POST /api/v1/billable_metrics': { kind: 'own', root: 'billable_metric', body: () => ({ billable_metric: { name: 'B calls', code: METRIC, aggregation_type: 'count_agg' } }) },
  'GET /api/v1/billable_metrics': { kind: 'list', path: () => '/billable_metrics' },
  'GET /api/v1/billable_metrics/:code': { kind: 'object', path: () => `/billable_metrics/${METRIC}`, code: 'billable_metric_not_found' },
  'PUT /api/v1/billable_metrics/:code': { kind: 'object', path: () => `/billable_metrics/${METRIC}`, body: () => ({ billable_metric: { name: 'hijacked' } }), code: 'billable_metric_not_found' },
  'DELETE /api/v1/billable_metrics/:code': { kind: 'object', path: () => `/billable_metrics/${METRIC}`, code: 'billable_metric_not_found' },

  'POST /api/v1/plans': { kind: 'reference', statuses: [404, 422], body: () => ({ plan: {
    name: 'B plan', code: 'b_plan', interval: 'monthly', amount_cents: 1, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ billable_metric_id: ids.metricId, charge_model: 'standard', properties: { amount: '1' } }],
  } }) },
  'GET /api/v1/plans': { kind: 'list', path: () => '/plans' },
  'GET /api/v1/plans/:code': { kind: 'object', path: () => `/plans/${PLAN}`, code: 'plan_not_found' },
  'PUT /api/v1/plans/:code': { kind: 'object', path: () => `/plans/${PLAN}`, body: () => ({ plan: { name: 'hijacked' } }), code: 'plan_not_found' },
  'DELETE /api/v1/plans/:code': { kind: 'object', path: () => `/plans/${PLAN}`, code: 'plan_not_found' },

  'POST /api/v1/taxes': { kind: 'own', root: 'tax', body: () => ({ tax: { name: 'B tax', code: TAX, rate: '5' } }) },
  'GET /api/v1/taxes': { kind: 'list', path: () => '/taxes' },
  'GET /api/v1/taxes/:code': { kind: 'object', path: () => `/taxes/${TAX}`, code: 'tax_not_found' },
  'PUT /api/v1/taxes/:code': { kind: 'object', path: () => `/taxes/${TAX}`, body: () => ({ tax: { name: 'hijacked' } }), code: 'tax_not_found' },
  'DELETE /api/v1/taxes/:code': { kind: 'object', path: () => `/taxes/${TAX}`, code: 'tax_not_found' },

  'POST /api/v1/add_ons': { kind: 'reference', statuses: [404, 422], body: () => ({ add_on: { name: 'B add-on', code: 'b_addon', amount_cents: 1, amount_currency: 'EUR', tax_codes: [TAX] } }) },
  'GET /api/v1/add_ons': { kind: 'list', path: () => '/add_ons' },
  'GET /api/v1/add_ons/:code': { kind: 'object', path: () => `/add_ons/${ADD_ON}`, code: 'add_on_not_found' },
  'PUT /api/v1/add_ons/:code': { kind: 'object', path: () => `/add_ons/${ADD_ON}`, body: () => ({ add_on: { name: 'hijacked' } }), code: 'add_on_not_found' },
  'DELETE /api/v1/add_ons/:code': { kind: 'object', path: () => `/add_ons/${ADD_ON}`, code: 'add_on_not_found' },

  'POST /api/v1/coupons': { kind: 'reference', statuses: [404, 422], body: () => ({ coupon: {
    name: 'B coupon', code: 'b_coupon', coupon_type: 'percentage', percentage_rate: '10', frequency: 'once', applies_to: { plan_codes: [PLAN] },
  } }) },
  'GET /api/v1/coupons': { kind: 'list', path: () => '/coupons' },
  'GET /api/v1/coupons/:code': { kind: 'object', path: () => `/coupons/${COUPON}`, code: 'coupon_not_found' },
  'PUT /api/v1/coupons/:code': { kind: 'object', path: () => `/coupons/${COUPON}`, body: () => ({ coupon: { name: 'hijacked' } }), code: 'coupon_not_found' },
  'DELETE /api/v1/coupons/:code': { kind: 'object', path: () => `/coupons/${COUPON}`, code: 'coupon_not_found' },

  'POST /api/v1/applied_coupons': { kind: 'reference', statuses: [404], body: () => ({ applied_coupon: { external_customer_id: CUSTOMER, coupon_code: COUPON } }) },
  'GET /api/v1/applied_coupons': { kind: 'list', path: () => `/applied_coupons?external_customer_id=${CUSTOMER}&coupon_code[]=${COUPON}` },

  'POST /api/v1/customers': { kind: 'reference', statuses: [404, 422], body: () => ({ customer: { external_id: 'b_customer', tax_codes: [TAX] } }) },
  'GET /api/v1/customers': { kind: 'list', path: () => `/customers?search_term=${CUSTOMER}` },
  'GET /api/v1/customers/:externalId': { kind: 'object', path: () => `/customers/${CUSTOMER}`, code: 'customer_not_found' },
  'DELETE /api/v1/customers/:externalId': { kind: 'object', path: () => `/customers/${CUSTOMER}`, code: 'customer_not_found' },
  'GET /api/v1/customers/:externalId/current_usage': { kind: 'object', path: () => `/customers/${CUSTOMER}/current_usage?external_subscription_id=${SUBSCRIPTION}`, code: 'customer_not_found' },
  'GET /api/v1/customers/:externalId/applied_coupons': { kind: 'object', path: () => `/customers/${CUSTOMER}/applied_coupons`, code: 'customer_not_found' },
  'DELETE /api/v1/customers/:externalId/applied_coupons/:id': { kind: 'object', path: () => `/customers/${CUSTOMER}/applied_coupons/${ids.appliedCouponId}`, code: 'customer_not_found' },

  'POST /api/v1/subscriptions': { kind: 'reference', statuses: [404], body: () => ({ subscription: { external_customer_id: 'b_customer', plan_code: PLAN, external_id: 'b_sub' } }) },
  'GET /api/v1/subscriptions': { kind: 'list', path: () => `/subscriptions?external_customer_id=${CUSTOMER}&plan_code=${PLAN}&status[]=active&status[]=pending&status[]=terminated` },
  'GET /api/v1/subscriptions/:externalId': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}`, code: 'subscription_not_found' },
  'DELETE /api/v1/subscriptions/:externalId': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}`, code: 'subscription_not_found' },
  'GET /api/v1/subscriptions/:externalId/lifetime_usage': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/lifetime_usage`, code: 'subscription_not_found' },
  'PUT /api/v1/subscriptions/:externalId/lifetime_usage': {
    kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/lifetime_usage`, body: () => ({ lifetime_usage: { external_historical_usage_amount_cents: 100 } }), code: 'subscription_not_found',
  },

  'POST /api/v1/events': { kind: 'reference', statuses: [422], body: () => ({ event: { transaction_id: 'b_tx', code: METRIC, external_subscription_id: SUBSCRIPTION } }) },
  'POST /api/v1/events/batch': { kind: 'reference', statuses: [422], body: () => ({ events: [{ transaction_id: 'b_tx', code: METRIC, external_subscription_id: SUBSCRIPTION }] }) },
  'GET /api/v1/events': { kind: 'list', path: () => `/events?external_subscription_id=${SUBSCRIPTION}&code=${METRIC}` },
  'GET /api/v1/events/:transactionId': { kind: 'object', path: () => `/events/${TRANSACTION}`, code: 'event_not_found' },

  'POST /api/v1/invoices': { kind: 'reference', statuses: [404, 422], body: () => ({ invoice: { external_customer_id: CUSTOMER, fees: [{ add_on_code: ADD_ON }] } }) },
  'GET /api/v1/invoices': { kind: 'list', path: () => `/invoices?external_customer_id=${CUSTOMER}` },
  'GET /api/v1/invoices/:id': { kind: 'object', path: () => `/invoices/${ids.invoiceId}`, code: 'invoice_not_found' },
  'PUT /api/v1/invoices/:id': { kind: 'object', path: () => `/invoices/${ids.invoiceId}`, body: () => ({ invoice: { payment_status: 'succeeded' } }), code: 'invoice_not_found' },
  'DELETE /api/v1/invoices/:id': { kind: 'object', path: () => `/invoices/${ids.draftInvoiceId}`, code: 'invoice_not_found' },
  'PUT /api/v1/invoices/:id/finalize': { kind: 'object', path: () => `/invoices/${ids.draftInvoiceId}/finalize`, code: 'invoice_not_found' },
  'POST /api/v1/invoices/:id/void': { kind: 'object', path: () => `/invoices/${ids.invoiceId}/void`, code: 'invoice_not_found' },
  'POST /api/v1/invoices/:id/download': { kind: 'object', path: () => `/invoices/${ids.invoiceId}/download`, code: 'invoice_not_found' },
  'POST /api/v1/invoices/:id/download_pdf': { kind: 'object', path: () => `/invoices/${ids.invoiceId}/download_pdf`, code: 'invoice_not_found' },
  'GET /api/v1/invoices/:id/pdf': { kind: 'object', path: () => `/invoices/${ids.invoiceId}/pdf`, code: 'invoice_not_found' },
  'PUT /api/v1/invoices/:id/refresh': { kind: 'object', path: () => `/invoices/${ids.draftInvoiceId}/refresh`, code: 'invoice_not_found' },
  'POST /api/v1/invoices/:id/retry_payment': { kind: 'object', path: () => `/invoices/${ids.invoiceId}/retry_payment`, code: 'invoice_not_found' },
  'POST /api/v1/invoices/preview': { kind: 'reference', statuses: [404], body: () => ({ customer: { external_id: CUSTOMER }, subscriptions: { external_ids: [SUBSCRIPTION] } }) },
  'POST /api/v1/events/estimate_fees': { kind: 'reference', statuses: [404, 422], body: () => ({ event: { code: METRIC, external_subscription_id: SUBSCRIPTION } }) },
  'PUT /api/v1/subscriptions/:externalId': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}`, body: () => ({ subscription: { name: 'B was here' } }), code: 'subscription_not_found' },
  'GET /api/v1/subscriptions/:externalId/alerts': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/alerts`, code: 'subscription_not_found' },
  'POST /api/v1/subscriptions/:externalId/alerts': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/alerts`, body: () => ({ alert: { alert_type: 'lifetime_usage_amount', code: 'b_alert', thresholds: [{ value: 1 }] } }), code: 'subscription_not_found' },
  'DELETE /api/v1/subscriptions/:externalId/alerts': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/alerts`, code: 'subscription_not_found' },
  'GET /api/v1/subscriptions/:externalId/alerts/:code': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/alerts/${ALERT}`, code: 'subscription_not_found' },
  'PUT /api/v1/subscriptions/:externalId/alerts/:code': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/alerts/${ALERT}`, body: () => ({ alert: { name: 'hijacked', thresholds: [{ value: 1 }] } }), code: 'subscription_not_found' },
  'DELETE /api/v1/subscriptions/:externalId/alerts/:code': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/alerts/${ALERT}`, code: 'subscription_not_found' },
  'POST /api/v1/billable_metrics/evaluate_expression': { kind: 'public', why: 'evaluates the expression on the event given in the request; reads and writes no stored data' },

  'POST /api/v1/payments': { kind: 'reference', statuses: [404, 422], body: () => ({ payment: { invoice_id: ids.invoiceId, amount_cents: 1, reference: 'b-wire' } }) },
  'GET /api/v1/payments': { kind: 'list', path: () => `/payments?external_customer_id=${CUSTOMER}` },
  'GET /api/v1/payments/:id': { kind: 'object', path: () => `/payments/${ids.paymentId}`, code: 'payment_not_found' },
  'GET /api/v1/customers/:externalId/payments': { kind: 'object', path: () => `/customers/${CUSTOMER}/payments`, code: 'customer_not_found' },
  'POST /api/v1/payment_requests': { kind: 'reference', statuses: [404], body: () => ({ payment_request: { external_customer_id: CUSTOMER, email: 'b@iso.test', lago_invoice_ids: [ids.invoiceId] } }) },
  'GET /api/v1/payment_requests': { kind: 'list', path: () => `/payment_requests?external_customer_id=${CUSTOMER}` },
  'GET /api/v1/payment_requests/:id': { kind: 'object', path: () => `/payment_requests/${ids.paymentRequestId}`, code: 'payment_request_not_found' },
  'GET /api/v1/customers/:externalId/payment_requests': { kind: 'object', path: () => `/customers/${CUSTOMER}/payment_requests`, code: 'customer_not_found' },
  'PUT /api/v1/payment_providers/stripe': { kind: 'setting', root: 'payment_provider', body: () => ({ payment_provider: { secret_key: 'sk_test_isoBsecret0002', webhook_secret: 'whsec_isoBsigning0002' } }) },
  'GET /api/v1/payment_providers/stripe': { kind: 'object', path: () => '/payment_providers/stripe', code: 'payment_provider_not_found' },
  'DELETE /api/v1/payment_providers/stripe': { kind: 'object', path: () => '/payment_providers/stripe', code: 'payment_provider_not_found' },
  'PUT /api/v1/dunning_campaign': { kind: 'setting', root: 'dunning_campaign', body: () => ({ dunning_campaign: { max_attempts: 2, days_between_attempts: 1, thresholds: [{ currency: 'USD', amount_cents: 5 }] } }) },
  'GET /api/v1/dunning_campaign': { kind: 'object', path: () => '/dunning_campaign', code: 'dunning_campaign_not_found' },
  'DELETE /api/v1/dunning_campaign': { kind: 'object', path: () => '/dunning_campaign', code: 'dunning_campaign_not_found' },
  'POST /api/v1/customers/:externalId/checkout_url': { kind: 'object', path: () => `/customers/${CUSTOMER}/checkout_url`, code: 'customer_not_found' },
  'POST /api/v1/invoices/:id/payment_url': { kind: 'object', path: () => `/invoices/${ids.invoiceId}/payment_url`, code: 'invoice_not_found' },
  'POST /webhooks/stripe/:organizationId': { kind: 'public', why: "authenticated by Stripe's signature with the organization's own webhook secret (test/api/stripe-payments.test.ts)" },

  'POST /api/v1/credit_notes': { kind: 'reference', statuses: [404], body: () => ({ credit_note: { invoice_id: ids.invoiceId, reason: 'other', credit_amount_cents: 10, items: [{ fee_id: ids.feeId, amount_cents: 10 }] } }) },
  'GET /api/v1/credit_notes': { kind: 'list', path: () => `/credit_notes?external_customer_id=${CUSTOMER}&invoice_id=${ids.invoiceId}` },
  'GET /api/v1/credit_notes/:id': { kind: 'object', path: () => `/credit_notes/${ids.creditNoteId}`, code: 'credit_note_not_found' },
  'PUT /api/v1/credit_notes/:id': { kind: 'object', path: () => `/credit_notes/${ids.creditNoteId}`, body: () => ({ credit_note: { refund_status: 'succeeded' } }), code: 'credit_note_not_found' },
  'PUT /api/v1/credit_notes/:id/void': { kind: 'object', path: () => `/credit_notes/${ids.creditNoteId}/void`, code: 'credit_note_not_found' },
  'POST /api/v1/credit_notes/:id/download': { kind: 'object', path: () => `/credit_notes/${ids.creditNoteId}/download`, code: 'credit_note_not_found' },
  'GET /api/v1/credit_notes/:id/pdf': { kind: 'object', path: () => `/credit_notes/${ids.creditNoteId}/pdf`, code: 'credit_note_not_found' },

  'POST /api/v1/wallets': { kind: 'reference', statuses: [404], body: () => ({ wallet: { external_customer_id: CUSTOMER, rate_amount: '1', currency: 'EUR', granted_credits: '1' } }) },
  'GET /api/v1/wallets': { kind: 'list', path: () => `/wallets?external_customer_id=${CUSTOMER}` },
  'GET /api/v1/wallets/:id': { kind: 'object', path: () => `/wallets/${ids.walletId}`, code: 'wallet_not_found' },
  'PUT /api/v1/wallets/:id': { kind: 'object', path: () => `/wallets/${ids.walletId}`, body: () => ({ wallet: { name: 'hijacked' } }), code: 'wallet_not_found' },
  'DELETE /api/v1/wallets/:id': { kind: 'object', path: () => `/wallets/${ids.walletId}`, code: 'wallet_not_found' },
  'GET /api/v1/wallets/:id/wallet_transactions': { kind: 'object', path: () => `/wallets/${ids.walletId}/wallet_transactions`, code: 'wallet_not_found' },
  'POST /api/v1/wallet_transactions': { kind: 'reference', statuses: [404], body: () => ({ wallet_transaction: { wallet_id: ids.walletId, granted_credits: '1000' } }) },
  'GET /api/v1/wallet_transactions/:id': { kind: 'object', path: () => `/wallet_transactions/${ids.walletTransactionId}`, code: 'wallet_transaction_not_found' },
  'GET /api/v1/wallet_transactions/:id/consumptions': { kind: 'object', path: () => `/wallet_transactions/${ids.walletTransactionId}/consumptions`, code: 'wallet_transaction_not_found' },
  'GET /api/v1/wallet_transactions/:id/fundings': { kind: 'object', path: () => `/wallet_transactions/${ids.outboundTransactionId}/fundings`, code: 'wallet_transaction_not_found' },

  'POST /api/v1/webhook_endpoints': { kind: 'own', root: 'webhook_endpoint', body: () => ({ webhook_endpoint: { webhook_url: 'https://hooks.example.com/a', event_types: ['credit_note.provider_refund_failure'] } }) },
  'GET /api/v1/webhook_endpoints': { kind: 'list', path: () => '/webhook_endpoints' },
  'GET /api/v1/webhook_endpoints/:id': { kind: 'object', path: () => `/webhook_endpoints/${ids.endpointId}`, code: 'webhook_endpoint_not_found' },
  'PUT /api/v1/webhook_endpoints/:id': { kind: 'object', path: () => `/webhook_endpoints/${ids.endpointId}`, body: () => ({ webhook_endpoint: { webhook_url: 'https://hooks.example.com/b' } }), code: 'webhook_endpoint_not_found' },
  'DELETE /api/v1/webhook_endpoints/:id': { kind: 'object', path: () => `/webhook_endpoints/${ids.endpointId}`, code: 'webhook_endpoint_not_found' },
  'GET /api/v1/webhook_endpoints/:id/deliveries': { kind: 'object', path: () => `/webhook_endpoints/${ids.endpointId}/deliveries`, code: 'webhook_endpoint_not_found' },
  'GET /api/v1/webhooks': { kind: 'list', path: () => `/webhooks?webhook_endpoint_id=${ids.endpointId}` },
  'GET /api/v1/webhooks/:id': { kind: 'object', path: () => `/webhooks/${ids.webhookId}`, code: 'webhook_not_found' },
  'POST /api/v1/webhooks/:id/retry': { kind: 'object', path: () => `/webhooks/${ids.webhookId}/retry`, code: 'webhook_not_found' },

  // Under a customer (issue 10).
  'GET /api/v1/customers/:externalId/invoices': { kind: 'object', path: () => `/customers/${CUSTOMER}/invoices`, code: 'customer_not_found' },
  'GET /api/v1/customers/:externalId/subscriptions': { kind: 'object', path: () => `/customers/${CUSTOMER}/subscriptions`, code: 'customer_not_found' },
  'GET /api/v1/customers/:externalId/credit_notes': { kind: 'object', path: () => `/customers/${CUSTOMER}/credit_notes`, code: 'customer_not_found' },
  'GET /api/v1/customers/:externalId/past_usage': { kind: 'object', path: () => `/customers/${CUSTOMER}/past_usage?external_subscription_id=${SUBSCRIPTION}`, code: 'customer_not_found' },
  'POST /api/v1/customers/:externalId/wallets': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets`, body: () => ({ wallet: { rate_amount: '1', currency: 'EUR', granted_credits: '1' } }), code: 'customer_not_found' },
  'GET /api/v1/customers/:externalId/wallets': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets`, code: 'customer_not_found' },
  'GET /api/v1/customers/:externalId/wallets/:code': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets/${WALLET}`, code: 'customer_not_found' },
  'PUT /api/v1/customers/:externalId/wallets/:code': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets/${WALLET}`, body: () => ({ wallet: { name: 'hijacked' } }), code: 'customer_not_found' },
  'DELETE /api/v1/customers/:externalId/wallets/:code': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets/${WALLET}`, code: 'customer_not_found' },
  'POST /api/v1/customers/:externalId/wallets/:code/metadata': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets/${WALLET}/metadata`, body: () => ({ metadata: { hijacked: 'yes' } }), code: 'customer_not_found' },
  'PATCH /api/v1/customers/:externalId/wallets/:code/metadata': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets/${WALLET}/metadata`, body: () => ({ metadata: { hijacked: 'yes' } }), code: 'customer_not_found' },
  'DELETE /api/v1/customers/:externalId/wallets/:code/metadata': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets/${WALLET}/metadata`, code: 'customer_not_found' },
  'DELETE /api/v1/customers/:externalId/wallets/:code/metadata/:key': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets/${WALLET}/metadata/k`, code: 'customer_not_found' },
  // Issue 15 pt 4 (wallet alerts): A's customer is not B's.
  'GET /api/v1/customers/:externalId/wallets/:walletCode/alerts': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets/${WALLET}/alerts`, code: 'customer_not_found' },
  'POST /api/v1/customers/:externalId/wallets/:walletCode/alerts': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets/${WALLET}/alerts`, body: () => ({ alert: { alert_type: 'wallet_credits_balance', code: 'b_alert', thresholds: [{ value: 1 }] } }), code: 'customer_not_found' },
  'DELETE /api/v1/customers/:externalId/wallets/:walletCode/alerts': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets/${WALLET}/alerts`, code: 'customer_not_found' },
  'GET /api/v1/customers/:externalId/wallets/:walletCode/alerts/:code': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets/${WALLET}/alerts/${ALERT}`, code: 'customer_not_found' },
  'PUT /api/v1/customers/:externalId/wallets/:walletCode/alerts/:code': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets/${WALLET}/alerts/${ALERT}`, body: () => ({ alert: { name: 'hijacked', thresholds: [{ value: 2 }] } }), code: 'customer_not_found' },
  'DELETE /api/v1/customers/:externalId/wallets/:walletCode/alerts/:code': { kind: 'object', path: () => `/customers/${CUSTOMER}/wallets/${WALLET}/alerts/${ALERT}`, code: 'customer_not_found' },

  // A plan's charges, filters and metadata.
  'GET /api/v1/plans/:code/charges': { kind: 'object', path: () => `/plans/${PLAN}/charges`, code: 'plan_not_found' },
  'POST /api/v1/plans/:code/charges': { kind: 'object', path: () => `/plans/${PLAN}/charges`, body: () => ({ charge: { billable_metric_id: ids.metricId, charge_model: 'standard', properties: { amount: '1' } } }), code: 'plan_not_found' },
  'GET /api/v1/plans/:code/charges/:chargeCode': { kind: 'object', path: () => `/plans/${PLAN}/charges/${METRIC}`, code: 'plan_not_found' },
  'PUT /api/v1/plans/:code/charges/:chargeCode': { kind: 'object', path: () => `/plans/${PLAN}/charges/${METRIC}`, body: () => ({ charge: { properties: { amount: '9' } } }), code: 'plan_not_found' },
  'DELETE /api/v1/plans/:code/charges/:chargeCode': { kind: 'object', path: () => `/plans/${PLAN}/charges/${METRIC}`, code: 'plan_not_found' },
  'GET /api/v1/plans/:code/charges/:chargeCode/filters': { kind: 'object', path: () => `/plans/${PLAN}/charges/${METRIC}/filters`, code: 'plan_not_found' },
  'POST /api/v1/plans/:code/charges/:chargeCode/filters': { kind: 'object', path: () => `/plans/${PLAN}/charges/${METRIC}/filters`, body: () => ({ filter: { properties: { amount: '3' }, values: { region: ['us'] } } }), code: 'plan_not_found' },
  'GET /api/v1/plans/:code/charges/:chargeCode/filters/:id': { kind: 'object', path: () => `/plans/${PLAN}/charges/${METRIC}/filters/${ids.filterId}`, code: 'plan_not_found' },
  'PUT /api/v1/plans/:code/charges/:chargeCode/filters/:id': { kind: 'object', path: () => `/plans/${PLAN}/charges/${METRIC}/filters/${ids.filterId}`, body: () => ({ filter: { properties: { amount: '9' } } }), code: 'plan_not_found' },
  'DELETE /api/v1/plans/:code/charges/:chargeCode/filters/:id': { kind: 'object', path: () => `/plans/${PLAN}/charges/${METRIC}/filters/${ids.filterId}`, code: 'plan_not_found' },
  'POST /api/v1/plans/:code/metadata': { kind: 'object', path: () => `/plans/${PLAN}/metadata`, body: () => ({ metadata: { hijacked: 'yes' } }), code: 'plan_not_found' },
  'PATCH /api/v1/plans/:code/metadata': { kind: 'object', path: () => `/plans/${PLAN}/metadata`, body: () => ({ metadata: { hijacked: 'yes' } }), code: 'plan_not_found' },
  'DELETE /api/v1/plans/:code/metadata': { kind: 'object', path: () => `/plans/${PLAN}/metadata`, code: 'plan_not_found' },
  'DELETE /api/v1/plans/:code/metadata/:key': { kind: 'object', path: () => `/plans/${PLAN}/metadata/k`, code: 'plan_not_found' },

  // Wallet and credit note metadata.
  'POST /api/v1/wallets/:id/metadata': { kind: 'object', path: () => `/wallets/${ids.walletId}/metadata`, body: () => ({ metadata: { hijacked: 'yes' } }), code: 'wallet_not_found' },
  'PATCH /api/v1/wallets/:id/metadata': { kind: 'object', path: () => `/wallets/${ids.walletId}/metadata`, body: () => ({ metadata: { hijacked: 'yes' } }), code: 'wallet_not_found' },
  'DELETE /api/v1/wallets/:id/metadata': { kind: 'object', path: () => `/wallets/${ids.walletId}/metadata`, code: 'wallet_not_found' },
  'DELETE /api/v1/wallets/:id/metadata/:key': { kind: 'object', path: () => `/wallets/${ids.walletId}/metadata/k`, code: 'wallet_not_found' },
  'POST /api/v1/credit_notes/:id/metadata': { kind: 'object', path: () => `/credit_notes/${ids.creditNoteId}/metadata`, body: () => ({ metadata: { hijacked: 'yes' } }), code: 'credit_note_not_found' },
  'PATCH /api/v1/credit_notes/:id/metadata': { kind: 'object', path: () => `/credit_notes/${ids.creditNoteId}/metadata`, body: () => ({ metadata: { hijacked: 'yes' } }), code: 'credit_note_not_found' },
  'DELETE /api/v1/credit_notes/:id/metadata': { kind: 'object', path: () => `/credit_notes/${ids.creditNoteId}/metadata`, code: 'credit_note_not_found' },
  'DELETE /api/v1/credit_notes/:id/metadata/:key': { kind: 'object', path: () => `/credit_notes/${ids.creditNoteId}/metadata/k`, code: 'credit_note_not_found' },

  // Fixed charges (issue 16): A's plan's and its subscription's.
  'GET /api/v1/plans/:code/fixed_charges': { kind: 'object', path: () => `/plans/${PLAN}/fixed_charges`, code: 'plan_not_found' },
  'POST /api/v1/plans/:code/fixed_charges': { kind: 'object', path: () => `/plans/${PLAN}/fixed_charges`, body: () => ({ fixed_charge: { add_on_code: ADD_ON, charge_model: 'standard', units: '1', properties: { amount: '1' } } }), code: 'plan_not_found' },
  'GET /api/v1/plans/:code/fixed_charges/:fixedChargeCode': { kind: 'object', path: () => `/plans/${PLAN}/fixed_charges/${FIXED_CHARGE}`, code: 'plan_not_found' },
  'PUT /api/v1/plans/:code/fixed_charges/:fixedChargeCode': { kind: 'object', path: () => `/plans/${PLAN}/fixed_charges/${FIXED_CHARGE}`, body: () => ({ fixed_charge: { properties: { amount: '99' } } }), code: 'plan_not_found' },
  'DELETE /api/v1/plans/:code/fixed_charges/:fixedChargeCode': { kind: 'object', path: () => `/plans/${PLAN}/fixed_charges/${FIXED_CHARGE}`, code: 'plan_not_found' },
  'GET /api/v1/subscriptions/:externalId/fixed_charges': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/fixed_charges`, code: 'subscription_not_found' },
  'GET /api/v1/subscriptions/:externalId/fixed_charges/:fixedChargeCode': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/fixed_charges/${FIXED_CHARGE}`, code: 'subscription_not_found' },
  'PUT /api/v1/subscriptions/:externalId/fixed_charges/:fixedChargeCode': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/fixed_charges/${FIXED_CHARGE}`, body: () => ({ fixed_charge: { units: '50', apply_units_immediately: true } }), code: 'subscription_not_found' },
  'GET /api/v1/subscriptions/:externalId/charges': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/charges`, code: 'subscription_not_found' },
  'GET /api/v1/subscriptions/:externalId/charges/:chargeCode': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/charges/${METRIC}`, code: 'subscription_not_found' },
  'PUT /api/v1/subscriptions/:externalId/charges/:chargeCode': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/charges/${METRIC}`, body: () => ({ charge: { properties: { amount: '0.5' } } }), code: 'subscription_not_found' },
  'GET /api/v1/subscriptions/:externalId/charges/:chargeCode/filters': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/charges/${METRIC}/filters`, code: 'subscription_not_found' },
  'POST /api/v1/subscriptions/:externalId/charges/:chargeCode/filters': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/charges/${METRIC}/filters`, body: () => ({ filter: { properties: { amount: '3' }, values: { region: ['us'] } } }), code: 'subscription_not_found' },
  'GET /api/v1/subscriptions/:externalId/charges/:chargeCode/filters/:filterId': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/charges/${METRIC}/filters/${ids.filterId}`, code: 'subscription_not_found' },
  'PUT /api/v1/subscriptions/:externalId/charges/:chargeCode/filters/:filterId': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/charges/${METRIC}/filters/${ids.filterId}`, body: () => ({ filter: { properties: { amount: '9' } } }), code: 'subscription_not_found' },
  'DELETE /api/v1/subscriptions/:externalId/charges/:chargeCode/filters/:filterId': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/charges/${METRIC}/filters/${ids.filterId}`, code: 'subscription_not_found' },
  // Features and entitlements (issue 16): A's feature, its plan's entitlement and its subscription's override.
  'POST /api/v1/features': { kind: 'own', root: 'feature', body: () => ({ feature: { code: FEATURE, privileges: [{ code: 'max', value_type: 'integer' }] } }) },
  'GET /api/v1/features': { kind: 'list', path: () => `/features?search_term=${FEATURE}` },
  'GET /api/v1/features/:code': { kind: 'object', path: () => `/features/${FEATURE}`, code: 'feature_not_found' },
  'PUT /api/v1/features/:code': { kind: 'object', path: () => `/features/${FEATURE}`, body: () => ({ feature: { name: 'hijacked', privileges: [{ code: 'extra' }] } }), code: 'feature_not_found' },
  'DELETE /api/v1/features/:code': { kind: 'object', path: () => `/features/${FEATURE}`, code: 'feature_not_found' },
  'DELETE /api/v1/features/:code/privileges/:privilegeCode': { kind: 'object', path: () => `/features/${FEATURE}/privileges/max`, code: 'feature_not_found' },
  'GET /api/v1/plans/:code/entitlements': { kind: 'object', path: () => `/plans/${PLAN}/entitlements`, code: 'plan_not_found' },
  'POST /api/v1/plans/:code/entitlements': { kind: 'object', path: () => `/plans/${PLAN}/entitlements`, body: () => ({ entitlements: { [FEATURE]: { max: 1 } } }), code: 'plan_not_found' },
  'PATCH /api/v1/plans/:code/entitlements': { kind: 'object', path: () => `/plans/${PLAN}/entitlements`, body: () => ({ entitlements: { [FEATURE]: { max: 1 } } }), code: 'plan_not_found' },
  'GET /api/v1/plans/:code/entitlements/:featureCode': { kind: 'object', path: () => `/plans/${PLAN}/entitlements/${FEATURE}`, code: 'plan_not_found' },
  'DELETE /api/v1/plans/:code/entitlements/:featureCode': { kind: 'object', path: () => `/plans/${PLAN}/entitlements/${FEATURE}`, code: 'plan_not_found' },
  'DELETE /api/v1/plans/:code/entitlements/:featureCode/privileges/:privilegeCode': { kind: 'object', path: () => `/plans/${PLAN}/entitlements/${FEATURE}/privileges/max`, code: 'plan_not_found' },
  'GET /api/v1/subscriptions/:externalId/entitlements': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/entitlements`, code: 'subscription_not_found' },
  'PATCH /api/v1/subscriptions/:externalId/entitlements': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/entitlements`, body: () => ({ entitlements: { [FEATURE]: { max: 1 } } }), code: 'subscription_not_found' },
  'DELETE /api/v1/subscriptions/:externalId/entitlements/:featureCode': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/entitlements/${FEATURE}`, code: 'subscription_not_found' },
  'DELETE /api/v1/subscriptions/:externalId/entitlements/:featureCode/privileges/:privilegeCode': { kind: 'object', path: () => `/subscriptions/${SUBSCRIPTION}/entitlements/${FEATURE}/privileges/max`, code: 'subscription_not_found' },

  // Fees.
  'GET /api/v1/fees': { kind: 'list', path: () => `/fees?external_customer_id=${CUSTOMER}` },
  'GET /api/v1/fees/:id': { kind: 'object', path: () => `/fees/${ids.feeId}`, code: 'fee_not_found' },
  'PUT /api/v1/fees/:id': { kind: 'object', path: () => `/fees/${ids.feeId}`, body: () => ({ fee: { payment_status: 'succeeded' } }), code: 'fee_not_found' },
  'DELETE /api/v1/fees/:id': { kind: 'object', path: () => `/fees/${ids.feeId}`, code: 'fee_not_found' },

  // The organization of the key, and reports.
  'GET /api/v1/organizations': { kind: 'self' },
  'PUT /api/v1/organizations': { kind: 'self', body: () => ({ organization: { net_payment_term: 45, billing_configuration: { invoice_footer: 'B only' } } }) },
  'GET /api/v1/analytics/gross_revenue': { kind: 'report', path: () => '/analytics/gross_revenue' },
  'GET /api/v1/analytics/invoice_collection': { kind: 'report', path: () => '/analytics/invoice_collection' },
  'GET /api/v1/analytics/invoiced_usage': { kind: 'report', path: () => '/analytics/invoiced_usage' },
  'GET /api/v1/analytics/mrr': { kind: 'report', path: () => '/analytics/mrr' },
  'GET /api/v1/analytics/overdue_balance': { kind: 'report', path: () => '/analytics/overdue_balance' },
};

const split = (key: string) => {
  const [method, path] = key.split(' ') as [string, string];
  return { method: method.toLowerCase() as Method, path };
};

function send(api: Api, method: Method, path: string, body?: unknown) {
  if (method === 'get') return api.get(path);
  if (method === 'delete') return api.delete(path);
  if (method === 'patch') return request(api.app).patch(`/api/v1${path}`).set({ Authorization: `Bearer ${api.apiKey}` }).send((body ?? {}) as object);
  return method === 'post' ? api.post(path, body ?? {}) : api.put(path, body ?? {});
}

/** Everything of A's that must never show in B's answers: every id, and the `iso_a_` codes. */
function leaksOf(body: unknown): string[] {
  const text = JSON.stringify(body);
  return [...Object.values(ids), 'iso_a_'].filter((secret) => text.includes(secret));
}

test('the matrix has one row for every route the API mounts (a new route needs its row)', () => {
  const routes = operationsFor({}).map((op) => `${op.method.toUpperCase()} ${op.path}`).sort();
  expect(routes.filter((route) => !(route in MATRIX))).toEqual([]);
  expect(Object.keys(MATRIX).filter((route) => !routes.includes(route))).toEqual([]);
});

describe("organization B's key on organization A's objects", () => {
  let before: string;
  beforeAll(async () => {
    before = await snapshot(database.db, TABLES);
  });

  const entries = Object.entries(MATRIX);
  test.each(entries.filter(([, row]) => row.kind === 'object').map(([key]) => key))('%s → 404', async (key) => {
    const row = MATRIX[key] as Extract<Row, { kind: 'object' }>;
    const { method } = split(key);
    const response = await send(b, method, row.path(), row.body?.());
    expect({ status: response.status, body: response.body }).toEqual({ status: 404, body: { status: 404, error: 'Not Found', code: row.code } });
    // A's key on the same request is not a 404: the row really names one of A's objects.
    if (method === 'get' && !key.endsWith('/pdf')) expect((await send(a, method, row.path())).status).toBe(200);
  });

  test.each(entries.filter(([, row]) => row.kind === 'list').map(([key]) => key))('%s shows nothing of A', async (key) => {
    const row = MATRIX[key] as Extract<Row, { kind: 'list' }>;
    const response = await b.get(row.path());
    if (response.status === 404) {
      expect(response.body.code).toMatch(/_not_found$/);
    } else {
      expect(response.status).toBe(200);
      expect(leaksOf(response.body)).toEqual([]);
      expect(response.body.meta).toMatchObject({ total_count: 0 });
    }
    // A's own key sees its objects through the same filters.
    const own = await a.get(row.path());
    expect(own.status).toBe(200);
    expect(own.body.meta.total_count).toBeGreaterThan(0);
  });

  test.each(entries.filter(([, row]) => row.kind === 'reference').map(([key]) => key))('%s referencing A\'s objects is refused', async (key) => {
    const row = MATRIX[key] as Extract<Row, { kind: 'reference' }>;
    const response = await send(b, split(key).method, '/' + split(key).path.split('/').slice(3).join('/'), row.body());
    expect(row.statuses).toContain(response.status);
    expect(leaksOf(response.body)).toEqual([]);
  });

  test.each(entries.filter(([, row]) => row.kind === 'report').map(([key]) => key))('%s shows nothing of A, and A\'s customer is a 404', async (key) => {
    const row = MATRIX[key] as Extract<Row, { kind: 'report' }>;
    const response = await b.get(row.path());
    expect(response.status).toBe(200);
    expect(leaksOf(response.body)).toEqual([]);
    expect(Object.values(response.body)).toEqual([[]]);
    const named = await b.get(`${row.path()}?external_customer_id=${CUSTOMER}`);
    expect(named.body).toEqual({ status: 404, error: 'Not Found', code: 'customer_not_found' });
    // The same filter with A's key names A's customer.
    expect((await a.get(`${row.path()}?external_customer_id=${CUSTOMER}`)).status).toBe(200);
  });

  test('none of it wrote anything', async () => {
    expect(await snapshot(database.db, TABLES)).toBe(before);
  });
});

describe("organization B's codes are its own", () => {
  test.each(Object.entries(MATRIX).filter(([, row]) => row.kind === 'own').map(([key]) => key))('%s with A\'s code makes B\'s own', async (key) => {
    const row = MATRIX[key] as Extract<Row, { kind: 'own' }>;
    const path = '/' + split(key).path.split('/').slice(3).join('/');
    const before = await a.get(path);
    const created = await b.post(path, row.body());
    expect(created.status).toBe(200);
    expect(Object.values(ids)).not.toContain(created.body[row.root].lago_id);
    const after = await a.get(path);
    expect(after.body).toEqual(before.body);
    const mine = await b.get(path);
    expect(mine.body.meta.total_count).toBe(1);
  });
});

describe("organization B's settings are its own", () => {
  test.each(Object.entries(MATRIX).filter(([, row]) => row.kind === 'setting').map(([key]) => key))('%s sets B\'s own, A\'s untouched', async (key) => {
    const row = MATRIX[key] as Extract<Row, { kind: 'setting' }>;
    const path = '/' + split(key).path.split('/').slice(3).join('/');
    const before = await a.get(path);
    expect(before.status).toBe(200);
    const set = await b.put(path, row.body());
    expect(set.status).toBe(200);
    expect(Object.values(ids)).not.toContain(set.body[row.root].lago_id);
    expect(leaksOf(set.body)).toEqual([]);
    expect((await a.get(path)).body).toEqual(before.body);
    expect((await b.get(path)).body).toEqual(set.body);
  });
});

describe("the key's own organization", () => {
  test.each(Object.entries(MATRIX).filter(([, row]) => row.kind === 'self').map(([key]) => key))('%s is B\'s, never A\'s', async (key) => {
    const row = MATRIX[key] as Extract<Row, { kind: 'self' }>;
    const { method } = split(key);
    const path = '/' + split(key).path.split('/').slice(3).join('/');
    const before = await a.get('/organizations');
    const response = await send(b, method, path, row.body?.());
    expect(response.status).toBe(200);
    expect(response.body.organization.lago_id).toBe(b.organization.id);
    expect(JSON.stringify(response.body)).not.toContain(a.organization.id);
    expect(leaksOf(response.body)).toEqual([]);
    expect((await a.get('/organizations')).body).toEqual(before.body);
  });
});

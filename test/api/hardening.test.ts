/**
 * No 500 for any client mistake. For every POST/PUT/PATCH route (the table below, checked against the
 * OpenAPI registry): malformed JSON (400), a body over the limit (413), a missing root (400), a
 * wrong type in every field of the route's JSON schema (422 validation_errors naming the field),
 * unknown fields (ignored), huge numbers, negative amounts, invalid dates, unicode and SQL-looking
 * strings in every string field, and non-UUID ids in paths. Every answer is < 500 and a rejected
 * request writes nothing (row counts of every table unchanged). Also: each response carries an
 * x-request-id that the request log line carries too, and stop() lets an in-flight request finish.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv } from '../support/temporal';
import { createTestApi } from '../support/api';
import { seedInvoice } from '../support/money';
import { buildOpenApiDocument, openApiPath, operationsFor } from '../../src/api/openapi';
import { logger } from '../../src/runtime/logger';
import { startApiServer } from '../../src/server';
import { temporalSubscriptionWorkflows } from '../../src/workflows/client';
import type { CustomerRow } from '../../src/db/customers';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Api = Awaited<ReturnType<typeof createTestApi>>;

// No worker: a subscription that gets through is started and simply waits, writing nothing later.
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let api: Api;
const ids: Record<string, string> = {};

async function ok(response: PromiseLike<{ status: number; body: Json }>) {
  const result = await response;
  if (result.status !== 200) throw new Error(`${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  database = await createTestDatabase();
  api = await createTestApi(database.db, env, 'hardening-test', 'Hardening Co');
  const metric = await ok(api.post('/billable_metrics', { billable_metric: { name: 'Calls', code: 'h_metric', aggregation_type: 'sum_agg', field_name: 'n', filters: [{ key: 'region', values: ['eu', 'us'] }] } }));
  ids.metric = metric.billable_metric.lago_id;
  await ok(api.post('/taxes', { tax: { name: 'VAT', code: 'h_tax', rate: '20' } }));
  await ok(api.post('/plans', { plan: { name: 'P', code: 'h_plan', interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ billable_metric_id: ids.metric, charge_model: 'standard', properties: { amount: '1' } }] } }));
  await ok(api.post('/add_ons', { add_on: { name: 'Setup', code: 'h_addon', amount_cents: 500, amount_currency: 'EUR' } }));
  await ok(api.post('/plans/h_plan/fixed_charges', { fixed_charge: { add_on_code: 'h_addon', code: 'h_fixed', charge_model: 'standard', units: '2', properties: { amount: '10' } } }));
  await ok(api.post('/coupons', { coupon: { name: 'C', code: 'h_coupon', coupon_type: 'percentage', percentage_rate: '10', frequency: 'forever', reusable: true } }));
  const customer = await ok(api.post('/customers', { customer: { external_id: 'h_customer', currency: 'EUR', timezone: 'UTC' } }));
  await ok(api.post('/subscriptions', { subscription: { external_customer_id: 'h_customer', plan_code: 'h_plan', external_id: 'h_sub' } }));
  // A filter on the subscription's own charge (its overrides, a child plan), for the subscription's filter routes.
  ids.subFilter = (await ok(api.post('/subscriptions/h_sub/charges/h_metric/filters', { filter: { properties: { amount: '3' }, values: { region: ['eu'] } } }))).filter.lago_id;
  const customerRow = (await database.db<CustomerRow>('customers').where({ id: customer.customer.lago_id }).first())!;
  const { invoice, feeIds } = await seedInvoice(database.db, api.organization, customerRow, { fees: [{ amountCents: 100000n }] });
  ids.invoice = invoice.id;
  ids.fee = feeIds[0]!;
  const note = await ok(api.post('/credit_notes', { credit_note: { invoice_id: ids.invoice, credit_amount_cents: 10, items: [{ fee_id: ids.fee, amount_cents: 10 }] } }));
  ids.creditNote = note.credit_note.lago_id;
  const wallet = await ok(api.post('/wallets', { wallet: { external_customer_id: 'h_customer', rate_amount: '1', currency: 'EUR', code: 'h_wallet' } }));
  ids.wallet = wallet.wallet.lago_id;
  const endpoint = await ok(api.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: 'https://hooks.example.com/h', event_types: ['credit_note.provider_refund_failure'] } }));
  ids.endpoint = endpoint.webhook_endpoint.lago_id;
  const filter = await ok(api.post('/plans/h_plan/charges/h_metric/filters', { filter: { properties: { amount: '2' }, values: { region: ['us'] } } }));
  ids.filter = filter.filter.lago_id;
  await ok(api.post('/features', { feature: { code: 'h_feature', privileges: [{ code: 'max', value_type: 'integer' }] } }));
  // A usage alert no usage here ever reaches (its evaluations write no row).
  await ok(api.post('/subscriptions/h_sub/alerts', { alert: { alert_type: 'current_usage_amount', code: 'h_alert', thresholds: [{ value: '1000000000000' }] } }));
  // A wallet alert on the empty wallet: its balance never falls, so its evaluations trigger nothing.
  await ok(api.post('/customers/h_customer/wallets/h_wallet/alerts', { alert: { alert_type: 'wallet_balance_amount', code: 'h_wallet_alert', thresholds: [{ value: 100 }] } }));
});

afterAll(async () => {
  await env?.teardown();
  await database?.drop();
});

/** A valid body for every POST/PUT/PATCH route that takes one (routes under /api/v1). */
const VALID: Record<string, { path: () => string; body: () => Json }> = {
  'POST /billable_metrics': { path: () => '/billable_metrics', body: () => ({ billable_metric: { name: 'M', code: 'm_new', aggregation_type: 'sum_agg', field_name: 'n', recurring: false, rounding_precision: 2, filters: [{ key: 'region', values: ['eu'] }] } }) },
  'PUT /billable_metrics/:code': { path: () => '/billable_metrics/h_metric', body: () => ({ billable_metric: { name: 'Calls 2', description: 'd' } }) },
  'POST /plans': { path: () => '/plans', body: () => ({ plan: { name: 'P2', code: 'p_new', interval: 'monthly', amount_cents: 100, amount_currency: 'EUR', pay_in_advance: true, trial_period: 0, tax_codes: ['h_tax'],
    charges: [{ billable_metric_id: ids.metric, charge_model: 'graduated', properties: { graduated_ranges: [{ from_value: 0, to_value: null, per_unit_amount: '1', flat_amount: '0' }] } }] } }) },
  'PUT /plans/:code': { path: () => '/plans/h_plan', body: () => ({ plan: { name: 'P renamed', amount_cents: 1200 } }) },
  'POST /taxes': { path: () => '/taxes', body: () => ({ tax: { name: 'T', code: 't_new', rate: '5.5' } }) },
  'PUT /taxes/:code': { path: () => '/taxes/h_tax', body: () => ({ tax: { name: 'VAT 2', rate: '20' } }) },
  'POST /add_ons': { path: () => '/add_ons', body: () => ({ add_on: { name: 'A', code: 'a_new', amount_cents: 100, amount_currency: 'EUR', tax_codes: ['h_tax'] } }) },
  'PUT /add_ons/:code': { path: () => '/add_ons/h_addon', body: () => ({ add_on: { name: 'Setup 2', amount_cents: 600 } }) },
  'POST /coupons': { path: () => '/coupons', body: () => ({ coupon: { name: 'C2', code: 'c_new', coupon_type: 'fixed_amount', amount_cents: 100, amount_currency: 'EUR', frequency: 'recurring', frequency_duration: 3, expiration: 'time_limit', expiration_at: '2099-01-01T00:00:00Z' } }) },
  'PUT /coupons/:code': { path: () => '/coupons/h_coupon', body: () => ({ coupon: { name: 'C renamed' } }) },
  'POST /applied_coupons': { path: () => '/applied_coupons', body: () => ({ applied_coupon: { external_customer_id: 'h_customer', coupon_code: 'h_coupon', frequency: 'once' } }) },
  'POST /customers': { path: () => '/customers', body: () => ({ customer: { external_id: 'cust_new', name: 'N', email: 'n@example.com', currency: 'EUR', timezone: 'Europe/Paris', country: 'FR', net_payment_term: 30, tax_codes: ['h_tax'], billing_configuration: { payment_provider: 'stripe' }, metadata: [{ key: 'k', value: 'v' }] } }) },
  'POST /subscriptions': { path: () => '/subscriptions', body: () => ({ subscription: { external_customer_id: 'h_customer', plan_code: 'h_plan', external_id: 'sub_new', name: 'S', billing_time: 'anniversary', subscription_at: '2030-01-01T00:00:00Z', ending_at: '2031-01-01T00:00:00Z' } }) },
  'POST /events': { path: () => '/events', body: () => ({ event: { transaction_id: 'tx_new', code: 'h_metric', external_subscription_id: 'h_sub', timestamp: 1900000000, properties: { n: 3 }, precise_total_amount_cents: '12.5' } }) },
  'POST /events/batch': { path: () => '/events/batch', body: () => ({ events: [{ transaction_id: 'btx_new', code: 'h_metric', external_subscription_id: 'h_sub', timestamp: '2030-01-01T00:00:00Z', properties: { n: 1 } }] }) },
  'POST /invoices': { path: () => '/invoices', body: () => ({ invoice: { external_customer_id: 'h_customer', currency: 'EUR', fees: [{ add_on_code: 'h_addon', units: '2', unit_amount_cents: 300, description: 'x' }] } }) },
  'PUT /invoices/:id': { path: () => `/invoices/${ids.invoice}`, body: () => ({ invoice: { metadata: [{ key: 'po', value: '42' }] } }) },
  'POST /credit_notes': { path: () => '/credit_notes', body: () => ({ credit_note: { invoice_id: ids.invoice, reason: 'other', credit_amount_cents: 5, items: [{ fee_id: ids.fee, amount_cents: 5 }] } }) },
  'PUT /credit_notes/:id': { path: () => `/credit_notes/${ids.creditNote}`, body: () => ({ credit_note: { refund_status: 'pending' } }) },
  'POST /wallets': { path: () => '/wallets', body: () => ({ wallet: { external_customer_id: 'h_customer', rate_amount: '1', currency: 'EUR', name: 'W2', code: 'w2', granted_credits: '1', expiration_at: '2099-01-01T00:00:00Z' } }) },
  'PUT /wallets/:id': { path: () => `/wallets/${ids.wallet}`, body: () => ({ wallet: { name: 'W renamed', priority: 5 } }) },
  'POST /wallet_transactions': { path: () => '/wallet_transactions', body: () => ({ wallet_transaction: { wallet_id: ids.wallet, granted_credits: '1' } }) },
  'POST /webhook_endpoints': { path: () => '/webhook_endpoints', body: () => ({ webhook_endpoint: { webhook_url: 'https://hooks.example.com/new', signature_algo: 'hmac', event_types: ['invoice.created'] } }) },
  'PUT /webhook_endpoints/:id': { path: () => `/webhook_endpoints/${ids.endpoint}`, body: () => ({ webhook_endpoint: { name: 'renamed' } }) },
  // The routes of issue 10.
  'POST /customers/:externalId/wallets': { path: () => '/customers/h_customer/wallets', body: () => ({ wallet: { rate_amount: '1', currency: 'EUR', name: 'W3', code: 'w3', granted_credits: '1', expiration_at: '2099-01-01T00:00:00Z' } }) },
  'PUT /customers/:externalId/wallets/:code': { path: () => '/customers/h_customer/wallets/h_wallet', body: () => ({ wallet: { name: 'W by code', priority: 7 } }) },
  'POST /customers/:externalId/wallets/:code/metadata': { path: () => '/customers/h_customer/wallets/h_wallet/metadata', body: () => ({ metadata: { k: 'v', gone: null } }) },
  'PATCH /customers/:externalId/wallets/:code/metadata': { path: () => '/customers/h_customer/wallets/h_wallet/metadata', body: () => ({ metadata: { k2: 'v2' } }) },
  'POST /wallets/:id/metadata': { path: () => `/wallets/${ids.wallet}/metadata`, body: () => ({ metadata: { k: 'v' } }) },
  'PATCH /wallets/:id/metadata': { path: () => `/wallets/${ids.wallet}/metadata`, body: () => ({ metadata: { k2: 'v2' } }) },
  'POST /credit_notes/:id/metadata': { path: () => `/credit_notes/${ids.creditNote}/metadata`, body: () => ({ metadata: { k: 'v' } }) },
  'PATCH /credit_notes/:id/metadata': { path: () => `/credit_notes/${ids.creditNote}/metadata`, body: () => ({ metadata: { k2: 'v2' } }) },
  'POST /plans/:code/metadata': { path: () => '/plans/h_plan/metadata', body: () => ({ metadata: { k: 'v' } }) },
  'PATCH /plans/:code/metadata': { path: () => '/plans/h_plan/metadata', body: () => ({ metadata: { k2: 'v2' } }) },
  'POST /plans/:code/charges': { path: () => '/plans/h_plan/charges', body: () => ({ charge: { billable_metric_id: ids.metric, charge_model: 'standard', code: 'c_new', properties: { amount: '2' }, tax_codes: ['h_tax'], filters: [{ properties: { amount: '3' }, values: { region: ['eu'] } }] } }) },
  'PUT /plans/:code/charges/:chargeCode': { path: () => '/plans/h_plan/charges/h_metric', body: () => ({ charge: { properties: { amount: '3' }, invoice_display_name: 'Calls' } }) },
  'POST /plans/:code/charges/:chargeCode/filters': { path: () => '/plans/h_plan/charges/h_metric/filters', body: () => ({ filter: { invoice_display_name: 'EU', properties: { amount: '2' }, values: { region: ['eu'] } } }) },
  'PUT /plans/:code/charges/:chargeCode/filters/:id': { path: () => `/plans/h_plan/charges/h_metric/filters/${ids.filter}`, body: () => ({ filter: { invoice_display_name: 'US', properties: { amount: '4' } } }) },
  'PUT /fees/:id': { path: () => `/fees/${ids.fee}`, body: () => ({ fee: { payment_status: 'succeeded' } }) },
  'PUT /organizations': { path: () => '/organizations', body: () => ({ organization: { net_payment_term: 0, legal_name: 'Hardening Co SAS', billing_configuration: { invoice_footer: 'Thanks' } } }) },
  // Issues 11 and 14. The edit names a subscription that does not exist: this file runs no worker to answer the update.
  'PUT /subscriptions/:externalId': { path: () => '/subscriptions/h_no_such_sub', body: () => ({ subscription: { name: 'S renamed', ending_at: '2099-01-01T00:00:00Z' } }) },
  'POST /events/estimate_fees': { path: () => '/events/estimate_fees', body: () => ({ event: { code: 'h_metric', external_subscription_id: 'h_sub', properties: { n: 1 } } }) },
  // Issue 16: fixed charges.
  'POST /plans/:code/fixed_charges': { path: () => '/plans/h_plan/fixed_charges', body: () => ({ fixed_charge: { add_on_code: 'h_addon', code: 'h_fixed_new', charge_model: 'standard', units: '1', properties: { amount: '5' } } }) },
  'PUT /plans/:code/fixed_charges/:fixedChargeCode': { path: () => '/plans/h_plan/fixed_charges/h_fixed', body: () => ({ fixed_charge: { invoice_display_name: 'Seats' } }) },
  'PUT /subscriptions/:externalId/fixed_charges/:fixedChargeCode': { path: () => '/subscriptions/h_sub/fixed_charges/h_fixed', body: () => ({ fixed_charge: { units: '3' } }) },
  'PUT /subscriptions/:externalId/charges/:chargeCode': { path: () => '/subscriptions/h_sub/charges/h_metric', body: () => ({ charge: { properties: { amount: '0.5' }, invoice_display_name: 'Own calls' } }) },
  'POST /subscriptions/:externalId/charges/:chargeCode/filters': { path: () => '/subscriptions/h_sub/charges/h_metric/filters', body: () => ({ filter: { invoice_display_name: 'US', properties: { amount: '2' }, values: { region: ['us'] } } }) },
  'PUT /subscriptions/:externalId/charges/:chargeCode/filters/:filterId': { path: () => `/subscriptions/h_sub/charges/h_metric/filters/${ids.subFilter}`, body: () => ({ filter: { invoice_display_name: 'EU', properties: { amount: '4' } } }) },
  // Issue 16: features.
  'POST /features': { path: () => '/features', body: () => ({ feature: { code: 'h_feature_new', name: 'F', description: 'd', privileges: [{ code: 'max', name: 'Max', value_type: 'integer', config: {} }] } }) },
  'PUT /features/:code': { path: () => '/features/h_feature', body: () => ({ feature: { name: 'F2', privileges: [{ code: 'max', name: 'Maximum' }] } }) },
  // Issue 15.
  'PUT /subscriptions/:externalId/lifetime_usage': { path: () => '/subscriptions/h_sub/lifetime_usage', body: () => ({ lifetime_usage: { external_historical_usage_amount_cents: 100 } }) },
  'POST /payments': { path: () => '/payments', body: () => ({ payment: { invoice_id: ids.invoice, amount_cents: 1, reference: 'h-payment', paid_at: '2020-01-01T00:00:00Z' } }) },
  // Issue 15 (usage alerts).
  'PUT /subscriptions/:externalId/alerts/:code': { path: () => '/subscriptions/h_sub/alerts/h_alert', body: () => ({ alert: { name: 'Spend', thresholds: [{ code: 'far', value: '1000000000000' }] } }) },
  // Issue 15 pt 4 (wallet alerts).
  'PUT /customers/:externalId/wallets/:walletCode/alerts/:code': { path: () => '/customers/h_customer/wallets/h_wallet/alerts/h_wallet_alert', body: () => ({ alert: { name: 'Low', thresholds: [{ code: 'low', value: '50.5' }] } }) },
  // Issue 14, Billow's own settings routes.
  'PUT /payment_providers/stripe': { path: () => '/payment_providers/stripe', body: () => ({ payment_provider: { secret_key: 'sk_test_hardening0001', webhook_secret: 'whsec_hardening0001', code: 'h_stripe', name: 'H Stripe', success_redirect_url: 'https://example.com/paid' } }) },
  'POST /payment_requests': { path: () => '/payment_requests', body: () => ({ payment_request: { external_customer_id: 'h_customer', email: 'h@example.com', lago_invoice_ids: [ids.invoice] } }) },
  'PUT /dunning_campaign': { path: () => '/dunning_campaign', body: () => ({ dunning_campaign: { code: 'h_dunning', name: 'H', max_attempts: 3, days_between_attempts: 2, thresholds: [{ currency: 'EUR', amount_cents: 100 }] } }) },
};

/** POST/PUT routes without a body (actions): only parsing, size and path ids apply. */
const BODYLESS: Record<string, () => string> = {
  'PUT /invoices/:id/finalize': () => `/invoices/${ids.invoice}/finalize`,
  'POST /invoices/:id/void': () => `/invoices/${ids.invoice}/void`,
  'POST /invoices/:id/download': () => `/invoices/${ids.invoice}/download`,
  'POST /invoices/:id/download_pdf': () => `/invoices/${ids.invoice}/download_pdf`,
  'PUT /credit_notes/:id/void': () => `/credit_notes/${ids.creditNote}/void`,
  'POST /credit_notes/:id/download': () => `/credit_notes/${ids.creditNote}/download`,
  'POST /webhooks/:id/retry': () => `/webhooks/${ids.endpoint}/retry`,
  'PUT /invoices/:id/refresh': () => `/invoices/${ids.invoice}/refresh`,
  'POST /invoices/:id/retry_payment': () => `/invoices/${ids.invoice}/retry_payment`,
  'POST /customers/:externalId/checkout_url': () => '/customers/h_customer/checkout_url',
  'POST /invoices/:id/payment_url': () => `/invoices/${ids.invoice}/payment_url`,
  // Bodies without one root object (Lago's shapes): parsing, size and path ids here; their fields in
  // test/workflows/previews.test.ts and test/api/pricing-power.test.ts.
  'POST /invoices/preview': () => '/invoices/preview',
  'POST /billable_metrics/evaluate_expression': () => '/billable_metrics/evaluate_expression',
  // Lago reads a missing `entitlements` root as none (`params.fetch(:entitlements, {})`); their fields in test/api/entitlements.test.ts.
  'POST /plans/:code/entitlements': () => '/plans/h_plan/entitlements',
  'PATCH /plans/:code/entitlements': () => '/plans/h_plan/entitlements',
  'PATCH /subscriptions/:externalId/entitlements': () => '/subscriptions/h_sub/entitlements',
  // One alert under `alert` or a list under `alerts` (test/api/alerts.test.ts).
  'POST /subscriptions/:externalId/alerts': () => '/subscriptions/h_sub/alerts',
  // Likewise for a wallet's alerts (test/api/wallet-alerts.test.ts).
  'POST /customers/:externalId/wallets/:walletCode/alerts': () => '/customers/h_customer/wallets/h_wallet/alerts',
};

// Under /api/v1: Stripe's signed webhook (/webhooks/stripe/:organization_id) has its own tests (stripe-payments.test.ts).
const WRITE_ROUTES = operationsFor({}).filter((op) => (op.method === 'post' || op.method === 'put' || op.method === 'patch') && op.path.startsWith('/api/v1/')).map((op) => `${op.method.toUpperCase()} ${op.path.replace(/^\/api\/v1/, '')}`);
const document = buildOpenApiDocument({}) as Json;

let tables: string[] = [];
async function rowCounts(): Promise<string> {
  if (tables.length === 0) {
    const rows = (await database.db.raw("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex%' AND tablename NOT IN ('webhook_events', 'sequence_counters') ORDER BY 1")).rows as { tablename: string }[];
    tables = rows.map((row) => row.tablename);
  }
  const sql = `SELECT ${tables.map((t) => `(SELECT count(*)::int FROM "${t}") AS "${t}"`).join(', ')}`;
  return JSON.stringify((await database.db.raw(sql)).rows[0]);
}

const failures: string[] = [];

/** Sends one request; < 500 always, and a rejection writes nothing. */
async function probe(label: string, send: () => request.Test): Promise<request.Response> {
  const before = await rowCounts();
  const response = await send();
  if (response.status >= 500) failures.push(`${label}: ${response.status} ${JSON.stringify(response.body)}`);
  if (response.status >= 400 && (await rowCounts()) !== before) failures.push(`${label}: ${response.status} but rows were written`);
  if (!response.headers['x-request-id']) failures.push(`${label}: no x-request-id`);
  return response;
}

const auth = () => ({ Authorization: `Bearer ${api.apiKey}` });
const raw = (method: 'post' | 'put' | 'patch', path: string) => request(api.app)[method](`/api/v1${path}`).set(auth());

/** The inner object schema of a route's request body and its root key (undefined root: no envelope). */
function bodySchemaOf(key: string): { root?: string; schema: Json } {
  const [method, path] = key.split(' ') as [string, string];
  const schema = document.paths[openApiPath(`/api/v1${path}`)][method.toLowerCase()].requestBody.content['application/json'].schema as Json;
  const root = schema.required?.[0] as string | undefined;
  if (root && root !== 'events') return { root, schema: schema.properties[root] };
  return { schema: schema.properties.events.items, root: 'events' };
}

function typesOf(schema: Json | undefined): Set<string> {
  const found = new Set<string>();
  const walk = (node: Json | undefined) => {
    if (!node) return;
    if (typeof node.type === 'string') found.add(node.type);
    if (Array.isArray(node.type)) node.type.forEach((t: string) => found.add(t));
    for (const list of [node.anyOf, node.oneOf]) if (Array.isArray(list)) list.forEach(walk);
    if (!node.type && !node.anyOf && !node.oneOf) found.add('any');
  };
  walk(schema);
  if (found.has('integer')) found.add('number');
  return found;
}

/** Own `__proto__` and `constructor` keys, as a hostile JSON body carries them. */
const PROTO_KEYS = JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}') as Json;
const WRONG: [string, unknown][] = [['object', { nested: true }], ['array', [1, 2]], ['boolean', true], ['string', 'wrong-type'], ['number', 12345]];
const STRINGS = ["'; DROP TABLE plans; --", 'null\u0000byte', '😀 ünïcödé \u202e‮ 中文', 'x'.repeat(100_000), '../../etc/passwd', '%00', ' '];
const NUMBERS = [-1, -0.5, 1e308, 2 ** 64, Number.MAX_SAFE_INTEGER + 2, 0.1 + 0.2, 1e-30];
const NUMBER_STRINGS = ['-1', '1e400', '99999999999999999999999999999', 'NaN', 'Infinity', '0x10', ' 1 '];
const DATES = ['2027-02-30', 'not a date', '99999-01-01T00:00:00Z', '2027-13-01', '0000-00-00', '2027-01-01T25:61:00Z', '1e10'];

/** Routes whose body goes through a single envelope with a field list, mutated one field at a time. */
function mutations(key: string): { label: string; body: Json; expect422?: string }[] {
  const valid = VALID[key]!.body();
  const { root, schema } = bodySchemaOf(key);
  const batch = key === 'POST /events/batch';
  const inner = batch ? (valid.events as Json[])[0]! : (valid[root!] as Json);
  const wrap = (changed: Json) => (batch ? { events: [changed] } : { [root!]: changed });
  const out: { label: string; body: Json; expect422?: string }[] = [];
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  for (const [field, fieldSchema] of Object.entries(properties)) {
    const allowed = typesOf(fieldSchema);
    for (const [kind, value] of WRONG) {
      if (allowed.has('any') || allowed.has(kind)) continue;
      out.push({ label: `${field} as ${kind}`, body: wrap({ ...inner, [field]: value }), expect422: field });
    }
    const isDate = /(_at|date|timestamp|datetime)$/.test(field);
    if (allowed.has('string')) {
      for (const text of isDate ? [...DATES, ...STRINGS.slice(0, 3)] : STRINGS) out.push({ label: `${field} = ${JSON.stringify(text.slice(0, 30))}`, body: wrap({ ...inner, [field]: text }) });
    }
    if (allowed.has('number')) for (const n of NUMBERS) out.push({ label: `${field} = ${n}`, body: wrap({ ...inner, [field]: n }) });
    if (allowed.has('string') && /(cents|amount|credits|rate|units|period|precision|priority|term)/.test(field)) {
      for (const n of NUMBER_STRINGS) out.push({ label: `${field} = "${n}"`, body: wrap({ ...inner, [field]: n }) });
    }
  }
  // Nested arrays of objects (charges, fees, items, filters, metadata): wrong types and odd values inside.
  for (const [field, value] of Object.entries(inner)) {
    if (!Array.isArray(value) || typeof value[0] !== 'object' || value[0] === null) continue;
    for (const [inside, innerValue] of Object.entries(value[0] as Json)) {
      for (const odd of [{ x: 1 }, [1], -1, 1e308, "'; --", 'null\u0000byte', null]) {
        if (JSON.stringify(odd) === JSON.stringify(innerValue)) continue;
        out.push({ label: `${field}[0].${inside} = ${JSON.stringify(odd)}`, body: wrap({ ...inner, [field]: [{ ...(value[0] as Json), [inside]: odd }] }) });
      }
    }
  }
  out.push({ label: 'unknown fields', body: { ...wrap({ ...inner, surprise: 1, ...PROTO_KEYS }), extra_root: true } });
  out.push({ label: 'root is an array', body: batch ? { events: 'x' } : { [root!]: [inner] } });
  out.push({ label: 'root is a string', body: batch ? { events: [1, 'x', null] } : { [root!]: 'x' } });
  return out;
}

test('every POST/PUT/PATCH route has a row (a new route needs one)', () => {
  const covered = [...Object.keys(VALID), ...Object.keys(BODYLESS)].sort();
  expect(WRITE_ROUTES.filter((route) => !covered.includes(route))).toEqual([]);
  expect(covered.filter((route) => !WRITE_ROUTES.includes(route))).toEqual([]);
});

describe.each([...Object.keys(VALID), ...Object.keys(BODYLESS)])('%s', (key) => {
  const method = key.split(' ')[0]!.toLowerCase() as 'post' | 'put' | 'patch';
  const path = () => (VALID[key]?.path ?? BODYLESS[key]!)();

  afterEach(() => {
    const found = failures.splice(0);
    expect(found).toEqual([]);
  });

  test('malformed JSON → 400 BadRequest', async () => {
    for (const text of ['{"plan": {', '{"a":1}}', "{'single': 1}", 'nul', '\u0000', '{"a": NaN}']) {
      const response = await probe(`${key} ${JSON.stringify(text)}`, () => raw(method, path()).set('Content-Type', 'application/json').send(text));
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ status: 400, error: expect.stringMatching(/^BadRequest: /) });
    }
  });

  test('a body over the size limit → 413', async () => {
    const big = JSON.stringify({ padding: 'x'.repeat(1_100_000) });
    const response = await probe(`${key} 1.1 MB`, () => raw(method, path()).set('Content-Type', 'application/json').send(big));
    expect(response.status).toBe(413);
    expect(response.body).toEqual({ status: 413, error: 'Payload Too Large' });
  });

  test('non-UUID and odd ids in the path → 404, never 500', async () => {
    const template = key.split(' ')[1]!;
    if (!template.includes(':')) return;
    for (const odd of ['not-a-uuid', "1' OR '1'='1", '%00', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-fffffffffffff', 'x'.repeat(5000), '%F0%9F%98%80', '..%2F..%2Fetc']) {
      const oddPath = template.replace(/:[A-Za-z]+/, odd);
      const response = await probe(`${key} at ${oddPath.slice(0, 60)}`, () => raw(method, oddPath).send(VALID[key]?.body() ?? {}));
      expect([400, 404, 405, 422]).toContain(response.status);
    }
  });

  if (!VALID[key]) return;

  test('a missing or empty root → 400', async () => {
    const { root } = bodySchemaOf(key);
    for (const body of [{}, { [root!]: null }, { [root!]: {} }, { wrong_root: VALID[key]!.body()[root!] }]) {
      const response = await probe(`${key} ${JSON.stringify(body).slice(0, 40)}`, () => raw(method, path()).send(body));
      if (key === 'POST /events/batch' && JSON.stringify(body) === '{"events":{}}') continue; // an object, not a list: 400 too, below
      expect(response.status).toBe(400);
      expect(response.body.error).toMatch(/^BadRequest: param is missing or the value is empty: /);
    }
    // No body at all, and a body that is not JSON.
    expect((await probe(`${key} no body`, () => raw(method, path()))).status).toBe(400);
    expect((await probe(`${key} text/plain`, () => raw(method, path()).set('Content-Type', 'text/plain').send('plan=1'))).status).toBe(400);
  });

  test('wrong types, huge numbers, negative amounts, invalid dates, unicode and SQL strings: < 500, nothing written when refused', async () => {
    for (const { label, body, expect422 } of mutations(key)) {
      const response = await probe(`${key} ${label}`, () => raw(method, path()).send(body));
      if (expect422) {
        expect({ label, status: response.status, code: response.body.code }).toEqual({ label, status: 422, code: 'validation_errors' });
        const fields = Object.keys(response.body.error_details ?? {}).concat(Object.values(response.body.error_details ?? {}).flatMap((v) => (typeof v === 'object' && v && !Array.isArray(v) ? Object.keys(v) : [])));
        expect({ label, named: fields.some((name) => name === expect422 || name.startsWith(`${expect422}.`)) }).toEqual({ label, named: true });
      }
    }
  });
});

describe('GET and DELETE routes', () => {
  const READ_ROUTES = operationsFor({}).filter((op) => (op.method === 'get' || op.method === 'delete') && op.path.startsWith('/api/v1/'));

  test('odd ids in paths and odd query strings: never 500, nothing written', async () => {
    const oddIds = ['not-a-uuid', "1' OR '1'='1", '%00', '00000000-0000-0000-0000-000000000000', 'x'.repeat(5000), '%F0%9F%98%80'];
    const oddQueries = ['page=-1&per_page=1e9', 'page[$gt]=1&per_page[]=2', 'external_customer_id[a]=b&status[]=x&currency=%00', 'timestamp_from=99999-99-99&amount_from=1e400&issuing_date_from=2027-02-30', 'search_term=%27%3B--&status=%F0%9F%98%80'];
    for (const op of READ_ROUTES) {
      const path = op.path.replace(/^\/api\/v1/, '');
      const paths = path.includes(':') ? oddIds.map((odd) => path.replace(/:[A-Za-z]+/g, odd)) : [path];
      for (const candidate of paths) {
        for (const query of ['', ...oddQueries]) {
          const url = `/api/v1${candidate}${query ? `?${query}` : ''}`;
          await probe(`${op.method.toUpperCase()} ${url.slice(0, 80)}`, () => request(api.app)[op.method as 'get' | 'delete'](url).set(auth()));
        }
      }
    }
    expect(failures.splice(0)).toEqual([]);
  });

  test("the DELETE routes that read Lago's optional body: not JSON → 400, over the limit → 413, a wrong type → 422 naming it, nothing written", async () => {
    const withBody = operationsFor({}).filter((op) => op.method === 'delete' && op.body);
    // The nested charge, filter and fixed-charge deletions (Lago's cascade_updates), a subscription's filter's too.
    expect(withBody.map((op) => op.path)).toEqual([
      '/api/v1/plans/:code/charges/:chargeCode', '/api/v1/plans/:code/charges/:chargeCode/filters/:id',
      '/api/v1/plans/:code/fixed_charges/:fixedChargeCode', '/api/v1/subscriptions/:externalId/charges/:chargeCode/filters/:filterId',
    ]);
    for (const op of withBody) {
      const url = op.path.replace(/:[A-Za-z]+/g, '00000000-0000-4000-8000-000000000000');
      const send = (body: string | Json) => request(api.app).delete(url).set(auth()).set('Content-Type', 'application/json').send(body);
      expect((await probe(`DELETE ${op.path} broken`, () => send('{"charge": '))).status).toBe(400);
      expect((await probe(`DELETE ${op.path} 1.1 MB`, () => send(JSON.stringify({ padding: 'x'.repeat(1_100_000) })))).status).toBe(413);
      for (const value of ['yes', 1, [true], { a: 1 }]) {
        const response = await probe(`DELETE ${op.path} cascade_updates = ${JSON.stringify(value)}`, () => send({ [op.body!.root!]: { cascade_updates: value } }));
        expect({ value, status: response.status, details: response.body.error_details }).toEqual({ value, status: 422, details: { cascade_updates: ['value_is_invalid'] } });
      }
      // A valid body, or none: the unknown plan is a 404.
      expect((await probe(`DELETE ${op.path} valid`, () => send({ [op.body!.root!]: { cascade_updates: false } }))).status).toBe(404);
      expect((await probe(`DELETE ${op.path} no body`, () => request(api.app).delete(url).set(auth()))).status).toBe(404);
    }
    expect(failures.splice(0)).toEqual([]);
  });
});

describe('request ids', () => {
  test('every answer has an x-request-id, and the request log line carries it', async () => {
    const info = jest.spyOn(logger, 'info');
    try {
      for (const send of [() => api.get('/plans'), () => request(api.app).get('/api/v1/plans'), () => api.get('/nope'), () => raw('post', '/plans').set('Content-Type', 'application/json').send('{')]) {
        const response = await send();
        const id = response.headers['x-request-id'];
        expect(id).toMatch(/^[0-9a-f-]{36}$/);
        await new Promise((resolve) => setImmediate(resolve));
        expect(info.mock.calls.some(([fields]) => (fields as unknown as Json).requestId === id && (fields as unknown as Json).status === response.status)).toBe(true);
      }
      // A caller's own id is kept.
      const mine = await api.get('/plans').set('x-request-id', 'caller-trace-42');
      expect(mine.headers['x-request-id']).toBe('caller-trace-42');
    } finally {
      info.mockRestore();
    }
  });
});

describe('graceful shutdown', () => {
  test('stop() lets an in-flight request finish, then closes', async () => {
    const { server, stop } = await startApiServer({
      db: database.db,
      workflows: temporalSubscriptionWorkflows(env.client, { taskQueue: 'hardening-test', searchAttributes: false }),
      clock: { now: () => env.currentTimeMs() },
      publicUrl: 'http://billow.test',
    }, { host: '127.0.0.1', port: 0 });
    const { port } = server.address() as AddressInfo;
    const body = JSON.stringify({ tax: { name: 'Late', code: 'in_flight', rate: '7' } });
    // The request's body arrives in two halves; stop() is called in between.
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/taxes', agent: false, headers: { ...auth(), 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => {
        stopped = stop().then(() => 'stopped');
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 100);
    });
    let stopped: Promise<string> | undefined;
    const result = await answer;
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body).tax).toMatchObject({ code: 'in_flight', rate: 7 });
    expect(await stopped).toBe('stopped');
    expect(server.listening).toBe(false);
  });
});

/**
 * A tour of every operation Billow serves, for the contract tests (test/api/contract-responses.test.ts
 * against Lago's OpenAPI description, test/api/openapi.test.ts against Billow's own): one
 * organization builds a realistic book through the API (taxes, metrics of every aggregation, a plan
 * with a charge of every model, add-ons, coupons, customers, webhook endpoints, a subscription
 * invoiced in advance then at its period's end with usage of every charge, one-off and credit
 * invoices, credit notes, wallets and their transactions), calls every GET, POST, PUT and DELETE
 * on it, then probes every route with the answers it gives to mistakes (an unknown id, a NUL in the
 * URL, no API key, a body over the limit, an invalid body). Every answer is recorded.
 *
 * Runs on a time-skipping Temporal with the real worker, so the invoices are the worker's.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Express } from 'express';
import type { Db } from '../../src/db/knex';
import { operationsFor, type Operation } from '../../src/api/openapi';
import { createTestApi } from './api';
import { moveClockTo } from './temporal';
import { settle, sleepUntil } from './scenario';
import { seedInvoice } from './money';
import type { CustomerRow } from '../../src/db/customers';
import Stripe from 'stripe';
import { setWebhooksAllowPrivateAddresses } from '../../src/services/organizations';
import { startStripeMock } from './stripe-mock';
import { ensureWebhooks, type WebhookEndpointRow, type WebhookEventRow } from '../../src/db/webhooks';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One request and its answer. */
export interface Exchange {
  method: string;
  /** The URL as sent, from `/` (query included). */
  url: string;
  status: number;
  contentType: string;
  /** The parsed JSON body (undefined for other content types). */
  body: unknown;
  /** The raw text of a text answer. */
  text?: string;
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The registry entry a URL was served by: the template matching it with the fewest parameters. */
export function operationOf(exchange: Pick<Exchange, 'method' | 'url'>, operations: readonly Operation[] = operationsFor({ sandbox: true })): Operation | undefined {
  const pathname = exchange.url.split('?')[0]!;
  const segments = pathname.split('/');
  const candidates = operations.filter((op) => {
    if (op.method !== exchange.method.toLowerCase()) return false;
    const template = op.path.split('/');
    return template.length === segments.length && template.every((part, i) => part.startsWith(':') || part === segments[i]);
  });
  const params = (op: Operation) => op.path.split('/').filter((part) => part.startsWith(':')).length;
  return candidates.sort((a, b) => params(a) - params(b))[0];
}

/** Records every answer of an app, with or without the organization's key. */
class Recorder {
  readonly exchanges: Exchange[] = [];
  constructor(private readonly app: Express, private readonly apiKey: string) {}

  async send(method: Method, url: string, options: { body?: unknown; auth?: boolean; raw?: string; headers?: Record<string, string> } = {}): Promise<request.Response> {
    let test = request(this.app)[method](url);
    if (options.auth !== false) test = test.set('Authorization', `Bearer ${this.apiKey}`);
    for (const [name, value] of Object.entries(options.headers ?? {})) test = test.set(name, value);
    if (options.raw !== undefined) test = test.set('Content-Type', 'application/json').send(options.raw);
    else if (options.body !== undefined) test = test.send(options.body as object);
    const response = await test;
    const contentType = String(response.headers['content-type'] ?? '');
    this.exchanges.push({
      method, url, status: response.status, contentType,
      body: contentType.startsWith('application/json') ? response.body : undefined,
      ...(contentType.startsWith('text/') ? { text: response.text } : {}),
    });
    return response;
  }

  /** An API call that must succeed: its body, or the tour stops with Billow's error. */
  async ok(method: Method, path: string, body?: unknown): Promise<Json> {
    const response = await this.send(method, `/api/v1${path}`, { body });
    if (response.status !== 200) throw new Error(`${method.toUpperCase()} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Json;
  }
}

const EMPTY_UUID = '00000000-0000-4000-8000-000000000000';

export interface TourOptions {
  db: Db;
  env: TestWorkflowEnvironment;
  taskQueue: string;
}

/**
 * Runs the tour on a fresh organization and returns every exchange, in order. The clock moves to
 * 2031-01-01 and on to 2031-02-01 (a period end), so give the file's env no later date before.
 */
export async function runContractTour({ db, env, taskQueue }: TourOptions): Promise<Exchange[]> {
  const api = await createTestApi(db, env, taskQueue, 'Contract Tour Co');
  const r = new Recorder(api.app, api.apiKey);
  await moveClockTo(env, '2031-01-01T09:00:00Z');

  // Platform ------------------------------------------------------------------------------------
  await r.send('get', '/health', { auth: false });
  await r.send('get', '/ready', { auth: false }); // the test app checks PostgreSQL only (no readiness probe wired)
  await r.send('get', '/api/v1/openapi.json', { auth: false });
  await r.send('get', '/docs', { auth: false });

  // Taxes ---------------------------------------------------------------------------------------
  await r.ok('post', '/taxes', { tax: { name: 'VAT 20%', code: 'vat_20', rate: '20', description: 'Standard rate' } });
  await r.ok('post', '/taxes', { tax: { name: 'VAT 5.5%', code: 'vat_5_5', rate: '5.5' } });
  await r.ok('post', '/taxes', { tax: { name: 'Unused', code: 'unused_tax', rate: '1' } });
  await r.ok('put', '/taxes/vat_5_5', { tax: { description: 'Reduced rate' } });
  await r.ok('get', '/taxes/vat_20');
  await r.ok('get', '/taxes');

  // Billable metrics: every aggregation, one with filters --------------------------------------
  const metrics: Json[] = [
    { name: 'API calls', code: 'api_calls', aggregation_type: 'count_agg', filters: [{ key: 'region', values: ['eu', 'us'] }] },
    { name: 'Storage', code: 'storage_gb', aggregation_type: 'sum_agg', field_name: 'gb', rounding_function: 'round', rounding_precision: 2 },
    { name: 'Peak CPUs', code: 'cpus', aggregation_type: 'max_agg', field_name: 'cpus' },
    { name: 'Users', code: 'users', aggregation_type: 'unique_count_agg', field_name: 'user_id' },
    { name: 'Seats', code: 'seats', aggregation_type: 'unique_count_agg', field_name: 'seat_id', recurring: true },
    { name: 'Balance', code: 'balance', aggregation_type: 'latest_agg', field_name: 'amount' },
    { name: 'GPU time', code: 'gpu', aggregation_type: 'weighted_sum_agg', field_name: 'gpus', weighted_interval: 'seconds', recurring: true },
    { name: 'Payments', code: 'payments', aggregation_type: 'sum_agg', field_name: 'amount' },
    { name: 'Unused', code: 'unused_metric', aggregation_type: 'count_agg' },
    { name: 'Transfers', code: 'transfers', aggregation_type: 'sum_agg', field_name: 'amount' },
    // Issue 16: tokens priced per model (grouped), compute priced by the events (dynamic), minutes computed by an expression.
    { name: 'Tokens', code: 'tokens', aggregation_type: 'sum_agg', field_name: 'tokens' },
    { name: 'Compute', code: 'compute', aggregation_type: 'sum_agg', field_name: 'units' },
    { name: 'Call minutes', code: 'call_minutes', aggregation_type: 'sum_agg', field_name: 'minutes', expression: 'round(event.properties.duration_ms / 1000 / 60, 2)' },
  ];
  const metricIds: Record<string, string> = {};
  for (const metric of metrics) metricIds[metric.code] = (await r.ok('post', '/billable_metrics', { billable_metric: metric })).billable_metric.lago_id;
  await r.ok('put', '/billable_metrics/storage_gb', { billable_metric: { description: 'GB stored' } });
  await r.ok('get', '/billable_metrics/api_calls');
  await r.ok('get', '/billable_metrics');
  await r.ok('post', '/billable_metrics/evaluate_expression', { expression: 'round(event.properties.duration_ms / 1000 / 60, 2)', event: { code: 'call_minutes', timestamp: 1924941600, properties: { duration_ms: 150000 } } });

  // Add-ons -------------------------------------------------------------------------------------
  await r.ok('post', '/add_ons', { add_on: { name: 'Setup', code: 'setup', amount_cents: 50_000, amount_currency: 'EUR', tax_codes: ['vat_20'], description: 'Onboarding' } });
  await r.ok('post', '/add_ons', { add_on: { name: 'Unused', code: 'unused_add_on', amount_cents: 100, amount_currency: 'EUR' } });
  await r.ok('put', '/add_ons/setup', { add_on: { invoice_display_name: 'Setup fee' } });
  await r.ok('get', '/add_ons/setup');
  await r.ok('get', '/add_ons');

  // Plans: a charge of every model, in advance and in arrears, with filters ---------------------
  const charge = (code: string, extra: Json) => ({ billable_metric_id: metricIds[code], ...extra });
  await r.ok('post', '/plans', {
    plan: {
      name: 'Scale', code: 'scale', interval: 'monthly', amount_cents: 10_000, amount_currency: 'EUR', pay_in_advance: true,
      trial_period: 0, description: 'Everything metered', tax_codes: ['vat_20'], invoice_display_name: 'Scale plan', metadata: { segment: 'smb', seats: '10', source: null },
      charges: [
        charge('api_calls', {
          charge_model: 'standard', code: 'calls', invoice_display_name: 'Calls', properties: { amount: '0.01' },
          filters: [{ invoice_display_name: 'EU calls', properties: { amount: '0.02' }, values: { region: ['eu'] } }],
        }),
        charge('storage_gb', {
          charge_model: 'graduated', properties: {
            graduated_ranges: [
              { from_value: 0, to_value: 10, per_unit_amount: '0', flat_amount: '0' },
              { from_value: 11, to_value: null, per_unit_amount: '0.5', flat_amount: '1' },
            ],
          },
        }),
        charge('cpus', { charge_model: 'volume', properties: { volume_ranges: [{ from_value: 0, to_value: 4, per_unit_amount: '2', flat_amount: '0' }, { from_value: 5, to_value: null, per_unit_amount: '1.5', flat_amount: '5' }] } }),
        charge('users', { charge_model: 'package', properties: { amount: '5', free_units: 2, package_size: 10 }, tax_codes: ['vat_5_5'] }),
        charge('seats', { charge_model: 'standard', prorated: true, properties: { amount: '8' } }),
        charge('balance', { charge_model: 'standard', properties: { amount: '1' } }),
        charge('gpu', { charge_model: 'standard', properties: { amount: '0.000001' } }),
        charge('payments', { charge_model: 'percentage', pay_in_advance: true, invoiceable: true, properties: { rate: '2.5', fixed_amount: '0.3', free_units_per_events: 1 } }),
        charge('payments', { charge_model: 'graduated_percentage', code: 'payments_graduated', properties: { graduated_percentage_ranges: [{ from_value: 0, to_value: 100, rate: '1', flat_amount: '0' }, { from_value: 101, to_value: null, rate: '0.5', flat_amount: '1' }] } }),
        charge('tokens', { charge_model: 'graduated', properties: { pricing_group_keys: ['model'], presentation_group_keys: [{ value: 'team' }], graduated_ranges: [{ from_value: 0, to_value: 1000, per_unit_amount: '0.002', flat_amount: '0' }, { from_value: 1000, to_value: null, per_unit_amount: '0.001', flat_amount: '0' }] } }),
        charge('compute', { charge_model: 'dynamic', properties: {} }),
        charge('call_minutes', { charge_model: 'standard', properties: { amount: '0.1' } }),
      ],
    },
  });
  // Usage thresholds (progressive billing, issue 15), far above what the tour bills.
  await r.ok('post', '/plans', { plan: { name: 'Spare', code: 'spare', interval: 'yearly', amount_cents: 0, amount_currency: 'EUR', pay_in_advance: false,
    usage_thresholds: [{ amount_cents: 100_000_000, threshold_display_name: 'Far' }, { amount_cents: 50_000_000, recurring: true }] } });
  await r.ok('put', '/plans/scale', { plan: { description: 'Everything metered, monthly' } });
  await r.ok('get', '/plans/scale');
  await r.ok('get', '/plans');

  // A plan's charges and filters through the nested routes, and its metadata ---------------------
  await r.ok('get', '/plans/scale/charges');
  await r.ok('get', '/plans/scale/charges/calls');
  await r.ok('get', '/plans/scale/charges/calls/filters');
  // A charge paid in advance and not invoiceable: each event's fee is billed without an invoice (the /fees routes below).
  await r.ok('post', '/plans/scale/charges', { charge: { billable_metric_id: metricIds.transfers, charge_model: 'standard', code: 'transfers', pay_in_advance: true, invoiceable: false, properties: { amount: '0.1' } } });
  await r.ok('put', '/plans/scale/charges/transfers', { charge: { invoice_display_name: 'Transfers' } });
  // Without an invoice display name: its fees are named by its values.
  const usCalls = await r.ok('post', '/plans/scale/charges/calls/filters', { filter: { properties: { amount: '0.03' }, values: { region: ['us'] } } });
  await r.ok('get', `/plans/scale/charges/calls/filters/${usCalls.filter.lago_id}`);
  await r.ok('put', `/plans/scale/charges/calls/filters/${usCalls.filter.lago_id}`, { filter: { properties: { amount: '0.025' } } });
  // On the spare plan, a charge and its filter added, then removed (Lago's cascade_updates: false, the plan has no child plans).
  await r.ok('post', '/plans/spare/charges', { charge: { billable_metric_id: metricIds.api_calls, charge_model: 'standard', code: 'spare_calls', properties: { amount: '1' } } });
  const spareFilter = await r.ok('post', '/plans/spare/charges/spare_calls/filters', { filter: { properties: { amount: '2' }, values: { region: ['eu'] } } });
  await r.ok('delete', `/plans/spare/charges/spare_calls/filters/${spareFilter.filter.lago_id}`, { filter: { cascade_updates: false } });
  await r.ok('delete', '/plans/spare/charges/spare_calls', { charge: { cascade_updates: false } });
  // Fixed charges (issue 16 point 5) on the spare plan, at 0 units (its invoices stay as they were): added, read, changed, one removed.
  await r.ok('post', '/plans/spare/fixed_charges', { fixed_charge: { add_on_code: 'setup', code: 'platform', charge_model: 'standard', units: '0', properties: { amount: '10' } } });
  await r.ok('post', '/plans/spare/fixed_charges', { fixed_charge: { add_on_code: 'setup', code: 'spare_platform', charge_model: 'standard', units: '0', properties: { amount: '1' } } });
  await r.ok('get', '/plans/spare/fixed_charges');
  await r.ok('get', '/plans/spare/fixed_charges/platform');
  await r.ok('put', '/plans/spare/fixed_charges/platform', { fixed_charge: { invoice_display_name: 'Platform', properties: { amount: '12' } } });
  await r.ok('delete', '/plans/spare/fixed_charges/spare_platform', { fixed_charge: { cascade_updates: false } });
  await r.ok('post', '/plans/scale/metadata', { metadata: { segment: 'smb', seats: '10', owner: 'sales' } });
  await r.ok('patch', '/plans/scale/metadata', { metadata: { owner: null, region: 'eu' } });
  await r.ok('delete', '/plans/scale/metadata/owner');
  await r.ok('post', '/plans/spare/metadata', { metadata: { draft: 'yes' } });
  await r.ok('delete', '/plans/spare/metadata');

  // Coupons -------------------------------------------------------------------------------------
  await r.ok('post', '/coupons', { coupon: { name: 'Welcome', code: 'welcome', coupon_type: 'fixed_amount', amount_cents: 1_000, amount_currency: 'EUR', frequency: 'once', reusable: true, expiration: 'no_expiration' } });
  await r.ok('post', '/coupons', {
    coupon: {
      name: 'Loyal', code: 'loyal', coupon_type: 'percentage', percentage_rate: '10', frequency: 'recurring', frequency_duration: 3,
      expiration: 'time_limit', expiration_at: '2032-01-01T00:00:00Z', applies_to: { plan_codes: ['scale'] },
    },
  });
  await r.ok('post', '/coupons', { coupon: { name: 'Unused', code: 'unused_coupon', coupon_type: 'fixed_amount', amount_cents: 1, amount_currency: 'EUR', frequency: 'forever' } });
  await r.ok('put', '/coupons/welcome', { coupon: { description: 'For new customers' } });
  await r.ok('get', '/coupons/welcome');
  await r.ok('get', '/coupons');

  // Customers -----------------------------------------------------------------------------------
  await r.ok('post', '/customers', {
    customer: {
      external_id: 'acme', name: 'Acme SAS', firstname: 'Ada', lastname: 'Lovelace', customer_type: 'company', email: 'billing@acme.test',
      phone: '+33 1 23 45 67 89', url: 'https://acme.test', legal_name: 'Acme SAS', legal_number: '123 456 789', tax_identification_number: 'FR123456789',
      address_line1: '1 rue de la Paix', city: 'Paris', zipcode: '75002', country: 'FR', currency: 'EUR', timezone: 'Europe/Paris', net_payment_term: 30,
      tax_codes: ['vat_20'], metadata: [{ key: 'crm', value: 'A-42', display_in_invoice: true }],
    },
  });
  // The same key again keeps its metadata item (id and date); a new key is a new item.
  await r.ok('post', '/customers', { customer: { external_id: 'acme', metadata: [{ key: 'crm', value: 'A-43', display_in_invoice: true }, { key: 'tier', value: 'gold' }] } });
  await r.ok('post', '/customers', { customer: { external_id: 'bare' } });
  await r.ok('post', '/customers', { customer: { external_id: 'leaving', name: 'Leaving Ltd', currency: 'EUR' } });
  // A grace period of 3 days: its periodic invoices are drafts first (refreshed and finalized below).
  await r.ok('post', '/customers', { customer: { external_id: 'drafty', currency: 'EUR', timezone: 'UTC', billing_configuration: { invoice_grace_period: 3 } } });
  await r.ok('get', '/customers/acme');
  await r.ok('get', '/customers');

  await r.ok('post', '/applied_coupons', { applied_coupon: { external_customer_id: 'acme', coupon_code: 'welcome' } });
  await r.ok('post', '/applied_coupons', { applied_coupon: { external_customer_id: 'acme', coupon_code: 'loyal' } });
  const spare = await r.ok('post', '/applied_coupons', { applied_coupon: { external_customer_id: 'leaving', coupon_code: 'welcome' } });
  await r.ok('get', '/applied_coupons');
  await r.ok('get', '/customers/acme/applied_coupons');

  // Webhook endpoints ---------------------------------------------------------------------------
  const endpoint = await r.ok('post', '/webhook_endpoints', { webhook_endpoint: { webhook_url: 'https://hooks.example.com/billing', signature_algo: 'hmac', name: 'Billing' } });
  const spareEndpoint = await r.ok('post', '/webhook_endpoints', { webhook_endpoint: { webhook_url: 'https://hooks.example.com/spare', event_types: ['invoice.created'] } });
  await r.ok('put', `/webhook_endpoints/${endpoint.webhook_endpoint.lago_id}`, { webhook_endpoint: { name: 'Billing events' } });
  await r.ok('get', `/webhook_endpoints/${endpoint.webhook_endpoint.lago_id}`);
  await r.ok('get', '/webhook_endpoints');
  await r.ok('get', '/webhooks/json_public_key');
  await r.send('get', '/api/v1/webhooks/public_key');

  // A subscription: the base fee in advance at once ---------------------------------------------
  await r.ok('post', '/subscriptions', { subscription: { external_customer_id: 'acme', plan_code: 'scale', external_id: 'acme-scale', name: 'Main', billing_time: 'calendar', subscription_at: '2031-01-01T09:00:00Z' } });
  await r.ok('post', '/subscriptions', { subscription: { external_customer_id: 'leaving', plan_code: 'spare', external_id: 'leaving-spare', billing_time: 'anniversary' } });
  await r.ok('post', '/subscriptions', { subscription: { external_customer_id: 'drafty', plan_code: 'scale', external_id: 'drafty-scale', billing_time: 'calendar', subscription_at: '2031-01-01T09:00:00Z' } });
  await settle(env);
  // A subscription's fixed charges: its units, changed from the next period (still 0: nothing billed).
  await r.ok('get', '/subscriptions/leaving-spare/fixed_charges');
  await r.ok('get', '/subscriptions/leaving-spare/fixed_charges/platform');
  await r.ok('put', '/subscriptions/leaving-spare/fixed_charges/platform', { fixed_charge: { units: '0', apply_units_immediately: false } });
  // A subscription's charges (issue 16 point 6): overridden without a change of price (its child plan bills as the plan), a filter added and removed.
  await r.ok('get', '/subscriptions/drafty-scale/charges');
  await r.ok('put', '/subscriptions/drafty-scale/charges/calls', { charge: { min_amount_cents: 0 } });
  await r.ok('get', '/subscriptions/drafty-scale/charges/calls');
  await r.ok('get', '/subscriptions/drafty-scale/charges/calls/filters');
  await r.ok('get', `/subscriptions/drafty-scale/charges/calls/filters/${usCalls.filter.lago_id}`);
  await r.ok('put', `/subscriptions/drafty-scale/charges/calls/filters/${usCalls.filter.lago_id}`, { filter: { properties: { amount: '0.025' } } });
  const bothRegions = await r.ok('post', '/subscriptions/drafty-scale/charges/calls/filters', { filter: { properties: { amount: '0.02' }, values: { region: ['eu', 'us'] } } });
  await r.ok('delete', `/subscriptions/drafty-scale/charges/calls/filters/${bothRegions.filter.lago_id}`);
  // An edit through the subscription's workflow (an update with a validator).
  await r.ok('put', '/subscriptions/acme-scale', { subscription: { name: 'Main', purchase_order_number: 'PO-2031' } });
  await r.ok('get', '/subscriptions/acme-scale');
  await r.ok('get', '/subscriptions?external_customer_id=acme');
  // Usage alerts (issue 15 pt 3): one, a batch, read, updated, deleted.
  await r.ok('post', '/subscriptions/acme-scale/alerts', { alert: { alert_type: 'current_usage_amount', code: 'spend', name: 'Spend', thresholds: [{ code: 'warn', value: 8000 }, { value: 5000, recurring: true }] } });
  await r.ok('post', '/subscriptions/acme-scale/alerts', { alerts: [
    { alert_type: 'billable_metric_current_usage_units', code: 'calls', billable_metric_code: 'api_calls', thresholds: [{ value: '100.5' }] },
    { alert_type: 'lifetime_usage_amount', code: 'lifetime', thresholds: [{ value: 100000 }] },
  ] });
  await r.ok('get', '/subscriptions/acme-scale/alerts');
  await r.ok('get', '/subscriptions/acme-scale/alerts/calls');
  await r.ok('put', '/subscriptions/acme-scale/alerts/calls', { alert: { name: 'Calls', thresholds: [{ code: 'many', value: 1000 }] } });
  await r.ok('delete', '/subscriptions/acme-scale/alerts/lifetime');

  // Features and entitlements: the plan's, and the subscription's overrides ----------------------
  await r.ok('post', '/features', { feature: { code: 'seats', name: 'Seats', description: 'Users of the account', privileges: [
    { code: 'max', name: 'Maximum', value_type: 'integer' }, { code: 'root', name: 'Allow root', value_type: 'boolean' },
    { code: 'provider', name: 'SSO provider', value_type: 'select', config: { select_options: ['google', 'okta'] } }, { code: 'note', value_type: 'string' },
  ] } });
  await r.ok('post', '/features', { feature: { code: 'retired', name: null, privileges: [{ code: 'level', value_type: 'integer' }] } });
  await r.ok('put', '/features/seats', { feature: { description: 'Users', privileges: [{ code: 'provider', config: { select_options: ['azure'] } }] } });
  await r.ok('get', '/features/seats');
  await r.ok('get', '/features?search_term=seat');
  await r.ok('post', '/plans/scale/entitlements', { entitlements: { seats: { max: 10, root: true, provider: 'google', note: 'gold' }, retired: { level: 1 } } });
  await r.ok('patch', '/plans/scale/entitlements', { entitlements: { seats: { max: 12 } } });
  await r.ok('get', '/plans/scale/entitlements');
  await r.ok('get', '/plans/scale/entitlements/seats');
  await r.ok('delete', '/plans/scale/entitlements/seats/privileges/note');
  await r.ok('delete', '/plans/scale/entitlements/retired');
  await r.ok('get', '/plans/scale');
  await r.ok('patch', '/subscriptions/acme-scale/entitlements', { entitlements: { seats: { max: 20, provider: 'okta' }, retired: { level: 2 } } });
  await r.ok('get', '/subscriptions/acme-scale/entitlements');
  await r.ok('delete', '/subscriptions/acme-scale/entitlements/seats/privileges/root');
  await r.ok('delete', '/subscriptions/acme-scale/entitlements/retired');
  await r.ok('delete', '/features/retired/privileges/level');
  await r.ok('delete', '/features/retired');

  // Usage of every charge, one by one and in a batch ---------------------------------------------
  const event = (id: string, code: string, properties: Json) => ({ transaction_id: id, code, external_subscription_id: 'acme-scale', properties });
  await r.ok('post', '/events', { event: event('e-1', 'api_calls', { region: 'eu' }) });
  await r.ok('post', '/events', { event: { ...event('e-2', 'payments', { amount: '250' }), precise_total_amount_cents: '25000.5' } });
  await r.ok('post', '/events/batch', {
    events: [
      event('e-3', 'api_calls', { region: 'us' }), event('e-4', 'storage_gb', { gb: '14.5' }), event('e-5', 'cpus', { cpus: 6 }),
      event('e-6', 'users', { user_id: 'u1' }), event('e-7', 'users', { user_id: 'u2' }), event('e-8', 'users', { user_id: 'u3' }),
      event('e-9', 'seats', { seat_id: 's1' }), event('e-10', 'balance', { amount: '3' }), event('e-11', 'gpu', { gpus: 2 }),
      event('e-12', 'payments', { amount: '40' }), event('e-13', 'transfers', { amount: '20' }), event('e-14', 'transfers', { amount: '30' }),
      event('e-15', 'tokens', { model: 'large', tokens: 1500, team: 'research' }), event('e-16', 'tokens', { model: 'small', tokens: 400 }), event('e-17', 'tokens', { tokens: 10 }),
      { ...event('e-18', 'compute', { units: 4 }), precise_total_amount_cents: '123.45' }, event('e-19', 'call_minutes', { duration_ms: 150000 }),
    ],
  });
  await settle(env);
  await r.ok('get', '/events?external_subscription_id=acme-scale');
  await r.ok('get', '/events/e-2');
  await r.ok('get', '/customers/acme/current_usage?external_subscription_id=acme-scale');
  // Lifetime usage (issue 15): a historical usage seeded, then read back with the period's usage.
  await r.ok('put', '/subscriptions/acme-scale/lifetime_usage', { lifetime_usage: { external_historical_usage_amount_cents: 5000 } });
  await r.ok('get', '/subscriptions/acme-scale/lifetime_usage');
  // The next invoice, and an event's pay-in-advance fees, computed and rolled back (nothing written).
  await r.ok('post', '/invoices/preview', { customer: { external_id: 'acme' }, subscriptions: { external_ids: ['acme-scale'] } });
  await r.ok('post', '/invoices/preview', { customer: { external_id: 'acme' }, plan_code: 'scale', subscription_at: '2031-02-10T00:00:00Z', billing_time: 'anniversary' });
  await r.ok('post', '/events/estimate_fees', { event: { code: 'payments', external_subscription_id: 'acme-scale', properties: { amount: '100' } } });

  // Fees: the transfers' fees have no invoice; one is paid, the other deleted while unpaid ---------
  const transferFees = (await r.ok('get', '/fees?external_subscription_id=acme-scale&billable_metric_code=transfers')).fees as Json[];
  if (transferFees.length !== 2 || transferFees.some((fee) => fee.lago_invoice_id !== null)) throw new Error(`Expected two invoice-less transfer fees: ${JSON.stringify(transferFees)}`);
  await r.ok('get', `/fees/${transferFees[0]!.lago_id}`);
  await r.ok('put', `/fees/${transferFees[0]!.lago_id}`, { fee: { payment_status: 'succeeded' } });
  await r.ok('delete', `/fees/${transferFees[1]!.lago_id}`);
  await r.ok('get', '/fees');

  // Wallets: paid credits make a credit invoice ---------------------------------------------------
  const wallet = await r.ok('post', '/wallets', {
    wallet: { external_customer_id: 'acme', name: 'Prepaid', code: 'prepaid', rate_amount: '1', currency: 'EUR', paid_credits: '20', granted_credits: '10', expiration_at: '2032-01-01T00:00:00Z', transaction_metadata: [{ key: 'po', value: '7' }] },
  });
  const walletId = wallet.wallet.lago_id as string;
  await r.ok('put', `/wallets/${walletId}`, { wallet: { name: 'Prepaid credits' } });
  await r.ok('get', `/wallets/${walletId}`);
  await r.ok('get', '/wallets?external_customer_id=acme');
  const topUp = await r.ok('post', '/wallet_transactions', { wallet_transaction: { wallet_id: walletId, paid_credits: '5', granted_credits: '1', name: 'Top-up', metadata: [{ key: 'reason', value: 'promo' }] } });
  await r.ok('get', `/wallet_transactions/${topUp.wallet_transactions[0].lago_id}`);
  await r.ok('get', `/wallets/${walletId}/wallet_transactions`);
  const voided = await r.ok('post', '/wallet_transactions', { wallet_transaction: { wallet_id: walletId, voided_credits: '1' } });
  // The void consumed the granted credit: the grant's consumptions, the void's fundings.
  await r.ok('get', `/wallet_transactions/${topUp.wallet_transactions[1].lago_id}/consumptions`);
  await r.ok('get', `/wallet_transactions/${voided.wallet_transactions[0].lago_id}/fundings`);
  const spareWallet = await r.ok('post', '/wallets', { wallet: { external_customer_id: 'leaving', rate_amount: '2', currency: 'EUR', granted_credits: '3' } });
  await r.ok('post', `/wallets/${walletId}/metadata`, { metadata: { cost_center: 'R&D', owner: 'ops' } });
  await r.ok('patch', `/wallets/${walletId}/metadata`, { metadata: { owner: null } });
  await r.ok('delete', `/wallets/${walletId}/metadata/owner`);
  await r.ok('delete', `/wallets/${walletId}/metadata`);
  // A customer's wallets by code (no credits: it changes none of the invoices below).
  await r.ok('post', '/customers/acme/wallets', { wallet: { name: 'Promo', code: 'promo', rate_amount: '1', currency: 'EUR', metadata: { campaign: 'spring' } } });
  await r.ok('get', '/customers/acme/wallets/promo');
  await r.ok('put', '/customers/acme/wallets/promo', { wallet: { name: 'Spring promo', metadata: { campaign: 'spring', channel: 'email' } } });
  await r.ok('get', '/customers/acme/wallets');
  await r.ok('post', '/customers/acme/wallets/promo/metadata', { metadata: { campaign: 'summer' } });
  await r.ok('patch', '/customers/acme/wallets/promo/metadata', { metadata: { channel: 'ads' } });
  await r.ok('delete', '/customers/acme/wallets/promo/metadata/channel');
  await r.ok('delete', '/customers/acme/wallets/promo/metadata');
  // Wallet alerts (issue 15 pt 4): one, a batch, read, updated, deleted one, deleted all (the wallet holds nothing: none triggers).
  await r.ok('post', '/customers/acme/wallets/promo/alerts', { alert: { alert_type: 'wallet_balance_amount', code: 'low', name: 'Low', thresholds: [{ code: 'warn', value: 500 }, { value: 100, recurring: true }] } });
  await r.ok('post', '/customers/acme/wallets/promo/alerts', { alerts: [
    { alert_type: 'wallet_credits_ongoing_balance', code: 'ongoing', thresholds: [{ value: '2.5' }] },
    { alert_type: 'wallet_credits_balance', code: 'credits', thresholds: [{ value: 1 }] },
  ] });
  await r.ok('get', '/customers/acme/wallets/promo/alerts');
  await r.ok('get', '/customers/acme/wallets/promo/alerts/ongoing');
  await r.ok('put', '/customers/acme/wallets/promo/alerts/ongoing', { alert: { name: 'Ongoing', thresholds: [{ code: 'low', value: 3 }] } });
  await r.ok('delete', '/customers/acme/wallets/promo/alerts/credits');
  await r.ok('delete', '/customers/acme/wallets/promo/alerts');

  // Invoices: one-off, credit (the wallet's), subscription (in advance, then the period's end) -----
  const oneOff = await r.ok('post', '/invoices', { invoice: { external_customer_id: 'acme', currency: 'EUR', fees: [{ add_on_code: 'setup', units: '2', description: 'Two sites' }, { add_on_code: 'setup', unit_amount_cents: 12_345, tax_codes: ['vat_5_5'] }] } });
  const oneOffId = oneOff.invoice.lago_id as string;
  await r.ok('put', `/invoices/${oneOffId}`, { invoice: { payment_status: 'succeeded', metadata: [{ key: 'erp', value: 'INV-9' }] } });
  await r.ok('post', `/invoices/${oneOffId}/download`);
  await r.send('post', `/api/v1/invoices/${oneOffId}/download_pdf`);
  await r.send('get', `/api/v1/invoices/${oneOffId}/pdf`);
  const invoices = (await r.ok('get', '/invoices?external_customer_id=acme')).invoices as Json[];
  const credit = invoices.find((invoice) => invoice.invoice_type === 'credit');
  if (!credit) throw new Error('The paid credits made no credit invoice');
  await r.ok('get', `/invoices/${credit.lago_id}`);
  await r.ok('put', `/invoices/${credit.lago_id}`, { invoice: { payment_status: 'succeeded' } });
  const toVoid = await r.ok('post', '/invoices', { invoice: { external_customer_id: 'acme', fees: [{ add_on_code: 'setup' }] } });
  await r.ok('post', `/invoices/${toVoid.invoice.lago_id}/void`);
  // Payments: a partial manual payment, more than is due (refused), then the rest.
  const toPay = (await r.ok('post', '/invoices', { invoice: { external_customer_id: 'acme', fees: [{ add_on_code: 'setup' }] } })).invoice as Json;
  const partial = await r.ok('post', '/payments', { payment: { invoice_id: toPay.lago_id, amount_cents: 100, reference: 'wire-1' } });
  await r.ok('post', `/invoices/${toPay.lago_id}/retry_payment`, {});
  await r.send('post', '/api/v1/payments', { body: { payment: { invoice_id: toPay.lago_id, amount_cents: toPay.total_amount_cents, reference: 'wire-2' } } });
  await r.ok('post', '/payments', { payment: { invoice_id: toPay.lago_id, amount_cents: toPay.total_amount_cents - 100, reference: 'wire-2' } });
  await r.ok('get', `/payments/${partial.payment.lago_id}`);
  await r.ok('get', '/payments?external_customer_id=acme');
  await r.ok('get', `/customers/acme/payments?invoice_id=${toPay.lago_id}`);
  // Stripe (issue 14), at stripe-mock: connected through Billow's own route; a signed event for a
  // PaymentIntent Billow does not know (acknowledged, nothing to settle); a customer created at
  // Stripe; the Checkout pages; the dunning campaign. No relay runs here: nothing is collected.
  const stripeMock = await startStripeMock();
  const stripeUrlBefore = process.env.BILLOW_STRIPE_API_URL;
  process.env.BILLOW_STRIPE_API_URL = stripeMock.url;
  try {
    await r.ok('put', '/payment_providers/stripe', { payment_provider: { secret_key: 'sk_test_contractTour0000', webhook_secret: 'whsec_contractTour0000', code: 'stripe_tour', success_redirect_url: 'https://example.com/thanks' } });
    await r.ok('get', '/payment_providers/stripe');
    const stripeEvent = JSON.stringify({ id: 'evt_tour_1', object: 'event', type: 'payment_intent.succeeded', data: { object: { id: 'pi_tour_unknown', object: 'payment_intent', status: 'succeeded', amount: 100, currency: 'eur', metadata: {} } } });
    await r.send('post', `/webhooks/stripe/${api.organization.id}`, {
      auth: false, raw: stripeEvent, headers: { 'Stripe-Signature': new Stripe('sk_test_unused').webhooks.generateTestHeaderString({ payload: stripeEvent, secret: 'whsec_contractTour0000' }) },
    });
    await r.ok('post', '/customers', { customer: { external_id: 'stripey', name: 'Stripey', currency: 'EUR', timezone: 'UTC', billing_configuration: { payment_provider: 'stripe', sync_with_provider: true } } });
    await r.ok('post', '/customers/stripey/checkout_url', {});
    const stripeyInvoice = await r.ok('post', '/invoices', { invoice: { external_customer_id: 'stripey', currency: 'EUR', fees: [{ add_on_code: 'setup' }] } });
    await r.ok('post', `/invoices/${stripeyInvoice.invoice.lago_id}/payment_url`, {});
    // A payment request gathers stripey's overdue invoice (made overdue here: the tour does not wait for its due date).
    await db('invoices').where({ id: stripeyInvoice.invoice.lago_id }).update({ payment_overdue: true });
    const paymentRequest = await r.ok('post', '/payment_requests', { payment_request: { external_customer_id: 'stripey', email: 'billing@stripey.test', lago_invoice_ids: [stripeyInvoice.invoice.lago_id] } });
    await r.ok('get', `/payment_requests/${paymentRequest.payment_request.lago_id}`);
    await r.ok('get', '/payment_requests?external_customer_id=stripey&payment_status=pending&currency=EUR');
    await r.ok('get', '/customers/stripey/payment_requests');
    await r.ok('put', '/dunning_campaign', { dunning_campaign: { code: 'tour_dunning', name: 'Tour', max_attempts: 3, days_between_attempts: 3, thresholds: [{ currency: 'EUR', amount_cents: 1000 }] } });
    await r.ok('get', '/dunning_campaign');
    await r.ok('delete', '/dunning_campaign');
    await r.ok('delete', '/payment_providers/stripe');
  } finally {
    if (stripeUrlBefore === undefined) delete process.env.BILLOW_STRIPE_API_URL;
    else process.env.BILLOW_STRIPE_API_URL = stripeUrlBefore;
    await stripeMock.stop();
  }
  // Two one-off drafts are seeded to finalize and delete (Billow's API writes drafts only for
  // periodic invoices within a grace period: drafty's, below), each with a fee of the setup add-on.
  const acme = (await db('customers').where({ organization_id: api.organization.id, external_id: 'acme' }).first()) as CustomerRow;
  const setup = (await db('add_ons').where({ organization_id: api.organization.id, code: 'setup' }).first()) as { id: string };
  for (const action of ['finalize', 'delete'] as const) {
    const { invoice: draft } = await seedInvoice(db, api.organization, acme, { fees: [{ amountCents: 700n, taxRate: '20', taxCode: 'vat_20', kind: 'add_on' }], status: 'draft', invoiceType: 'one_off' });
    await db('fees').where({ invoice_id: draft.id }).update({ add_on_id: setup.id, item_code: 'setup', item_name: 'Setup' });
    if (action === 'finalize') await r.ok('put', `/invoices/${draft.id}/finalize`);
    else await r.ok('delete', `/invoices/${draft.id}`);
  }

  // The period's end: every charge's fee on the subscription's invoice.
  await sleepUntil(env, '2031-02-01T12:00:00Z');
  const all = (await r.ok('get', '/invoices?external_customer_id=acme&per_page=100')).invoices as Json[];
  const subscriptionInvoices = all.filter((invoice) => invoice.invoice_type === 'subscription');
  for (const invoice of subscriptionInvoices) await r.ok('get', `/invoices/${invoice.lago_id}`);
  await r.ok('get', '/invoices');
  // drafty's January closed as a draft (a grace period of 3 days): refreshed with a late event, then finalized.
  const [drafted] = (await r.ok('get', '/invoices?external_customer_id=drafty&status[]=draft')).invoices as Json[];
  if (!drafted) throw new Error('No draft for drafty');
  await r.ok('post', '/events', { event: { transaction_id: 'late-1', code: 'api_calls', external_subscription_id: 'drafty-scale', properties: { region: 'us' }, timestamp: '2031-01-31T20:00:00Z' } });
  await settle(env);
  await r.ok('get', '/events/late-1');
  await r.ok('put', `/invoices/${drafted.lago_id}/refresh`);
  await r.ok('put', `/invoices/${drafted.lago_id}/finalize`);
  await r.ok('get', '/events/late-1');
  // The applied coupons with what the subscription's invoices drew from them.
  await r.ok('get', '/applied_coupons?external_customer_id=acme');

  // Credit notes on the invoice paid in advance --------------------------------------------------
  const inAdvance = (await r.ok('get', `/invoices/${subscriptionInvoices.at(-1)!.lago_id}`)).invoice as Json;
  const baseFee = (inAdvance.fees as Json[]).find((fee) => fee.item.type === 'subscription');
  if (!baseFee) throw new Error(`No subscription fee on ${inAdvance.number}`);
  const note = await r.ok('post', '/credit_notes', { credit_note: { invoice_id: inAdvance.lago_id, reason: 'order_change', description: 'Fewer sites', items: [{ fee_id: baseFee.lago_id, amount_cents: 1_000 }] } });
  const noteId = note.credit_note.lago_id as string;
  await r.ok('get', `/credit_notes/${noteId}`);
  await r.ok('get', '/credit_notes');
  await r.ok('post', `/credit_notes/${noteId}/download`);
  await r.send('get', `/api/v1/credit_notes/${noteId}/pdf`);
  await r.ok('put', `/invoices/${oneOffId}`, { invoice: { payment_status: 'succeeded' } });
  const oneOffFee = (oneOff.invoice.fees as Json[])[0]!;
  const refund = await r.ok('post', '/credit_notes', { credit_note: { invoice_id: oneOffId, reason: 'duplicated_charge', refund_amount_cents: 1_200, items: [{ fee_id: oneOffFee.lago_id, amount_cents: 1_000 }] } });
  await r.ok('put', `/credit_notes/${refund.credit_note.lago_id}`, { credit_note: { refund_status: 'succeeded' } });
  await r.ok('post', `/credit_notes/${noteId}/metadata`, { metadata: { erp: 'CN-1', synced: null } });
  await r.ok('patch', `/credit_notes/${noteId}/metadata`, { metadata: { synced: '2031-02-01' } });
  await r.ok('delete', `/credit_notes/${noteId}/metadata/synced`);
  await r.ok('delete', `/credit_notes/${noteId}/metadata`);
  await r.ok('put', `/credit_notes/${noteId}/void`);

  // What Lago serves under a customer, and the analytics of finalized invoices --------------------
  await r.ok('get', '/customers/acme/invoices?status[]=finalized');
  await r.ok('get', '/customers/acme/subscriptions');
  await r.ok('get', '/customers/acme/credit_notes');
  await r.ok('get', '/customers/acme/past_usage?external_subscription_id=acme-scale');
  await r.ok('get', '/analytics/gross_revenue?currency=EUR');
  await r.ok('get', '/analytics/invoice_collection?months=12');
  await r.ok('get', '/analytics/invoiced_usage?external_customer_id=acme');
  await r.ok('get', '/analytics/mrr');
  await r.ok('get', '/analytics/overdue_balance');

  // Deletions and terminations -------------------------------------------------------------------
  await r.ok('delete', `/customers/leaving/applied_coupons/${spare.applied_coupon.lago_id}`);
  await r.ok('delete', `/wallets/${spareWallet.wallet.lago_id}`);
  await r.ok('delete', '/customers/acme/wallets/promo');
  await r.ok('delete', '/subscriptions/acme-scale/alerts');
  await r.ok('delete', '/subscriptions/leaving-spare');
  await settle(env);
  await r.ok('delete', '/customers/leaving');
  await r.ok('delete', '/plans/spare');
  await r.ok('delete', '/coupons/unused_coupon');
  await r.ok('delete', '/add_ons/unused_add_on');
  await r.ok('delete', '/taxes/unused_tax');
  await r.ok('delete', '/billable_metrics/unused_metric');
  await r.ok('delete', `/webhook_endpoints/${spareEndpoint.webhook_endpoint.lago_id}`);
  await r.ok('delete', '/subscriptions/acme-scale');
  await r.ok('delete', '/subscriptions/drafty-scale');
  await settle(env);
  await r.ok('get', '/subscriptions/acme-scale?status=terminated');
  await r.ok('get', '/invoices?external_customer_id=acme&per_page=100');
  await r.ok('get', '/customers/acme');

  // The organization's settings.
  await r.ok('get', '/organizations');
  await r.ok('put', '/organizations', { organization: { legal_name: 'Contract Tour SAS', address_line1: '2 rue du Port', city: 'Nantes', zipcode: '44000', country: 'fr', email: 'billing@tour.example.com', billing_configuration: { invoice_footer: 'Thank you' } } });
  await r.ok('put', '/organizations', { organization: { billing_configuration: { invoice_grace_period: 2 }, late_usage: 'ignore' } });

  // Webhooks (Billow's own routes): the invoice.created of the one-off invoice, to an endpoint
  // listening here (the relay's workflow is not part of the tour: its webhook row is made directly).
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    // A receiver on this machine: the organization allows private addresses explicitly (SSRF protection refuses them by default).
    await setWebhooksAllowPrivateAddresses(db, api.organization.id, true);
    const local = await r.ok('post', '/webhook_endpoints', { webhook_endpoint: { webhook_url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, signature_algo: 'hmac' } });
    const event = (await db('webhook_events').where({ organization_id: api.organization.id, object_id: oneOffId }).first()) as WebhookEventRow;
    const endpointRow = (await db('webhook_endpoints').where({ id: local.webhook_endpoint.lago_id }).first()) as WebhookEndpointRow;
    const [webhook] = await ensureWebhooks(db, event, [endpointRow]);
    await r.ok('post', `/webhooks/${webhook!.id}/retry`);
    await r.ok('get', `/webhooks/${webhook!.id}`);
    await r.ok('get', '/webhooks');
    await r.ok('get', `/webhook_endpoints/${local.webhook_endpoint.lago_id}/deliveries`);
  } finally {
    await new Promise((resolve) => receiver.close(resolve));
  }

  // Refusals of a state (405) and of a premium feature (403).
  await r.send('post', `/api/v1/invoices/${toVoid.invoice.lago_id}/void`);
  await r.send('delete', `/api/v1/invoices/${oneOffId}`);
  await r.send('put', `/api/v1/credit_notes/${noteId}/void`);
  // (Usage thresholds are honoured since issue 15: a charge's pricing unit is still Lago's premium 403.)
  await r.send('post', '/api/v1/plans', { body: { plan: { name: 'Premium', code: 'premium', interval: 'monthly', amount_cents: 1, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ charge_model: 'standard', properties: { amount: '1' }, applied_pricing_unit: { code: 'credits', conversion_rate: '2' } }] } } });

  await probeEveryRoute(r);
  return r.exchanges;
}

/**
 * The answers to mistakes, on every route of the registry: an unknown id, a NUL in the URL, no API
 * key, a body over the limit, a body with the wrong root, and an invalid body.
 */
async function probeEveryRoute(r: Recorder): Promise<void> {
  for (const op of operationsFor({})) {
    const unknown = op.path.replace(/:[A-Za-z]+/g, EMPTY_UUID);
    const rootBody = op.body?.root ? { [op.body.root]: { name: 1 } } : { events: 'x' };
    if (!op.public) {
      await r.send(op.method, unknown, { auth: false });
      await r.send(op.method, op.path.includes(':') ? op.path.replace(/:[A-Za-z]+/, '%00') : `${op.path}?page=%00`, { body: {} });
    }
    if (op.path.includes(':')) await r.send(op.method, unknown, { body: op.body ? rootBody : undefined });
    if ((op.method === 'post' || op.method === 'put' || op.method === 'patch' || op.body) && !op.public) {
      // The body parser's refusals hold on every POST, PUT and PATCH (and a DELETE that reads a body), whether the route reads a body or not.
      const path = op.path.includes(':') ? unknown : op.path;
      await r.send(op.method, path, { raw: JSON.stringify({ padding: 'x'.repeat(1_100_000) }) });
      await r.send(op.method, path, { raw: '{"broken": ' });
      if (op.body && !op.path.includes(':')) await r.send(op.method, path, { body: rootBody });
    }
  }
}

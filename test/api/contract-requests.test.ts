/**
 * Honour or refuse, never ignore (DESIGN.md §5), generated from Lago's OpenAPI description
 * (`../shared/reference/lago-openapi.yaml`). For every operation Billow serves (OPERATIONS) whose
 * request body Lago describes, and every property of that body (objects and array items walked):
 * - the operation's request contract (src/api/contract.ts, declared beside its zod schema) classifies
 *   it as honoured or refused, so a field Lago adds later fails here until someone decides;
 * - each refused field, set to a value that is not its default (built from the spec: example, enum,
 *   type) on an otherwise valid body, is answered 422 `feature_not_supported` naming its path (or
 *   Lago's 403 `feature_unavailable`), and nothing is written (every table compared);
 * - each honoured field is seen: the value sent comes back at its path of the answer (or the path
 *   the contract names), or the contract says where Billow acts on it.
 * The counts (operations, fields honoured and refused) are printed; `npx tsx
 * scripts/contract-counts.ts` prints them without a database.
 */
import request from 'supertest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { createTimeSkippingEnv, startTestWorker } from '../support/temporal';
import { settle } from '../support/scenario';
import { createTestApi } from '../support/api';
import { seedInvoice, snapshotTables } from '../support/money';
import { seedInvoicelessFee } from '../support/ledger';
import { SHOWN, valuesAt, type Refusal } from '../../src/api/contract';
import type { CustomerRow } from '../../src/db/customers';
import {
  checkedOperations, classify, contractCounts, exampleValue, loadLagoSpec, type CheckedOperation, type SpecField,
} from '../support/lago-request-spec';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Api = Awaited<ReturnType<typeof createTestApi>>;

let spec: Json | undefined;
let specError: Error | undefined;
try {
  spec = loadLagoSpec();
} catch (error) {
  specError = error as Error;
}
const CHECKED: CheckedOperation[] = spec ? checkedOperations(spec) : [];

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let api: Api;
const ids: Record<string, string> = {};
let tables: string[] = [];
let stopWorker: (() => Promise<void>) | undefined;

async function ok(response: PromiseLike<{ status: number; body: Json }>): Promise<Json> {
  const result = await response;
  if (result.status !== 200) throw new Error(`${result.status} ${JSON.stringify(result.body)}`);
  return result.body;
}

beforeAll(async () => {
  if (!spec) return;
  env = await createTimeSkippingEnv();
  database = await createTestDatabase();
  api = await createTestApi(database.db, env, 'contract-requests', 'Contract Co');
  // PUT /subscriptions reaches the subscription's workflow as an update: a worker answers it.
  stopWorker = await startTestWorker(env, database.db, 'contract-requests');
  tables = ((await database.db.raw("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex%' ORDER BY 1")).rows as { tablename: string }[])
    .map((row) => row.tablename);

  await ok(api.post('/taxes', { tax: { name: 'VAT', code: 'ct_vat', rate: '20' } }));
  await ok(api.post('/taxes', { tax: { name: 'Reduced', code: 'ct_reduced', rate: '5.5' } }));
  await ok(api.post('/taxes', { tax: { name: 'To edit', code: 'ct_tax_edit', rate: '1' } }));
  ids.calls = (await ok(api.post('/billable_metrics', { billable_metric: { name: 'Calls', code: 'ct_calls', aggregation_type: 'sum_agg', field_name: 'n', filters: [{ key: 'region', values: ['eu', 'us'] }] } }))).billable_metric.lago_id;
  ids.seats = (await ok(api.post('/billable_metrics', { billable_metric: { name: 'Seats', code: 'ct_seats', aggregation_type: 'sum_agg', field_name: 'n', recurring: true } }))).billable_metric.lago_id;
  await ok(api.post('/billable_metrics', { billable_metric: { name: 'To edit', code: 'ct_metric_edit', aggregation_type: 'count_agg' } }));
  ids.setupAddOn = (await ok(api.post('/add_ons', { add_on: { name: 'Setup', code: 'ct_setup', amount_cents: 500, amount_currency: 'EUR' } }))).add_on.lago_id;
  await ok(api.post('/add_ons', { add_on: { name: 'To edit', code: 'ct_addon_edit', amount_cents: 500, amount_currency: 'EUR' } }));
  // Fixed charges name an add-on: the plans are created once it exists.
  await ok(api.post('/plans', { plan: { name: 'Base', code: 'ct_base', interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ billable_metric_id: ids.calls, charge_model: 'standard', properties: { amount: '1' } }],
    fixed_charges: [{ add_on_id: ids.setupAddOn, code: 'ctf_base', charge_model: 'standard', units: 1, properties: { amount: '3' } }] } }));
  const editable = await ok(api.post('/plans', { plan: { name: 'To edit', code: 'ct_plan_edit', interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false,
    charges: [{ billable_metric_id: ids.calls, charge_model: 'standard', properties: { amount: '1' } }],
    fixed_charges: [{ add_on_id: ids.setupAddOn, code: 'ctf_edit', charge_model: 'standard', units: 1, properties: { amount: '3' } }] } }));
  ids.editableCharge = editable.plan.charges[0].lago_id;
  ids.editableFixedCharge = editable.plan.fixed_charges[0].lago_id;
  await ok(api.post('/coupons', { coupon: { name: 'Fixed', code: 'ct_fixed', coupon_type: 'fixed_amount', amount_cents: 1000, amount_currency: 'EUR', frequency: 'forever', reusable: true } }));
  await ok(api.post('/coupons', { coupon: { name: 'Percent', code: 'ct_pct', coupon_type: 'percentage', percentage_rate: '10', frequency: 'forever', reusable: true } }));
  await ok(api.post('/coupons', { coupon: { name: 'To edit', code: 'ct_coupon_edit', coupon_type: 'fixed_amount', amount_cents: 100, amount_currency: 'EUR', frequency: 'once' } }));
  const customer = await ok(api.post('/customers', { customer: { external_id: 'ct_customer', currency: 'EUR', timezone: 'UTC' } }));
  await ok(api.post('/customers', { customer: { external_id: 'ct_wallet_customer', currency: 'EUR' } }));
  await ok(api.post('/subscriptions', { subscription: { external_customer_id: 'ct_customer', plan_code: 'ct_base', external_id: 'ct_sub' } }));
  const customerRow = (await database.db<CustomerRow>('customers').where({ id: customer.customer.lago_id }).first())!;
  const paid = await seedInvoice(database.db, api.organization, customerRow, { fees: [{ amountCents: 10_000n }], paymentStatus: 'succeeded' });
  ids.paidInvoice = paid.invoice.id;
  ids.paidFee = paid.feeIds[0]!;
  ids.invoiceToUpdate = (await seedInvoice(database.db, api.organization, customerRow, { fees: [{ amountCents: 2_000n }] })).invoice.id;
  ids.invoiceToVoid = (await seedInvoice(database.db, api.organization, customerRow, { fees: [{ amountCents: 3_000n }] })).invoice.id;
  ids.invoiceToPay = (await seedInvoice(database.db, api.organization, customerRow, { fees: [{ amountCents: 5_000n }] })).invoice.id;
  // POST /payment_requests gathers overdue invoices: one past its due date.
  ids.overdueInvoice = (await seedInvoice(database.db, api.organization, customerRow, { fees: [{ amountCents: 4_000n }] })).invoice.id;
  await database.db('invoices').where({ id: ids.overdueInvoice }).update({ payment_overdue: true });
  const note = await ok(api.post('/credit_notes', { credit_note: { invoice_id: ids.paidInvoice, refund_amount_cents: 10, items: [{ fee_id: ids.paidFee, amount_cents: 10 }] } }));
  ids.creditNote = note.credit_note.lago_id;
  // With a threshold rule that starts in 2099 (it never tops up here), whose lago_id PUT /wallets/:id names.
  const sleepingRule = { trigger: 'threshold', threshold_credits: '1', granted_credits: '1', started_at: '2099-01-01T00:00:00Z' };
  const walletWithRule = (await ok(api.post('/wallets', { wallet: { external_customer_id: 'ct_customer', rate_amount: '1', currency: 'EUR', name: 'W', recurring_transaction_rules: [sleepingRule] } }))).wallet;
  ids.wallet = walletWithRule.lago_id;
  ids.walletRule = walletWithRule.recurring_transaction_rules[0].lago_id;
  ids.endpoint = (await ok(api.post('/webhook_endpoints', { webhook_endpoint: { webhook_url: 'https://hooks.example.com/ct', event_types: ['invoice.created'] } }))).webhook_endpoint.lago_id;

  // The nested charge routes: a plan with a charge of every model (each with a filter), one to update, one to delete, one whose filter is deleted.
  const nestedCharges = planCharges().map((charge) => ({ ...charge, code: charge.code.replace(/^ct_/, 'ctn_') }));
  const nested = await ok(api.post('/plans', { plan: { name: 'Nested', code: 'ct_nested', interval: 'monthly', amount_cents: 1000, amount_currency: 'EUR', pay_in_advance: false, charges: [
    ...nestedCharges,
    { billable_metric_id: ids.calls, code: 'ctn_put', charge_model: 'standard', properties: { amount: '1' } },
    { billable_metric_id: ids.calls, code: 'ctn_delete', charge_model: 'standard', properties: { amount: '1' } },
    { billable_metric_id: ids.calls, code: 'ctn_delete_filter', charge_model: 'standard', properties: { amount: '1' }, filters: [{ properties: { amount: '2' }, values: { region: ['us'] } }] },
  ], fixed_charges: [
    { add_on_id: ids.setupAddOn, code: 'ctf_put', charge_model: 'standard', units: 1, properties: { amount: '1' } },
    { add_on_id: ids.setupAddOn, code: 'ctf_delete', charge_model: 'standard', units: 1, properties: { amount: '1' } },
  ] } }));
  for (const charge of nested.plan.charges as Json[]) if (charge.filters.length > 0) ids[`filterOf:${charge.code}`] = charge.filters[0].lago_id;
  // The subscription charge routes: a subscription on the nested plan, overridden once (its child plan), and the child's filters.
  // Its own customer: ct_customer's invoice previews show ct_sub alone.
  await ok(api.post('/customers', { customer: { external_id: 'ct_override_customer', currency: 'EUR', timezone: 'UTC' } }));
  await ok(api.post('/subscriptions', { subscription: { external_customer_id: 'ct_override_customer', plan_code: 'ct_nested', external_id: 'ct_sub_override', plan_overrides: { name: 'Nested for one' } } }));
  for (const charge of (await ok(api.get('/subscriptions/ct_sub_override/charges?per_page=100'))).charges as Json[]) {
    if (charge.filters.length > 0) ids[`subFilterOf:${charge.code}`] = charge.filters[0].lago_id;
  }
  ids.baseCharge = (await ok(api.get('/plans/ct_base'))).plan.charges[0].lago_id;
  // Customer wallets by code: one to edit, one for the metadata routes.
  ids.customerWalletRule = (await ok(api.post('/customers/ct_customer/wallets', { wallet: { code: 'ct_cw_edit', rate_amount: '1', currency: 'EUR', recurring_transaction_rules: [sleepingRule] } })))
    .wallet.recurring_transaction_rules[0].lago_id;
  await ok(api.post('/customers/ct_customer/wallets', { wallet: { code: 'ct_cw_meta', rate_amount: '1', currency: 'EUR' } }));
  // Wallet alerts (issue 15 pt 4): an empty wallet, whose balance never falls while the probes run.
  await ok(api.post('/customers/ct_customer/wallets', { wallet: { code: 'ct_cw_alerts', rate_amount: '1', currency: 'EUR' } }));
  await ok(api.post('/customers/ct_customer/wallets/ct_cw_alerts/alerts', { alert: { alert_type: 'wallet_credits_ongoing_balance', code: 'ct_walert_edit', thresholds: [{ value: 1 }] } }));
  // A fee billed without an invoice (a pay-in-advance charge that is not invoiceable), for PUT /fees/:id.
  const subscription = (await database.db('subscriptions').where({ organization_id: api.organization.id, external_id: 'ct_sub' }).first()) as { id: string };
  const baseCharge = (await database.db('charges').join('plans', 'plans.id', 'charges.plan_id').where({ 'plans.organization_id': api.organization.id, 'plans.code': 'ct_base' }).first('charges.id')) as { id: string };
  ids.invoicelessFee = (await seedInvoicelessFee(database.db, api.organization.id, {
    kind: 'charge', amountCents: 300n, subscriptionId: subscription.id, chargeId: baseCharge.id, from: '2030-01-01T00:00:00Z', to: '2030-01-31T23:59:59.999Z',
    eventTransactionId: 'ct_fee_tx', feeKey: 'in_advance:ct_fee_tx:c',
  })).id;
  // PUT /subscriptions: a subscription not started yet (its start moves); POST /events/estimate_fees: a pay-in-advance charge.
  // Their customer has a timezone of its own: the organization's may still change (PUT /organizations).
  await ok(api.post('/customers', { customer: { external_id: 'ct_edit_customer', currency: 'EUR', timezone: 'UTC' } }));
  const estimated = (await ok(api.post('/billable_metrics', { billable_metric: { name: 'Estimated', code: 'ct_estimate', aggregation_type: 'count_agg' } }))).billable_metric.lago_id;
  await ok(api.post('/plans', { plan: { name: 'Advance', code: 'ct_advance', interval: 'monthly', amount_cents: 0, amount_currency: 'EUR', pay_in_advance: true,
    charges: [{ billable_metric_id: estimated, charge_model: 'standard', pay_in_advance: true, invoiceable: true, properties: { amount: '2' } }] } }));
  await ok(api.post('/subscriptions', { subscription: { external_customer_id: 'ct_edit_customer', plan_code: 'ct_advance', external_id: 'ct_sub_edit', subscription_at: '2090-01-01T00:00:00Z' } }));
  await ok(api.post('/subscriptions', { subscription: { external_customer_id: 'ct_edit_customer', plan_code: 'ct_advance', external_id: 'ct_sub_advance' } }));
  ids.advanceCharge = (await ok(api.get('/plans/ct_advance'))).plan.charges[0].lago_id;
  // Features and entitlements: a feature to edit, one granted by the plan ct_base (ct_sub is on it).
  await ok(api.post('/features', { feature: { code: 'ct_feature_edit', privileges: [{ code: 'provider', value_type: 'select', config: { select_options: ['google'] } }] } }));
  await ok(api.post('/features', { feature: { code: 'ct_seats', privileges: [{ code: 'max', value_type: 'integer' }, { code: 'sso', value_type: 'boolean' }] } }));
  // Usage alerts live on the pending subscription: no evaluation runs for it, so no table moves behind the probes.
  await ok(api.post('/subscriptions/ct_sub_edit/alerts?subscription_status=pending', { alert: { alert_type: 'billable_metric_current_usage_units', code: 'ct_alert_edit', billable_metric_code: 'ct_seats', thresholds: [{ value: 1 }] } }));
  await settle(env);
}, 120_000);

afterAll(async () => {
  await stopWorker?.();
  await env?.teardown();
  await database?.drop();
});

// Valid bodies: every shown field of each operation carries a value in one of them --------------------

const ranges = (per: string) => [
  { from_value: 0, to_value: 100, flat_amount: '10', [per]: '0.5' },
  { from_value: 100, to_value: null, flat_amount: '0', [per]: '0.4' },
];
const percentageRanges = () => [
  { from_value: 0, to_value: 100, rate: '1', flat_amount: '10' },
  { from_value: 100, to_value: null, rate: '0.5', flat_amount: '0' },
];
/** One charge per model (with a filter each), and a prorated one paid in advance. */
function planCharges(): Json[] {
  const withFilter = (index: number, model: string, properties: Json, filterProperties: Json): Json => ({
    billable_metric_id: ids.calls, code: `ct_${model}`, charge_model: model, invoice_display_name: `Charge ${index}`,
    pay_in_advance: false, invoiceable: true, prorated: false, properties, min_amount_cents: 1000 + index,
    filters: [{ invoice_display_name: `EU ${index}`, properties: filterProperties, values: { region: ['eu'] } }],
    tax_codes: ['ct_reduced'],
  });
  return [
    // Grouped pricing: both spellings of the group keys, on a charge and on its filter.
    withFilter(0, 'standard', { amount: '30', pricing_group_keys: ['tier'], presentation_group_keys: [{ value: 'zone', options: { display_in_invoice: false } }] }, { amount: '25', grouped_by: ['tier'] }),
    withFilter(1, 'package', { amount: '10', package_size: 1000, free_units: 100 }, { amount: '5', package_size: 100, free_units: 10 }),
    withFilter(2, 'graduated', { graduated_ranges: ranges('per_unit_amount'), grouped_by: ['tier', 'zone'] }, { graduated_ranges: ranges('per_unit_amount'), pricing_group_keys: ['zone'] }),
    withFilter(3, 'volume', { volume_ranges: ranges('per_unit_amount') }, { volume_ranges: ranges('per_unit_amount') }),
    withFilter(4, 'percentage',
      { rate: '1', fixed_amount: '0.5', free_units_per_events: 5, free_units_per_total_aggregation: '500', per_transaction_max_amount: '3.75', per_transaction_min_amount: '1.75' },
      { rate: '2', fixed_amount: '0.25', free_units_per_events: 2, free_units_per_total_aggregation: '50', per_transaction_max_amount: '5', per_transaction_min_amount: '1' }),
    withFilter(5, 'graduated_percentage', { graduated_percentage_ranges: percentageRanges() }, { graduated_percentage_ranges: percentageRanges() }),
    { billable_metric_id: ids.seats, code: 'ct_seats_in_advance', charge_model: 'standard', pay_in_advance: true, invoiceable: true, prorated: true, properties: { amount: '5' } },
  ];
}
/** One fixed charge per model (standard, graduated, volume). */
function planFixedCharges(): Json[] {
  return [
    { add_on_id: ids.setupAddOn, code: 'ctf_standard', invoice_display_name: 'Fixed 0', units: 2, charge_model: 'standard', pay_in_advance: false, prorated: true,
      properties: { amount: '12' }, tax_codes: ['ct_reduced'] },
    { add_on_id: ids.setupAddOn, code: 'ctf_graduated', invoice_display_name: 'Fixed 1', units: 3, charge_model: 'graduated', pay_in_advance: false, prorated: false,
      properties: { graduated_ranges: ranges('per_unit_amount') }, tax_codes: ['ct_vat'] },
    { add_on_id: ids.setupAddOn, code: 'ctf_volume', invoice_display_name: 'Fixed 2', units: 4, charge_model: 'volume', pay_in_advance: true, prorated: true,
      properties: { volume_ranges: ranges('per_unit_amount') }, tax_codes: ['ct_vat'] },
  ];
}
const planBody = (code: string): Json => ({
  name: 'Contract plan', invoice_display_name: 'Contract', code, interval: 'yearly', description: 'Every field', amount_cents: 120_000,
  amount_currency: 'EUR', trial_period: 5, pay_in_advance: true, bill_charges_monthly: true, bill_fixed_charges_monthly: true, tax_codes: ['ct_vat'],
  metadata: { external_id: 'ext-123', synced_at: '2024-01-15' }, charges: planCharges(), fixed_charges: planFixedCharges(),
  // Progressive billing (issue 15): smallest first, as the plan shows them back.
  usage_thresholds: [{ amount_cents: 10_000, threshold_display_name: 'First', recurring: false }, { amount_cents: 25_000, threshold_display_name: 'Every 250', recurring: true }],
  minimum_commitment: { amount_cents: 500_000, invoice_display_name: 'Commitment (C1)', tax_codes: ['ct_reduced'] },
});
const nowSeconds = () => Math.floor(Date.now() / 1000);

interface Sample { path: string; body: Json }
const SAMPLES: Record<string, () => Sample[]> = {
  'POST /billable_metrics': () => [{ path: '/billable_metrics', body: { billable_metric: {
    name: 'Storage', code: 'ct_storage', description: 'GB stored', aggregation_type: 'weighted_sum_agg', weighted_interval: 'seconds', recurring: true,
    field_name: 'gb', rounding_function: 'round', rounding_precision: 2, filters: [{ key: 'region', values: ['eu', 'us'] }],
    expression: 'round(event.properties.bytes / 1000000000, 3)',
  } } }],
  'PUT /billable_metrics/:code': () => [{ path: '/billable_metrics/ct_metric_edit', body: { billable_metric: {
    name: 'Edited', code: 'ct_metric_edit', description: 'Edited', aggregation_type: 'weighted_sum_agg', weighted_interval: 'seconds', recurring: true,
    field_name: 'gb', rounding_function: 'ceil', rounding_precision: 1, filters: [{ key: 'zone', values: ['a', 'b'] }],
    expression: 'event.properties.mb / 1000',
  } } }],
  'POST /billable_metrics/evaluate_expression': () => [{ path: '/billable_metrics/evaluate_expression', body: {
    expression: "concat(round(event.properties.bytes / 1000000000, 3), ' GB ', event.code, ' at ', event.timestamp)",
    event: { code: 'ct_storage', timestamp: 1700000000, properties: { bytes: 1500000000 } },
  } }],
  'POST /plans': () => [{ path: '/plans', body: { plan: planBody('ct_plan_new') } }],
  'PUT /plans/:code': () => {
    const body = planBody('ct_plan_edit');
    body.charges[0].id = ids.editableCharge;
    body.fixed_charges[0].id = ids.editableFixedCharge;
    body.fixed_charges[0].apply_units_immediately = false;
    return [{ path: '/plans/ct_plan_edit', body: { plan: { ...body, cascade_updates: false } } }];
  },
  'POST /taxes': () => [{ path: '/taxes', body: { tax: { name: 'Super reduced', code: 'ct_tax_new', rate: '2.1', description: 'Books' } } }],
  'PUT /taxes/:code': () => [{ path: '/taxes/ct_tax_edit', body: { tax: { name: 'Edited', code: 'ct_tax_edit', rate: '7', description: 'Edited' } } }],
  'POST /add_ons': () => [{ path: '/add_ons', body: { add_on: {
    name: 'Onboarding', invoice_display_name: 'Onboarding (ON1)', code: 'ct_addon_new', amount_cents: 50_000, amount_currency: 'EUR', description: 'Once', tax_codes: ['ct_vat'],
  } } }],
  'PUT /add_ons/:code': () => [{ path: '/add_ons/ct_addon_edit', body: { add_on: {
    name: 'Edited', invoice_display_name: 'Edited (E1)', code: 'ct_addon_edit', amount_cents: 700, amount_currency: 'EUR', description: 'Edited', tax_codes: ['ct_vat', 'ct_reduced'],
  } } }],
  'POST /coupons': () => [
    { path: '/coupons', body: { coupon: {
      name: 'Startup', code: 'ct_coupon_fixed', description: 'Fixed', coupon_type: 'fixed_amount', amount_cents: 5000, amount_currency: 'EUR', reusable: false,
      frequency: 'recurring', frequency_duration: 6, expiration: 'time_limit', expiration_at: '2099-08-08T23:59:59Z', applies_to: { plan_codes: ['ct_base'] },
    } } },
    { path: '/coupons', body: { coupon: {
      name: 'Percent', code: 'ct_coupon_pct', coupon_type: 'percentage', percentage_rate: '12.5', frequency: 'once', applies_to: { billable_metric_codes: ['ct_calls'] },
    } } },
  ],
  'PUT /coupons/:code': () => [
    { path: '/coupons/ct_coupon_edit', body: { coupon: {
      name: 'Edited', code: 'ct_coupon_edit', description: 'Edited', coupon_type: 'fixed_amount', amount_cents: 700, amount_currency: 'EUR', reusable: true,
      frequency: 'recurring', frequency_duration: 2, expiration: 'time_limit', expiration_at: '2098-01-01T00:00:00Z', applies_to: { plan_codes: ['ct_base'] },
    } } },
    { path: '/coupons/ct_coupon_edit', body: { coupon: { coupon_type: 'percentage', percentage_rate: '5', applies_to: { billable_metric_codes: ['ct_calls'] } } } },
  ],
  'POST /applied_coupons': () => [
    { path: '/applied_coupons', body: { applied_coupon: { external_customer_id: 'ct_customer', coupon_code: 'ct_fixed', frequency: 'recurring', frequency_duration: 3, amount_cents: 500, amount_currency: 'EUR' } } },
    { path: '/applied_coupons', body: { applied_coupon: { external_customer_id: 'ct_customer', coupon_code: 'ct_pct', frequency: 'once', percentage_rate: '5' } } },
  ],
  'POST /customers': () => [{ path: '/customers', body: { customer: {
    external_id: 'ct_customer_new', name: 'Gavin Belson', firstname: 'Gavin', lastname: 'Belson', customer_type: 'company', email: 'gavin@hooli.test',
    phone: '1-171-883-3711', url: 'http://hooli.test', logo_url: 'http://hooli.test/logo.png', legal_name: 'Hooli', legal_number: '49-008-2965',
    tax_identification_number: 'EU123456789', address_line1: '5230 Penfield Ave', address_line2: 'Suite 1', city: 'Woodland Hills', state: 'CA',
    zipcode: '91364', country: 'US', currency: 'EUR', timezone: 'America/Los_Angeles', net_payment_term: 30, tax_codes: ['ct_vat'],
    billing_configuration: { payment_provider: 'stripe', payment_provider_code: 'stripe-eu-1', provider_customer_id: 'cus_12345', provider_payment_methods: ['card', 'sepa_debit'], invoice_grace_period: 3,
      // With a provider_customer_id given there is nothing to create at Stripe: stored and shown.
      sync: true, sync_with_provider: true },
    shipping_address: { address_line1: '1 Dock St', address_line2: 'Gate 4', city: 'Oakland', state: 'CA', zipcode: '94607', country: 'US' },
    metadata: [{ key: 'Purchase Order', value: '123456789', display_in_invoice: true }],
  } } }],
  'POST /subscriptions': () => [{ path: '/subscriptions', body: { subscription: {
    external_customer_id: 'ct_customer', plan_code: 'ct_base', external_id: 'ct_sub_new', name: 'Repository A', billing_time: 'anniversary',
    subscription_at: '2090-08-08T00:00:00Z', ending_at: '2091-10-08T00:00:00Z', purchase_order_number: 'PO-123', consolidate_invoice: false,
    usage_thresholds: [{ amount_cents: 10_000, threshold_display_name: 'Own', recurring: false }], progressive_billing_disabled: true,
    plan_overrides: {
      amount_cents: 4200, amount_currency: 'EUR', name: 'Overridden', invoice_display_name: 'Overridden plan', description: 'For one customer', trial_period: 3,
      tax_codes: ['ct_vat'], metadata: { deal: 'D-1' }, minimum_commitment: { amount_cents: 100_000, invoice_display_name: 'Minimum', tax_codes: ['ct_vat'] },
      usage_thresholds: [{ amount_cents: 5_000, threshold_display_name: 'Plan own', recurring: false }],
      charges: [{ id: ids.baseCharge, billable_metric_id: ids.calls, charge_model: 'standard', invoice_display_name: 'Own calls', min_amount_cents: 100,
        properties: { amount: '2' }, filters: [{ invoice_display_name: 'EU', properties: { amount: '3' }, values: { region: ['eu'] } }], tax_codes: ['ct_vat'] }],
    },
  } } }],
  'PUT /subscriptions/:externalId/lifetime_usage': () => [{ path: '/subscriptions/ct_sub/lifetime_usage', body: { lifetime_usage: { external_historical_usage_amount_cents: 100 } } }],
  'POST /events': () => [{ path: '/events', body: { event: {
    transaction_id: 'ct_tx_1', external_subscription_id: 'ct_sub', code: 'ct_calls', timestamp: nowSeconds(), properties: { n: 3, region: 'eu' }, precise_total_amount_cents: '1234.56',
  } } }],
  'POST /events/batch': () => [{ path: '/events/batch', body: { events: [
    { transaction_id: 'ct_batch_1', external_subscription_id: 'ct_sub', code: 'ct_calls', timestamp: nowSeconds(), properties: { n: 1 }, precise_total_amount_cents: '10' },
    { transaction_id: 'ct_batch_2', external_subscription_id: 'ct_sub', code: 'ct_calls', timestamp: nowSeconds(), properties: { n: 2, region: 'us' }, precise_total_amount_cents: '20.5' },
  ] } }],
  'POST /invoices': () => [{ path: '/invoices', body: { invoice: {
    external_customer_id: 'ct_customer', currency: 'EUR',
    fees: [{ add_on_code: 'ct_setup', invoice_display_name: 'Setup Fee (SF1)', unit_amount_cents: 12_000, units: '2.5', description: 'On boarding',
      from_datetime: '2030-08-08T00:00:00Z', to_datetime: '2030-09-08T00:00:00Z', tax_codes: ['ct_vat'] }],
  } } }],
  'PUT /subscriptions/:externalId': () => [{ path: '/subscriptions/ct_sub_edit', body: { status: 'pending', subscription: {
    name: 'Edited', subscription_at: '2090-02-01T00:00:00Z', ending_at: '2091-02-01T00:00:00Z', consolidate_invoice: false, purchase_order_number: 'PO-9',
    on_termination_credit_note: 'skip', on_termination_invoice: 'skip',
    plan_overrides: {
      amount_cents: 4300, amount_currency: 'EUR', name: 'Edited plan', invoice_display_name: 'Edited plan (inv)', description: 'Edited for one',
      charges: [{ id: ids.advanceCharge, properties: { amount: '3' } }],
    },
  } } }],
  'POST /invoices/preview': () => [
    { path: '/invoices/preview', body: { customer: { external_id: 'ct_customer' }, subscriptions: { external_ids: ['ct_sub'] } } },
    { path: '/invoices/preview', body: { customer: { external_id: 'ct_customer' }, plan_code: 'ct_base', subscription_at: '2090-08-08T00:00:00Z', billing_time: 'anniversary' } },
  ],
  'POST /events/estimate_fees': () => [{ path: '/events/estimate_fees', body: { event: { code: 'ct_estimate', external_subscription_id: 'ct_sub_advance', properties: { n: 1 } } } }],
  'PUT /invoices/:id': () => [{ path: `/invoices/${ids.invoiceToUpdate}`, body: { invoice: { payment_status: 'succeeded', metadata: [{ key: 'digital_ref_id', value: 'INV-0123456-98765' }] } } }],
  'POST /invoices/:id/void': () => [{ path: `/invoices/${ids.invoiceToVoid}/void`, body: {} }],
  'POST /invoices/:id/retry_payment': () => [{ path: `/invoices/${ids.invoiceToPay}/retry_payment`, body: {} }],
  'POST /payment_requests': () => [{ path: '/payment_requests', body: { payment_request: { external_customer_id: 'ct_customer', email: 'billing@ct.test', lago_invoice_ids: [ids.overdueInvoice] } } }],
  'POST /payments': () => [{ path: '/payments', body: { payment: { invoice_id: ids.invoiceToPay, amount_cents: 1_000, reference: 'ct-wire-1', paid_at: '2025-02-20' } } }],
  'POST /credit_notes': () => [{ path: '/credit_notes', body: { credit_note: {
    invoice_id: ids.paidInvoice, reason: 'duplicated_charge', description: 'Twice', credit_amount_cents: 100, refund_amount_cents: 50,
    items: [{ fee_id: ids.paidFee, amount_cents: 150 }], metadata: { external_id: 'ext-123', synced_at: '2024-01-15' },
  } } }],
  'PUT /credit_notes/:id': () => [{ path: `/credit_notes/${ids.creditNote}`, body: { credit_note: { refund_status: 'succeeded', metadata: { external_id: 'ext-9' } } } }],
  'POST /wallets': () => [{ path: '/wallets', body: { wallet: {
    external_customer_id: 'ct_wallet_customer', rate_amount: '1.5', currency: 'EUR', name: 'Prepaid', code: 'ct_prepaid', priority: 10, paid_credits: '20', granted_credits: '10',
    expiration_at: '2099-07-07T23:59:59Z', transaction_name: 'Tokens', transaction_metadata: [{ key: 'example_key', value: 'example_value' }],
    purchase_order_number: 'PO-W1', metadata: { external_id: 'ext-123' }, invoice_requires_successful_payment: true,
    // 20 paid credits at 1.5 = 3000 cents, within the limits.
    applies_to: { fee_types: ['subscription'], billable_metric_codes: ['ct_calls'] }, paid_top_up_min_amount_cents: 1000, paid_top_up_max_amount_cents: 5000,
    recurring_transaction_rules: [{
      trigger: 'threshold', method: 'fixed', threshold_credits: '5.0', paid_credits: '10.0', granted_credits: '2.0', started_at: '2098-01-01T00:00:00Z',
      expiration_at: '2099-01-01T00:00:00Z', transaction_name: 'Auto', transaction_metadata: [{ key: 'k', value: 'v' }], purchase_order_number: 'PO-R1', ignore_paid_top_up_limits: true,
      invoice_requires_successful_payment: true,
    }],
  } } }, { path: '/wallets', body: { wallet: {
    external_customer_id: 'ct_wallet_customer', rate_amount: '1', currency: 'EUR', code: 'ct_interval',
    recurring_transaction_rules: [{ trigger: 'interval', interval: 'monthly', method: 'fixed', granted_credits: '3.0', started_at: '2098-01-01T00:00:00Z' }],
  } } }, { path: '/wallets', body: { wallet: {
    external_customer_id: 'ct_wallet_customer', rate_amount: '1', currency: 'EUR', code: 'ct_target', recurring_transaction_rules: [{ trigger: 'threshold', method: 'target', threshold_credits: '5.0', target_ongoing_balance: '50.0', grants_target_top_up: false }],
  } } }],
  'PUT /wallets/:id': () => [{ path: `/wallets/${ids.wallet}`, body: { wallet: {
    name: 'Renamed', code: 'ct_renamed', priority: 5, expiration_at: '2098-07-07T23:59:59Z', purchase_order_number: 'PO-W2', metadata: { synced_at: '2024-01-15' },
    invoice_requires_successful_payment: true,
    applies_to: { fee_types: ['charge'], billable_metric_codes: ['ct_seats'] },
    recurring_transaction_rules: [{
      lago_id: ids.walletRule, trigger: 'threshold', method: 'target', threshold_credits: '3.0', target_ongoing_balance: '30.0', grants_target_top_up: true,
      started_at: '2098-01-01T00:00:00Z', expiration_at: '2099-01-01T00:00:00Z', transaction_name: 'Auto', transaction_metadata: [{ key: 'k', value: 'v' }], purchase_order_number: 'PO-R2',
      invoice_requires_successful_payment: true,
    }],
  } } }, { path: `/wallets/${ids.wallet}`, body: { wallet: {
    recurring_transaction_rules: [{ lago_id: ids.walletRule, trigger: 'interval', interval: 'quarterly', method: 'fixed', paid_credits: '4.0', granted_credits: '1.0', started_at: '2098-01-01T00:00:00Z' }],
  } } }],
  'POST /wallet_transactions': () => [{ path: '/wallet_transactions', body: { wallet_transaction: {
    wallet_id: ids.wallet, name: 'Bonus', granted_credits: '5', metadata: [{ key: 'example key', value: 'example value' }], purchase_order_number: 'PO-T1',
    invoice_requires_successful_payment: true,
  } } }],
  'POST /webhook_endpoints': () => [{ path: '/webhook_endpoints', body: { webhook_endpoint: {
    webhook_url: 'https://example.test/hooks', signature_algo: 'hmac', name: 'EC2-production', event_types: ['invoice.created', 'credit_note.created'],
  } } }],
  'PUT /webhook_endpoints/:id': () => [{ path: `/webhook_endpoints/${ids.endpoint}`, body: { webhook_endpoint: {
    webhook_url: 'https://example.test/edited', signature_algo: 'jwt', name: 'Edited', event_types: ['invoice.voided'],
  } } }],

  // The customer-scoped wallets take the wallet bodies (their customer is the path's), with the wallet's metadata.
  'POST /customers/:externalId/wallets': () => [{ path: '/customers/ct_wallet_customer/wallets', body: { wallet: {
    external_customer_id: 'ct_wallet_customer', rate_amount: '1.5', currency: 'EUR', name: 'Scoped', code: 'ct_cw_new', priority: 10, paid_credits: '20', granted_credits: '10',
    expiration_at: '2099-07-07T23:59:59Z', transaction_name: 'Tokens', transaction_metadata: [{ key: 'example_key', value: 'example_value' }],
    purchase_order_number: 'PO-CW1', metadata: { external_id: 'ext-123', source: null }, invoice_requires_successful_payment: true,
    applies_to: { fee_types: ['charge', 'commitment'], billable_metric_codes: ['ct_calls', 'ct_seats'] }, paid_top_up_min_amount_cents: 100, paid_top_up_max_amount_cents: 3000,
    recurring_transaction_rules: [{
      trigger: 'threshold', method: 'fixed', threshold_credits: '5.0', paid_credits: '10.0', granted_credits: '2.0', started_at: '2098-01-01T00:00:00Z',
      expiration_at: '2099-01-01T00:00:00Z', transaction_name: 'Auto', transaction_metadata: [{ key: 'k', value: 'v' }], purchase_order_number: 'PO-R1', ignore_paid_top_up_limits: true,
      invoice_requires_successful_payment: true,
    }],
  } } }, { path: '/customers/ct_wallet_customer/wallets', body: { wallet: {
    rate_amount: '1', currency: 'EUR', code: 'ct_cw_interval',
    recurring_transaction_rules: [{ trigger: 'interval', interval: 'weekly', method: 'fixed', paid_credits: '3.0', started_at: '2098-01-01T00:00:00Z' }],
  } } }, { path: '/customers/ct_wallet_customer/wallets', body: { wallet: {
    rate_amount: '1', currency: 'EUR', code: 'ct_cw_target', recurring_transaction_rules: [{ trigger: 'threshold', method: 'target', threshold_credits: '5.0', target_ongoing_balance: '50.0', grants_target_top_up: false }],
  } } }],
  'PUT /customers/:externalId/wallets/:code': () => [{ path: '/customers/ct_customer/wallets/ct_cw_edit', body: { wallet: {
    name: 'Scoped renamed', code: 'ct_cw_edited', priority: 5, expiration_at: '2098-07-07T23:59:59Z', purchase_order_number: 'PO-CW2', metadata: { synced_at: '2024-01-15' },
    invoice_requires_successful_payment: true,
    applies_to: { fee_types: ['subscription'], billable_metric_codes: [] },
    recurring_transaction_rules: [{
      lago_id: ids.customerWalletRule, trigger: 'threshold', method: 'target', threshold_credits: '3.0', target_ongoing_balance: '30.0', grants_target_top_up: true,
      started_at: '2098-01-01T00:00:00Z', expiration_at: '2099-01-01T00:00:00Z', transaction_name: 'Auto', transaction_metadata: [{ key: 'k', value: 'v' }], purchase_order_number: 'PO-R3',
      invoice_requires_successful_payment: true,
    }],
  } } }, { path: '/customers/ct_customer/wallets/ct_cw_edited', body: { wallet: {
    recurring_transaction_rules: [{ lago_id: ids.customerWalletRule, trigger: 'interval', interval: 'yearly', method: 'fixed', paid_credits: '4.0', granted_credits: '1.0', started_at: '2098-01-01T00:00:00Z' }],
  } } }],
  // The nested charge routes take a plan's charge (one sample per model, so every property is sent).
  'POST /plans/:code/charges': () => planCharges().map((charge) => ({ path: '/plans/ct_nested/charges', body: { charge: {
    ...charge, code: charge.code.replace(/^ct_/, 'ctn_new_'), cascade_updates: false,
  } } })),
  'PUT /plans/:code/charges/:chargeCode': () => planCharges().filter((charge) => charge.billable_metric_id === ids.calls).map((charge, i, all) => ({
    // Each sample renames the charge (its code is shown back), so the next one finds it by the new code.
    path: `/plans/ct_nested/charges/${i === 0 ? 'ctn_put' : all[i - 1]!.code.replace(/^ct_/, 'ctn_put_')}`,
    body: { charge: { ...charge, code: charge.code.replace(/^ct_/, 'ctn_put_'), cascade_updates: false } },
  })),
  'DELETE /plans/:code/charges/:chargeCode': () => [{ path: '/plans/ct_nested/charges/ctn_delete', body: { charge: { cascade_updates: false } } }],
  'POST /plans/:code/charges/:chargeCode/filters': () => planCharges().filter((charge) => charge.filters).map((charge) => ({
    path: `/plans/ct_nested/charges/${charge.code.replace(/^ct_/, 'ctn_')}/filters`,
    body: { filter: { ...charge.filters[0], invoice_display_name: `US ${charge.code}`, values: { region: ['us'] }, cascade_updates: true } },
  })),
  'PUT /plans/:code/charges/:chargeCode/filters/:id': () => planCharges().filter((charge) => charge.filters).map((charge) => {
    const code = charge.code.replace(/^ct_/, 'ctn_');
    return { path: `/plans/ct_nested/charges/${code}/filters/${ids[`filterOf:${code}`]}`, body: { filter: { ...charge.filters[0], invoice_display_name: `Europe ${code}`, cascade_updates: false } } };
  }),
  'DELETE /plans/:code/charges/:chargeCode/filters/:id': () => [{ path: `/plans/ct_nested/charges/ctn_delete_filter/filters/${ids['filterOf:ctn_delete_filter']}`, body: { filter: { cascade_updates: true } } }],
  // The nested fixed-charge routes take a plan's fixed charge (one sample per model), naming the add-on by code too.
  'POST /plans/:code/fixed_charges': () => planFixedCharges().map((charge) => ({ path: '/plans/ct_nested/fixed_charges', body: { fixed_charge: {
    ...charge, code: charge.code.replace(/^ctf_/, 'ctf_new_'), add_on_code: 'ct_setup', units: '1.0', apply_units_immediately: true, cascade_updates: false,
  } } })),
  'PUT /plans/:code/fixed_charges/:fixedChargeCode': () => planFixedCharges().map((charge, i, all) => ({
    // Each sample renames the fixed charge (its code is shown back), so the next one finds it by the new code.
    path: `/plans/ct_nested/fixed_charges/${i === 0 ? 'ctf_put' : all[i - 1]!.code.replace(/^ctf_/, 'ctf_put_')}`,
    body: { fixed_charge: { ...charge, code: charge.code.replace(/^ctf_/, 'ctf_put_'), add_on_code: 'ct_setup', units: '5', apply_units_immediately: false, cascade_updates: false } },
  })),
  'DELETE /plans/:code/fixed_charges/:fixedChargeCode': () => [{ path: '/plans/ct_nested/fixed_charges/ctf_delete', body: { fixed_charge: { cascade_updates: false } } }],
  // A subscription's charges (its overrides, on its child plan): one sample per model, so every property is sent.
  'PUT /subscriptions/:externalId/charges/:chargeCode': () => planCharges().filter((charge) => charge.filters).map((charge) => ({
    path: `/subscriptions/ct_sub_override/charges/${charge.code.replace(/^ct_/, 'ctn_')}`,
    body: { charge: { invoice_display_name: `Own ${charge.code}`, min_amount_cents: charge.min_amount_cents + 1, properties: charge.properties, filters: charge.filters, tax_codes: ['ct_vat'] } },
  })),
  'POST /subscriptions/:externalId/charges/:chargeCode/filters': () => planCharges().filter((charge) => charge.filters).map((charge) => ({
    path: `/subscriptions/ct_sub_override/charges/${charge.code.replace(/^ct_/, 'ctn_')}/filters`,
    body: { filter: { ...charge.filters[0], invoice_display_name: `US ${charge.code}`, values: { region: ['us'] }, cascade_updates: false } },
  })),
  'PUT /subscriptions/:externalId/charges/:chargeCode/filters/:filterId': () => planCharges().filter((charge) => charge.filters).map((charge) => {
    const code = charge.code.replace(/^ct_/, 'ctn_');
    return { path: `/subscriptions/ct_sub_override/charges/${code}/filters/${ids[`subFilterOf:${code}`]}`, body: { filter: { ...charge.filters[0], invoice_display_name: `Own EU ${code}`, cascade_updates: false } } };
  }),
  'PUT /subscriptions/:externalId/fixed_charges/:fixedChargeCode': () => [{ path: '/subscriptions/ct_sub/fixed_charges/ctf_base', body: { fixed_charge: { units: '2.0', apply_units_immediately: true } } }],
  // Lago's MetadataObject has no named property: any key, a string or null each.
  'POST /plans/:code/metadata': () => [{ path: '/plans/ct_base/metadata', body: { metadata: { external_id: 'ext-123', source: null } } }],
  'PATCH /plans/:code/metadata': () => [{ path: '/plans/ct_base/metadata', body: { metadata: { synced_at: '2024-01-15' } } }],
  'POST /wallets/:id/metadata': () => [{ path: `/wallets/${ids.wallet}/metadata`, body: { metadata: { external_id: 'ext-123' } } }],
  'PATCH /wallets/:id/metadata': () => [{ path: `/wallets/${ids.wallet}/metadata`, body: { metadata: { source: null } } }],
  'POST /customers/:externalId/wallets/:code/metadata': () => [{ path: '/customers/ct_customer/wallets/ct_cw_meta/metadata', body: { metadata: { external_id: 'ext-123' } } }],
  'PATCH /customers/:externalId/wallets/:code/metadata': () => [{ path: '/customers/ct_customer/wallets/ct_cw_meta/metadata', body: { metadata: { synced_at: '2024-01-15' } } }],
  'POST /credit_notes/:id/metadata': () => [{ path: `/credit_notes/${ids.creditNote}/metadata`, body: { metadata: { external_id: 'ext-123' } } }],
  'PATCH /credit_notes/:id/metadata': () => [{ path: `/credit_notes/${ids.creditNote}/metadata`, body: { metadata: { synced_at: '2024-01-15' } } }],
  'POST /subscriptions/:externalId/alerts': () => [
    { path: '/subscriptions/ct_sub_edit/alerts?subscription_status=pending', body: { alert: {
      alert_type: 'current_usage_amount', code: 'ct_alert_spend', name: 'Spend', thresholds: [{ code: 'warn', value: 8000, recurring: false }, { code: 'step', value: '2500.5', recurring: true }],
    } } },
    { path: '/subscriptions/ct_sub_edit/alerts?subscription_status=pending', body: { alert: {
      alert_type: 'billable_metric_current_usage_units', code: 'ct_alert_units', name: 'Units', billable_metric_code: 'ct_calls', thresholds: [{ code: 'many', value: 1000, recurring: false }],
    } } },
    { path: '/subscriptions/ct_sub_edit/alerts?subscription_status=pending', body: { alerts: [
      { alert_type: 'billable_metric_current_usage_amount', code: 'ct_alert_calls', name: 'Calls', billable_metric_code: 'ct_calls', thresholds: [{ code: 'high', value: '99.5', recurring: false }] },
      { alert_type: 'lifetime_usage_amount', code: 'ct_alert_life', name: 'Lifetime', thresholds: [{ code: 'life', value: 100000, recurring: false }, { code: 'every', value: 50000, recurring: true }] },
    ] } },
  ],
  'PUT /subscriptions/:externalId/alerts/:code': () => [{ path: '/subscriptions/ct_sub_edit/alerts/ct_alert_edit?subscription_status=pending', body: { alert: {
    code: 'ct_alert_edit', name: 'Edited', billable_metric_code: 'ct_seats', thresholds: [{ code: 'warn', value: 5000, recurring: false }, { code: 'step', value: '1000.5', recurring: true }],
  } } }],
  'POST /customers/:externalId/wallets/:walletCode/alerts': () => [
    { path: '/customers/ct_customer/wallets/ct_cw_alerts/alerts', body: { alert: {
      alert_type: 'wallet_balance_amount', code: 'ct_walert_balance', name: 'Balance', thresholds: [{ code: 'warn', value: 5000, recurring: false }, { code: 'step', value: '1000.5', recurring: true }],
    } } },
    { path: '/customers/ct_customer/wallets/ct_cw_alerts/alerts', body: { alerts: [
      { alert_type: 'wallet_credits_balance', code: 'ct_walert_credits', name: 'Credits', thresholds: [{ code: 'low', value: '10.5', recurring: false }] },
      { alert_type: 'wallet_ongoing_balance_amount', code: 'ct_walert_ongoing', name: 'Ongoing', thresholds: [{ code: 'low', value: 2500, recurring: false }, { code: 'every', value: 500, recurring: true }] },
    ] } },
  ],
  'PUT /customers/:externalId/wallets/:walletCode/alerts/:code': () => [{ path: '/customers/ct_customer/wallets/ct_cw_alerts/alerts/ct_walert_edit', body: { alert: {
    code: 'ct_walert_edit', name: 'Edited', thresholds: [{ code: 'warn', value: 50, recurring: false }, { code: 'step', value: '10.5', recurring: true }],
  } } }],
  'PUT /fees/:id': () => [{ path: `/fees/${ids.invoicelessFee}`, body: { fee: { payment_status: 'succeeded' } } }],
  'POST /features': () => [{ path: '/features', body: { feature: {
    code: 'ct_feature', name: 'Number of seats', description: 'Number of users of the account', privileges: [
      { code: 'max', name: 'Maximum', value_type: 'integer' },
      { code: 'provider', name: 'SSO Provider', value_type: 'select', config: { select_options: ['google', 'okta'] } },
    ],
  } } }],
  'PUT /features/:code': () => [{ path: '/features/ct_feature_edit', body: { feature: {
    name: 'Single sign-on', description: 'Who signs users in', privileges: [
      { code: 'provider', name: 'Provider', value_type: 'select', config: { select_options: ['google', 'okta'] } },
      { code: 'root', name: 'Allow root user', value_type: 'boolean' },
    ],
  } } }],
  'POST /plans/:code/entitlements': () => [{ path: '/plans/ct_base/entitlements', body: { entitlements: { ct_seats: { max: 10, sso: true } } } }],
  'PATCH /plans/:code/entitlements': () => [{ path: '/plans/ct_base/entitlements', body: { entitlements: { ct_seats: { max: 20 } } } }],
  'PATCH /subscriptions/:externalId/entitlements': () => [{ path: '/subscriptions/ct_sub/entitlements', body: { entitlements: { ct_seats: { max: 30 } } } }],
  'PUT /organizations': () => [{ path: '/organizations', body: { organization: {
    webhook_url: 'https://hooks.example.com/organization', country: 'US', default_currency: 'USD', address_line1: '100 Brex Street', address_line2: 'Floor 2',
    state: 'NYC', zipcode: '10000', email: 'brex@brex.test', city: 'New York', legal_name: 'Brex Inc', legal_number: '12-3456789',
    tax_identification_number: 'US123456789', document_numbering: 'per_organization', document_number_prefix: 'CT-ORG', net_payment_term: 30,
    timezone: 'America/New_York', billing_configuration: { invoice_footer: 'Thank you for your business', invoice_grace_period: 2 },
  } } }],
};

// Helpers ---------------------------------------------------------------------------------------

const send = (checked: CheckedOperation, { path, body }: Sample) =>
  request(api.app)[checked.op.method](`/api/v1${path}`).set('Authorization', `Bearer ${api.apiKey}`).send(body);

/** Sets `value` at `path`, `*` being the first element; missing objects and lists are created. */
function setAt(target: Json, path: string, value: unknown): void {
  const parts = path.split('.');
  let node: Json = target;
  parts.forEach((part, i) => {
    const key = part === '*' ? 0 : part;
    if (i === parts.length - 1) {
      node[key] = value;
      return;
    }
    if (node[key] === undefined || node[key] === null || typeof node[key] !== 'object') node[key] = parts[i + 1] === '*' ? [] : {};
    node = node[key] as Json;
  });
}

/** A value for a field from the spec that the refusal refuses (any non-null one for a field inside a refused object). */
function refusedValue(field: SpecField | undefined, refusal: Refusal, insideRefused: boolean): unknown {
  const typed: unknown[] = [];
  for (const type of field?.types ?? []) {
    if (type === 'boolean') typed.push(true, false);
    if (type === 'integer' || type === 'number') typed.push(1, 100);
    if (type === 'string') typed.push('x');
    if (type === 'array') typed.push([field!.schema.items ? exampleValue(spec!, field!.schema.items as Json) : 'x']);
  }
  const candidates = [...(refusal.examples ?? []), ...(field?.examples ?? []), ...(field?.enum ?? []), ...(field ? [exampleValue(spec!, field.schema)] : []), ...typed];
  return candidates.find((value) => value !== undefined && value !== null && (insideRefused || refusal.refuses(value)));
}

const concrete = (path: string) => path.replace(/\*/g, '0');

/** Lago's field and Billow's answer say the same: numbers and decimal strings by value, dates by instant, lists of scalars as sets. */
function same(sent: unknown, got: unknown): boolean {
  if (sent === null || sent === undefined) return got === null || got === undefined;
  if (Array.isArray(sent)) {
    if (!Array.isArray(got) || got.length !== sent.length) return false;
    if (sent.every((v) => typeof v !== 'object' || v === null)) {
      const left = sent.map((v) => JSON.stringify(v)).sort();
      const right = got.map((v) => JSON.stringify(v)).sort();
      return left.every((v, i) => v === right[i]) || sent.every((v, i) => same(v, got[i]));
    }
    return sent.every((v, i) => same(v, got[i]));
  }
  if (typeof sent === 'object') {
    if (typeof got !== 'object' || got === null) return false;
    return Object.entries(sent).every(([key, value]) => same(value, (got as Json)[key]));
  }
  if (sent === got) return true;
  const number = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : undefined);
  const instant = (v: unknown) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : undefined);
  if (number(sent) !== undefined && number(got) !== undefined) return number(sent) === number(got);
  if (instant(sent) !== undefined && instant(got) !== undefined) return instant(sent) === instant(got);
  // Lago's Unix-seconds timestamps come back as ISO-8601.
  if (typeof sent === 'number' && instant(got) !== undefined) return Math.abs(sent * 1000 - instant(got)!) < 1000;
  return false;
}

/** The answer at `target` (with `*`), the first `*`s standing for the indices of `concretePath` (the field sent). */
function answerAt(answer: unknown, target: string, concretePath: string): unknown {
  const indices = concretePath.split('.').filter((part) => /^\d+$/.test(part));
  let n = 0;
  const path = target.split('.').map((part) => (part === '*' && n < indices.length ? indices[n++]! : part)).join('.');
  const values = valuesAt(answer, path);
  return path.includes('*') ? values.map((v) => v.value) : values[0]?.value;
}

// The tests --------------------------------------------------------------------------------------

test("Lago's OpenAPI description is found", () => {
  if (specError) throw specError;
  expect(CHECKED.length).toBeGreaterThan(0);
});

test('every operation Billow serves with a body Lago describes has a contract that classifies every field Lago defines', () => {
  if (specError) throw specError;
  const problems: string[] = [];
  for (const checked of CHECKED) {
    const { contract } = checked;
    if (!contract) {
      problems.push(`${checked.key}: no request contract (withContract on its body schema)`);
      continue;
    }
    for (const field of checked.fields) {
      if (classify(contract, field, checked.fields).kind === 'unclassified') problems.push(`${checked.key}: ${field.path} is neither honoured nor refused`);
    }
    for (const field of checked.beside) if (!contract.beside?.[field.path]) problems.push(`${checked.key}: ${field.path} (beside the root) is neither honoured nor refused`);
    // Every declaration names a field Lago defines (a typo would classify nothing), unless marked beyondSpec.
    const known = new Set(checked.fields.map((f) => f.path));
    const beyondSpec = new Set(contract.honouredBeyondSpec ?? []);
    for (const path of Object.keys(contract.honoured)) if (!known.has(path) && !beyondSpec.has(path)) problems.push(`${checked.key}: honoured ${path} is not in Lago's spec`);
    for (const path of beyondSpec) {
      if (known.has(path)) problems.push(`${checked.key}: honoured ${path} is in Lago's spec now: drop it from honouredBeyondSpec`);
      if (contract.honoured[path] === undefined) problems.push(`${checked.key}: ${path} is honoured beyond the spec but not declared in honoured`);
    }
    for (const [path, refusal] of Object.entries(contract.refused)) {
      if (!known.has(path) && !(refusal.beyondSpec && refusal.examples)) problems.push(`${checked.key}: refused ${path} is not in Lago's spec (mark it beyondSpec, with examples)`);
      if (known.has(path) && refusal.beyondSpec) problems.push(`${checked.key}: refused ${path} is in Lago's spec now: drop beyondSpec`);
    }
    for (const path of Object.keys(contract.beside ?? {})) if (!checked.beside.some((f) => f.path === path)) problems.push(`${checked.key}: ${path} is not beside the root in Lago's spec`);
    for (const [path, how] of Object.entries(contract.honoured)) {
      if (how === SHOWN || how.startsWith('shown as ')) continue;
      if (how.trim().length < 20) problems.push(`${checked.key}: honoured ${path} must say where Billow acts on it`);
      // Where Lago's answer has the field, it must come back (and is checked below).
      if (checked.answerPaths.has(path)) problems.push(`${checked.key}: honoured ${path} is in Lago's answer: declare it SHOWN`);
    }
  }
  expect(problems).toEqual([]);
});

test('every checked operation has valid sample bodies here', () => {
  if (specError) throw specError;
  expect(CHECKED.map((c) => c.key).filter((key) => !SAMPLES[key])).toEqual([]);
});

test('the counts', () => {
  if (specError) throw specError;
  const counts = contractCounts(spec!);
  expect(counts.fields).toBe(counts.honoured + counts.refused);
  // Printed for the lead's report (also: npx tsx scripts/contract-counts.ts).
  console.log(`Request contract: ${counts.operations} operations of lago-openapi.yaml checked; ${counts.fields} request fields: `
    + `${counts.honoured} honoured (${counts.partlyRefused} with some values refused), ${counts.refused} refused (${counts.forbidden} with 403 feature_unavailable); `
    + `declarations: ${counts.declaredHonoured} honoured, ${counts.declaredRefused} refused`);
});

// Without the spec there is nothing to generate: the first test fails with the reason.
if (CHECKED.length > 0) describe.each(CHECKED.map((checked) => [checked.key, checked] as const))('%s', (key, checked) => {
  test('each refused field, set to a value that is not its default, is answered with a 4xx naming it, and nothing is written', async () => {
    const { contract } = checked;
    expect(contract).toBeDefined();
    const [sample] = SAMPLES[key]!();
    const root = checked.op.body?.root;
    const probes: { label: string; path: string; value: unknown; named: string; forbidden: boolean; beside: boolean }[] = [];
    const byPath = new Map(checked.fields.map((f) => [f.path, f]));
    for (const field of checked.fields) {
      const c = classify(contract!, field, checked.fields);
      const refusal = c.kind === 'refused' ? c.refusal : c.kind === 'honoured' ? c.alsoRefused : undefined;
      if (!refusal || c.kind === 'container') continue;
      const declaredAt = c.kind === 'refused' ? c.declaredAt : field.path;
      const value = refusedValue(field, refusal, declaredAt !== field.path);
      probes.push({ label: field.path, path: field.path, value, named: concrete(declaredAt), forbidden: refusal.forbidden === true, beside: false });
    }
    for (const [path, refusal] of Object.entries(contract!.refused)) {
      if (byPath.has(path)) continue; // not in the spec: probed with its own examples
      probes.push({ label: path, path, value: refusedValue(undefined, refusal, false), named: concrete(path), forbidden: refusal.forbidden === true, beside: false });
    }
    for (const [path, refusal] of Object.entries(contract!.beside ?? {})) {
      const field = checked.beside.find((f) => f.path === path);
      probes.push({ label: `${path} (beside the root)`, path, value: refusedValue(field, refusal, false), named: path, forbidden: refusal.forbidden === true, beside: true });
    }

    const before = await snapshotTables(database.db, tables);
    const failures: string[] = [];
    for (const probe of probes) {
      if (probe.value === undefined) {
        failures.push(`${probe.label}: no refused value could be built from the spec`);
        continue;
      }
      const body = structuredClone(sample!.body);
      if (probe.beside) body[probe.path] = probe.value;
      else setAt(root ? body[root] : body, probe.path, probe.value);
      const response = await send(checked, { path: sample!.path, body });
      const expected = probe.forbidden
        ? { status: 403, body: { status: 403, error: 'Forbidden', code: 'feature_unavailable' } }
        : { status: 422, body: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { [probe.named]: ['feature_not_supported'] } } };
      if (response.status !== expected.status || JSON.stringify(response.body) !== JSON.stringify(expected.body)) {
        failures.push(`${probe.label} = ${JSON.stringify(probe.value)?.slice(0, 80)}: ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshotTables(database.db, tables)).toBe(before);
  });

  test('each honoured field comes back in the answer, or the contract says where Billow acts on it', async () => {
    const { contract } = checked;
    expect(contract).toBeDefined();
    const root = checked.op.body?.root;
    const responseRoot = checked.op.response.root;
    const failures: string[] = [];
    const covered = new Set<string>();
    for (const sample of SAMPLES[key]!()) {
      const response = await send(checked, sample);
      if (response.status !== 200) {
        failures.push(`sample ${JSON.stringify(sample.body).slice(0, 120)}: ${response.status} ${JSON.stringify(response.body).slice(0, 400)}`);
        continue;
      }
      const inner = root ? sample.body[root] : sample.body;
      let answer: unknown = root && responseRoot ? response.body[responseRoot] : response.body;
      if (Array.isArray(answer) && !Array.isArray(inner)) answer = answer[0];
      for (const [path, how] of Object.entries(contract!.honoured)) {
        if (how !== SHOWN && !how.startsWith('shown as ')) continue;
        const target = how === SHOWN ? path : how.slice('shown as '.length);
        for (const sent of valuesAt(inner, path)) {
          if (sent.value === undefined || sent.value === null) continue;
          covered.add(path);
          const got = answerAt(answer, target, sent.path);
          if (!same(sent.value, got)) failures.push(`${sent.path}: sent ${JSON.stringify(sent.value)}, the answer has ${JSON.stringify(got)} at ${target}`);
        }
      }
    }
    const shown = Object.entries(contract!.honoured).filter(([, how]) => how === SHOWN || how.startsWith('shown as ')).map(([path]) => path);
    for (const path of shown) if (!covered.has(path)) failures.push(`${path}: no sample body here sends it (add it to SAMPLES)`);
    expect(failures).toEqual([]);
  });
});

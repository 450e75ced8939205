/**
 * The OpenAPI 3.1 description of Billow's API, served at `GET /api/v1/openapi.json`, and the
 * operation registry it is generated from. Request bodies come from the zod schemas the routes
 * validate with (`z.toJSONSchema`, input side), each carrying its request contract
 * (src/api/contract.ts: honoured and refused fields); events are parsed by hand, so their body is
 * described by a zod schema written for the document (and the contract) in schemas/events.ts.
 * Answers come from the zod schemas the serializers are typed by (`responseSchemas`, output side):
 * an operation's root key names its object (`plan`, `plans`), or its entry gives `response.schema`.
 *
 * Every route the app mounts must have one entry in OPERATIONS: test/api/openapi.test.ts walks the
 * Express router stack (`mountedRoutes`) and compares, so a new route without an entry fails.
 */
import { Router } from 'express';
import { z } from 'zod';
import { renderDocsPage } from './docs-page';
import { createAddOnSchema, updateAddOnSchema } from './schemas/add-ons';
import { applyCouponSchema } from './schemas/applied-coupons';
import { createBillableMetricSchema, evaluateExpressionSchema, updateBillableMetricSchema } from './schemas/billable-metrics';
import { createCouponSchema, updateCouponSchema } from './schemas/coupons';
import { customerSchema } from './schemas/customers';
import { estimateFeesSchema, eventBatchDocSchema, eventDocSchema } from './schemas/events';
import {
  createCreditNoteSchema, createWalletSchema, invoicePreviewSchema, oneOffInvoiceSchema, updateCreditNoteSchema, updateInvoiceSchema,
  updateWalletSchema, voidInvoiceSchema, walletTransactionSchema,
} from './schemas/money';
import { createPlanSchema, updatePlanSchema } from './schemas/plans';
import { createSubscriptionSchema, updateSubscriptionSchema } from './schemas/subscriptions';
import {
  createSubscriptionChargeFilterSchema, deleteSubscriptionChargeFilterSchema, subscriptionChargeSchema, updateSubscriptionChargeFilterSchema,
} from './schemas/plan-overrides';
import { createTaxSchema, updateTaxSchema } from './schemas/taxes';
import { createWebhookEndpointSchema, updateWebhookEndpointSchema } from './schemas/webhook-endpoints';
import { advanceClockSchema } from './routes/sandbox';
import { updateFeeSchema } from './schemas/fees';
import { updateOrganizationSchema } from './schemas/organizations';
import { metadataSchema } from './schemas/metadata';
import {
  createChargeFilterSchema, deleteChargeFilterSchema, deleteChargeSchema, planChargeSchema, updateChargeFilterSchema, updatePlanChargeSchema,
} from './schemas/plan-charges';
import { createCustomerWalletSchema, updateCustomerWalletSchema } from './schemas/customer-resources';
import { dunningCampaignSchema, manualPaymentSchema, paymentRequestSchema, retryPaymentSchema, stripeConnectionSchema } from './schemas/payments';
import { createFeatureSchema, entitlementsSchema, updateFeatureSchema } from './schemas/features';
import { createAlertsBodySchema, updateAlertSchema } from './schemas/alerts';
import { createWalletAlertsBodySchema, updateWalletAlertSchema } from './schemas/wallet-alerts';
import { walletAlertSchema as walletAlertJson } from '../serializers/wallet-alert';
import { deletePlanFixedChargeSchema, planFixedChargeSchema, subscriptionFixedChargeSchema } from './schemas/fixed-charges';
import { responseSchemas } from '../serializers/common';
import { addOnSchema as addOnJson } from '../serializers/add-on';
import { alertSchema as alertJson } from '../serializers/alert';
import { billableMetricSchema as billableMetricJson, expressionResultSchema as expressionResultJson } from '../serializers/billable-metric';
import { appliedCouponSchema as appliedCouponJson, couponSchema as couponJson } from '../serializers/coupon';
import { creditNoteSchema as creditNoteJson } from '../serializers/credit-note';
import { customerSchema as customerJson } from '../serializers/customer';
import { eventSchema as eventJson, tracedEventSchema as tracedEventJson } from '../serializers/event';
import { estimatedFeeSchema as estimatedFeeJson, feeSchema as feeJson, invoiceSchema as invoiceJson } from '../serializers/invoice';
import { chargeFilterSchema as chargeFilterJson, chargeSchema as chargeJson, fixedChargeSchema as fixedChargeJson, planSchema as planJson } from '../serializers/plan';
import { metadataObjectSchema as metadataJson } from '../serializers/metadata';
import { featureSchema as featureJson } from '../serializers/feature';
import { planEntitlementSchema as planEntitlementJson, subscriptionEntitlementSchema as subscriptionEntitlementJson } from '../serializers/entitlement';
import { organizationSchema as organizationJson } from '../serializers/organization';
import { paymentSchema as paymentJson } from '../serializers/payment';
import {
  customerCheckoutUrlSchema as customerCheckoutUrlJson, invoicePaymentUrlSchema as invoicePaymentUrlJson, paymentProviderSchema as paymentProviderJson,
} from '../serializers/payment-provider';
import { dunningCampaignSchema as dunningCampaignJson } from '../serializers/dunning-campaign';
import { paymentRequestSchema as paymentRequestJson } from '../serializers/payment-request';
import { pastUsageSchema as pastUsageJson } from '../serializers/past-usage';
import {
  grossRevenueSchema as grossRevenueJson, invoiceCollectionSchema as invoiceCollectionJson, invoicedUsageSchema as invoicedUsageJson,
  mrrSchema as mrrJson, overdueBalanceSchema as overdueBalanceJson,
} from '../serializers/analytics';
import { subscriptionSchema as subscriptionJson } from '../serializers/subscription';
import { taxSchema as taxJson } from '../serializers/tax';
import { customerUsageSchema as customerUsageJson } from '../serializers/usage';
import { lifetimeUsageSchema as lifetimeUsageJson } from '../serializers/usage-threshold';
import { lifetimeUsageSchema } from './schemas/lifetime-usage';
import {
  walletSchema as walletJson, walletTransactionConsumptionSchema as walletTransactionConsumptionJson, walletTransactionFundingSchema as walletTransactionFundingJson,
  walletTransactionSchema as walletTransactionJson,
} from '../serializers/wallet';
import { webhookDeliverySchema as webhookDeliveryJson, webhookEndpointSchema as webhookEndpointJson, webhookSchema as webhookJson } from '../serializers/webhook';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Operation {
  method: Method;
  /** The Express path, `/api/v1/plans/:code`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** A body wrapped in a root key (`{"plan": {...}}`), or sent as is (`root` absent). */
  body?: { root?: string; schema: z.ZodType; optional?: true };
  /** Query parameters: name → description (names ending in `[]` are arrays). */
  query?: Record<string, string>;
  /**
   * The success answer: its root key, whether it is a paginated list, or another content type.
   * `schema` is what the root holds (an item of a list), or the whole body without a root; without
   * it the root names the object (RESPONSE_OBJECTS: `plan`, `plans`…).
   */
  response: { root?: string; list?: boolean; contentType?: string; description?: string; schema?: z.ZodType; empty?: true };
  /** Error statuses besides 401 (every operation but the public ones); 404 names its resource, 503 its code. */
  errors?: { 400?: true; 403?: true; 404?: string; 405?: true; 422?: true; 503?: string };
  /** Reachable without an API key. */
  public?: true;
  /** Mounted only with `npm start -- --sandbox`. */
  sandboxOnly?: true;
}

const PAGE = { page: 'Page number, from 1 (default 1).', per_page: 'Items per page (default 100, at most 1000).' };
const v1 = (path: string) => `/api/v1${path}`;


/** The serializers' objects by root key, singular and plural (`plan` and `plans` hold a Plan). */
const RESPONSE_OBJECTS: Record<string, z.ZodType> = {
  add_on: addOnJson, add_ons: addOnJson,
  alert: alertJson, alerts: alertJson,
  applied_coupon: appliedCouponJson, applied_coupons: appliedCouponJson,
  billable_metric: billableMetricJson, billable_metrics: billableMetricJson,
  charge: chargeJson, charges: chargeJson,
  filter: chargeFilterJson, filters: chargeFilterJson,
  fixed_charge: fixedChargeJson, fixed_charges: fixedChargeJson,
  metadata: metadataJson,
  organization: organizationJson,
  usage_periods: pastUsageJson,
  gross_revenues: grossRevenueJson,
  invoice_collections: invoiceCollectionJson,
  invoiced_usages: invoicedUsageJson,
  mrrs: mrrJson,
  overdue_balances: overdueBalanceJson,
  coupon: couponJson, coupons: couponJson,
  credit_note: creditNoteJson, credit_notes: creditNoteJson,
  customer: customerJson, customers: customerJson,
  customer_usage: customerUsageJson,
  lifetime_usage: lifetimeUsageJson,
  event: eventJson, events: eventJson,
  fee: feeJson, fees: feeJson,
  feature: featureJson, features: featureJson,
  invoice: invoiceJson, invoices: invoiceJson,
  payment: paymentJson, payments: paymentJson,
  payment_request: paymentRequestJson, payment_requests: paymentRequestJson,
  plan: planJson, plans: planJson,
  subscription: subscriptionJson, subscriptions: subscriptionJson,
  tax: taxJson, taxes: taxJson,
  wallet: walletJson, wallets: walletJson,
  wallet_transaction: walletTransactionJson, wallet_transactions: walletTransactionJson,
  wallet_transaction_consumptions: walletTransactionConsumptionJson, wallet_transaction_fundings: walletTransactionFundingJson,
  webhook_endpoint: webhookEndpointJson, webhook_endpoints: webhookEndpointJson,
  webhook_delivery: webhookDeliveryJson, webhook_deliveries: webhookDeliveryJson,
  webhook: webhookJson, webhooks: webhookJson,
};
/** Root keys that hold a list (answered without `meta` unless the operation is a paginated list). */
const PLURAL_ROOTS = new Set([
  'add_ons', 'alerts', 'applied_coupons', 'billable_metrics', 'charges', 'coupons', 'credit_notes', 'customers', 'events', 'fees', 'filters', 'fixed_charges', 'invoices', 'payments', 'plans',
  'subscriptions', 'taxes', 'usage_periods', 'wallets', 'wallet_transactions', 'wallet_transaction_consumptions', 'wallet_transaction_fundings', 'webhook_endpoints', 'webhook_deliveries', 'webhooks',
  'gross_revenues', 'invoice_collections', 'invoiced_usages', 'mrrs', 'overdue_balances',
]);

const healthJson = z.object({ version: z.string(), github_url: z.string(), message: z.literal('Success') })
  .register(responseSchemas, { id: 'Health' });
const readyJson = z.object({
  version: z.string(), github_url: z.string(), message: z.literal('Success'),
  checks: z.record(z.string(), z.string()).describe('Each check (`postgres`, `temporal`, `worker`): `ok`.'),
}).register(responseSchemas, { id: 'Ready', description: 'Not ready answers 503 `{"status":503,"error":"Service Unavailable","code":"not_ready","message","checks"}`, each check `ok` or what is wrong.' });
const openApiJson = z.looseObject({ openapi: z.literal('3.1.0'), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) })
  .register(responseSchemas, { id: 'OpenApiDocument', description: 'This document.' });
const webhookPublicKeyJson = z.object({ public_key: z.string().describe('The RSA public key of JWT signatures, base64 of its PEM.') })
  .register(responseSchemas, { id: 'WebhookPublicKey' });
const providerWebhookAnswerJson = z.object({ received: z.literal(true), handled: z.boolean().describe('False for a replayed event or one Billow does not act on.') })
  .register(responseSchemas, { id: 'ProviderWebhookAnswer' });
const sandboxClockJson = z.object({
  now: z.string().meta({ format: 'date-time' }),
  previous: z.string().meta({ format: 'date-time' }).optional(),
  target: z.string().meta({ format: 'date-time' }).optional(),
  complete: z.boolean().optional().describe('false (HTTP 202): the wait ran out before the clock got to the target; the advance goes on.'),
})
  .register(responseSchemas, { id: 'SandboxClock' });

const planEntitlementsJson = z.array(planEntitlementJson).register(responseSchemas, { id: 'PlanEntitlements' });
const subscriptionEntitlementsJson = z.array(subscriptionEntitlementJson).register(responseSchemas, { id: 'SubscriptionEntitlements' });
const alertOrAlertsJson = z.union([z.object({ alert: alertJson }), z.object({ alerts: z.array(alertJson) })])
  .register(responseSchemas, { id: 'AlertOrAlerts', description: 'One alert created, or a batch.' });
const walletAlertOrAlertsJson = z.union([z.object({ alert: walletAlertJson }), z.object({ alerts: z.array(walletAlertJson) })])
  .register(responseSchemas, { id: 'WalletAlertOrAlerts', description: 'One wallet alert created, or a batch.' });

/** The five routes of a catalog resource addressed by its code (`/plans/:code`). */
function catalogResource(options: {
  base: string; tag: string; root: string; plural: string; noun: string; create: z.ZodType; update: z.ZodType; extraErrors?: Operation['errors'];
  /** The deletion's description and statuses (default: 404, and 405 while the object is in use). */
  deletion?: { description: string; errors: Operation['errors'] };
}): Operation[] {
  const { base, tag, root, plural, noun, create, update } = options;
  const extra = options.extraErrors ?? {};
  const deletion = options.deletion ?? { description: undefined, errors: { 404: root, 405: true } };
  return [
    { method: 'post', path: v1(base), tag, summary: `Create a ${noun}`, body: { root, schema: create }, response: { root }, errors: { 400: true, 422: true, ...extra } },
    { method: 'put', path: v1(`${base}/:code`), tag, summary: `Update a ${noun}`, body: { root, schema: update }, response: { root }, errors: { 400: true, 404: root, 422: true, ...extra } },
    { method: 'get', path: v1(`${base}/:code`), tag, summary: `Retrieve a ${noun}`, response: { root }, errors: { 404: root } },
    { method: 'get', path: v1(base), tag, summary: `List ${plural.replace(/_/g, ' ')}`, query: PAGE, response: { root: plural, list: true } },
    { method: 'delete', path: v1(`${base}/:code`), tag, summary: `Delete a ${noun}`, ...(deletion.description ? { description: deletion.description } : {}), response: { root }, errors: deletion.errors },
  ];
}

export const OPERATIONS: readonly Operation[] = [
  { method: 'get', path: '/health', tag: 'Platform', summary: 'Health check', public: true, response: { description: '`{"version","github_url","message":"Success"}`', schema: healthJson } },
  { method: 'get', path: '/ready', tag: 'Platform', summary: 'Readiness: PostgreSQL and Temporal answer and a worker polls (503 otherwise)', public: true, response: { description: '`{"version","github_url","message":"Success","checks"}`; 503 `not_ready` with what is missing.', schema: readyJson } },
  { method: 'get', path: v1('/openapi.json'), tag: 'Platform', summary: 'This OpenAPI document', public: true, response: { description: 'The OpenAPI 3.1 document.', schema: openApiJson } },
  { method: 'get', path: '/docs', tag: 'Platform', summary: 'The API reference as an HTML page', public: true, response: { contentType: 'text/html', description: 'A self-contained HTML page.' } },

  ...catalogResource({ base: '/billable_metrics', tag: 'Billable metrics', root: 'billable_metric', plural: 'billable_metrics', noun: 'billable metric', create: createBillableMetricSchema, update: updateBillableMetricSchema }),
  { method: 'post', path: v1('/billable_metrics/evaluate_expression'), tag: 'Billable metrics', summary: 'Evaluate an expression on a sample event', description: 'Lago\'s expression language (arithmetic, `round`/`ceil`/`floor` with digits, `concat`, `event.properties.<name>`, `event.timestamp`, `event.code`), evaluated without running code. 422 `expression: value_is_mandatory` when blank, `expression: invalid_expression` when it does not parse, `event: invalid_event` when the event cannot satisfy it.', body: { schema: evaluateExpressionSchema }, response: { root: 'expression_result', schema: expressionResultJson }, errors: { 400: true, 422: true } },
  ...catalogResource({
    base: '/plans', tag: 'Plans', root: 'plan', plural: 'plans', noun: 'plan', create: createPlanSchema, update: updatePlanSchema, extraErrors: { 403: true },
    deletion: {
      description: 'As Lago: the plan is marked `pending_deletion` (`plan.deleted`; it accepts no new subscription: 422 `plan_code: plan_pending_deletion`), each subscription on it is terminated through its workflow (final invoice and credit note as any termination; a scheduled downgrade to it is dropped), and the plan is deleted once none is left. Synchronous: answers the plan as marked once its subscriptions are ended, or 503 `subscriptions_still_active` when a workflow cannot answer now (the plan stays pending deletion; repeat the request).',
      errors: { 404: 'plan', 503: 'subscriptions_still_active' },
    },
  }),
  ...catalogResource({ base: '/taxes', tag: 'Taxes', root: 'tax', plural: 'taxes', noun: 'tax', create: createTaxSchema, update: updateTaxSchema }),
  ...catalogResource({ base: '/add_ons', tag: 'Add-ons', root: 'add_on', plural: 'add_ons', noun: 'add-on', create: createAddOnSchema, update: updateAddOnSchema }),
  ...catalogResource({ base: '/coupons', tag: 'Coupons', root: 'coupon', plural: 'coupons', noun: 'coupon', create: createCouponSchema, update: updateCouponSchema }),

  { method: 'post', path: v1('/applied_coupons'), tag: 'Coupons', summary: 'Apply a coupon to a customer', body: { root: 'applied_coupon', schema: applyCouponSchema }, response: { root: 'applied_coupon' }, errors: { 400: true, 404: 'coupon', 422: true } },
  { method: 'get', path: v1('/applied_coupons'), tag: 'Coupons', summary: 'List applied coupons', query: { ...PAGE, external_customer_id: 'Only this customer’s.', status: '`active` or `terminated`.', 'coupon_code[]': 'Only these coupons.' }, response: { root: 'applied_coupons', list: true } },

  { method: 'post', path: v1('/customers'), tag: 'Customers', summary: 'Create or update a customer (upsert by external_id)', body: { root: 'customer', schema: customerSchema }, response: { root: 'customer' }, errors: { 400: true, 422: true } },
  { method: 'get', path: v1('/customers'), tag: 'Customers', summary: 'List customers', query: { ...PAGE, search_term: 'Matches name, email, external_id…', 'currencies[]': 'ISO 4217 codes.', 'countries[]': 'ISO 3166 alpha-2 codes.' }, response: { root: 'customers', list: true } },
  { method: 'get', path: v1('/customers/:externalId'), tag: 'Customers', summary: 'Retrieve a customer', response: { root: 'customer' }, errors: { 404: 'customer' } },
  { method: 'delete', path: v1('/customers/:externalId'), tag: 'Customers', summary: 'Delete a customer', description: 'As Lago: the customer\'s active subscriptions are terminated and its pending ones canceled, each through its workflow (final invoices and credit notes as any termination), then the customer is deleted and its applied coupons terminated. Synchronous: answers once that is done, or 503 `subscriptions_still_active` when a workflow cannot answer now (nothing is deleted; repeat the request).', response: { root: 'customer' }, errors: { 404: 'customer', 503: 'subscriptions_still_active' } },
  { method: 'get', path: v1('/customers/:externalId/current_usage'), tag: 'Customers', summary: "A subscription's usage in its current period", query: { external_subscription_id: 'The subscription (required when the customer has several).', apply_taxes: '`false` leaves taxes out.' }, response: { root: 'customer_usage' }, errors: { 404: 'customer', 422: true } },
  { method: 'get', path: v1('/customers/:externalId/applied_coupons'), tag: 'Customers', summary: "A customer's applied coupons", query: { ...PAGE, status: '`active` or `terminated`.' }, response: { root: 'applied_coupons', list: true }, errors: { 404: 'customer' } },
  { method: 'delete', path: v1('/customers/:externalId/applied_coupons/:id'), tag: 'Customers', summary: 'Remove an applied coupon', response: { root: 'applied_coupon' }, errors: { 404: 'applied_coupon' } },

  { method: 'post', path: v1('/subscriptions'), tag: 'Subscriptions', summary: 'Create a subscription (or change its plan)', description: 'Starts the subscription’s Temporal workflow; an active `external_id` with another plan is an upgrade or a downgrade. The plan must be in the customer\'s currency (422 `currency: currencies_does_not_match`; a customer without a currency takes the plan\'s) and not pending deletion (422 `plan_code: plan_pending_deletion`).', body: { root: 'subscription', schema: createSubscriptionSchema }, response: { root: 'subscription' }, errors: { 400: true, 404: 'plan', 422: true } },
  { method: 'get', path: v1('/subscriptions'), tag: 'Subscriptions', summary: 'List subscriptions', query: { ...PAGE, external_customer_id: 'Only this customer’s.', plan_code: 'Only on this plan.', 'status[]': 'Statuses (default `active`).' }, response: { root: 'subscriptions', list: true } },
  { method: 'get', path: v1('/subscriptions/:externalId'), tag: 'Subscriptions', summary: 'Retrieve a subscription', query: { status: 'Which one of that external_id (default `active`).' }, response: { root: 'subscription' }, errors: { 404: 'subscription' } },
  { method: 'put', path: v1('/subscriptions/:externalId'), tag: 'Subscriptions', summary: 'Edit a subscription', description: 'Lago\'s editable fields: `name`, `ending_at` (moves or, with null, clears the automatic termination; never before a billing date already invoiced), `subscription_at` (only before the start: the workflow\'s start moves), `consolidate_invoice`, `purchase_order_number`, and the termination options Lago\'s service reads (`on_termination_credit_note`: credit, refund or skip, pay-in-advance plans only; `on_termination_invoice`: generate or skip). The change reaches the subscription\'s workflow as an update with a validator: a refusal is a 422 naming the field, and nothing changes.', query: { status: '`pending` to edit one not started yet (default `active`); also accepted beside the envelope.' }, body: { root: 'subscription', schema: updateSubscriptionSchema }, response: { root: 'subscription' }, errors: { 400: true, 404: 'subscription', 422: true } },
  { method: 'get', path: v1('/subscriptions/:externalId/lifetime_usage'), tag: 'Subscriptions', summary: 'Retrieve a subscription\'s lifetime usage', description: 'The active subscription\'s historical usage (seeded by PUT), the usage its past periods invoiced, the current period\'s usage so far (before taxes, computed now from the stored events), and each usage threshold\'s progress: reached ones with `completion_ratio` 1 and `reached_at`, the next one with the share covered since the previous one.', response: { root: 'lifetime_usage' }, errors: { 404: 'subscription' } },
  { method: 'put', path: v1('/subscriptions/:externalId/lifetime_usage'), tag: 'Subscriptions', summary: 'Seed a subscription\'s historical usage', description: 'Sets `external_historical_usage_amount_cents` (a subscription migrated from elsewhere): it counts towards the usage thresholds from then on, and the thresholds it already covers are never billed (as Lago). Answers the lifetime usage as GET does.', body: { root: 'lifetime_usage', schema: lifetimeUsageSchema }, response: { root: 'lifetime_usage' }, errors: { 400: true, 404: 'subscription', 422: true } },
  { method: 'delete', path: v1('/subscriptions/:externalId'), tag: 'Subscriptions', summary: 'Terminate a subscription', description: 'Through the subscription\'s workflow, answering once it is done (the final invoice and credit note written, as the termination options say). With `status=pending`: a subscription not started yet is canceled; a scheduled plan change (the pending subscription of a downgrade) is canceled, the current subscription staying on its plan (404 when it was applied or replaced meanwhile).', query: { status: '`pending`: the pending subscription of that external_id (one not started yet, or a scheduled plan change), canceled; default `active`, terminated.', on_termination_credit_note: '`credit` (default), `refund` or `skip`: the credit note for unused pay-in-advance days.', on_termination_invoice: '`generate` (default) or `skip`: the final invoice.' }, response: { root: 'subscription' }, errors: { 404: 'subscription', 405: true, 422: true } },

  { method: 'post', path: v1('/events'), tag: 'Events', summary: 'Send a usage event', body: { root: 'event', schema: eventDocSchema }, response: { root: 'event' }, errors: { 400: true, 422: true } },
  { method: 'post', path: v1('/events/batch'), tag: 'Events', summary: 'Send up to 100 usage events, all or nothing', body: { schema: eventBatchDocSchema }, response: { root: 'events' }, errors: { 400: true, 422: true } },
  { method: 'post', path: v1('/events/estimate_fees'), tag: 'Events', summary: 'Estimate the fees of an event for pay-in-advance charges', description: 'Prices one event (at the current time) for every pay-in-advance charge of its subscription\'s plan on its metric, by the code that bills a stored event, in a transaction rolled back: nothing is stored, so the fees have no `lago_id` and no invoice. 422 `code: does_not_match_an_instant_charge` when no such charge prices the metric.', body: { root: 'event', schema: estimateFeesSchema }, response: { root: 'fees', schema: z.array(estimatedFeeJson) }, errors: { 400: true, 404: 'subscription', 422: true } },
  { method: 'get', path: v1('/events'), tag: 'Events', summary: 'List events', query: { ...PAGE, code: 'Metric code.', external_subscription_id: 'Subscription.', timestamp_from: 'Unix seconds or ISO-8601.', timestamp_to: 'Unix seconds or ISO-8601.' }, response: { root: 'events', list: true }, errors: { 422: true } },
  { method: 'get', path: v1('/events/:transactionId'), tag: 'Events', summary: 'Retrieve an event, and where it was billed', description: 'Beside Lago\'s fields, `billing` (a Billow addition) tells where the event was billed (the invoice and its usage fees for the event\'s metric) or why it is not yet or will not be: `billed`, `in_draft`, `period_open`, `late_pending` (late for a finalized period, billed on the next invoice), `late_ignored` (the organization\'s `late_usage: ignore`), `not_billed` (`draft_deleted`, `outside_billed_periods`).', response: { root: 'event', schema: tracedEventJson }, errors: { 404: 'event' } },

  { method: 'post', path: v1('/invoices'), tag: 'Invoices', summary: 'Create a one-off invoice of add-ons', body: { root: 'invoice', schema: oneOffInvoiceSchema }, response: { root: 'invoice' }, errors: { 400: true, 404: 'customer', 422: true } },
  { method: 'post', path: v1('/invoices/preview'), tag: 'Invoices', summary: 'Preview the next invoice of a customer\'s subscriptions, or the first of a new one', description: 'With `subscriptions.external_ids`: the invoice the next billing date of the subscriptions named will issue (they must share it), computed by the code that issues it (the customer\'s consolidated invoice of that day, its taxes, coupons and credits) with the usage stored so far. With `plan_code` (and `subscription_at`, default now, and `billing_time`, default `calendar`; not with `subscriptions`): the first invoice a new subscription of the customer to that plan issues, its row created and its real issuing code run: the starting invoice of a plan paid in advance (the first period\'s base fee, prorated for calendar billing), else the close of its first billing date (an arrears base fee prorated as the close does, no usage yet), that subscription\'s alone; 404 for an unknown plan, 422 `currency: currencies_does_not_match` for a plan in another currency than the customer\'s. Both run in a transaction rolled back: nothing is written, and its `lago_id`, `sequential_id` and `number` are those it would take now. A customer described inline and `coupons` are refused (422 `feature_not_supported`).', body: { schema: invoicePreviewSchema }, response: { root: 'invoice' }, errors: { 404: 'customer', 422: true } },
  { method: 'get', path: v1('/invoices'), tag: 'Invoices', summary: 'List invoices', query: { ...PAGE, external_customer_id: 'Only this customer’s.', 'status[]': 'draft, finalized, voided…', 'payment_status[]': 'pending, succeeded, failed.', 'invoice_type[]': 'subscription, add_on, credit, one_off…', currency: 'ISO 4217.', issuing_date_from: 'YYYY-MM-DD.', issuing_date_to: 'YYYY-MM-DD.', amount_from: 'Total at least, in cents.', amount_to: 'Total at most, in cents.', payment_overdue: '`true`: only invoices past their due date unpaid; `false`: only the others.' }, response: { root: 'invoices', list: true }, errors: { 422: true } },
  { method: 'get', path: v1('/invoices/:id'), tag: 'Invoices', summary: 'Retrieve an invoice', response: { root: 'invoice' }, errors: { 404: 'invoice' } },
  { method: 'put', path: v1('/invoices/:id'), tag: 'Invoices', summary: "Update an invoice's payment status or metadata", body: { root: 'invoice', schema: updateInvoiceSchema }, response: { root: 'invoice' }, errors: { 400: true, 404: 'invoice', 422: true } },
  { method: 'delete', path: v1('/invoices/:id'), tag: 'Invoices', summary: 'Delete a draft invoice', description: 'Drafts only (405 `not_deletable` otherwise): the draft disappears, its period is not billed again (as in Lago), `invoice.deleted` is sent.', response: { root: 'invoice' }, errors: { 404: 'invoice', 405: true } },
  { method: 'put', path: v1('/invoices/:id/finalize'), tag: 'Invoices', summary: 'Finalize a draft invoice', description: 'A subscription\'s draft is computed again (events that arrived since included), then takes its number, draws coupons, credit notes and prepaid credits, is dated today and announced (`invoice.created`, its PDF). Any other status answers 404, as Lago does.', response: { root: 'invoice' }, errors: { 404: 'invoice', 405: true } },
  { method: 'put', path: v1('/invoices/:id/refresh'), tag: 'Invoices', summary: 'Refresh a draft invoice', description: 'A subscription\'s draft is computed again at once, late events included; any other invoice is answered unchanged, as Lago does.', response: { root: 'invoice' }, errors: { 404: 'invoice' } },
  { method: 'post', path: v1('/invoices/:id/void'), tag: 'Invoices', summary: 'Void an invoice', description: 'The body is optional; Lago\'s `generate_credit_note`, `refund_amount` and `credit_amount` are refused (422 `feature_not_supported`) unless false or 0.', body: { schema: voidInvoiceSchema, optional: true }, response: { root: 'invoice' }, errors: { 404: 'invoice', 405: true } },
  { method: 'post', path: v1('/invoices/:id/download'), tag: 'Invoices', summary: 'Render the PDF if needed; the invoice with its file_url', response: { root: 'invoice' }, errors: { 404: 'invoice', 405: true } },
  { method: 'post', path: v1('/invoices/:id/download_pdf'), tag: 'Invoices', summary: 'Same as /download', response: { root: 'invoice' }, errors: { 404: 'invoice', 405: true } },
  { method: 'get', path: v1('/invoices/:id/pdf'), tag: 'Invoices', summary: "The invoice's PDF", query: { paper_size: '`a4` or `letter` (default: the organization’s).' }, response: { contentType: 'application/pdf' }, errors: { 404: 'invoice', 405: true, 422: true } },

  { method: 'post', path: v1('/credit_notes'), tag: 'Credit notes', summary: 'Create a credit note', body: { root: 'credit_note', schema: createCreditNoteSchema }, response: { root: 'credit_note' }, errors: { 400: true, 404: 'invoice', 405: true, 422: true } },
  { method: 'get', path: v1('/credit_notes'), tag: 'Credit notes', summary: 'List credit notes', query: { ...PAGE, external_customer_id: 'Only this customer’s.', invoice_id: 'Only this invoice’s.' }, response: { root: 'credit_notes', list: true } },
  { method: 'get', path: v1('/credit_notes/:id'), tag: 'Credit notes', summary: 'Retrieve a credit note', response: { root: 'credit_note' }, errors: { 404: 'credit_note' } },
  { method: 'put', path: v1('/credit_notes/:id'), tag: 'Credit notes', summary: "Update a credit note's refund status", body: { root: 'credit_note', schema: updateCreditNoteSchema }, response: { root: 'credit_note' }, errors: { 400: true, 404: 'credit_note', 422: true } },
  { method: 'put', path: v1('/credit_notes/:id/void'), tag: 'Credit notes', summary: 'Void a credit note', response: { root: 'credit_note' }, errors: { 404: 'credit_note', 405: true } },
  { method: 'post', path: v1('/credit_notes/:id/download'), tag: 'Credit notes', summary: 'Render the PDF if needed; the credit note with its file_url', response: { root: 'credit_note' }, errors: { 404: 'credit_note' } },
  { method: 'get', path: v1('/credit_notes/:id/pdf'), tag: 'Credit notes', summary: "The credit note's PDF", response: { contentType: 'application/pdf' }, errors: { 404: 'credit_note' } },

  { method: 'post', path: v1('/wallets'), tag: 'Wallets', summary: 'Create a wallet', body: { root: 'wallet', schema: createWalletSchema }, response: { root: 'wallet' }, errors: { 400: true, 404: 'customer', 422: true } },
  { method: 'get', path: v1('/wallets'), tag: 'Wallets', summary: 'List wallets', query: { ...PAGE, external_customer_id: 'Only this customer’s.' }, response: { root: 'wallets', list: true }, errors: { 404: 'customer' } },
  { method: 'get', path: v1('/wallets/:id'), tag: 'Wallets', summary: 'Retrieve a wallet', response: { root: 'wallet' }, errors: { 404: 'wallet' } },
  { method: 'put', path: v1('/wallets/:id'), tag: 'Wallets', summary: 'Update a wallet', body: { root: 'wallet', schema: updateWalletSchema }, response: { root: 'wallet' }, errors: { 400: true, 404: 'wallet', 422: true } },
  { method: 'delete', path: v1('/wallets/:id'), tag: 'Wallets', summary: 'Terminate a wallet', response: { root: 'wallet' }, errors: { 404: 'wallet', 405: true } },
  { method: 'get', path: v1('/wallets/:id/wallet_transactions'), tag: 'Wallets', summary: "A wallet's transactions", query: { ...PAGE, status: 'pending, settled, failed.', transaction_type: 'inbound, outbound.', transaction_status: 'purchased, granted, voided, invoiced.' }, response: { root: 'wallet_transactions', list: true }, errors: { 404: 'wallet', 422: true } },
  { method: 'post', path: v1('/wallet_transactions'), tag: 'Wallets', summary: 'Top up or void credits', body: { root: 'wallet_transaction', schema: walletTransactionSchema }, response: { root: 'wallet_transactions' }, errors: { 400: true, 404: 'wallet', 405: true, 422: true } },
  { method: 'get', path: v1('/wallet_transactions/:id'), tag: 'Wallets', summary: 'Retrieve a wallet transaction', response: { root: 'wallet_transaction' }, errors: { 404: 'wallet_transaction' } },
  { method: 'get', path: v1('/wallet_transactions/:id/consumptions'), tag: 'Wallets', summary: 'What consumed an inbound wallet transaction', description: 'The outbound transactions (invoice draws, voided credits) that consumed this inbound one, and how much of it each, in the order they did. Inbound transactions are consumed granted first, then oldest first, at the moment of each draw. 422 `transaction_type: must_be_inbound` for an outbound transaction.', query: PAGE, response: { root: 'wallet_transaction_consumptions', list: true }, errors: { 404: 'wallet_transaction', 422: true } },
  { method: 'get', path: v1('/wallet_transactions/:id/fundings'), tag: 'Wallets', summary: 'What funded an outbound wallet transaction', description: 'The inbound transactions this outbound one consumed, and how much of each, in the order it consumed them. 422 `transaction_type: must_be_outbound` for an inbound transaction.', query: PAGE, response: { root: 'wallet_transaction_fundings', list: true }, errors: { 404: 'wallet_transaction', 422: true } },

  { method: 'post', path: v1('/webhook_endpoints'), tag: 'Webhooks', summary: 'Register a webhook endpoint', body: { root: 'webhook_endpoint', schema: createWebhookEndpointSchema }, response: { root: 'webhook_endpoint' }, errors: { 400: true, 422: true } },
  { method: 'get', path: v1('/webhook_endpoints'), tag: 'Webhooks', summary: 'List webhook endpoints', query: PAGE, response: { root: 'webhook_endpoints', list: true } },
  { method: 'get', path: v1('/webhook_endpoints/:id'), tag: 'Webhooks', summary: 'Retrieve a webhook endpoint', response: { root: 'webhook_endpoint' }, errors: { 404: 'webhook_endpoint' } },
  { method: 'put', path: v1('/webhook_endpoints/:id'), tag: 'Webhooks', summary: 'Update a webhook endpoint', body: { root: 'webhook_endpoint', schema: updateWebhookEndpointSchema }, response: { root: 'webhook_endpoint' }, errors: { 400: true, 404: 'webhook_endpoint', 422: true } },
  { method: 'delete', path: v1('/webhook_endpoints/:id'), tag: 'Webhooks', summary: 'Delete a webhook endpoint', response: { root: 'webhook_endpoint' }, errors: { 404: 'webhook_endpoint' } },
  { method: 'get', path: v1('/webhook_endpoints/:id/deliveries'), tag: 'Webhooks', summary: 'Every delivery attempt to an endpoint', query: PAGE, response: { root: 'webhook_deliveries', list: true }, errors: { 404: 'webhook_endpoint' } },
  { method: 'get', path: v1('/webhooks'), tag: 'Webhooks', summary: 'List webhooks sent', query: { ...PAGE, status: 'pending, retrying, succeeded, failed.', webhook_type: 'e.g. invoice.created.', webhook_endpoint_id: 'Endpoint id.' }, response: { root: 'webhooks', list: true }, errors: { 422: true } },
  { method: 'get', path: v1('/webhooks/:id'), tag: 'Webhooks', summary: 'Retrieve a webhook with its payload and attempts', response: { root: 'webhook' }, errors: { 404: 'webhook' } },
  { method: 'post', path: v1('/webhooks/:id/retry'), tag: 'Webhooks', summary: 'Try a webhook again now', response: { root: 'webhook' }, errors: { 404: 'webhook' } },
  { method: 'get', path: v1('/webhooks/json_public_key'), tag: 'Webhooks', summary: 'The RSA public key of JWT signatures (base64 PEM)', response: { root: 'webhook', schema: webhookPublicKeyJson } },
  { method: 'get', path: v1('/webhooks/public_key'), tag: 'Webhooks', summary: 'The same key as text', response: { contentType: 'text/plain' } },

  ...customerOperations(),
  ...planChargeOperations(),
  ...fixedChargeOperations(),
  ...subscriptionChargeOperations(),
  ...metadataOperations(),
  ...feeOperations(),
  ...organizationOperations(),
  ...analyticsOperations(),
  ...paymentOperations(),
  ...entitlementOperations(),
  ...alertOperations(),
  ...walletAlertOperations(),

  { method: 'get', path: v1('/sandbox/clock'), tag: 'Sandbox', summary: 'Read the sandbox clock', sandboxOnly: true, response: { root: 'clock', schema: sandboxClockJson } },
  { method: 'post', path: v1('/sandbox/clock/advance'), tag: 'Sandbox', summary: 'Move the sandbox clock forward (`{"to": ISO}` or `{"duration": "P1M"}`, optional `wait_seconds`); 200 once every period crossed is billed, 202 with where the clock got when the wait runs out', sandboxOnly: true, body: { schema: advanceClockSchema }, response: { root: 'clock', schema: sandboxClockJson }, errors: { 422: true } },
];

// The read routes of issue 10 ---------------------------------------------------------------------

/** Lago parameters a route refuses (422 `feature_not_supported` naming it) rather than ignore. */
function refused(...names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, 'Not honoured yet: refused with 422 `feature_not_supported`.']));
}

function customerOperations(): Operation[] {
  const tag = 'Customers';
  const base = '/customers/:externalId';
  return [
    { method: 'get', path: v1(`${base}/invoices`), tag, summary: "A customer's invoices", description: 'The filters of `GET /invoices`; no Billow invoice is self-billed or has a lost dispute, so `self_billed=true` or `payment_dispute_lost=true` selects none.', query: { ...PAGE, 'status[]': 'draft, finalized, voided…', 'payment_status[]': 'pending, succeeded, failed.', 'invoice_type[]': 'subscription, add_on, credit, one_off…', currency: 'ISO 4217.', issuing_date_from: 'YYYY-MM-DD.', issuing_date_to: 'YYYY-MM-DD.', amount_from: 'Total at least, in cents.', amount_to: 'Total at most, in cents.', self_billed: '`true` selects none, `false` all.', payment_dispute_lost: '`true` selects none, `false` all.', payment_overdue: '`true`: only invoices past their due date unpaid; `false`: only the others.', ...refused('search_term', 'metadata') }, response: { root: 'invoices', list: true }, errors: { 404: 'customer', 422: true } },
    { method: 'get', path: v1(`${base}/subscriptions`), tag, summary: "A customer's subscriptions", query: { ...PAGE, plan_code: 'Only on this plan.', 'status[]': 'pending, canceled, terminated, active (default active).', ...refused('billing_entity_codes[]') }, response: { root: 'subscriptions', list: true }, errors: { 404: 'customer', 422: true } },
    { method: 'get', path: v1(`${base}/credit_notes`), tag, summary: "A customer's credit notes", query: { ...PAGE, ...refused('issuing_date_from', 'issuing_date_to', 'search_term', 'reason', 'credit_status', 'refund_status', 'invoice_number', 'amount_from', 'amount_to', 'self_billed') }, response: { root: 'credit_notes', list: true }, errors: { 404: 'customer', 422: true } },
    { method: 'get', path: v1(`${base}/past_usage`), tag, summary: "A subscription's usage in its closed periods, from the fees billed", description: 'One entry per charges period a finalized invoice closed, newest first, with the usage fees billed for it (the periodic invoice\'s charge fees and the pay-in-advance charge fees of the period), never recomputed. `amount_cents` and `taxes_amount_cents` add up the usage fees, not the invoice\'s totals (which hold the base fee too).', query: { ...PAGE, external_subscription_id: 'Required.', billable_metric_code: 'Only this metric.', periods_count: 'Only the N newest periods (1 to 1000).' }, response: { root: 'usage_periods', list: true }, errors: { 404: 'customer', 422: true } },
    { method: 'post', path: v1(`${base}/wallets`), tag: 'Wallets', summary: 'Create a wallet for a customer', description: 'The body of `POST /wallets`, and `metadata` (the wallet\'s own); the customer is the path\'s (another `external_customer_id` in the body is refused). Without a `code`, Lago\'s: the name in lower case with `_` between words, else `default`, suffixed with `_<unix seconds>` when taken.', body: { root: 'wallet', schema: createCustomerWalletSchema }, response: { root: 'wallet' }, errors: { 400: true, 404: 'customer', 422: true } },
    { method: 'get', path: v1(`${base}/wallets`), tag: 'Wallets', summary: "A customer's wallets", query: { ...PAGE, ...refused('billing_entity_codes[]', 'currency') }, response: { root: 'wallets', list: true }, errors: { 404: 'customer', 422: true } },
    { method: 'get', path: v1(`${base}/wallets/:code`), tag: 'Wallets', summary: "Retrieve a customer's wallet by its code", description: 'The active wallet with that code, else the most recently terminated one.', response: { root: 'wallet' }, errors: { 404: 'wallet' } },
    { method: 'put', path: v1(`${base}/wallets/:code`), tag: 'Wallets', summary: "Update a customer's wallet", description: '`metadata` replaces the wallet\'s (null clears it).', body: { root: 'wallet', schema: updateCustomerWalletSchema }, response: { root: 'wallet' }, errors: { 400: true, 404: 'wallet', 422: true } },
    { method: 'delete', path: v1(`${base}/wallets/:code`), tag: 'Wallets', summary: "Terminate a customer's wallet", response: { root: 'wallet' }, errors: { 404: 'wallet' } },
  ];
}

function planChargeOperations(): Operation[] {
  const tag = 'Plans';
  const charge = '/plans/:code/charges/:chargeCode';
  const same = 'Checked and written as `PUT /plans` does with the plan\'s whole charge list (the same rules, including those of plans with subscriptions); problems are keyed by the charge\'s own fields.';
  return [
    { method: 'get', path: v1('/plans/:code/charges'), tag, summary: "A plan's charges", query: PAGE, response: { root: 'charges', list: true }, errors: { 404: 'plan' } },
    { method: 'post', path: v1('/plans/:code/charges'), tag, summary: 'Add a charge to a plan', description: same, body: { root: 'charge', schema: planChargeSchema }, response: { root: 'charge' }, errors: { 400: true, 403: true, 404: 'plan', 422: true } },
    { method: 'get', path: v1(charge), tag, summary: 'Retrieve a charge of a plan', response: { root: 'charge' }, errors: { 404: 'charge' } },
    { method: 'put', path: v1(charge), tag, summary: 'Update a charge of a plan', description: `${same} What the body omits is kept. With \`cascade_updates: true\`, the plan's children (subscriptions' overrides) whose copy of the charge was not overridden take the change.`, body: { root: 'charge', schema: updatePlanChargeSchema }, response: { root: 'charge' }, errors: { 400: true, 403: true, 404: 'charge', 422: true } },
    { method: 'delete', path: v1(charge), tag, summary: 'Remove a charge from a plan', description: 'As `PUT /plans` without it; answers the charge as it was. The body is optional; `cascade_updates: true` is refused (422): Billow does not remove children\'s charges.', body: { root: 'charge', schema: deleteChargeSchema, optional: true }, response: { root: 'charge' }, errors: { 400: true, 404: 'charge', 422: true } },
    { method: 'get', path: v1(`${charge}/filters`), tag, summary: "A charge's filters", query: PAGE, response: { root: 'filters', list: true }, errors: { 404: 'charge' } },
    { method: 'post', path: v1(`${charge}/filters`), tag, summary: 'Add a filter to a charge', description: same, body: { root: 'filter', schema: createChargeFilterSchema }, response: { root: 'filter' }, errors: { 400: true, 404: 'charge', 422: true } },
    { method: 'get', path: v1(`${charge}/filters/:id`), tag, summary: 'Retrieve a charge filter', response: { root: 'filter' }, errors: { 404: 'charge_filter' } },
    { method: 'put', path: v1(`${charge}/filters/:id`), tag, summary: 'Update a charge filter', description: `${same} The filter keeps its id, even when its values change.`, body: { root: 'filter', schema: updateChargeFilterSchema }, response: { root: 'filter' }, errors: { 400: true, 404: 'charge_filter', 422: true } },
    { method: 'delete', path: v1(`${charge}/filters/:id`), tag, summary: 'Remove a filter from a charge', description: 'The body is optional. With `cascade_updates: true`, the plan\'s children whose copy of the charge was not overridden lose the filter too.', body: { root: 'filter', schema: deleteChargeFilterSchema, optional: true }, response: { root: 'filter' }, errors: { 400: true, 404: 'charge_filter', 422: true } },
  ];
}

/** A subscription's charges and their filters (issue 16 point 6: overrides on the subscription's child plan). */
function subscriptionChargeOperations(): Operation[] {
  const tag = 'Subscriptions';
  const charge = '/subscriptions/:externalId/charges/:chargeCode';
  const status = { subscription_status: 'Which subscription of that external id (default `active`).' };
  const override = 'An override of the subscription\'s charge (Lago\'s ChargeOverridableInput): written on the subscription\'s child plan, created on the first override (a copy of its plan with the same code, not listed by GET /plans); the plan itself never changes. Checked as `PUT /plans` checks a charge; problems are keyed by the charge\'s own fields.';
  return [
    { method: 'get', path: v1('/subscriptions/:externalId/charges'), tag, summary: "A subscription's charges", description: 'Its effective charges: its child plan\'s when it has overrides, else its plan\'s.', query: { ...PAGE, ...status }, response: { root: 'charges', list: true }, errors: { 404: 'subscription' } },
    { method: 'get', path: v1(charge), tag, summary: "Retrieve a subscription's charge", query: status, response: { root: 'charge' }, errors: { 404: 'charge' } },
    { method: 'put', path: v1(charge), tag, summary: "Override a subscription's charge", description: `${override} What the body omits is kept.`, query: status, body: { root: 'charge', schema: subscriptionChargeSchema }, response: { root: 'charge' }, errors: { 400: true, 403: true, 404: 'charge', 422: true } },
    { method: 'get', path: v1(`${charge}/filters`), tag, summary: "A subscription's charge filters", query: { ...PAGE, ...status }, response: { root: 'filters', list: true }, errors: { 404: 'charge' } },
    { method: 'post', path: v1(`${charge}/filters`), tag, summary: "Add a filter to a subscription's charge", description: override, query: status, body: { root: 'filter', schema: createSubscriptionChargeFilterSchema }, response: { root: 'filter' }, errors: { 400: true, 404: 'charge', 422: true } },
    { method: 'get', path: v1(`${charge}/filters/:filterId`), tag, summary: "Retrieve a subscription's charge filter", query: status, response: { root: 'filter' }, errors: { 404: 'charge_filter' } },
    { method: 'put', path: v1(`${charge}/filters/:filterId`), tag, summary: "Update a subscription's charge filter", description: `${override} The filter keeps its id.`, query: status, body: { root: 'filter', schema: updateSubscriptionChargeFilterSchema }, response: { root: 'filter' }, errors: { 400: true, 404: 'charge_filter', 422: true } },
    { method: 'delete', path: v1(`${charge}/filters/:filterId`), tag, summary: "Remove a filter from a subscription's charge", description: `${override} The body is optional.`, query: status, body: { root: 'filter', schema: deleteSubscriptionChargeFilterSchema, optional: true }, response: { root: 'filter' }, errors: { 400: true, 404: 'charge_filter', 422: true } },
  ];
}

function fixedChargeOperations(): Operation[] {
  const plans = 'Plans';
  const subscriptions = 'Subscriptions';
  const fixed = '/plans/:code/fixed_charges/:fixedChargeCode';
  const own = '/subscriptions/:externalId/fixed_charges';
  const same = 'Checked and written as `PUT /plans` does with the plan\'s whole fixed-charge list (the same rules: a plan with pending or active subscriptions keeps its fixed charges\' units, timing and proration); problems are keyed by the fixed charge\'s own fields.';
  const status = { subscription_status: 'Which subscription of that external id: pending, active (default), terminated or canceled.' };
  return [
    { method: 'get', path: v1('/plans/:code/fixed_charges'), tag: plans, summary: "A plan's fixed charges", query: PAGE, response: { root: 'fixed_charges', list: true }, errors: { 404: 'plan' } },
    { method: 'post', path: v1('/plans/:code/fixed_charges'), tag: plans, summary: 'Add a fixed charge to a plan', description: same, body: { root: 'fixed_charge', schema: planFixedChargeSchema }, response: { root: 'fixed_charge' }, errors: { 400: true, 404: 'plan', 422: true } },
    { method: 'get', path: v1(fixed), tag: plans, summary: 'Retrieve a fixed charge of a plan', description: 'Its plan-level units.', response: { root: 'fixed_charge' }, errors: { 404: 'fixed_charge' } },
    { method: 'put', path: v1(fixed), tag: plans, summary: 'Update a fixed charge of a plan', description: `${same} What the body omits is kept.`, body: { root: 'fixed_charge', schema: planFixedChargeSchema }, response: { root: 'fixed_charge' }, errors: { 400: true, 404: 'fixed_charge', 422: true } },
    { method: 'delete', path: v1(fixed), tag: plans, summary: 'Remove a fixed charge from a plan', description: 'As `PUT /plans` without it; answers it as it was. The body is optional; `cascade_updates: true` is refused (422): Billow does not cascade fixed charges.', body: { root: 'fixed_charge', schema: deletePlanFixedChargeSchema, optional: true }, response: { root: 'fixed_charge' }, errors: { 400: true, 404: 'fixed_charge', 422: true } },
    { method: 'get', path: v1(own), tag: subscriptions, summary: "A subscription's fixed charges", description: 'The plan\'s fixed charges, each with the subscription\'s units in force today.', query: { ...PAGE, ...status }, response: { root: 'fixed_charges', list: true }, errors: { 404: 'subscription' } },
    { method: 'get', path: v1(`${own}/:fixedChargeCode`), tag: subscriptions, summary: "Retrieve a subscription's fixed charge", description: 'With the subscription\'s units in force today.', query: status, response: { root: 'fixed_charge' }, errors: { 404: 'fixed_charge' } },
    { method: 'put', path: v1(`${own}/:fixedChargeCode`), tag: subscriptions, summary: "Change a subscription's units of a fixed charge", description: 'Recorded in the subscription\'s units history: from now with `apply_units_immediately: true` (an increase of an in-advance fixed charge is billed at once on its own invoice, prorated over the days left when the fixed charge is prorated; a decrease refunds nothing), else from the next fixed-charge period. In arrears, the period\'s fee prices the units of each day (prorated by day) or the last day\'s. A display name, properties or taxes for one subscription (a plan override) are refused. A terminated subscription: 405.', query: status, body: { root: 'fixed_charge', schema: subscriptionFixedChargeSchema }, response: { root: 'fixed_charge' }, errors: { 400: true, 404: 'fixed_charge', 405: true, 422: true } },
  ];
}

function metadataOperations(): Operation[] {
  const owners: [base: string, tag: string, noun: string, notFound: string][] = [
    ['/plans/:code', 'Plans', 'plan', 'plan'],
    ['/wallets/:id', 'Wallets', 'wallet', 'wallet'],
    ['/customers/:externalId/wallets/:code', 'Wallets', "customer's wallet", 'wallet'],
    ['/credit_notes/:id', 'Credit notes', 'credit note', 'credit_note'],
  ];
  const response = { root: 'metadata', description: '`{"metadata": {key: string or null} | null}`' };
  return owners.flatMap(([base, tag, noun, resource]): Operation[] => [
    { method: 'post', path: v1(`${base}/metadata`), tag, summary: `Replace a ${noun}'s metadata`, description: 'At most 50 keys of up to 100 characters, values strings of up to 255 characters or null. An empty object is refused (400): clearing is the DELETE.', body: { root: 'metadata', schema: metadataSchema }, response, errors: { 400: true, 404: resource, 422: true } },
    { method: 'patch', path: v1(`${base}/metadata`), tag, summary: `Merge into a ${noun}'s metadata`, description: 'Keys sent are added or replaced, others kept; at most 50 keys in all.', body: { root: 'metadata', schema: metadataSchema }, response, errors: { 400: true, 404: resource, 422: true } },
    { method: 'delete', path: v1(`${base}/metadata`), tag, summary: `Delete a ${noun}'s metadata`, response, errors: { 404: resource } },
    { method: 'delete', path: v1(`${base}/metadata/:key`), tag, summary: `Delete one key of a ${noun}'s metadata`, description: '`metadata_not_found` when there is no metadata at all.', response, errors: { 404: resource } },
  ]);
}

function feeOperations(): Operation[] {
  const tag = 'Fees';
  const datetime = 'ISO-8601 instant (UTC).';
  return [
    { method: 'get', path: v1('/fees'), tag, summary: 'List fees', description: 'Fees on invoices (every status but deleted) and fees billed without an invoice, oldest first. An invoiced fee\'s payment status is its invoice\'s.', query: { ...PAGE, external_customer_id: 'Only this customer’s.', external_subscription_id: 'Only this subscription’s.', event_transaction_id: 'Only the fee of this event.', currency: 'ISO 4217.', fee_type: 'charge, add_on, subscription, credit, commitment.', billable_metric_code: 'Only charges on this metric.', payment_status: 'pending, succeeded, failed, refunded.', created_at_from: datetime, created_at_to: datetime, succeeded_at_from: datetime, succeeded_at_to: datetime, failed_at_from: datetime, failed_at_to: datetime, refunded_at_from: datetime, refunded_at_to: datetime }, response: { root: 'fees', list: true }, errors: { 422: true } },
    { method: 'get', path: v1('/fees/:id'), tag, summary: 'Retrieve a fee', response: { root: 'fee' }, errors: { 404: 'fee' } },
    { method: 'put', path: v1('/fees/:id'), tag, summary: "Set a fee's payment status", description: 'Only a fee without an invoice (a pay-in-advance charge that is not invoiceable): an invoiced fee is paid with its invoice (405 `invoiced_fee`). Only the timestamp of the new status is kept.', body: { root: 'fee', schema: updateFeeSchema }, response: { root: 'fee' }, errors: { 400: true, 404: 'fee', 405: true, 422: true } },
    { method: 'delete', path: v1('/fees/:id'), tag, summary: 'Delete a fee without an invoice', description: 'Only a fee without an invoice (405 `invoiced_fee`), and only while unpaid: a `succeeded` or `refunded` fee stays (405 `paid_fee`). The fee is never billed again.', response: { root: 'fee' }, errors: { 404: 'fee', 405: true } },
  ];
}

function organizationOperations(): Operation[] {
  return [
    { method: 'get', path: v1('/organizations'), tag: 'Organizations', summary: 'Your organization', response: { root: 'organization' } },
    { method: 'put', path: v1('/organizations'), tag: 'Organizations', summary: "Update your organization's settings", description: 'Applies to what is computed afterwards (invoices, numbers and documents issued later). `timezone` cannot change while a pending or active subscription bills in it (422 `cannot_change_with_active_subscriptions`). `webhook_url` is the URL of the first webhook endpoint (created when there is none). `billing_configuration.invoice_grace_period` (0 to 365 days) makes periodic invoices closed later drafts for that many days, for customers without their own. `late_usage` (a Billow addition): `next_invoice` (default) bills usage that arrives for a finalized period on the next invoice as an adjustment, `ignore` never bills it (as Lago). Refused with 422 `feature_not_supported` unless they ask for what Billow does: `email_settings` (only `[]`), `billing_configuration.document_locale` (only `en`), `finalize_zero_amount_invoice` (only `true`).', body: { root: 'organization', schema: updateOrganizationSchema }, response: { root: 'organization' }, errors: { 400: true, 422: true } },
  ];
}

/** Features, and what plans and subscriptions are entitled to (issue 16; services/entitlements/README.md). */
function entitlementOperations(): Operation[] {
  const features = 'Features';
  const tag = 'Entitlements';
  const feature = '/features/:code';
  const plan = '/plans/:code/entitlements';
  const subscription = '/subscriptions/:externalId/entitlements';
  const body = { root: 'entitlements', schema: entitlementsSchema, optional: true } as const;
  const values = '`{"entitlements": {"<feature code>": {"<privilege code>": value}}}`; every feature must exist (404 `feature_not_found`) and every privilege be its feature\'s (404 `privilege_not_found`); a value must fit its privilege: an integer (or a string spelling one), a boolean, a non-empty string, one of a select\'s options (422 `<privilege code>_privilege_value`: `value_is_invalid`, `value_not_in_select_options`, `value_is_mandatory`). Nothing is written unless all of it is valid.';
  const status = { subscription_status: 'Which subscription of that external id: `pending`, `active` (default), `terminated` or `canceled` (Lago\'s older `status` too).' };
  const list = { root: 'entitlements', schema: subscriptionEntitlementsJson };
  return [
    { method: 'post', path: v1('/features'), tag: features, summary: 'Create a feature', description: 'Privileges: `value_type` integer, string (default), boolean or select (with `config.select_options`, a non-empty list of strings; other types take no config: 422 `privilege.config: invalid_format`). Codes unique: the feature\'s in the organization (`code: value_already_exist`), privileges\' in the feature (`privilege.code: value_is_duplicated`). Records `feature.created`.', body: { root: 'feature', schema: createFeatureSchema }, response: { root: 'feature' }, errors: { 400: true, 422: true } },
    { method: 'get', path: v1('/features'), tag: features, summary: 'List features', description: 'Newest first.', query: { ...PAGE, search_term: 'Matches name, code or description (case-insensitive).' }, response: { root: 'features', list: true } },
    { method: 'get', path: v1(feature), tag: features, summary: 'Retrieve a feature', response: { root: 'feature' }, errors: { 404: 'feature' } },
    { method: 'put', path: v1(feature), tag: features, summary: 'Update a feature', description: 'Partial, as Lago: name and description when sent; each privilege sent is added when new, else its name changes and its select options gain those sent (never lose any). Another `value_type` for an existing privilege is refused (422 `privilege.value_type: value_is_invalid`). Records `feature.updated`, and `plan.updated` for each plan granting it.', body: { root: 'feature', schema: updateFeatureSchema }, response: { root: 'feature' }, errors: { 400: true, 404: 'feature', 422: true } },
    { method: 'delete', path: v1(feature), tag: features, summary: 'Delete a feature', description: 'Removes it from every plan and subscription (`feature.deleted`, and `plan.updated` for each plan that granted it); answers the feature as it was.', response: { root: 'feature' }, errors: { 404: 'feature' } },
    { method: 'delete', path: v1(`${feature}/privileges/:privilegeCode`), tag: features, summary: 'Delete a privilege of a feature', description: 'Its values go from every plan and subscription; answers the feature without it.', response: { root: 'feature' }, errors: { 404: 'privilege' } },

    { method: 'get', path: v1(plan), tag, summary: "A plan's entitlements", response: { root: 'entitlements', schema: planEntitlementsJson }, errors: { 404: 'plan' } },
    { method: 'post', path: v1(plan), tag, summary: "Replace a plan's entitlements", description: `Features left out leave the plan; a feature sent with privileges keeps only those (an empty object keeps its values, as Lago). ${values} Records \`plan.updated\`; answers every entitlement of the plan.`, body, response: { root: 'entitlements', schema: planEntitlementsJson }, errors: { 400: true, 404: 'plan', 422: true } },
    { method: 'patch', path: v1(plan), tag, summary: "Add to a plan's entitlements", description: `Features and privileges left out are kept; those sent are added or changed. ${values} Records \`plan.updated\`.`, body, response: { root: 'entitlements', schema: planEntitlementsJson }, errors: { 400: true, 404: 'plan', 422: true } },
    { method: 'get', path: v1(`${plan}/:featureCode`), tag, summary: "One feature of a plan's entitlements", response: { root: 'entitlement', schema: planEntitlementJson }, errors: { 404: 'entitlement' } },
    { method: 'delete', path: v1(`${plan}/:featureCode`), tag, summary: 'Remove a feature from a plan', description: 'Answers the entitlement as it was (`plan.updated`).', response: { root: 'entitlement', schema: planEntitlementJson }, errors: { 404: 'entitlement' } },
    { method: 'delete', path: v1(`${plan}/:featureCode/privileges/:privilegeCode`), tag, summary: "Remove a privilege's value from a plan's entitlement", description: 'The privilege stays on its feature (`plan.updated`).', response: { root: 'entitlement', schema: planEntitlementJson }, errors: { 404: 'privilege' } },

    { method: 'get', path: v1(subscription), tag, summary: "A subscription's entitlements", description: 'Its current plan\'s entitlements merged with its own overrides, minus what was removed from it, computed when asked: after an upgrade (or a downgrade once it takes effect) the new plan\'s. Each privilege has its `value` (the override if any, else the plan\'s), `plan_value` and `override_value`.', query: status, response: list, errors: { 404: 'subscription' } },
    { method: 'patch', path: v1(subscription), tag, summary: "Override a subscription's entitlements", description: `A feature its plan lacks is added; a value differing from the plan's becomes an override, one equal to it drops the override; a feature or privilege removed earlier comes back. ${values} Records \`subscription.updated\`; answers the subscription's entitlements.`, query: status, body, response: list, errors: { 400: true, 404: 'subscription', 422: true } },
    { method: 'delete', path: v1(`${subscription}/:featureCode`), tag, summary: 'Remove a feature from a subscription', description: 'Drops its override and, when the plan grants the feature, removes it from this subscription only. Answers the subscription\'s entitlements, as Lago\'s server does (its description says one entitlement).', query: status, response: list, errors: { 404: 'feature' } },
    { method: 'delete', path: v1(`${subscription}/:featureCode/privileges/:privilegeCode`), tag, summary: 'Remove a privilege from a subscription', description: 'Drops its override and, when the plan grants the feature, removes the privilege from this subscription only. Answers the subscription\'s entitlements, as Lago\'s server does.', query: status, response: list, errors: { 404: 'privilege' } },
  ];
}

// Usage alerts (issue 15 pt 3) ------------------------------------------------------------------------

function alertOperations(): Operation[] {
  const tag = 'Alerts';
  const base = '/subscriptions/:externalId/alerts';
  const which = { subscription_status: 'Which subscription of that external_id: `pending`, `active` (default), `terminated` or `canceled` (`status` is read too).' };
  const values = 'Threshold values are cents for `current_usage_amount`, `billable_metric_current_usage_amount` and `lifetime_usage_amount` (usage before taxes, as Lago compares `amount_cents`), units for `billable_metric_current_usage_units`.';
  return [
    { method: 'get', path: v1(base), tag, summary: "A subscription's usage alerts", query: { ...PAGE, ...which }, response: { root: 'alerts', list: true }, errors: { 404: 'subscription' } },
    { method: 'post', path: v1(base), tag, summary: 'Create a usage alert, or several at once',
      description: `One alert under \`alert\` (answered under \`alert\`), or a list under \`alerts\` created all or none (answered under \`alerts\`; problems keyed by index). Types: \`current_usage_amount\`, \`billable_metric_current_usage_amount\`, \`billable_metric_current_usage_units\` (these two need \`billable_metric_code\`) and \`lifetime_usage_amount\` (until lifetime usage lands: the usage fees of the finalized invoices of the subscription's external id plus the current usage). 1 to 20 thresholds, at most one \`recurring\` (it triggers at every step of its value beyond the highest fixed threshold). ${values} Evaluated when events arrive (within about a second) and when an alert is created or updated; \`alert.triggered\` is sent once per threshold (and recurring step) per billing period. 422: \`thresholds\`: \`value_is_mandatory\`, \`too_many_thresholds\`, \`duplicate_threshold_values\`, \`multiple_recurring_thresholds\`; \`thresholds.<i>.value\`: \`recurring_value_is_negative\`; \`alert_type\`: \`invalid_type\`; \`billable_metric\`: \`value_is_mandatory\` or \`value_must_be_blank\` (Lago's keys); \`code\`: \`value_already_exist\`; \`base\`: \`alert_already_exists\` (one per type and metric).`,
      query: which, body: { schema: createAlertsBodySchema }, response: { description: '`{"alert": …}` for one alert, `{"alerts": [...]}` for a batch.', schema: alertOrAlertsJson }, errors: { 400: true, 404: 'subscription', 422: true } },
    { method: 'delete', path: v1(base), tag, summary: "Delete all of a subscription's usage alerts", query: which, response: { description: 'No body.', empty: true }, errors: { 404: 'subscription' } },
    { method: 'get', path: v1(`${base}/:code`), tag, summary: 'Retrieve a usage alert', query: which, response: { root: 'alert' }, errors: { 404: 'alert' } },
    { method: 'put', path: v1(`${base}/:code`), tag, summary: 'Update a usage alert', description: `\`code\` and \`name\` when given, the metric of a \`billable_metric_*\` alert, the thresholds replaced when given (the rules of the creation). ${values}`, query: which, body: { root: 'alert', schema: updateAlertSchema }, response: { root: 'alert' }, errors: { 400: true, 404: 'alert', 422: true } },
    { method: 'delete', path: v1(`${base}/:code`), tag, summary: 'Delete a usage alert', description: 'Answers the alert as it was; the alerts it triggered are kept.', query: which, response: { root: 'alert' }, errors: { 404: 'alert' } },
  ];
}

// Wallet alerts (issue 15 pt 4) -----------------------------------------------------------------------

function walletAlertOperations(): Operation[] {
  const tag = 'Wallets';
  const base = '/customers/:externalId/wallets/:walletCode/alerts';
  const values = 'Threshold values are cents for `wallet_balance_amount` and `wallet_ongoing_balance_amount`, credits for `wallet_credits_balance` and `wallet_credits_ongoing_balance`.';
  const one = { root: 'alert', schema: walletAlertJson };
  return [
    { method: 'get', path: v1(base), tag, summary: "A wallet's alerts", query: PAGE, response: { root: 'alerts', list: true, schema: walletAlertJson }, errors: { 404: 'wallet' } },
    { method: 'post', path: v1(base), tag, summary: 'Create a wallet alert, or several at once',
      description: `One alert under \`alert\`, or a list under \`alerts\` created all or none (problems keyed by index). Types: \`wallet_balance_amount\`, \`wallet_credits_balance\`, \`wallet_ongoing_balance_amount\`, \`wallet_credits_ongoing_balance\`; direction \`decreasing\`. ${values} The alert's \`previous_value\` starts at the value when it is created. Evaluated after each batch of the customer's events, after a wallet transaction and after an update: a threshold sends \`alert.triggered\` when the value falls from above it to at or below it (once per fall; again only after an evaluation saw the value back above it). 1 to 20 thresholds, at most one \`recurring\` (every step of its value below the lowest fixed threshold). 422: \`thresholds\`: \`value_is_mandatory\`, \`too_many_thresholds\`, \`duplicate_threshold_values\`, \`multiple_recurring_thresholds\`; \`thresholds.<i>.value\`: \`recurring_value_is_negative\`; \`alert_type\`: \`invalid_type\`; \`code\`: \`value_already_exist\`; \`base\`: \`alert_already_exists\` (one per type).`,
      body: { schema: createWalletAlertsBodySchema }, response: { description: '`{"alert": …}` for one alert, `{"alerts": [...]}` for a batch.', schema: walletAlertOrAlertsJson }, errors: { 400: true, 404: 'wallet', 422: true } },
    { method: 'delete', path: v1(base), tag, summary: "Delete all of a wallet's alerts", response: { description: 'No body.', empty: true }, errors: { 404: 'wallet' } },
    { method: 'get', path: v1(`${base}/:code`), tag, summary: 'Retrieve a wallet alert', response: one, errors: { 404: 'alert' } },
    { method: 'put', path: v1(`${base}/:code`), tag, summary: 'Update a wallet alert', description: `\`code\` and \`name\` when given, the thresholds replaced when given (the rules of the creation); the wallet's alerts are evaluated after. ${values}`, body: { root: 'alert', schema: updateWalletAlertSchema }, response: one, errors: { 400: true, 404: 'alert', 422: true } },
    { method: 'delete', path: v1(`${base}/:code`), tag, summary: 'Delete a wallet alert', description: 'Answers the alert as it was; the alerts it triggered are kept.', response: one, errors: { 404: 'alert' } },
  ];
}

function paymentOperations(): Operation[] {
  const tag = 'Payments';
  const filters = { ...PAGE, invoice_id: 'Only this invoice’s.' };
  return [
    { method: 'post', path: v1('/payments'), tag, summary: 'Record a manual payment on an invoice', description: 'As Lago: the invoice must be finalized (422 `invoice_id: invalid_status`); `amount_cents` at most what is still due (422 `amount_cents: invalid_amount`: an invoice is never paid more than its total); `paid_at` (a date, not in the future) is the payment\'s `created_at`. The invoice\'s `total_paid_amount_cents` adds it; when that reaches its total, its `payment_status` becomes `succeeded` (`invoice.payment_status_updated`). Exactly once: the same `invoice_id` and `reference` again answer the payment recorded the first time and change nothing (another amount or date with that reference: 422 `reference: value_already_exist`).', body: { root: 'payment', schema: manualPaymentSchema }, response: { root: 'payment' }, errors: { 400: true, 404: 'invoice', 422: true } },
    { method: 'get', path: v1('/payments'), tag, summary: 'List payments', description: 'Manual payments and the attempts at a payment provider, newest first. An unknown customer or invoice selects none.', query: { ...filters, external_customer_id: 'Only this customer’s.' }, response: { root: 'payments', list: true } },
    { method: 'get', path: v1('/payments/:id'), tag, summary: 'Retrieve a payment', response: { root: 'payment' }, errors: { 404: 'payment' } },
    { method: 'get', path: v1('/customers/:externalId/payments'), tag, summary: "A customer's payments", query: filters, response: { root: 'payments', list: true }, errors: { 404: 'customer' } },
    { method: 'post', path: v1('/invoices/:id/retry_payment'), tag: 'Invoices', summary: 'Retry the collection of an invoice', description: 'As Lago: a finalized invoice not paid yet is sent for collection again: a new attempt at Stripe (an off-session PaymentIntent for what is still due, with its own idempotency key) in its own workflow; a request repeated before that attempt is recorded starts it once. For a customer who does not pay through Stripe there is nothing to collect (200). A voided, draft or paid invoice: 405 `invalid_status`. The body is optional: Lago\'s `payment_method` is refused (422 `feature_not_supported`): Stripe charges the customer\'s default payment method. Answers 200 without a body, as Lago.', body: { schema: retryPaymentSchema, optional: true }, response: { description: 'No body.', empty: true }, errors: { 404: 'invoice', 405: true } },
    { method: 'put', path: v1('/payment_providers/stripe'), tag, summary: 'Connect the organization to Stripe', description: 'A Billow route (Lago connects providers in its UI, with no public route). `secret_key` (`sk_…` or a restricted `rk_…`) and `webhook_secret` (`whsec_…`, the signing secret of the webhook endpoint you create at Stripe for `webhook_url`) are stored encrypted (AES-256-GCM with `BILLOW_ENCRYPTION_KEY`: refused with 422 `secret_key: encryption_key_missing` without it) and never answered: the answer has a mask of the key (`sk_test_…4242`). `code` (default `stripe`) and `name` (default `Stripe`) name the connection on payments; `success_redirect_url` is where Stripe\'s Checkout pages send the payer back (default `https://stripe.com/`). Sending it again replaces the connection (payments keep pointing at it). Unknown fields: 422.', body: { root: 'payment_provider', schema: stripeConnectionSchema }, response: { root: 'payment_provider', schema: paymentProviderJson }, errors: { 400: true, 422: true } },
    { method: 'get', path: v1('/payment_providers/stripe'), tag, summary: "The organization's Stripe connection", description: 'Whether the organization is connected to Stripe, without its secrets: a mask of the key, the webhook URL to give Stripe. 404 `payment_provider_not_found` when it is not.', response: { root: 'payment_provider', schema: paymentProviderJson }, errors: { 404: 'payment_provider' } },
    { method: 'delete', path: v1('/payment_providers/stripe'), tag, summary: 'Disconnect the organization from Stripe', description: 'Removes the connection and its secrets; answers what it was. Invoices are no longer collected at Stripe and Stripe\'s webhooks for the organization are answered 404; payments keep their Stripe ids.', response: { root: 'payment_provider', schema: paymentProviderJson }, errors: { 404: 'payment_provider' } },
    { method: 'post', path: v1('/customers/:externalId/checkout_url'), tag, summary: 'A Stripe Checkout page where the customer saves a payment method', description: 'As Lago: a Stripe Checkout session in setup mode for the customer (`payment_provider: stripe` with a `provider_customer_id`); once Stripe\'s `checkout.session.completed` comes back, the method saved is the customer\'s default, which collection charges off-session. Records `customer.checkout_url_generated`. 422 `base: no_linked_payment_provider` (the customer does not pay through Stripe, or the organization is not connected), `missing_payment_provider_customer` (no `provider_customer_id`), `payment_provider_refused`; 503 `payment_provider_unavailable` when Stripe does not answer.', response: { root: 'customer', schema: customerCheckoutUrlJson }, errors: { 404: 'customer', 422: true, 503: 'payment_provider_unavailable' } },
    { method: 'post', path: v1('/invoices/:id/payment_url'), tag: 'Invoices', summary: 'A Stripe Checkout page to pay the invoice', description: 'As Lago: a Stripe Checkout session in payment mode for what is still due on a finalized invoice (`total_due_amount_cents`); when Stripe\'s `checkout.session.completed` comes back paid, it is recorded as a payment of the invoice (once per session). 422 `base: invalid_invoice_status_or_payment_status` (a draft or voided invoice, or nothing due), `no_linked_payment_provider`, `missing_payment_provider_customer`, `payment_provider_refused`; 503 `payment_provider_unavailable` when Stripe does not answer.', response: { root: 'invoice_payment_details', schema: invoicePaymentUrlJson }, errors: { 404: 'invoice', 422: true, 503: 'payment_provider_unavailable' } },
    { method: 'post', path: v1('/payment_requests'), tag, summary: "Gather a customer's overdue invoices into one payment request", description: 'As Lago: the invoices named must be the customer\'s, finalized and overdue (`payment_overdue: true`, with something due), in one currency (422 `lago_invoice_ids: invoices_not_overdue` / `invoices_have_different_currencies`), and in no other pending request (`invoices_already_requested`: an invoice is never collected twice). `amount_cents` is what they still owe together; `payment_request.created`. For a customer paying through Stripe, one off-session PaymentIntent collects it (its workflow `payment/payment_request/<id>`, its own idempotency key); when it succeeds the request and each invoice are paid (`payment_request.payment_status_updated`, `invoice.payment_status_updated`), when it fails they are `failed` (`payment_request.payment_failure`). An invoice paid otherwise before the charge cancels it (nothing is charged; the request stays pending). Other customers pay the invoices with `POST /payments`. `payment_method` is refused (Billow keeps no payment methods). Billow sends no email: `email` is stored and shown.', body: { root: 'payment_request', schema: paymentRequestSchema }, response: { root: 'payment_request' }, errors: { 400: true, 404: 'customer', 422: true } },
    { method: 'get', path: v1('/payment_requests'), tag, summary: 'List payment requests', description: 'Newest first. An unknown customer selects none; `billing_entity_codes[]` is refused (Billow has no billing entities).', query: { ...PAGE, external_customer_id: 'Only this customer’s.', payment_status: 'pending, succeeded, failed.', currency: 'ISO 4217.', ...refused('billing_entity_codes[]') }, response: { root: 'payment_requests', list: true }, errors: { 422: true } },
    { method: 'get', path: v1('/payment_requests/:id'), tag, summary: 'Retrieve a payment request', response: { root: 'payment_request' }, errors: { 404: 'payment_request' } },
    { method: 'get', path: v1('/customers/:externalId/payment_requests'), tag, summary: "A customer's payment requests", query: { ...PAGE, payment_status: 'pending, succeeded, failed.', currency: 'ISO 4217.', ...refused('billing_entity_codes[]') }, response: { root: 'payment_requests', list: true }, errors: { 404: 'customer', 422: true } },
    { method: 'put', path: v1('/dunning_campaign'), tag, summary: "Set the organization's dunning campaign", description: 'A Billow route (Lago\'s dunning campaigns have no public API). Once an invoice\'s first collection at Stripe has not paid it, its payment workflow makes attempt 2, 3, … every `days_between_attempts` days while it still owes something, up to `max_attempts` attempts in all (the first included), each a payment of its own with its own idempotency key (`invoice:<id>:attempt:<n>`, the numbering `retry_payment` uses: an attempt made by hand is not made again). An invoice is dunned only when what it still owes reaches its currency\'s `thresholds[].amount_cents` (a currency without a threshold is not dunned), and a round is skipped while an earlier attempt waits for its outcome (3-D Secure, processing). When the attempts are spent and the invoice still owes: `dunning_campaign.finished`. Applies to invoices whose workflow runs after it is set; sending it again replaces it. Unknown fields: 422.', body: { root: 'dunning_campaign', schema: dunningCampaignSchema }, response: { root: 'dunning_campaign', schema: dunningCampaignJson }, errors: { 400: true, 422: true } },
    { method: 'get', path: v1('/dunning_campaign'), tag, summary: "The organization's dunning campaign", description: '404 `dunning_campaign_not_found` when none is set (a failed collection is then retried only by `POST /invoices/:id/retry_payment`).', response: { root: 'dunning_campaign', schema: dunningCampaignJson }, errors: { 404: 'dunning_campaign' } },
    { method: 'delete', path: v1('/dunning_campaign'), tag, summary: "Remove the organization's dunning campaign", description: 'No further dunning attempt is made (a workflow waiting for its next round finds none); answers what it was.', response: { root: 'dunning_campaign', schema: dunningCampaignJson }, errors: { 404: 'dunning_campaign' } },
    { method: 'post', path: '/webhooks/stripe/:organizationId', tag, summary: "Stripe's webhooks for an organization", public: true, description: 'Give Stripe this URL (with your organization\'s id; `webhook_url` of `GET /api/v1/payment_providers/stripe`) and its signing secret to Billow (`PUT /api/v1/payment_providers/stripe`, or `npm run payments -- connect-stripe`). No API key: the `Stripe-Signature` header is verified over the raw body with the connection\'s signing secret (Stripe\'s 5-minute tolerance); a missing or bad signature is a 400 and changes nothing, an organization without a Stripe connection a 404. Each event is handled once (a replay answers 200 `handled: false`). `payment_intent.succeeded`, `payment_intent.payment_failed`, `payment_intent.requires_action`, `payment_intent.processing` and `payment_intent.canceled` settle the payment of that PaymentIntent and its invoice; `checkout.session.completed` records the payment of an invoice\'s payment URL, or makes the payment method saved through a checkout URL the customer\'s default; `charge.refunded`, `charge.refund.updated`, `refund.updated` and `refund.failed` settle the refunds of credit notes (their `refund_status`); other events are acknowledged and ignored. The body is a Stripe event (https://docs.stripe.com/api/events/object), read raw.', response: { schema: providerWebhookAnswerJson }, errors: { 400: true, 404: 'payment_provider' } },
  ];
}

function analyticsOperations(): Operation[] {
  const query = {
    currency: 'ISO 4217: only this currency (each row is in one currency).',
    months: 'The last N calendar months, the current one included (0 or 1: the current month); default: since the organization was created.',
    external_customer_id: 'Only this customer’s (404 when unknown).',
  };
  const common = 'Finalized invoices only: drafts and voided invoices never count. Months are calendar months, the current one by today in the organization\'s timezone. Amounts are integer cents, rounded once per row.';
  const op = (metric: string, root: string, summary: string, description: string): Operation => ({
    method: 'get', path: v1(`/analytics/${metric}`), tag: 'Analytics', summary, description: `${description} ${common}`, query, response: { root }, errors: { 404: 'customer', 422: true },
  });
  return [
    op('gross_revenue', 'gross_revenues', 'Gross revenue by month', 'Per issuing month and currency: the totals of finalized invoices (after coupons and prepaid credits, with taxes) less their refunds (credit notes\' refund parts that did not fail), plus the fees billed without an invoice (with their taxes) by the month of the event they billed; `invoices_count` counts the invoices.'),
    op('invoice_collection', 'invoice_collections', 'Invoices by payment status', 'Per issuing month, payment status and currency: how many finalized invoices and their total amount.'),
    op('invoiced_usage', 'invoiced_usages', 'Invoiced usage by metric', 'Per issuing month, billable metric and currency: the usage charges\' fees on finalized invoices, after coupons and before taxes. Usage of the current period is not invoiced yet, so it is not here.'),
    op('mrr', 'mrrs', 'Monthly recurring revenue', 'Per month and currency, from the subscription fees of finalized invoices (after coupons, with taxes, less the credit notes that were not voided on them): each fee is spread over the days of the period it billed; a month takes the days it holds, scaled to the plan\'s full period and divided by the months of the plan\'s interval (weekly: × 52/12). A full period is worth its price / months each month (an annual plan 1/12 per month); a period cut by a plan change counts for its days, so an upgrade in mid-month shows in that month (both plans, for their days) and in the next (the new plan).'),
    op('overdue_balance', 'overdue_balances', 'Overdue balance by due month', 'Per due month and currency: finalized invoices whose payment is pending or failed and whose `payment_due_date` is before today (in the customer\'s timezone), for what is still owed on each (the total less credit notes\' offsets), with their ids.'),
  ];
}

// The document ---------------------------------------------------------------------------------

type Json = Record<string, unknown>;

const errorSchema = (status: number, error: Json, extra: Json = {}, required: string[] = []): Json => ({
  type: 'object',
  properties: { status: { type: 'integer', const: status }, error, ...extra },
  required: ['status', 'error', ...required],
});
const text = (value: string): Json => ({ type: 'string', const: value });

const COMPONENTS = {
  securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: "The organization's API key: `Authorization: Bearer <key>`." } },
  schemas: {
    PaginationMeta: {
      type: 'object',
      properties: {
        current_page: { type: 'integer' }, next_page: { type: ['integer', 'null'] }, prev_page: { type: ['integer', 'null'] },
        total_pages: { type: 'integer' }, total_count: { type: 'integer' },
      },
      required: ['current_page', 'next_page', 'prev_page', 'total_pages', 'total_count'],
    },
    ApiErrorBadRequest: { ...errorSchema(400, { type: 'string', pattern: '^BadRequest: ' }), description: '`"BadRequest: param is missing or the value is empty: <root>"`, a body that is not JSON, or a NUL character (`%00`) in the URL.' },
    ApiErrorUnauthorized: errorSchema(401, text('Unauthorized')),
    ApiErrorForbidden: errorSchema(403, text('Forbidden'), { code: { type: 'string', examples: ['feature_unavailable'] } }, ['code']),
    ApiErrorNotFound: errorSchema(404, text('Not Found'), { code: { type: 'string', examples: ['plan_not_found'] } }, ['code']),
    ApiErrorMethodNotAllowed: errorSchema(405, text('Method Not Allowed'), { code: { type: 'string', examples: ['not_voidable'] } }, ['code']),
    ApiErrorPayloadTooLarge: errorSchema(413, text('Payload Too Large')),
    ApiErrorServiceUnavailable: errorSchema(503, text('Service Unavailable'), { code: { type: 'string', examples: ['subscriptions_still_active'] }, message: { type: 'string' } }, ['code']),
    ApiErrorUnprocessableEntity: errorSchema(422, text('Unprocessable Entity'), {
      code: { type: 'string', const: 'validation_errors' },
      error_details: { type: 'object', additionalProperties: true, description: 'Field (dotted path, or `base`) → Lago error codes such as `value_is_mandatory`, `value_is_invalid`.' },
    }, ['code', 'error_details']),
  },
  responses: {
    BadRequest: { description: 'Missing root key, a body that is not JSON, or a NUL character in the URL', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiErrorBadRequest' } } } },
    Unauthorized: { description: 'Missing or unknown API key', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiErrorUnauthorized' } } } },
    Forbidden: { description: 'A premium feature Billow does not offer', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiErrorForbidden' } } } },
    MethodNotAllowed: { description: 'Not allowed in the object’s state', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiErrorMethodNotAllowed' } } } },
    PayloadTooLarge: { description: 'Body over 1 MB', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiErrorPayloadTooLarge' } } } },
    UnprocessableEntity: { description: 'Validation errors', content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiErrorUnprocessableEntity' } } } },
  },
};

/** `/api/v1/plans/:code` → `/plans/{code}` (paths are relative to the `/api/v1` server). */
export function openApiPath(expressPath: string): string {
  const relative = expressPath.startsWith('/api/v1/') ? expressPath.slice('/api/v1'.length) : expressPath;
  return relative.replace(/:([A-Za-z_]+)/g, '{$1}');
}

function operationId(op: Operation): string {
  const words = `${op.method} ${op.path.replace(/^\/api\/v1/, '')}`.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.map((word, index) => (index === 0 ? word : word[0]!.toUpperCase() + word.slice(1))).join('');
}

function bodySchema(schema: z.ZodType): Json {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Json;
  delete json.$schema;
  return json;
}

/** What the root key holds (a list's item), or the whole body without a root; undefined if unknown. */
export function responseSchemaOf(op: Operation): z.ZodType | undefined {
  if (op.response.schema) return op.response.schema;
  return op.response.root ? RESPONSE_OBJECTS[op.response.root] : undefined;
}

/** A reference to a registered response schema; one an operation brings is registered under its operation's name. */
function schemaRef(schema: z.ZodType, op: Operation): Json {
  if (!responseSchemas.has(schema)) {
    const name = operationId(op).replace(/^./, (c) => c.toUpperCase());
    responseSchemas.add(schema, { id: `${name}Response` });
  }
  return { $ref: `#/components/schemas/${responseSchemas.get(schema)!.id}` };
}

function successSchema(op: Operation): Json {
  const { root, list } = op.response;
  const schema = responseSchemaOf(op);
  // Unknown: a bare object (test/api/openapi.test.ts lists every operation left so).
  const item = schema ? schemaRef(schema, op) : { type: 'object' };
  if (!root) return item;
  const inner = list || (root in RESPONSE_OBJECTS && PLURAL_ROOTS.has(root) && !op.response.schema) ? { type: 'array', items: item } : item;
  return {
    type: 'object',
    properties: { [root]: inner, ...(list ? { meta: { $ref: '#/components/schemas/PaginationMeta' } } : {}) },
    required: list ? [root, 'meta'] : [root],
    additionalProperties: false,
  };
}

/** Every registered response schema, as `components.schemas` (their references to each other resolved there). */
function responseComponents(): Record<string, Json> {
  const { schemas } = z.toJSONSchema(responseSchemas, {
    io: 'output', target: 'draft-2020-12', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, Json> };
  for (const schema of Object.values(schemas)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return schemas;
}

function describeOperation(op: Operation): Json {
  const parameters: Json[] = [];
  for (const match of op.path.matchAll(/:([A-Za-z_]+)/g)) {
    parameters.push({ name: match[1], in: 'path', required: true, schema: { type: 'string' } });
  }
  for (const [name, description] of Object.entries(op.query ?? {})) {
    parameters.push(name.endsWith('[]')
      ? { name, in: 'query', required: false, description, schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true }
      : { name, in: 'query', required: false, description, schema: { type: 'string' } });
  }
  const responses: Json = {};
  const content = op.response.empty ? undefined : op.response.contentType && op.response.contentType !== 'application/json'
    ? { [op.response.contentType]: { schema: op.response.contentType === 'application/pdf' ? { type: 'string', contentMediaType: 'application/pdf' } : { type: 'string' } } }
    : { 'application/json': { schema: successSchema(op) } };
  responses['200'] = { description: op.response.description ?? (op.response.root ? `\`{"${op.response.root}": …}\`` : 'Success'), ...(content ? { content } : {}) };
  const errors = op.errors ?? {};
  const takesBody = op.method === 'post' || op.method === 'put' || op.method === 'patch' || op.body !== undefined;
  // Every /api/v1 route refuses a NUL in its URL, and a POST or PUT a body that is not JSON.
  if (errors[400] || op.body || !op.public) responses['400'] = { $ref: '#/components/responses/BadRequest' };
  if (!op.public) responses['401'] = { $ref: '#/components/responses/Unauthorized' };
  if (errors[403]) responses['403'] = { $ref: '#/components/responses/Forbidden' };
  // A route with an id in its path answers 404 for an unknown one.
  const missing = errors[404] ?? (op.path.includes('/:') ? 'resource' : undefined);
  if (missing) {
    responses['404'] = {
      description: `\`${missing}_not_found\``,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiErrorNotFound' }, example: { status: 404, error: 'Not Found', code: `${missing}_not_found` } } },
    };
  }
  if (errors[405]) responses['405'] = { $ref: '#/components/responses/MethodNotAllowed' };
  // The JSON body parser's limit holds on every POST, PUT and PATCH, with a body of its own or not.
  if (takesBody && !op.public) responses['413'] = { $ref: '#/components/responses/PayloadTooLarge' };
  if (errors[422] || op.body) responses['422'] = { $ref: '#/components/responses/UnprocessableEntity' };
  if (errors[503]) {
    responses['503'] = {
      description: `\`${errors[503]}\`: a dependency (a subscription's workflow) cannot answer now; nothing was changed that a repeat would not finish.`,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiErrorServiceUnavailable' }, example: { status: 503, error: 'Service Unavailable', code: errors[503], message: 'Some subscriptions could not be ended now; retry the request.' } } },
    };
  }

  const operation: Json = {
    operationId: operationId(op),
    tags: [op.tag],
    summary: op.summary,
    ...(op.description || op.sandboxOnly ? { description: [op.description, op.sandboxOnly ? 'Only with `npm start -- --sandbox`.' : undefined].filter(Boolean).join(' ') } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.public ? { security: [] } : {}),
    responses,
  };
  if (op.body) {
    const schema = bodySchema(op.body.schema);
    operation.requestBody = {
      required: !op.body.optional,
      content: { 'application/json': { schema: op.body.root ? { type: 'object', properties: { [op.body.root]: schema }, required: [op.body.root] } : schema } },
    };
  }
  return operation;
}

export interface OpenApiOptions {
  /** Base of the server URL (`BILLOW_PUBLIC_URL`); relative when absent. */
  publicUrl?: string;
  /** Whether the sandbox routes are mounted. */
  sandbox?: boolean;
}

/** The operations an app built with these options mounts. */
export function operationsFor(options: OpenApiOptions = {}): Operation[] {
  return OPERATIONS.filter((op) => !op.sandboxOnly || options.sandbox);
}

export function buildOpenApiDocument(options: OpenApiOptions = {}): Json {
  const base = (options.publicUrl ?? '').replace(/\/+$/, '');
  const paths: Record<string, Json> = {};
  for (const op of operationsFor(options)) {
    const key = openApiPath(op.path);
    const item = (paths[key] ??= {});
    if (!op.path.startsWith('/api/v1/')) item.servers = [{ url: base || '/' }];
    item[op.method] = describeOperation(op);
  }
  const tags = [...new Set(operationsFor(options).map((op) => op.tag))].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Billow API',
      version: '0.1.0',
      description: "Usage-based billing; wire-compatible with Lago's API v1. Success is always HTTP 200; errors have Lago's bodies.",
      license: { name: 'AGPL-3.0-only', identifier: 'AGPL-3.0-only' },
    },
    servers: [{ url: `${base}/api/v1` }],
    security: [{ bearerAuth: [] }],
    tags,
    paths,
    components: { ...COMPONENTS, schemas: { ...COMPONENTS.schemas, ...responseComponents() } },
  };
}

// The routes an app really mounts -----------------------------------------------------------------

interface LayerLike {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
}

/** Every `METHOD path` an Express app serves, read from its router stack (mounted routers included). */
export function mountedRoutes(app: { router: { stack: LayerLike[] } }): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const path = `${prefix}${String(layer.route.path)}`.replace(/(.)\/$/, '$1');
        for (const method of Object.keys(layer.route.methods)) if (method !== '_all') routes.push({ method, path });
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + mount);
      }
    }
  };
  walk(app.router.stack, '');
  return routes;
}

/** `GET /api/v1/openapi.json` and `GET /docs`, both without an API key; built once, on first use. */
export function apiReferenceRouter(options: OpenApiOptions): Router {
  let document: Json | undefined;
  let page: string | undefined;
  const router = Router();
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.json((document ??= buildOpenApiDocument(options)));
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send((page ??= renderDocsPage((document ??= buildOpenApiDocument(options)))));
  });
  return router;
}

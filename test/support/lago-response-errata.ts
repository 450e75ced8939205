/**
 * Where Billow's answers knowingly depart from Lago's OpenAPI description, each as a patch to the
 * description (a JSON pointer and a change) with its reason. Two kinds:
 *
 * - `lago-server`: the description disagrees with Lago's own server (app/serializers/v1 of
 *   getlago/lago-api), and Billow answers as the server does: mostly values the server answers null
 *   where the description types a bare `string`, a list it calls `oneOf`, a root key it forgets.
 * - `billow`: Billow deliberately answers otherwise, for the reason given.
 *
 * Every entry is listed in docs/lago-compatibility.md ("Responses"), and the contract test fails on
 * an entry that no longer changes anything (Lago fixed its description, or Billow its answer).
 */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Erratum {
  /** JSON pointer into Lago's description. */
  at: string;
  change: (node: Json) => Json;
  kind: 'lago-server' | 'billow';
  why: string;
}

/** `type: string` → `type: [string, null]`, and `null` among its enum values if it has some. */
const nullable = (node: Json): Json => {
  const types = Array.isArray(node.type) ? node.type : [node.type];
  const out: Json = { ...node, type: types.includes('null') ? types : [...types, 'null'] };
  if (Array.isArray(node.enum) && !node.enum.includes(null)) out.enum = [...node.enum, null];
  if (node.$ref) return { anyOf: [{ $ref: node.$ref }, { type: 'null' }] };
  return out;
};

const schema = (name: string, ...path: string[]) => ['/components/schemas', name, ...path].join('/');
const property = (name: string, prop: string) => schema(name, 'properties', prop);

const LAGO_ANSWERS_NULL = 'Lago\'s server answers null when it has no value (its serializer writes the attribute as is)';

export const LAGO_RESPONSE_ERRATA: Erratum[] = [
  // Customers (embedded in invoices and credit notes too).
  ...['invoice_grace_period', 'payment_provider', 'payment_provider_code', 'provider_customer_id', 'document_locale'].map((prop): Erratum => ({
    at: property('CustomerBillingConfiguration', prop), change: nullable, kind: 'lago-server',
    why: `billing_configuration.${prop}: ${LAGO_ANSWERS_NULL} (V1::CustomerSerializer#billing_configuration).`,
  })),
  // Invoices.
  { at: property('InvoiceBaseObject', 'payment_dispute_lost_at'), change: nullable, kind: 'lago-server', why: `invoice.payment_dispute_lost_at: ${LAGO_ANSWERS_NULL}; Billow records no payment disputes.` },
  { at: property('InvoiceBaseObject', 'sequential_id'), change: nullable, kind: 'lago-server', why: `invoice.sequential_id: ${LAGO_ANSWERS_NULL}: a draft has none, it is assigned at finalization (Invoice's sequenced numbering runs when the status becomes finalized).` },
  { at: property('InvoiceBaseObject', 'file_url'), change: nullable, kind: 'lago-server', why: `invoice.file_url: ${LAGO_ANSWERS_NULL} until the PDF is rendered.` },
  ...['subscription_from_datetime', 'subscription_to_datetime', 'charges_from_datetime', 'charges_to_datetime'].map((prop): Erratum => ({
    at: property('BillingPeriodObject', prop), change: nullable, kind: 'billow',
    why: `invoice.billing_periods[].${prop}: null when the invoice bills no ${prop.startsWith('subscription') ? 'base fee (charges paid in advance, the termination of a pay-in-advance plan)' : 'charges (the start of a pay-in-advance plan)'}; Lago fills it with the subscription's current period, Billow states what the invoice bills.`,
  })),
  // Payments.
  ...['reference', 'payment_provider_code', 'payment_provider_type', 'provider_customer_id'].map((prop): Erratum => ({
    at: property('PaymentObject', prop), change: nullable, kind: 'lago-server',
    why: `payment.${prop}: ${LAGO_ANSWERS_NULL}: a manual payment has no provider, a provider's payment no reference (V1::PaymentSerializer).`,
  })),
  // Credit notes.
  { at: property('CreditNoteObject', 'billing_entity_code'), change: nullable, kind: 'billow', why: 'credit_note.billing_entity_code: Billow has no billing entities (null, as on its invoices, where Lago\'s description allows it).' },
  // Billable metrics, plans, subscriptions.
  { at: property('BillableMetricObject', 'expression'), change: nullable, kind: 'lago-server', why: `billable_metric.expression: ${LAGO_ANSWERS_NULL} for a metric without an expression.` },
  { at: property('PlanObject', 'description'), change: nullable, kind: 'lago-server', why: `plan.description: ${LAGO_ANSWERS_NULL}.` },
  { at: property('AlertObject', 'billable_metric'), change: nullable, kind: 'lago-server', why: `alert.billable_metric: ${LAGO_ANSWERS_NULL} for an alert of a type without a metric (V1::UsageMonitoring::AlertSerializer).` },
  { at: property('PlanObject', 'invoice_display_name'), change: nullable, kind: 'lago-server', why: `plan.invoice_display_name: ${LAGO_ANSWERS_NULL}.` },
  { at: property('SubscriptionObject', 'on_termination_credit_note'), change: nullable, kind: 'lago-server', why: 'subscription.on_termination_credit_note: typed string-or-null but null is missing from its enum; Lago answers null outside pay-in-advance plans.' },
  { at: property('SubscriptionObject', 'cancellation_reason'), change: nullable, kind: 'lago-server', why: 'subscription.cancellation_reason: typed string-or-null but null is missing from its enum; null unless a gated subscription was canceled.' },
  // Events.
  {
    at: schema('EventObject', 'properties', 'properties', 'additionalProperties'), kind: 'lago-server',
    change: (node) => ({ ...node, anyOf: node.oneOf, oneOf: undefined }),
    why: 'event.properties: `oneOf: [string, integer, number]` rejects every integer (it is both an integer and a number), Lago\'s own example `{"gb": 10}` included: read as `anyOf`.',
  },
  ...[schema('EventCreated', 'properties', 'event', 'allOf', '1', 'properties', 'lago_customer_id'), schema('EventsCreated', 'properties', 'events', 'items', 'allOf', '1', 'properties', 'lago_customer_id')].map((at): Erratum => ({
    at, kind: 'billow', change: () => ({ type: ['string', 'null'], format: 'uuid' }),
    why: 'POST /events(/batch) lago_customer_id: Lago answers null since it ingests asynchronously; Billow validates and stores the event before answering, so it names the customer.',
  })),
  // Current usage.
  { at: schema('CustomerChargeFiltersUsageObject', 'items', 'properties', 'invoice_display_name'), change: nullable, kind: 'lago-server', why: `customer_usage.charges_usage[].filters[].invoice_display_name: ${LAGO_ANSWERS_NULL} (the events no filter matches: \`charge_filter&.invoice_display_name\`).` },
  { at: schema('CustomerChargeFiltersUsageObject', 'items', 'properties', 'values'), change: nullable, kind: 'lago-server', why: `customer_usage.charges_usage[].filters[].values: ${LAGO_ANSWERS_NULL} (the events no filter matches: \`charge_filter&.to_h\`).` },
  {
    at: schema('CustomerChargeUsageObject', 'properties', 'charge', 'properties', 'charge_model'), kind: 'lago-server',
    change: () => ({ $ref: '#/components/schemas/ChargeModelEnum' }),
    why: 'customer_usage.charges_usage[].charge.charge_model: its enum lacks `graduated_percentage`, which Lago\'s own ChargeModelEnum (used by plans) has.',
  },
  // Grouped pricing: the group of the events without one of the keys.
  {
    at: schema('CustomerChargeGroupedUsageObject', 'items', 'properties', 'grouped_by', 'additionalProperties'), change: nullable, kind: 'lago-server',
    why: `customer_usage.charges_usage[].grouped_usage[].grouped_by: ${LAGO_ANSWERS_NULL} for a key the group's events lack (their SQL GROUP BY value is NULL).`,
  },
  {
    at: schema('FeeObject', 'properties', 'item', 'properties', 'grouped_by', 'additionalProperties'), change: nullable, kind: 'lago-server',
    why: `fee.item.grouped_by: ${LAGO_ANSWERS_NULL} for a key the group's events lack (the fee's grouped_by as its aggregation grouped them).`,
  },
  {
    at: schema('PresentationBreakdownsObject', 'items', 'properties', 'presentation_by', 'additionalProperties'), change: nullable, kind: 'lago-server',
    why: `presentation_breakdowns[].presentation_by: ${LAGO_ANSWERS_NULL} for a key the events lack (as grouped_by).`,
  },
  // Entitlements.
  {
    at: property('PlanObject', 'entitlements'), kind: 'lago-server',
    change: (node) => ({ ...node, items: { $ref: '#/components/schemas/PlanEntitlementObject' } }),
    why: 'plan.entitlements: each entitlement as its object, without the `entitlement` root the description puts on each item; Lago\'s PlanSerializer answers the PlanEntitlementSerializer collection (no root per item), as GET /plans/{code}/entitlements does.',
  },
  {
    at: schema('SubscriptionEntitlementPrivilegeObject', 'allOf', '1', 'properties', 'plan_value'), kind: 'lago-server',
    change: (node) => ({ ...node, oneOf: [...(node.oneOf as Json[]), { type: 'null' }] }),
    why: `subscription entitlements privileges[].plan_value: ${LAGO_ANSWERS_NULL} for a privilege only the subscription has (an override its plan lacks: \`cast_value(nil)\` in SubscriptionEntitlementSerializer).`,
  },
  ...['/paths/~1subscriptions~1{external_id}~1entitlements~1{feature_code}/delete', '/paths/~1subscriptions~1{external_id}~1entitlements~1{feature_code}~1privileges~1{privilege_code}/delete'].map((at): Erratum => ({
    at: `${at}/responses/200/content/application~1json/schema`, kind: 'lago-server',
    change: () => ({ $ref: '#/components/schemas/SubscriptionEntitlements' }),
    why: `${at.includes('privileges') ? 'DELETE /subscriptions/{external_id}/entitlements/{feature_code}/privileges/{privilege_code}' : 'DELETE /subscriptions/{external_id}/entitlements/{feature_code}'}: the subscription's entitlements after the removal (\`{"entitlements": [...]}\`), as Lago's controller renders them (the description says one entitlement, which a removed feature no longer has).`,
  })),
  // Wallets.
  { at: property('PaymentMethodReference', 'payment_method_id'), change: nullable, kind: 'lago-server', why: `wallet_transaction.payment_method.payment_method_id: ${LAGO_ANSWERS_NULL}; Billow has no payment methods.` },
  {
    at: '/paths/~1wallet_transactions~1{lago_id}/get/responses/200/content/application~1json/schema', kind: 'lago-server',
    change: () => ({ type: 'object', required: ['wallet_transaction'], properties: { wallet_transaction: { $ref: '#/components/schemas/WalletTransactionObject' } } }),
    why: 'GET /wallet_transactions/{lago_id}: described without its root key; Lago\'s controller answers `{"wallet_transaction": {...}}` (root_name: "wallet_transaction"), as every other object.',
  },
  {
    at: '/paths/~1payments~1{lago_id}/get/responses/200/content/application~1json/schema', kind: 'lago-server',
    change: () => ({ type: 'object', required: ['payment'], properties: { payment: { $ref: '#/components/schemas/PaymentObject' } } }),
    why: 'GET /payments/{lago_id}: described without its root key; Lago\'s controller answers `{"payment": {...}}` (root_name: "payment"), as POST /payments is described.',
  },
  {
    at: '/paths/~1payment_requests~1{lago_id}/get/responses/200/content/application~1json/schema', kind: 'lago-server',
    change: () => ({ type: 'object', required: ['payment_request'], properties: { payment_request: { $ref: '#/components/schemas/PaymentRequestObject' } } }),
    why: 'GET /payment_requests/{lago_id}: described without its root key; Lago\'s controller answers `{"payment_request": {...}}` (root_name: "payment_request"), as POST /payment_requests is described.',
  },
];

function unescape(part: string): string {
  return part.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * The description with the errata applied (a copy), and the entries that changed nothing: a
 * pointer that leads nowhere, or a node the change leaves as it was.
 */
export function applyErrata(spec: Json, errata: readonly Erratum[]): { spec: Json; stale: string[] } {
  const copy = structuredClone(spec) as Json;
  const stale: string[] = [];
  for (const erratum of errata) {
    const parts = erratum.at.split('/').slice(1).map(unescape);
    const last = parts.pop()!;
    const parent = parts.reduce<Json | undefined>((node, part) => node?.[part], copy);
    const node = parent?.[last];
    if (node === undefined) {
      stale.push(`${erratum.at}: not in Lago's description`);
      continue;
    }
    const changed = JSON.parse(JSON.stringify(erratum.change(node))) as Json;
    if (JSON.stringify(changed) === JSON.stringify(node)) stale.push(`${erratum.at}: already so in Lago's description`);
    parent![last] = changed;
  }
  return { spec: copy, stale };
}

/**
 * Payment requests (Lago's `POST /payment_requests`): a customer's overdue invoices gathered into one
 * request for what they still owe, collected by one payment.
 *
 * - Each invoice named must be the customer's, finalized and overdue (`payment_overdue: true`, with
 *   something due), all in one currency, and in no other request still pending (so it is never
 *   collected twice): 404 `customer_not_found` / `invoice_not_found`, else 422 on `lago_invoice_ids`
 *   (`invoices_not_overdue`, `invoices_have_different_currencies`, `invoices_already_requested`).
 *   Nothing is written when refused.
 * - Its amount is the sum of what each invoice owed then (each one's part). `payment_request.created`.
 * - A customer paying through Stripe (with a Stripe connection): the request's payment workflow
 *   (`payment/payment_request/<id>`) charges the amount once, off-session, with the request's key
 *   (`payment_request:<id>:attempt:<n>`). On success the request is `succeeded` and each invoice is
 *   paid its part (`payment_request.payment_status_updated`, `invoice.payment_status_updated`); on
 *   failure the request and its invoices are `failed` (`payment_request.payment_failure`). Other
 *   customers pay their invoices by hand (`POST /payments`); the request stays `pending`.
 * - If an invoice was paid otherwise before the charge (its due below its part), or an attempt of its
 *   own still waits for its outcome, nothing is charged: the attempt is skipped (`invoices_changed`,
 *   `attempt_pending`) and the request stays `pending`. While a request collected at Stripe is
 *   pending, its invoices' own attempts (dunning, `retry_payment`) are skipped.
 */
import type { Conn, Db, Tx } from '../../db/knex';
import { findCustomerByExternalId, findCustomerById } from '../../db/customers';
import { findInvoice, lockInvoice, type InvoiceRow } from '../../db/invoices';
import type { OrganizationRow } from '../../db/organizations';
import { findPaymentProvider } from '../../db/payment-providers';
import {
  findPaymentRequest, insertPaymentRequest, invoicesInPendingRequests, partsOfPaymentRequest, paymentRequestsPage,
  type PaymentRequestFilters, type PaymentRequestPart, type PaymentRequestRow,
} from '../../db/payment-requests';
import { findPaymentByKey, insertPaymentOnce, providerAttempts } from '../../db/payments';
import { recordWebhookEvent, requestCollection } from '../../webhooks/outbox';
import { customerView, type CustomerJson } from '../../serializers/customer';
import { serializePaymentRequest, type PaymentRequestJson } from '../../serializers/payment-request';
import { isCurrency } from '../../billing/money';
import { invalidField, isUuid, notFound, Problems } from '../../runtime/errors';
import { meta, type Page, type Paginated } from '../../runtime/pagination';
import { presentInvoice } from '../invoicing';
import { providerCustomerIdOf } from './provider-customers';

export interface PaymentRequestInput {
  external_customer_id: string;
  email: string;
  lago_invoice_ids: string[];
}

export type StartedRequestAttempt = { paymentId: string } | { skipped: 'nothing_due' | 'no_provider' | 'no_provider_customer' | 'invoices_changed' | 'attempt_pending' };

const dueOf = (invoice: InvoiceRow) =>
  (invoice.status !== 'finalized' || invoice.payment_status === 'succeeded' ? 0n : invoice.total_amount_cents - invoice.total_paid_amount_cents);

export async function createPaymentRequest(
  db: Db, organization: OrganizationRow, input: PaymentRequestInput, options: { nowMs: number; publicUrl: string },
): Promise<PaymentRequestJson> {
  const organizationId = organization.id;
  const problems = new Problems();
  if (!/^[^\s@]+@[^\s@]+$/.test(input.email)) problems.add('email', 'invalid_email_format');
  if (input.lago_invoice_ids.length === 0) problems.add('lago_invoice_ids', 'value_is_mandatory');
  if (new Set(input.lago_invoice_ids).size !== input.lago_invoice_ids.length) problems.add('lago_invoice_ids', 'value_is_duplicated');
  problems.throwIfAny();
  const request = await db.transaction(async (trx) => {
    const customer = await findCustomerByExternalId(trx, organizationId, input.external_customer_id);
    if (!customer) throw notFound('customer');
    // Locked in one order, so that two requests naming the same invoices are serialized.
    const invoices: InvoiceRow[] = [];
    for (const id of [...input.lago_invoice_ids].sort()) {
      const invoice = isUuid(id) ? await lockInvoice(trx, organizationId, id) : undefined;
      if (!invoice || invoice.customer_id !== customer.id || !['finalized', 'voided', 'draft'].includes(invoice.status)) throw notFound('invoice');
      invoices.push(invoice);
    }
    if (invoices.some((invoice) => !invoice.payment_overdue || dueOf(invoice) <= 0n)) throw invalidField('lago_invoice_ids', 'invoices_not_overdue');
    if (new Set(invoices.map((invoice) => invoice.currency)).size > 1) throw invalidField('lago_invoice_ids', 'invoices_have_different_currencies');
    if ((await invoicesInPendingRequests(trx, organizationId, invoices.map((invoice) => invoice.id))).length > 0) throw invalidField('lago_invoice_ids', 'invoices_already_requested');
    const parts: PaymentRequestPart[] = invoices.map((invoice) => ({ invoice_id: invoice.id, amount_cents: dueOf(invoice) }));
    const pays = customer.billing_configuration?.payment_provider === 'stripe' && providerCustomerIdOf(customer) !== null
      && (await findPaymentProvider(trx, organizationId, 'stripe')) !== undefined;
    const created = await insertPaymentRequest(trx, organizationId, {
      customer_id: customer.id, email: input.email, amount_cents: parts.reduce((sum, part) => sum + part.amount_cents, 0n), currency: invoices[0]!.currency,
      provider_type: pays ? 'stripe' : null, created_at: new Date(options.nowMs),
    }, parts);
    await recordWebhookEvent(trx, {
      organizationId, webhookType: 'payment_request.created', objectType: 'payment_request', idempotencyKey: `payment_request.created:${created.id}`,
      object: await paymentRequestObject(trx, organization, created, options),
    });
    if (pays) await requestCollection(trx, { organizationId, payable: { type: 'payment_request', id: created.id } });
    return created;
  });
  return serializePaymentRequest(request, await presented(db, organization, request, options));
}

export async function getPaymentRequest(db: Db, organization: OrganizationRow, id: string, options: { nowMs: number; publicUrl: string }): Promise<PaymentRequestJson> {
  const request = await findPaymentRequest(db, organization.id, id);
  if (!request) throw notFound('payment_request');
  return serializePaymentRequest(request, await presented(db, organization, request, options));
}

export interface PaymentRequestListFilters {
  externalCustomerId?: string;
  paymentStatus?: string;
  currency?: string;
}

/** One page of payment requests, newest first; an unknown customer selects none (404 when `customerScoped`). */
export async function listPaymentRequests(
  db: Db, organization: OrganizationRow, filters: PaymentRequestListFilters, page: Page, options: { nowMs: number; publicUrl: string; customerScoped?: boolean },
): Promise<Paginated<PaymentRequestJson>> {
  const problems = new Problems();
  if (filters.paymentStatus !== undefined && !['pending', 'succeeded', 'failed'].includes(filters.paymentStatus)) problems.add('payment_status', 'value_is_invalid');
  if (filters.currency !== undefined && !isCurrency(filters.currency)) problems.add('currency', 'value_is_invalid');
  problems.throwIfAny();
  const query: PaymentRequestFilters = { paymentStatus: filters.paymentStatus, currency: filters.currency };
  if (filters.externalCustomerId !== undefined) {
    const customer = await findCustomerByExternalId(db, organization.id, filters.externalCustomerId);
    if (!customer) {
      if (options.customerScoped) throw notFound('customer');
      return { rows: [], meta: meta(page, 0) };
    }
    query.customerId = customer.id;
  }
  const { rows, meta: pageMeta } = await paymentRequestsPage(db, organization.id, query, page);
  const out: PaymentRequestJson[] = [];
  for (const row of rows) out.push(serializePaymentRequest(row, await presented(db, organization, row, options)));
  return { rows: out, meta: pageMeta };
}

async function presented(conn: Conn, organization: OrganizationRow, request: PaymentRequestRow, options: { nowMs: number; publicUrl: string | null }) {
  const customer = (await findCustomerById(conn, request.customer_id))!;
  const parts = await partsOfPaymentRequest(conn, organization.id, request.id);
  const invoices = [];
  for (const part of parts) invoices.push(await presentInvoice(conn, organization, (await findInvoice(conn, organization.id, part.invoice_id))!, { withFees: false, publicUrl: options.publicUrl, nowMs: options.nowMs }));
  return { customer: customerView(organization)(customer) as CustomerJson, invoices };
}

async function paymentRequestObject(conn: Conn, organization: OrganizationRow, request: PaymentRequestRow, options: { nowMs: number; publicUrl: string | null }) {
  return serializePaymentRequest(request, await presented(conn, organization, request, options)) as unknown as Record<string, unknown>;
}

/** The webhook object of a request (for `payment_request.payment_status_updated` and `payment_failure`), in the caller's transaction. */
export async function paymentRequestWebhookObject(trx: Tx, organization: OrganizationRow, request: PaymentRequestRow, nowMs: number): Promise<Record<string, unknown>> {
  return paymentRequestObject(trx, organization, request, { nowMs, publicUrl: null });
}

/**
 * The payment workflow's first step for a request: its attempt's payment row (once), for the
 * request's amount, unless there is nothing to charge (see the module's comment).
 */
export async function startRequestAttempt(db: Db, organizationId: string, paymentRequestId: string, attempt: number): Promise<StartedRequestAttempt> {
  return db.transaction(async (trx) => {
    const key = `payment_request:${paymentRequestId}:attempt:${attempt}`;
    const existing = await findPaymentByKey(trx, organizationId, key);
    if (existing) return { paymentId: existing.id };
    const request = await findPaymentRequest(trx, organizationId, paymentRequestId, { forUpdate: true });
    if (!request || request.payment_status !== 'pending') return { skipped: 'nothing_due' };
    const parts = await partsOfPaymentRequest(trx, organizationId, request.id);
    for (const part of [...parts].sort((a, b) => a.invoice_id.localeCompare(b.invoice_id))) {
      const invoice = (await lockInvoice(trx, organizationId, part.invoice_id))!;
      if (dueOf(invoice) < part.amount_cents) return { skipped: 'invoices_changed' };
      // An attempt of the invoice's own still waits for its outcome: never charged twice.
      if ((await providerAttempts(trx, organizationId, invoice.id)).some((p) => p.payment_status === 'pending' || p.payment_status === 'processing')) return { skipped: 'attempt_pending' };
    }
    const customer = (await findCustomerById(trx, request.customer_id))!;
    if (customer.billing_configuration?.payment_provider !== 'stripe') return { skipped: 'no_provider' };
    const provider = await findPaymentProvider(trx, organizationId, 'stripe');
    if (!provider) return { skipped: 'no_provider' };
    const providerCustomerId = providerCustomerIdOf(customer);
    if (!providerCustomerId) return { skipped: 'no_provider_customer' };
    const { payment } = await insertPaymentOnce(trx, organizationId, {
      customer_id: customer.id, invoice_id: null, payment_request_id: request.id, payment_type: 'provider', amount_cents: request.amount_cents,
      currency: request.currency, status: 'pending', payment_status: 'pending', provider_type: 'stripe', payment_provider_id: provider.id,
      provider_customer_id: providerCustomerId, attempt, idempotency_key: key,
    });
    return { paymentId: payment.id };
  });
}

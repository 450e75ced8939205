/**
 * Stripe's hosted pages (card data never reaches Billow):
 *
 * - `POST /customers/:external_id/checkout_url` (Lago's GenerateCheckoutUrlService): a Checkout
 *   session in setup mode where the customer saves a payment method; when Stripe's
 *   `checkout.session.completed` comes back, that method becomes the customer's default, which the
 *   payment workflow then charges off-session. Records `customer.checkout_url_generated`.
 * - `POST /invoices/:id/payment_url` (Lago's GeneratePaymentUrlService): a Checkout session in
 *   payment mode for what is still due on a finalized invoice; its completion is recorded as a
 *   payment of the invoice (collection.ts).
 *
 * Refused with Lago's codes (422 `validation_errors`, `base`): a customer not paying through Stripe
 * or an organization without a Stripe connection (`no_linked_payment_provider`), a customer without
 * its Stripe id (`missing_payment_provider_customer`), an invoice that is not finalized or has
 * nothing due (`invalid_invoice_status_or_payment_status`). Stripe refusing is 422
 * `payment_provider_refused`; Stripe not answering 503 (nothing is written either way).
 */
import type { Db } from '../../db/knex';
import { findCustomerByExternalId, findCustomerById, type CustomerRow } from '../../db/customers';
import { findInvoice } from '../../db/invoices';
import { findPaymentProvider, type PaymentProviderRow } from '../../db/payment-providers';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { isUuid, notFound, UnavailableError, validationErrors } from '../../runtime/errors';
import { ProviderRefusal, type ProviderFactory } from './providers';
import { providerCustomerIdOf } from './provider-customers';

/** Where Stripe sends the payer back when the connection names no page (Lago's default). */
export const DEFAULT_SUCCESS_URL = 'https://stripe.com/';

/** Lago's CustomerCheckoutUrl. */
export interface CustomerCheckoutUrl {
  lago_customer_id: string;
  external_customer_id: string;
  payment_provider: 'stripe';
  payment_provider_code: string;
  checkout_url: string;
}

/** Lago's InvoicePaymentUrl (`invoice_payment_details`). */
export interface InvoicePaymentUrl {
  lago_customer_id: string;
  lago_invoice_id: string;
  external_customer_id: string;
  payment_provider: 'stripe';
  payment_url: string;
}

/** The customer's Stripe connection and id, or Lago's refusal. */
async function stripeOf(db: Db, customer: CustomerRow): Promise<{ connection: PaymentProviderRow; providerCustomerId: string }> {
  const connection = customer.billing_configuration?.payment_provider === 'stripe' ? await findPaymentProvider(db, customer.organization_id, 'stripe') : undefined;
  if (!connection) throw validationErrors({ base: ['no_linked_payment_provider'] });
  const providerCustomerId = providerCustomerIdOf(customer);
  if (!providerCustomerId) throw validationErrors({ base: ['missing_payment_provider_customer'] });
  return { connection, providerCustomerId };
}

/** A provider's call: a refusal is a 422, anything else (a network error, Stripe's outage) a 503. */
async function calling<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ProviderRefusal) throw validationErrors({ base: ['payment_provider_refused'] });
    throw new UnavailableError('payment_provider_unavailable', 'Stripe did not answer: try again.');
  }
}

export async function customerCheckoutUrl(db: Db, providers: ProviderFactory, organizationId: string, externalId: string, nowMs: number): Promise<CustomerCheckoutUrl> {
  const customer = await findCustomerByExternalId(db, organizationId, externalId);
  if (!customer) throw notFound('customer');
  const { connection, providerCustomerId } = await stripeOf(db, customer);
  const { url } = await calling(() => providers({ type: 'stripe', secretKey: connection.secret_key }).setupCheckout({
    providerCustomerId,
    successUrl: connection.success_redirect_url ?? DEFAULT_SUCCESS_URL,
    // A new session each time it is asked for (Lago regenerates it), the same one for a retried call.
    idempotencyKey: `billow:${organizationId}:customer:${customer.id}:checkout:${nowMs}`,
  }));
  const answer: CustomerCheckoutUrl = {
    lago_customer_id: customer.id, external_customer_id: customer.external_id, payment_provider: 'stripe', payment_provider_code: connection.code, checkout_url: url,
  };
  await db.transaction((trx) => recordWebhookEvent(trx, {
    organizationId, webhookType: 'customer.checkout_url_generated', objectType: 'payment_provider_customer_checkout_url',
    object: { lago_customer_id: customer.id, external_customer_id: customer.external_id, payment_provider: 'stripe', checkout_url: url },
  }));
  return answer;
}

export async function invoicePaymentUrl(db: Db, providers: ProviderFactory, organizationId: string, invoiceId: string, nowMs: number): Promise<InvoicePaymentUrl> {
  const invoice = isUuid(invoiceId) ? await findInvoice(db, organizationId, invoiceId) : undefined;
  if (!invoice || !['finalized', 'draft', 'voided'].includes(invoice.status)) throw notFound('invoice');
  const customer = (await findCustomerById(db, invoice.customer_id))!;
  const { connection, providerCustomerId } = await stripeOf(db, customer);
  const due = invoice.payment_status === 'succeeded' ? 0n : invoice.total_amount_cents - invoice.total_paid_amount_cents;
  if (invoice.status !== 'finalized' || due <= 0n) throw validationErrors({ base: ['invalid_invoice_status_or_payment_status'] });
  const metadata = { billow_organization_id: organizationId, billow_invoice_id: invoice.id, invoice_number: invoice.number, payment_type: 'one-time' };
  const { url } = await calling(() => providers({ type: 'stripe', secretKey: connection.secret_key }).paymentCheckout({
    providerCustomerId,
    successUrl: connection.success_redirect_url ?? DEFAULT_SUCCESS_URL,
    idempotencyKey: `billow:${organizationId}:invoice:${invoice.id}:payment_url:${due}:${nowMs}`,
    amountCents: due,
    currency: invoice.currency,
    name: `Invoice ${invoice.number}`,
    description: `Invoice ${invoice.number}`,
    metadata,
  }));
  return { lago_customer_id: customer.id, lago_invoice_id: invoice.id, external_customer_id: customer.external_id, payment_provider: 'stripe', payment_url: url };
}

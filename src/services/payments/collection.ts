/**
 * Collecting an invoice at the customer's payment provider (Stripe), in three steps the payment
 * workflow runs as separate activities, each safe to repeat:
 *
 * 1. `startAttempt`: the payment row of attempt N (`invoice:<id>:attempt:<N>`, inserted once) for
 *    what is still due, or nothing when there is nothing to collect (paid, voided, no provider);
 * 2. `chargeAttempt`: the provider's call, with the attempt's idempotency key: a retried activity
 *    (a timeout, a worker killed after Stripe answered) sends the same key, and Stripe answers the
 *    same PaymentIntent instead of charging again;
 * 3. `recordAttempt`: what the provider answered, written to the payment and its invoice.
 *
 * A PaymentIntent still pending (3-D Secure to do, processing) is settled later by Stripe's webhook
 * (`handleProviderWebhook`): verified with the connection's signing secret over the raw body, each
 * event handled once (`provider_events`), matched to its payment by the PaymentIntent's id.
 *
 * An outcome is applied once: a payment already succeeded or failed keeps its status (a late or
 * replayed event changes nothing). A succeeded payment adds to the invoice's
 * `total_paid_amount_cents`, and the invoice is `succeeded` once that reaches its total; a failed
 * one sets the invoice `failed` (`invoice.payment_failure`); one that needs the customer's action
 * sends `payment.requires_action` with Stripe's `next_action`.
 */
import type { Conn, Db, Tx } from '../../db/knex';
import { findInvoice, lockInvoice, lockInvoices, updateInvoiceRows, type InvoiceRow } from '../../db/invoices';
import { overdueInstantFor } from '../../billing/overdue';
import { findCustomerById, rememberCustomers } from '../../db/customers';
import { findPaymentProvider, type PaymentProviderRow } from '../../db/payment-providers';
import {
  findPayment, findPaymentByKey, insertPaymentOnce, providerAttempts, providerEventHandled, lockPaymentByProviderId, recordProviderEvent, succeededAmountOfInvoice, updatePayment, type PaymentRow,
} from '../../db/payments';
import { findOrganization } from '../../db/organizations';
import { memoized, openReadMemo } from '../../db/read-memo';
import { recordWebhookEvent, requestCollection } from '../../webhooks/outbox';
import { isUuid, methodNotAllowed, notFound } from '../../runtime/errors';
import { changePaymentStatus, invoiceWebhookObject, rememberInvoicePresentation } from '../invoicing';
import { serializePayment } from '../../serializers/payment';
import { presentPayment } from './payments';
import {
  ProviderRefusal, ProviderSignatureError, type NormalizedStatus, type ProviderErrorDetails, type ProviderFactory, type ProviderPayment,
} from './providers';
import { applyRefundEvent } from './refunds';
import { paymentRequestWebhookObject } from './payment-requests';
import { findPaymentRequest, invoicesInPendingRequests, partsOfPaymentRequest, updatePaymentRequest } from '../../db/payment-requests';
import { providerCustomerIdOf } from './provider-customers';

/** What a provider answered about an attempt, as the workflow carries it (JSON: no bigint). */
export interface AttemptOutcome {
  providerPaymentId: string | null;
  status: string;
  paymentStatus: NormalizedStatus;
  nextAction: Record<string, unknown> | null;
  error: ProviderErrorDetails | null;
}

export type StartedAttempt = { paymentId: string } | { skipped: 'nothing_due' | 'no_provider' | 'no_provider_customer' | 'in_payment_request' };

/** The Stripe idempotency key of a payment (its attempt): the same on every retry of its activity. */
export const chargeIdempotencyKey = (payment: Pick<PaymentRow, 'organization_id' | 'idempotency_key'>) => `billow:${payment.organization_id}:${payment.idempotency_key}`;

/** Step 1: the payment row of attempt `attempt` on the invoice, created once. */
export async function startAttempt(db: Db, organizationId: string, invoiceId: string, attempt: number): Promise<StartedAttempt> {
  return db.transaction(async (trx) => {
    const invoice = await lockInvoice(trx, organizationId, invoiceId);
    const key = `invoice:${invoiceId}:attempt:${attempt}`;
    const existing = await findPaymentByKey(trx, organizationId, key);
    if (existing) return { paymentId: existing.id };
    if (!invoice || invoice.status !== 'finalized' || invoice.payment_status === 'succeeded') return { skipped: 'nothing_due' };
    const due = invoice.total_amount_cents - invoice.total_paid_amount_cents;
    if (due <= 0n) return { skipped: 'nothing_due' };
    // A payment request still pending collects it (payment-requests.ts): never charged twice.
    if ((await invoicesInPendingRequests(trx, organizationId, [invoice.id], { collected: true })).length > 0) return { skipped: 'in_payment_request' };
    const customer = (await findCustomerById(trx, invoice.customer_id))!;
    const billing = customer.billing_configuration ?? {};
    if (billing.payment_provider !== 'stripe') return { skipped: 'no_provider' };
    const provider = await findPaymentProvider(trx, organizationId, 'stripe');
    if (!provider) return { skipped: 'no_provider' };
    const providerCustomerId = typeof billing.provider_customer_id === 'string' ? billing.provider_customer_id : null;
    if (!providerCustomerId) return { skipped: 'no_provider_customer' };
    const { payment } = await insertPaymentOnce(trx, organizationId, {
      customer_id: invoice.customer_id, invoice_id: invoice.id, payment_type: 'provider', amount_cents: due, currency: invoice.currency,
      status: 'pending', payment_status: 'pending', provider_type: 'stripe', payment_provider_id: provider.id, provider_customer_id: providerCustomerId,
      attempt, idempotency_key: key,
    });
    return { paymentId: payment.id };
  });
}

/**
 * Step 2: the provider's charge for the payment, with its idempotency key. A refusal (a declined
 * card, a bad request, a revoked key) is a failed outcome; anything else is thrown (the activity is
 * retried with the same key). A payment that already has its outcome is answered from the row.
 */
export async function chargeAttempt(db: Db, providers: ProviderFactory, organizationId: string, paymentId: string): Promise<AttemptOutcome> {
  const payment = await findPayment(db, organizationId, paymentId);
  if (!payment) throw new Error(`payment ${paymentId} not found`);
  // An outcome recorded already (a refusal has no PaymentIntent id): answered from the row, never charged again.
  if (payment.payment_status === 'succeeded' || payment.payment_status === 'failed' || (payment.provider_payment_id && payment.payment_status !== 'pending')) return outcomeOf(payment);
  const connection = await findPaymentProvider(db, organizationId, 'stripe');
  if (!connection) return { providerPaymentId: null, status: 'failed', paymentStatus: 'failed', nextAction: null, error: { message: 'The organization has no Stripe connection.', error_code: 'no_provider' } };
  const { description, metadata } = await chargeLabels(db, payment);
  try {
    const charged = await providerOf(providers, connection).charge({
      amountCents: payment.amount_cents,
      currency: payment.currency,
      providerCustomerId: payment.provider_customer_id!,
      idempotencyKey: chargeIdempotencyKey(payment),
      description,
      metadata: { billow_organization_id: organizationId, billow_payment_id: payment.id, ...metadata },
      returnUrl: connection.success_redirect_url ?? 'https://billow.invalid/return',
    });
    return { providerPaymentId: charged.providerPaymentId, status: charged.status, paymentStatus: charged.paymentStatus, nextAction: charged.nextAction, error: charged.error };
  } catch (error) {
    if (error instanceof ProviderRefusal) return { providerPaymentId: null, status: 'failed', paymentStatus: 'failed', nextAction: null, error: error.details };
    throw error;
  }
}

/** What Stripe shows of a charge: the invoice's number, or a payment request's invoices. */
async function chargeLabels(conn: Conn, payment: PaymentRow): Promise<{ description: string; metadata: Record<string, string> }> {
  if (payment.payment_request_id) {
    const parts = await partsOfPaymentRequest(conn, payment.organization_id, payment.payment_request_id);
    const numbers: string[] = [];
    for (const part of parts) numbers.push((await findInvoice(conn, payment.organization_id, part.invoice_id))?.number ?? part.invoice_id);
    return { description: `Invoices ${numbers.join(', ')}`, metadata: { billow_payment_request_id: payment.payment_request_id } };
  }
  const invoice = (await findInvoice(conn, payment.organization_id, payment.invoice_id!))!;
  return { description: `Invoice ${invoice.number}`, metadata: { billow_invoice_id: invoice.id, invoice_number: invoice.number } };
}

/** Step 3: what the provider answered, on the payment and its invoice (once). */
export async function recordAttempt(db: Db, organizationId: string, paymentId: string, outcome: AttemptOutcome, nowMs: number): Promise<NormalizedStatus> {
  return db.transaction(async (trx) => {
    const payment = await findPayment(trx, organizationId, paymentId, { forUpdate: true });
    if (!payment) throw new Error(`payment ${paymentId} not found`);
    return (await applyOutcome(trx, payment, outcome, nowMs)).payment_status;
  });
}

function outcomeOf(payment: PaymentRow): AttemptOutcome {
  return {
    providerPaymentId: payment.provider_payment_id, status: payment.status, paymentStatus: payment.payment_status,
    nextAction: payment.next_action, error: payment.provider_error as ProviderErrorDetails | null,
  };
}

function providerOf(providers: ProviderFactory, connection: PaymentProviderRow) {
  return providers({ type: 'stripe', secretKey: connection.secret_key });
}

const FINAL = new Set(['succeeded', 'failed']);

/** Applies an outcome to a locked payment, unless it has its final outcome already. */
async function applyOutcome(trx: Tx, payment: PaymentRow, outcome: AttemptOutcome, nowMs: number): Promise<PaymentRow> {
  if (FINAL.has(payment.payment_status)) return payment;
  const now = new Date(nowMs);
  const updated = await updatePayment(trx, payment, {
    ...(outcome.providerPaymentId ? { provider_payment_id: outcome.providerPaymentId } : {}),
    status: outcome.status,
    payment_status: outcome.paymentStatus,
    next_action: outcome.nextAction,
    provider_error: outcome.error as Record<string, unknown> | null,
    ...(outcome.paymentStatus === 'succeeded' ? { paid_at: now } : {}),
    ...(outcome.paymentStatus === 'failed' ? { failed_at: now } : {}),
  });
  if (payment.payment_request_id) {
    await applyRequestOutcome(trx, updated, outcome, nowMs);
    return updated;
  }
  const invoice = (await lockInvoice(trx, payment.organization_id, payment.invoice_id!))!;
  if (outcome.paymentStatus === 'succeeded') {
    const paid = await succeededAmountOfInvoice(trx, payment.organization_id, invoice.id);
    await changePaymentStatus(trx, invoice, paid >= invoice.total_amount_cents ? 'succeeded' : invoice.payment_status, nowMs, { totalPaidAmountCents: paid });
  } else if (outcome.paymentStatus === 'failed') {
    if (invoice.payment_status !== 'succeeded') await changePaymentStatus(trx, invoice, 'failed', nowMs);
    await recordPaymentFailure(trx, invoice, updated, outcome.error);
  } else if (outcome.nextAction && payment.status !== 'requires_action') {
    await recordWebhookEvent(trx, {
      organizationId: payment.organization_id, webhookType: 'payment.requires_action', objectType: 'payment',
      object: await paymentWebhookObject(trx, updated), idempotencyKey: `payment.requires_action:${updated.id}`,
    });
  }
  return updated;
}

/**
 * A payment request's payment settled (payment-requests.ts): succeeded, the request is paid and each
 * invoice is paid its part; failed, the request and its invoices are failed. Lago's
 * `payment_request.payment_status_updated` / `payment_request.payment_failure`.
 */
async function applyRequestOutcome(trx: Tx, payment: PaymentRow, outcome: AttemptOutcome, nowMs: number): Promise<void> {
  const request = (await findPaymentRequest(trx, payment.organization_id, payment.payment_request_id!, { forUpdate: true }))!;
  if (outcome.paymentStatus !== 'succeeded' && outcome.paymentStatus !== 'failed') {
    if (outcome.nextAction && payment.status !== 'requires_action') {
      await recordWebhookEvent(trx, {
        organizationId: payment.organization_id, webhookType: 'payment.requires_action', objectType: 'payment',
        object: await paymentWebhookObject(trx, payment), idempotencyKey: `payment.requires_action:${payment.id}`,
      });
    }
    return;
  }
  if (request.payment_status === 'succeeded') return;
  const parts = await partsOfPaymentRequest(trx, payment.organization_id, request.id);
  for (const part of [...parts].sort((a, b) => a.invoice_id.localeCompare(b.invoice_id))) {
    const invoice = (await lockInvoice(trx, payment.organization_id, part.invoice_id))!;
    if (invoice.payment_status === 'succeeded') continue;
    if (outcome.paymentStatus === 'succeeded') {
      const paid = await succeededAmountOfInvoice(trx, payment.organization_id, invoice.id);
      // Never more than its total, even if it was paid otherwise meanwhile.
      const shown = paid < invoice.total_amount_cents ? paid : invoice.total_amount_cents;
      await changePaymentStatus(trx, invoice, paid >= invoice.total_amount_cents ? 'succeeded' : invoice.payment_status, nowMs, { totalPaidAmountCents: shown });
    } else {
      await changePaymentStatus(trx, invoice, 'failed', nowMs);
    }
  }
  const settled = await updatePaymentRequest(trx, request, { payment_status: outcome.paymentStatus });
  const organization = (await findOrganization(trx, payment.organization_id))!;
  const object = await paymentRequestWebhookObject(trx, organization, settled, nowMs);
  await recordWebhookEvent(trx, {
    organizationId: payment.organization_id, webhookType: 'payment_request.payment_status_updated', objectType: 'payment_request', object,
    idempotencyKey: `payment_request.payment_status_updated:${request.id}:${payment.id}`,
  });
  if (outcome.paymentStatus === 'failed') {
    const customer = await findCustomerById(trx, request.customer_id);
    const { context } = await presentPayment(trx, payment);
    await recordWebhookEvent(trx, {
      organizationId: payment.organization_id, webhookType: 'payment_request.payment_failure', objectType: 'payment_provider_payment_request_payment_error',
      idempotencyKey: `payment_request.payment_failure:${payment.id}`,
      object: {
        lago_payment_request_id: request.id, lago_invoice_ids: parts.map((part) => part.invoice_id), lago_customer_id: request.customer_id,
        external_customer_id: customer?.external_id ?? null, provider_customer_id: payment.provider_customer_id, payment_provider: payment.provider_type,
        payment_provider_code: context.providerCode, provider_error: { message: outcome.error?.message ?? 'The payment failed.', error_code: outcome.error?.error_code ?? null },
      },
    });
  }
}

async function paymentWebhookObject(conn: Conn, payment: PaymentRow): Promise<Record<string, unknown>> {
  const { context } = await presentPayment(conn, payment);
  return serializePayment(payment, context) as unknown as Record<string, unknown>;
}

/** Lago's `invoice.payment_failure`: the provider's error, for the invoice (object `payment_provider_invoice_payment_error`). */
async function recordPaymentFailure(trx: Tx, invoice: InvoiceRow, payment: PaymentRow, error: ProviderErrorDetails | null): Promise<void> {
  const customer = await findCustomerById(trx, invoice.customer_id);
  const { context } = await presentPayment(trx, payment);
  await recordWebhookEvent(trx, {
    organizationId: invoice.organization_id, webhookType: 'invoice.payment_failure', objectType: 'payment_provider_invoice_payment_error',
    idempotencyKey: `invoice.payment_failure:${payment.id}`,
    object: {
      lago_invoice_id: invoice.id, lago_customer_id: invoice.customer_id, external_customer_id: customer?.external_id ?? null,
      provider_customer_id: payment.provider_customer_id, payment_provider: payment.provider_type, payment_provider_code: context.providerCode,
      provider_error: { message: error?.message ?? 'The payment failed.', error_code: error?.error_code ?? null },
    },
  });
}

/** A provider payment of the organization whose charge was not recorded yet (no provider id), locked. */
async function unrecordedPayment(trx: Tx, organizationId: string, paymentId: string | undefined): Promise<PaymentRow | undefined> {
  if (!paymentId || !isUuid(paymentId)) return undefined;
  const payment = await findPayment(trx, organizationId, paymentId, { forUpdate: true });
  return payment && payment.payment_type === 'provider' && payment.provider_payment_id === null ? payment : undefined;
}

export type WebhookHandling = 'handled' | 'replayed' | 'ignored' | 'bad_signature' | 'unknown_organization';

/**
 * A provider's webhook for an organization: verified over its raw body with the connection's
 * signing secret (nothing is believed before), recorded once (a replay changes nothing), and
 * applied to the payment it names. Events Billow does not act on are recorded and ignored.
 */
export async function handleProviderWebhook(
  db: Db, providers: ProviderFactory, input: { organizationId: string; rawBody: Buffer; signature: string | undefined; nowMs: number },
): Promise<WebhookHandling> {
  if (!isUuid(input.organizationId) || !(await findOrganization(db, input.organizationId))) return 'unknown_organization';
  const connection = await findPaymentProvider(db, input.organizationId, 'stripe');
  if (!connection) return 'unknown_organization';
  let event;
  try {
    event = providerOf(providers, connection).readWebhook(input.rawBody, input.signature, connection.webhook_secret);
  } catch (error) {
    if (error instanceof ProviderSignatureError) return 'bad_signature';
    throw error;
  }
  // A saved payment method becomes the customer's default before the event is recorded: the call is
  // idempotent, and a failure answers 500 so that Stripe sends the event again.
  if (event.kind === 'checkout_setup' && event.providerCustomerId && event.setupIntentId && !(await providerEventHandled(db, input.organizationId, 'stripe', event.eventId))) {
    await providerOf(providers, connection).useSetupPaymentMethod({ providerCustomerId: event.providerCustomerId, setupIntentId: event.setupIntentId });
  }
  return db.transaction(async (trx) => {
    if (!(await recordProviderEvent(trx, input.organizationId, 'stripe', event.eventId, event.eventType))) return 'replayed';
    if (event.kind === 'checkout_setup') return event.setupIntentId ? 'handled' : 'ignored';
    if (event.kind === 'refunds') {
      let handled = false;
      for (const refund of event.refunds) handled = (await applyRefundEvent(trx, input.organizationId, refund, input.nowMs)) || handled;
      return handled ? 'handled' : 'ignored';
    }
    if (event.kind === 'checkout_payment') {
      const invoiceId = event.metadata.billow_invoice_id;
      if (!event.payment || !invoiceId) return 'ignored';
      return (await recordCheckoutPayment(trx, connection, invoiceId, event.sessionId, event.payment, input.nowMs)) ? 'handled' : 'ignored';
    }
    if (event.kind !== 'payment') return 'ignored';
    // By the PaymentIntent's id, or, when the charge's answer was never recorded (a worker killed
    // after Stripe answered), by the payment id Billow put in its metadata.
    const payment = await lockPaymentByProviderId(trx, input.organizationId, 'stripe', event.payment.providerPaymentId)
      ?? await unrecordedPayment(trx, input.organizationId, event.metadata.billow_payment_id);
    if (!payment) return 'ignored';
    const { payment: provided } = event;
    await applyOutcome(trx, payment, {
      providerPaymentId: provided.providerPaymentId, status: provided.status, paymentStatus: provided.paymentStatus, nextAction: provided.nextAction, error: provided.error,
    }, input.nowMs);
    return 'handled';
  });
}

/**
 * A Checkout session of `POST /invoices/:id/payment_url` completed and paid: a payment of the
 * invoice (its key is the session, so the same event twice records one), succeeded.
 */
async function recordCheckoutPayment(
  trx: Tx, connection: PaymentProviderRow, invoiceId: string, sessionId: string, paid: ProviderPayment, nowMs: number,
): Promise<boolean> {
  const organizationId = connection.organization_id;
  const outcome: AttemptOutcome = { providerPaymentId: paid.providerPaymentId, status: 'succeeded', paymentStatus: 'succeeded', nextAction: null, error: null };
  const known = await lockPaymentByProviderId(trx, organizationId, 'stripe', paid.providerPaymentId);
  if (known) {
    await applyOutcome(trx, known, outcome, nowMs);
    return true;
  }
  if (!isUuid(invoiceId) || paid.amountCents <= 0n) return false;
  const invoice = await lockInvoice(trx, organizationId, invoiceId);
  if (!invoice || invoice.status !== 'finalized') return false;
  const customer = (await findCustomerById(trx, invoice.customer_id))!;
  const { payment, created } = await insertPaymentOnce(trx, organizationId, {
    customer_id: invoice.customer_id, invoice_id: invoice.id, payment_type: 'provider', amount_cents: paid.amountCents, currency: invoice.currency,
    status: 'pending', payment_status: 'pending', provider_type: 'stripe', payment_provider_id: connection.id,
    provider_customer_id: providerCustomerIdOf(customer), idempotency_key: `checkout:${sessionId}`,
  });
  if (created) await applyOutcome(trx, payment, outcome, nowMs);
  return true;
}

/**
 * The instant an invoice turns overdue: the start of the day after its `payment_due_date`, in the
 * customer's timezone (the organization's when the customer has none), as GET
 * /analytics/overdue_balance counts it; null when it asks for nothing (paid, voided, nothing due).
 */
export async function overdueInstant(db: Db, organizationId: string, invoiceId: string): Promise<number | null> {
  const invoice = await findInvoice(db, organizationId, invoiceId);
  if (!invoice || !stillOwes(invoice)) return null;
  const customer = (await findCustomerById(db, invoice.customer_id))!;
  const organization = (await findOrganization(db, organizationId))!;
  return overdueInstantFor(invoice.payment_due_date, customer, organization);
}

function stillOwes(invoice: InvoiceRow): boolean {
  return invoice.status === 'finalized' && invoice.payment_status !== 'succeeded' && invoice.total_amount_cents > invoice.total_paid_amount_cents;
}

/**
 * At its overdue instant (the payment workflow's timer): an invoice still owing becomes
 * `payment_overdue: true`, with Lago's `invoice.payment_overdue`, once. Answers whether it is
 * overdue (marked now, or already: by its organization's overdue sweep, or a retried activity).
 */
export async function markOverdue(db: Db, organizationId: string, invoiceId: string, nowMs: number): Promise<boolean> {
  return (await db.transaction((trx) => {
    // It writes the invoice and the outbox only: the customer and organization are read once.
    openReadMemo(trx);
    return markOverdueIn(trx, organizationId, invoiceId, nowMs);
  })) !== 'not_overdue';
}

/** What marking an invoice overdue did: marked it now, found it marked already, or found it not overdue (paid, not due yet). */
export type OverdueMarking = 'marked' | 'overdue_already' | 'not_overdue';

/**
 * Marks one invoice overdue in the caller's transaction, under its row lock, if it still owes and
 * its instant has come: `payment_overdue: true` and `invoice.payment_overdue` (whose idempotency key
 * is the invoice), once whoever asks (its payment workflow, its organization's overdue sweep).
 */
export async function markOverdueIn(trx: Tx, organizationId: string, invoiceId: string, nowMs: number): Promise<OverdueMarking> {
  return (await markOverdueInAll(trx, organizationId, [invoiceId], nowMs)).get(invoiceId)!;
}

/**
 * `markOverdueIn` for several invoices (an overdue sweep's page) at the cost of a few statements,
 * not a few per invoice: their rows locked in id order, the ones whose instant has come changed in
 * one statement, what their webhook objects show read once for all of them (in the caller's read
 * memo, when it opened one). Answers what it did to each.
 */
export async function markOverdueInAll(trx: Tx, organizationId: string, invoiceIds: readonly string[], nowMs: number): Promise<Map<string, OverdueMarking>> {
  const outcome = new Map<string, OverdueMarking>(invoiceIds.map((id) => [id, 'not_overdue']));
  const owing = (await lockInvoices(trx, organizationId, invoiceIds)).filter(stillOwes);
  for (const invoice of owing) if (invoice.payment_overdue) outcome.set(invoice.id, 'overdue_already');
  const unmarked = owing.filter((invoice) => !invoice.payment_overdue);
  if (unmarked.length === 0) return outcome;
  // Memoized when the caller's transaction opened a read memo: the webhook objects read them again.
  await rememberCustomers(trx, organizationId, unmarked.map((invoice) => invoice.customer_id));
  const organization = (await memoized(trx, `organization:${organizationId}`, () => findOrganization(trx, organizationId)))!;
  const due: string[] = [];
  for (const invoice of unmarked) {
    const customer = (await memoized(trx, `customer:${invoice.customer_id}`, () => findCustomerById(trx, invoice.customer_id)))!;
    if (nowMs >= overdueInstantFor(invoice.payment_due_date, customer, organization)) due.push(invoice.id);
  }
  const marked = await updateInvoiceRows(trx, organizationId, due, { payment_overdue: true });
  await rememberInvoicePresentation(trx, organizationId, marked);
  for (const invoice of marked) {
    await recordWebhookEvent(trx, {
      organizationId, webhookType: 'invoice.payment_overdue', objectType: 'invoice', idempotencyKey: `invoice.payment_overdue:${invoice.id}`,
      object: await invoiceWebhookObject(trx, invoice, null, nowMs),
    });
    outcome.set(invoice.id, 'marked');
  }
  return outcome;
}

/**
 * `POST /invoices/:id/retry_payment` (Lago's RetryService): a finalized invoice not paid yet is
 * sent for collection again: a new attempt at Stripe for what is still due, in its own workflow
 * (`payment/invoice/<id>/attempt/<N>`, N the attempt after the last one recorded, so a repeated
 * request starts one). An invoice whose customer does not pay through Stripe has nothing to retry
 * (answered as Lago does, with success). Voided, draft or paid invoices: 405 `invalid_status`.
 */
export async function retryInvoicePayment(db: Db, organizationId: string, invoiceId: string): Promise<void> {
  if (!isUuid(invoiceId)) throw notFound('invoice');
  await db.transaction(async (trx) => {
    const invoice = await lockInvoice(trx, organizationId, invoiceId);
    if (!invoice || invoice.status === 'deleted') throw notFound('invoice');
    if (invoice.status !== 'finalized' || invoice.payment_status === 'succeeded') throw methodNotAllowed('invalid_status');
    const attempts = await providerAttempts(trx, organizationId, invoice.id);
    const attempt = Math.max(1, ...attempts.map((payment) => payment.attempt ?? 1)) + 1;
    await requestCollection(trx, { organizationId, payable: { type: 'invoice', id: invoice.id }, attempt });
  });
}

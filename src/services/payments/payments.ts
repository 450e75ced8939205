/**
 * Payments as Lago shows them (`/payments`): manual payments recorded by a client, and the attempts
 * of the payment workflow at a provider. Every payment pays one invoice; the invoice's
 * `total_paid_amount_cents` is the sum of its succeeded payments and its payment status becomes
 * `succeeded` when that reaches its total (Lago's Payments::ManualCreateService), through the
 * invoicing domain's `changePaymentStatus` (webhook, credits granted, overdue cleared).
 *
 * Manual payments (Lago's rules): the invoice must be finalized; the amount at most what is still
 * due (422 `amount_cents: invalid_amount`, so an invoice is never paid more than its total);
 * `paid_at` (a date, not in the future) becomes the payment's `created_at`, as in Lago.
 *
 * Exactly once: a manual payment's key is its invoice and its `reference`. The same request again
 * (a retry after a lost answer) answers the payment it recorded and changes nothing; the same
 * reference with another amount or date is refused (422 `reference: value_already_exist`). The
 * invoice row is locked first, so two concurrent requests are serialized and the second sees the first.
 */
import type { Conn, Db } from '../../db/knex';
import { findInvoice, lockInvoice, type InvoiceRow } from '../../db/invoices';
import { findCustomerByExternalId, findCustomerById } from '../../db/customers';
import {
  findPayment, insertPaymentOnce, paymentsPage, succeededAmountOfInvoice, type PaymentFilters, type PaymentRow,
} from '../../db/payments';
import { findPaymentProviderCode } from '../../db/payment-providers';
import { partsOfPaymentRequest } from '../../db/payment-requests';
import { isUuid, notFound, invalidField, Problems } from '../../runtime/errors';
import { meta, type Page, type Paginated } from '../../runtime/pagination';
import type { PaymentContext } from '../../serializers/payment';
import { changePaymentStatus } from '../invoicing';

export interface ManualPaymentInput {
  invoice_id: string;
  amount_cents: number;
  reference: string;
  /** YYYY-MM-DD. */
  paid_at?: string | null;
}

export interface PresentedPayment {
  payment: PaymentRow;
  context: PaymentContext;
}

const DAY_MS = 86_400_000;

/** Records a manual payment on an invoice (see the module's comment); answers it with its context. */
export async function createManualPayment(db: Db, organizationId: string, input: ManualPaymentInput, nowMs: number): Promise<PresentedPayment> {
  const problems = new Problems();
  if (!Number.isSafeInteger(input.amount_cents) || input.amount_cents <= 0) problems.add('amount_cents', 'invalid_amount');
  let paidAt: Date | null = null;
  if (input.paid_at != null) {
    paidAt = new Date(`${input.paid_at}T00:00:00Z`);
    // A date that does not exist (2025-02-30) or after today (UTC) is not a payment made.
    if (Number.isNaN(paidAt.getTime()) || paidAt.toISOString().slice(0, 10) !== input.paid_at || paidAt.getTime() > Math.floor(nowMs / DAY_MS) * DAY_MS) {
      problems.add('paid_at', 'invalid_date');
    }
  }
  problems.throwIfAny();
  if (!isUuid(input.invoice_id)) throw notFound('invoice');
  const amount = BigInt(input.amount_cents);
  const idempotencyKey = `manual:${input.invoice_id}:${input.reference}`;

  const payment = await db.transaction(async (trx) => {
    const invoice = await lockInvoice(trx, organizationId, input.invoice_id);
    if (!invoice || invoice.status === 'deleted') throw notFound('invoice');
    const { payment: recorded, created } = await insertPaymentOnce(trx, organizationId, {
      customer_id: invoice.customer_id,
      invoice_id: invoice.id,
      payment_type: 'manual',
      amount_cents: amount,
      currency: invoice.currency,
      status: 'succeeded',
      payment_status: 'succeeded',
      reference: input.reference,
      idempotency_key: idempotencyKey,
      // Lago stores paid_at as the payment's created_at; without it, now (the sandbox's clock in the sandbox).
      created_at: paidAt ?? new Date(nowMs),
      paid_at: paidAt ?? new Date(nowMs),
    });
    if (!created) {
      const same = recorded.amount_cents === amount && (paidAt === null || recorded.created_at.getTime() === paidAt.getTime());
      if (!same) throw invalidField('reference', 'value_already_exist');
      return recorded; // the same request again: answered as the first time
    }
    if (invoice.status !== 'finalized') throw invalidField('invoice_id', 'invalid_status');
    const due = dueOf(invoice);
    if (amount > due) throw invalidField('amount_cents', 'invalid_amount');
    const paid = (await succeededAmountOfInvoice(trx, organizationId, invoice.id));
    await changePaymentStatus(trx, invoice, paid >= invoice.total_amount_cents ? 'succeeded' : invoice.payment_status, nowMs, { totalPaidAmountCents: paid });
    return recorded;
  });
  return presentPayment(db, payment);
}

/** What is still due on an invoice: nothing once its payment status is `succeeded` (by a payment or by hand). */
function dueOf(invoice: InvoiceRow): bigint {
  return invoice.payment_status === 'succeeded' ? 0n : invoice.total_amount_cents - invoice.total_paid_amount_cents;
}

export async function getPayment(db: Db, organizationId: string, id: string): Promise<PresentedPayment> {
  const payment = await findPayment(db, organizationId, id);
  if (!payment) throw notFound('payment');
  return presentPayment(db, payment);
}

export interface PaymentListFilters {
  externalCustomerId?: string;
  invoiceId?: string;
}

/**
 * One page of the organization's payments, newest first. An unknown customer or invoice selects
 * none; `customerScoped` (`GET /customers/:id/payments`) answers 404 for an unknown customer.
 */
export async function listPayments(
  db: Db, organizationId: string, filters: PaymentListFilters, page: Page, options: { customerScoped?: boolean } = {},
): Promise<Paginated<PresentedPayment>> {
  const query: PaymentFilters = {};
  const none = { rows: [], meta: meta(page, 0) };
  if (filters.externalCustomerId !== undefined) {
    const customer = await findCustomerByExternalId(db, organizationId, filters.externalCustomerId);
    if (!customer) {
      if (options.customerScoped) throw notFound('customer');
      return none;
    }
    query.customerId = customer.id;
  }
  if (filters.invoiceId !== undefined) {
    if (!isUuid(filters.invoiceId)) return none;
    query.invoiceId = filters.invoiceId;
  }
  const { rows, meta: pageMeta } = await paymentsPage(db, organizationId, query, page);
  return { rows: await Promise.all(rows.map((row) => presentPayment(db, row))), meta: pageMeta };
}

/** The payment with what its answer shows beside it: the customer's external id, the invoice's number, the provider's code. */
export async function presentPayment(conn: Conn, payment: PaymentRow): Promise<PresentedPayment> {
  const customer = await findCustomerById(conn, payment.customer_id);
  const invoiceIds = payment.payment_request_id
    ? (await partsOfPaymentRequest(conn, payment.organization_id, payment.payment_request_id)).map((part) => part.invoice_id)
    : [payment.invoice_id!];
  const invoices = [];
  for (const id of invoiceIds) invoices.push({ id, number: (await findInvoice(conn, payment.organization_id, id))?.number ?? '' });
  const providerCode = payment.payment_provider_id ? await findPaymentProviderCode(conn, payment.organization_id, payment.payment_provider_id) : undefined;
  return {
    payment,
    context: { externalCustomerId: customer?.external_id ?? '', invoices, providerCode: providerCode ?? null },
  };
}

/**
 * Payments (manual ones, and one per attempt at a provider) and the provider events already
 * handled. A provider attempt is inserted once per idempotency key (`invoice:<id>:attempt:<n>`),
 * so a retried activity finds the row it wrote before. Every read is scoped by organization.
 */
import type { Conn, Tx } from './knex';
import { paginate } from './pagination';
import { isUuid } from '../runtime/errors';
import type { Page, Paginated } from '../runtime/pagination';

export const PAYMENT_STATUSES = ['pending', 'processing', 'succeeded', 'failed'] as const;
export type NormalizedPaymentStatus = (typeof PAYMENT_STATUSES)[number];

export interface PaymentRow {
  id: string;
  organization_id: string;
  customer_id: string;
  /** The invoice it pays, or null for the payment of a payment request (`payment_request_id`). */
  invoice_id: string | null;
  payment_request_id: string | null;
  payment_type: 'manual' | 'provider';
  provider_type: string | null;
  payment_provider_id: string | null;
  provider_customer_id: string | null;
  provider_payment_id: string | null;
  attempt: number | null;
  idempotency_key: string | null;
  amount_cents: bigint;
  currency: string;
  status: string;
  payment_status: NormalizedPaymentStatus;
  reference: string | null;
  next_action: Record<string, unknown> | null;
  provider_error: Record<string, unknown> | null;
  paid_at: Date | null;
  failed_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export type NewPayment = Pick<PaymentRow, 'customer_id' | 'invoice_id' | 'payment_type' | 'amount_cents' | 'currency' | 'status' | 'payment_status'>
  & Partial<Pick<PaymentRow, 'provider_type' | 'payment_provider_id' | 'provider_customer_id' | 'provider_payment_id'
    | 'attempt' | 'idempotency_key' | 'reference' | 'paid_at' | 'created_at' | 'payment_request_id'>>;

function paymentsOf(conn: Conn, organizationId: string) {
  return conn<PaymentRow>('payments').where({ organization_id: organizationId });
}

export async function insertPayment(conn: Conn, organizationId: string, payment: NewPayment): Promise<PaymentRow> {
  const [row] = await conn<PaymentRow>('payments').insert({ ...payment, organization_id: organizationId } as never).returning('*');
  return row as PaymentRow;
}

/** Inserts the payment of `idempotency_key` unless it exists; returns the row and whether it is new. */
export async function insertPaymentOnce(trx: Tx, organizationId: string, payment: NewPayment & { idempotency_key: string }): Promise<{ payment: PaymentRow; created: boolean }> {
  const [row] = await trx<PaymentRow>('payments').insert({ ...payment, organization_id: organizationId } as never)
    .onConflict(['organization_id', 'idempotency_key']).ignore().returning('*');
  if (row) return { payment: row as PaymentRow, created: true };
  return { payment: (await paymentsOf(trx, organizationId).where({ idempotency_key: payment.idempotency_key }).forUpdate().first())!, created: false };
}

export async function findPayment(conn: Conn, organizationId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<PaymentRow | undefined> {
  if (!isUuid(id)) return undefined;
  const query = paymentsOf(conn, organizationId).where({ id });
  return (options.forUpdate ? query.forUpdate() : query).first();
}

/** The payment a provider knows by `providerPaymentId`, locked until the transaction ends. */
export async function lockPaymentByProviderId(trx: Tx, organizationId: string, providerType: string, providerPaymentId: string): Promise<PaymentRow | undefined> {
  return paymentsOf(trx, organizationId).where({ provider_type: providerType, provider_payment_id: providerPaymentId }).forUpdate().first();
}

export async function updatePayment(conn: Conn, payment: Pick<PaymentRow, 'id' | 'organization_id'>, fields: Partial<Omit<PaymentRow, 'id' | 'organization_id'>>): Promise<PaymentRow> {
  const values: Record<string, unknown> = { ...fields, updated_at: conn.fn.now() };
  for (const column of ['next_action', 'provider_error'] as const) {
    if (fields[column] !== undefined) values[column] = fields[column] === null ? null : JSON.stringify(fields[column]);
  }
  const [row] = await paymentsOf(conn, payment.organization_id).where({ id: payment.id }).update(values as never).returning('*');
  return row as PaymentRow;
}

export async function findPaymentByKey(conn: Conn, organizationId: string, idempotencyKey: string): Promise<PaymentRow | undefined> {
  return paymentsOf(conn, organizationId).where({ idempotency_key: idempotencyKey }).first();
}

/** The attempts at a provider on an invoice, in order. */
export async function providerAttempts(conn: Conn, organizationId: string, invoiceId: string): Promise<PaymentRow[]> {
  return paymentsOf(conn, organizationId).where({ payment_type: 'provider', invoice_id: invoiceId }).orderBy([{ column: 'attempt' }, { column: 'created_at' }]);
}

/**
 * What the invoice's succeeded payments add up to: its own, and its part of each payment request
 * whose payment succeeded.
 */
export async function succeededAmountOfInvoice(conn: Conn, organizationId: string, invoiceId: string): Promise<bigint> {
  const row = await paymentsOf(conn, organizationId).where({ invoice_id: invoiceId, payment_status: 'succeeded' }).sum<{ sum: string | null }>('amount_cents as sum').first();
  const requested = await conn('payment_request_invoices as pri')
    .join('payments as p', 'p.payment_request_id', 'pri.payment_request_id')
    .where({ 'pri.organization_id': organizationId, 'pri.invoice_id': invoiceId, 'p.payment_status': 'succeeded' })
    .sum<{ sum: string | null }>('pri.amount_cents as sum').first();
  return BigInt(row?.sum ?? 0) + BigInt(requested?.sum ?? 0);
}

export interface PaymentFilters {
  customerId?: string;
  invoiceId?: string;
}

/** One page of the organization's payments, newest first. */
export async function paymentsPage(conn: Conn, organizationId: string, filters: PaymentFilters, page: Page): Promise<Paginated<PaymentRow>> {
  let query = paymentsOf(conn, organizationId).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  if (filters.customerId) query = query.where({ customer_id: filters.customerId });
  if (filters.invoiceId !== undefined) {
    const invoiceId = filters.invoiceId;
    // Its own payments, and those of the payment requests that gathered it.
    query = query.where((q) => q.where({ invoice_id: invoiceId })
      .orWhereIn('payment_request_id', conn('payment_request_invoices').select('payment_request_id').where({ organization_id: organizationId, invoice_id: invoiceId })));
  }
  return paginate<PaymentRow>(query, page);
}

// ---- provider events ----------------------------------------------------------------------

/** Records a provider's event as handled; false when it was handled before (a replay). */
export async function recordProviderEvent(trx: Tx, organizationId: string, providerType: string, eventId: string, eventType: string): Promise<boolean> {
  const rows = await trx('provider_events')
    .insert({ organization_id: organizationId, provider_type: providerType, event_id: eventId, event_type: eventType })
    .onConflict(['organization_id', 'provider_type', 'event_id']).ignore().returning('event_id');
  return rows.length > 0;
}

/** The invoice's succeeded payments at a provider (what a refund can go back through), oldest first. */
export async function succeededProviderPayments(conn: Conn, organizationId: string, invoiceId: string, providerType: string): Promise<PaymentRow[]> {
  return paymentsOf(conn, organizationId)
    .where({ invoice_id: invoiceId, payment_type: 'provider', provider_type: providerType, payment_status: 'succeeded' })
    .whereNotNull('provider_payment_id')
    .orderBy([{ column: 'created_at' }, { column: 'id' }]);
}

/** Whether a provider's event was handled already (read only: `recordProviderEvent` decides, in its transaction). */
export async function providerEventHandled(conn: Conn, organizationId: string, providerType: string, eventId: string): Promise<boolean> {
  return (await conn('provider_events').where({ organization_id: organizationId, provider_type: providerType, event_id: eventId }).first('event_id')) !== undefined;
}

/** A payment request's attempts at a provider, in order. */
export async function requestAttempts(conn: Conn, organizationId: string, paymentRequestId: string): Promise<PaymentRow[]> {
  return paymentsOf(conn, organizationId).where({ payment_type: 'provider', payment_request_id: paymentRequestId }).orderBy([{ column: 'attempt' }, { column: 'created_at' }]);
}

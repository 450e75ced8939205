/**
 * Payment requests (migration 025): a customer's overdue invoices gathered into one request, each
 * with its part (what it owed when the request was made), collected by one payment. Every read is
 * scoped by organization.
 */
import type { Conn, Tx } from './knex';
import { paginate } from './pagination';
import { isUuid } from '../runtime/errors';
import type { Page, Paginated } from '../runtime/pagination';

export const PAYMENT_REQUEST_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type PaymentRequestStatus = (typeof PAYMENT_REQUEST_STATUSES)[number];

export interface PaymentRequestRow {
  id: string;
  organization_id: string;
  customer_id: string;
  email: string;
  amount_cents: bigint;
  currency: string;
  payment_status: PaymentRequestStatus;
  /** 'stripe' when it is collected at Stripe; null when its invoices are paid by hand. */
  provider_type: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface PaymentRequestPart {
  invoice_id: string;
  amount_cents: bigint;
}

const requestsOf = (conn: Conn, organizationId: string) => conn<PaymentRequestRow>('payment_requests').where({ organization_id: organizationId });

export async function insertPaymentRequest(
  trx: Tx, organizationId: string, request: Pick<PaymentRequestRow, 'customer_id' | 'email' | 'amount_cents' | 'currency' | 'provider_type'> & { created_at: Date },
  parts: readonly PaymentRequestPart[],
): Promise<PaymentRequestRow> {
  const [row] = await trx<PaymentRequestRow>('payment_requests').insert({ ...request, organization_id: organizationId } as never).returning('*');
  await trx('payment_request_invoices').insert(parts.map((part) => ({ ...part, organization_id: organizationId, payment_request_id: row!.id })));
  return row as PaymentRequestRow;
}

export async function findPaymentRequest(conn: Conn, organizationId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<PaymentRequestRow | undefined> {
  if (!isUuid(id)) return undefined;
  const query = requestsOf(conn, organizationId).where({ id });
  return (options.forUpdate ? query.forUpdate() : query).first();
}

export async function updatePaymentRequest(conn: Conn, request: Pick<PaymentRequestRow, 'id' | 'organization_id'>, fields: Partial<Pick<PaymentRequestRow, 'payment_status'>>): Promise<PaymentRequestRow> {
  const [row] = await requestsOf(conn, request.organization_id).where({ id: request.id }).update({ ...fields, updated_at: conn.fn.now() } as never).returning('*');
  return row as PaymentRequestRow;
}

/** The request's invoices and their parts, in the order the request named them (by invoice creation). */
export async function partsOfPaymentRequest(conn: Conn, organizationId: string, paymentRequestId: string): Promise<PaymentRequestPart[]> {
  return conn<PaymentRequestPart>('payment_request_invoices as pri').join('invoices as i', 'i.id', 'pri.invoice_id')
    .where({ 'pri.organization_id': organizationId, 'pri.payment_request_id': paymentRequestId })
    .orderBy([{ column: 'i.created_at' }, { column: 'i.id' }])
    .select('pri.invoice_id', 'pri.amount_cents');
}

/** Invoices among `invoiceIds` that a payment request still pending gathers already (`collected`: only those collected at a provider). */
export async function invoicesInPendingRequests(conn: Conn, organizationId: string, invoiceIds: readonly string[], options: { collected?: boolean } = {}): Promise<string[]> {
  if (invoiceIds.length === 0) return [];
  let query = conn('payment_request_invoices as pri').join('payment_requests as r', 'r.id', 'pri.payment_request_id')
    .where({ 'pri.organization_id': organizationId, 'r.payment_status': 'pending' }).whereIn('pri.invoice_id', [...invoiceIds]);
  if (options.collected) query = query.whereNotNull('r.provider_type');
  const rows = await query.select('pri.invoice_id');
  return rows.map((row: { invoice_id: string }) => row.invoice_id);
}

export interface PaymentRequestFilters {
  customerId?: string;
  paymentStatus?: string;
  currency?: string;
}

/** One page of the organization's payment requests, newest first. */
export async function paymentRequestsPage(conn: Conn, organizationId: string, filters: PaymentRequestFilters, page: Page): Promise<Paginated<PaymentRequestRow>> {
  let query = requestsOf(conn, organizationId).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
  if (filters.customerId) query = query.where({ customer_id: filters.customerId });
  if (filters.paymentStatus) query = query.where('payment_status', filters.paymentStatus);
  if (filters.currency) query = query.where({ currency: filters.currency });
  return paginate<PaymentRequestRow>(query, page);
}

/**
 * Fees as a resource of their own (Lago's `/fees`): those on the invoices the API shows (every
 * status but `deleted`) and those billed without an invoice (pay-in-advance charges that are not
 * invoiceable), never a deleted one. An invoiced fee is paid when its invoice is; a fee without an
 * invoice carries its own payment status (migration 010).
 */
import type { Knex } from 'knex';
import type { Conn, Tx } from './knex';
import { adjustedInvoiceIdSql, type FeeRow } from './invoices';
import { isUuid } from '../runtime/errors';
import type { Page, Paginated } from '../runtime/pagination';
import { paginate } from './pagination';

export const FEE_PAYMENT_STATUSES = ['pending', 'succeeded', 'failed', 'refunded'] as const;
export type FeePaymentStatus = (typeof FEE_PAYMENT_STATUSES)[number];
export const FEE_TYPES = ['charge', 'fixed_charge', 'add_on', 'subscription', 'credit', 'commitment'] as const;

/** A fee with what the `/fees` routes show about it: its own payment columns and its owners. */
export interface ListedFeeRow extends FeeRow {
  payment_status: FeePaymentStatus;
  succeeded_at: Date | null;
  failed_at: Date | null;
  refunded_at: Date | null;
  deleted_at: Date | null;
  /** The invoice's payment status for an invoiced fee, the fee's own otherwise. */
  effective_payment_status: FeePaymentStatus;
  customer_id: string;
  external_customer_id: string;
  external_subscription_id: string | null;
}

export interface FeeListFilters {
  externalCustomerId?: string;
  externalSubscriptionId?: string;
  eventTransactionId?: string;
  currency?: string;
  feeType?: string;
  billableMetricCode?: string;
  paymentStatus?: FeePaymentStatus;
  createdAtFrom?: Date;
  createdAtTo?: Date;
  succeededAtFrom?: Date;
  succeededAtTo?: Date;
  failedAtFrom?: Date;
  failedAtTo?: Date;
  refundedAtFrom?: Date;
  refundedAtTo?: Date;
}

const HIDDEN_INVOICE_STATUSES = ['deleted'];

/** The organization's visible fees, each with its customer, subscription and effective payment status. */
function visibleFees(db: Conn, organizationId: string): Knex.QueryBuilder {
  return db('fees')
    .leftJoin('invoices', 'invoices.id', 'fees.invoice_id')
    .leftJoin('subscriptions', 'subscriptions.id', 'fees.subscription_id')
    .join('customers', 'customers.id', db.raw('COALESCE(invoices.customer_id, subscriptions.customer_id)'))
    .where('fees.organization_id', organizationId)
    .whereNull('fees.deleted_at')
    .where((q) => q.whereNull('fees.invoice_id').orWhereNotIn('invoices.status', HIDDEN_INVOICE_STATUSES))
    .select(
      'fees.*',
      db.raw('COALESCE(invoices.payment_status, fees.payment_status) AS effective_payment_status'),
      'customers.id AS customer_id',
      'customers.external_id AS external_customer_id',
      'subscriptions.external_id AS external_subscription_id',
      adjustedInvoiceIdSql(db),
    );
}

/** One page of fees, oldest first (Lago's order), narrowed by Lago's filters. */
export async function feesPage(db: Conn, organizationId: string, filters: FeeListFilters, page: Page): Promise<Paginated<ListedFeeRow>> {
  let query = visibleFees(db, organizationId).orderBy([{ column: 'fees.created_at' }, { column: 'fees.id' }]);
  if (filters.externalCustomerId !== undefined) query = query.where('customers.external_id', filters.externalCustomerId);
  if (filters.externalSubscriptionId !== undefined) query = query.where('subscriptions.external_id', filters.externalSubscriptionId);
  if (filters.eventTransactionId !== undefined) query = query.where('fees.event_transaction_id', filters.eventTransactionId);
  if (filters.currency !== undefined) query = query.where('fees.currency', filters.currency);
  if (filters.feeType !== undefined) query = query.where('fees.fee_type', filters.feeType);
  if (filters.billableMetricCode !== undefined) {
    query = query.whereIn('fees.charge_id', db('charges')
      .join('billable_metrics', 'billable_metrics.id', 'charges.billable_metric_id')
      .where({ 'charges.organization_id': organizationId, 'billable_metrics.code': filters.billableMetricCode })
      .select('charges.id'));
  }
  if (filters.paymentStatus !== undefined) query = query.whereRaw('COALESCE(invoices.payment_status, fees.payment_status) = ?', [filters.paymentStatus]);
  const ranges: [string, Date | undefined, Date | undefined][] = [
    ['fees.created_at', filters.createdAtFrom, filters.createdAtTo],
    ['fees.succeeded_at', filters.succeededAtFrom, filters.succeededAtTo],
    ['fees.failed_at', filters.failedAtFrom, filters.failedAtTo],
    ['fees.refunded_at', filters.refundedAtFrom, filters.refundedAtTo],
  ];
  for (const [column, from, to] of ranges) {
    if (from) query = query.where(column, '>=', from);
    if (to) query = query.where(column, '<=', to);
  }
  return paginate<ListedFeeRow>(query, page);
}

export async function findListedFee(db: Conn, organizationId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<ListedFeeRow | undefined> {
  if (!isUuid(id)) return undefined;
  const query = visibleFees(db, organizationId).where('fees.id', id);
  return (options.forUpdate ? query.forUpdate('fees') : query).first() as Promise<ListedFeeRow | undefined>;
}

/** Sets an invoice-less fee's payment status; only the timestamp of the new status is kept (Lago). */
export async function setFeePaymentStatus(trx: Tx, organizationId: string, id: string, status: FeePaymentStatus, at: Date): Promise<void> {
  await trx('fees').where({ organization_id: organizationId, id }).whereNull('invoice_id').update({
    payment_status: status,
    succeeded_at: status === 'succeeded' ? at : null,
    failed_at: status === 'failed' ? at : null,
    refunded_at: status === 'refunded' ? at : null,
  });
}

/** Soft-deletes an invoice-less fee: its business key stays taken, so the event is never billed again. */
export async function softDeleteFee(trx: Tx, organizationId: string, id: string, at: Date): Promise<void> {
  await trx('fees').where({ organization_id: organizationId, id }).whereNull('invoice_id').update({ deleted_at: at });
}

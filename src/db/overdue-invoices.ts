/**
 * What keeping invoices' due dates reads (services/payments/overdue.ts): the organization's
 * invoices an overdue sweep may mark (finalized, not paid, not yet overdue, owing),
 * by due date through the partial index `invoices_overdue_watch` (migration 030).
 */
import type { Conn } from './knex';

export interface OpenInvoiceKey {
  id: string;
  payment_due_date: string;
}

/**
 * The organization's invoices still owing and not yet overdue whose due date is on or before
 * `dueBy`, after `after` in (due date, id) order: a page of the sweep's candidates.
 */
export async function openInvoicesDueBy(
  conn: Conn, organizationId: string, options: { dueBy: string; after: OpenInvoiceKey | null; limit: number },
): Promise<OpenInvoiceKey[]> {
  let query = conn('invoices')
    .select<OpenInvoiceKey[]>('id', 'payment_due_date')
    .where({ organization_id: organizationId, status: 'finalized', payment_overdue: false })
    .whereNot('payment_status', 'succeeded')
    .whereRaw('total_amount_cents > total_paid_amount_cents')
    .where('payment_due_date', '<=', options.dueBy);
  const { after } = options;
  if (after) query = query.whereRaw('(payment_due_date, id) > (?::date, ?::uuid)', [after.payment_due_date, after.id]);
  return query.orderBy([{ column: 'payment_due_date' }, { column: 'id' }]).limit(options.limit);
}

/**
 * The parts of subscription invoices (Lago's `invoice_subscriptions`): which subscription each
 * invoice bills, and for what of its life. A subscription starts once, is closed once per billing
 * date and terminates once (UNIQUE subscription_id, occasion), whichever invoice bills it: its own,
 * a plan change's, or its customer's consolidated invoice of the day. Written only by the invoice
 * writer's callers, in the transaction that writes the invoice.
 */
import type { Conn, Tx } from './knex';
import type { LocalDate } from '../billing/calendar';
import type { InvoiceRow } from './invoices';

/** `start`, `close:<billing date>` or `termination`. */
export type PartOccasion = 'start' | 'termination' | `close:${LocalDate}`;

export const closeOccasion = (billingDate: LocalDate): PartOccasion => `close:${billingDate}`;

export interface InvoicePartRow {
  id: string;
  organization_id: string;
  invoice_id: string;
  subscription_id: string;
  occasion: string;
  invoicing_reason: string;
  created_at: Date;
}

export type NewInvoicePart = Pick<InvoicePartRow, 'subscription_id' | 'occasion' | 'invoicing_reason'>;

export async function insertInvoiceParts(trx: Tx, organizationId: string, invoiceId: string, parts: readonly NewInvoicePart[]): Promise<void> {
  if (parts.length === 0) return;
  await trx('invoice_subscriptions').insert(parts.map((part) => ({ ...part, organization_id: organizationId, invoice_id: invoiceId })));
}

/** The part that billed this occasion of the subscription, if one did. */
export async function findInvoicePart(conn: Conn, subscriptionId: string, occasion: PartOccasion): Promise<InvoicePartRow | undefined> {
  return conn<InvoicePartRow>('invoice_subscriptions').where({ subscription_id: subscriptionId, occasion }).first();
}

/** The invoice that billed this occasion of the subscription, if one did. */
export async function findInvoiceOfPart(conn: Conn, subscriptionId: string, occasion: PartOccasion): Promise<InvoiceRow | undefined> {
  return conn<InvoiceRow>('invoices').whereIn('id', conn('invoice_subscriptions').select('invoice_id').where({ subscription_id: subscriptionId, occasion })).first();
}

/** Which of these subscriptions already have a part for the occasion. */
export async function subscriptionsWithPart(conn: Conn, subscriptionIds: readonly string[], occasion: PartOccasion): Promise<Set<string>> {
  if (subscriptionIds.length === 0) return new Set();
  const rows = await conn('invoice_subscriptions').whereIn('subscription_id', subscriptionIds).where({ occasion }).select<{ subscription_id: string }[]>('subscription_id');
  return new Set(rows.map((row) => row.subscription_id));
}

/** The latest billing date at which the subscription was closed (on any invoice), or null. */
export async function lastClosedBillingDate(conn: Conn, subscriptionId: string): Promise<LocalDate | null> {
  const row = await conn('invoice_subscriptions').where({ subscription_id: subscriptionId }).where('occasion', 'like', 'close:%')
    .max<{ occasion: string | null }>('occasion as occasion').first();
  return row?.occasion ? (row.occasion.slice('close:'.length) as LocalDate) : null;
}

/** The parts an invoice holds, oldest first. */
export async function partsOfInvoice(conn: Conn, invoiceId: string): Promise<InvoicePartRow[]> {
  return conn<InvoicePartRow>('invoice_subscriptions').where({ invoice_id: invoiceId }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
}

/**
 * Serializes, until the caller's transaction ends, everything that decides what a customer's
 * subscriptions are billed: the first close of a billing day (which bills every due subscription)
 * and the lifecycle changes (termination, plan change, edit) that move a subscription's end.
 */
export async function lockCustomerBilling(trx: Tx, organizationId: string, customerId: string): Promise<void> {
  await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`customer-billing:${organizationId}:${customerId}`]);
}

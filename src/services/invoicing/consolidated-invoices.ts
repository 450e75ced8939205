/**
 * One invoice per customer and billing day (docs/design/consolidation.md). Each subscription's
 * workflow still sleeps to its own boundary and asks for its own close; the first close of a
 * customer's day, under the customer's billing lock, computes the periodic part of every
 * subscription of that customer due that day and writes them all on one invoice (business key
 * `customer:<id>:periodic:<date>`), each part recorded in `invoice_subscriptions` in the same
 * transaction. A later close of one of them, however late, finds its part and writes nothing.
 *
 * A subscription is due on a billing date when, by the database alone: it is active and started
 * before that day, consolidates (`consolidate_invoice`), the date is one of its billing dates, it
 * does not end before the day starts, it has no part for that date yet, and no plan change waits
 * for it (a pending successor: its workflow issues the downgrade's own invoice, as Lago does). The
 * subscription asking is always part of its own close. A subscription left out (its plan change
 * was dropped since, it started late) gets its own invoice for the day when its workflow closes it.
 */
import type { Db } from '../../db/knex';
import { findInvoiceByKey, type InvoiceRow } from '../../db/invoices';
import { contextOf, loadSubscriptionContext, type SubscriptionContext } from '../../db/subscription-context';
import { findSubscriptionById, liveSubscriptionsOfCustomer, subscriptionsWithPendingSuccessor } from '../../db/subscriptions';
import { openReadMemo, remember } from '../../db/read-memo';
import {
  closeOccasion, findInvoiceOfPart, lastClosedBillingDate, lockCustomerBilling, subscriptionsWithPart,
} from '../../db/invoice-subscriptions';
import type { Conn } from '../../db/knex';
import { startOfLocalDay, type LocalDate } from '../../billing/calendar';
import { isBillingDate, PeriodError, type SubscriptionTerms } from '../../billing/periods';
import { logger } from '../../runtime/logger';
import {
  issuedInvoice, issuePartsInvoice, issueSubscriptionInvoice, occasionKey, periodicPart, type InvoicePart, type IssuedInvoice,
} from './subscription-invoices';

/** The business key of a customer's consolidated invoice of a billing day. */
export function consolidatedInvoiceKey(customerId: string, billingDate: LocalDate): string {
  return occasionKey({ kind: 'consolidated', customerId, billingDate });
}

/**
 * Whether a workflow with these terms closes a period on `billingDate`: a billing date after the
 * start day, the subscription not ended before the day starts (it would terminate instead).
 */
export function closesOn(terms: SubscriptionTerms, billingDate: LocalDate): boolean {
  const boundaryMs = startOfLocalDay(billingDate, terms.schedule.timezone);
  if (terms.startedAt >= boundaryMs || (terms.endingAt !== null && terms.endingAt < boundaryMs)) return false;
  try {
    return isBillingDate(terms, billingDate);
  } catch (error) {
    if (error instanceof PeriodError) return false;
    throw error;
  }
}

/**
 * The invoice that already holds the subscription's part, as the close answers it: a draft (the
 * customer's grace period) with the instant its grace period ends, so that every workflow whose
 * part it holds keeps it and finalizes it on its own timer (the first one does, the others find it
 * finalized).
 */
async function issued(conn: Conn, invoice: InvoiceRow, subscriptionId: string): Promise<IssuedInvoice> {
  const timezone = invoice.status === 'draft' ? (await loadSubscriptionContext(conn, subscriptionId)).timezone : 'UTC';
  return issuedInvoice(invoice, false, timezone);
}

/**
 * The close of a subscription's billing date (the workflow's `closePeriod`): its part of the
 * customer's invoice of the day, written with every other due subscription's part by the first
 * close; or its own invoice when it does not consolidate or the day's invoice was issued without
 * it. Safe to retry at any point: the part, once written, is found.
 */
export async function closeBillingDate(db: Db, input: { subscriptionId: string; billingDate: LocalDate }): Promise<IssuedInvoice | null> {
  const occasion = closeOccasion(input.billingDate);
  const existing = await findInvoiceOfPart(db, input.subscriptionId, occasion);
  if (existing) return issued(db, existing, input.subscriptionId);
  const subscription = await findSubscriptionById(db, input.subscriptionId);
  if (!subscription) throw new Error(`Subscription ${input.subscriptionId} does not exist`);
  if (!subscription.consolidate_invoice) return issueSubscriptionInvoice(db, { kind: 'periodic', ...input });
  return db.transaction(async (trx) => {
    // Nothing in this transaction writes a subscription, plan, customer, organization, charge or
    // tax: each is read once (the customer's subscriptions share them; the webhook object too).
    openReadMemo(trx);
    await lockCustomerBilling(trx, subscription.organization_id, subscription.customer_id);
    const found = await findInvoiceOfPart(trx, input.subscriptionId, occasion);
    if (found) return issued(trx, found, input.subscriptionId);
    const key = consolidatedInvoiceKey(subscription.customer_id, input.billingDate);
    // The day's invoice was issued without this subscription (it was not due then): its own invoice.
    if (await findInvoiceByKey(trx, subscription.organization_id, key)) return issueSubscriptionInvoice(trx, { kind: 'periodic', ...input });
    const ctx = await contextOf(trx, subscription);
    const parts = await dueParts(trx, ctx, input.billingDate);
    if (parts.length === 0) return null;
    const subscriptions = new Set(parts.map((part) => part.ctx.subscription.id));
    return issuePartsInvoice(trx, {
      occasion: { kind: 'consolidated', customerId: ctx.customer.id, billingDate: input.billingDate },
      parts,
      subscriptionId: subscriptions.size === 1 ? parts[0]!.ctx.subscription.id : null,
    });
  });
}

/**
 * The periodic parts of the customer's subscriptions due on `billingDate`, oldest subscription
 * first: the asking one (`own`) always, the others when the database says their workflow would
 * close that date too. Read under the customer's billing lock.
 */
async function dueParts(trx: Db, own: SubscriptionContext, billingDate: LocalDate): Promise<InvoicePart[]> {
  const rows = await liveSubscriptionsOfCustomer(trx, own.customer.id);
  // The webhook object of the invoice reads them again by id.
  for (const row of rows) remember(trx, `subscription:${row.id}`, row);
  const live = rows.filter((row) =>
    row.id === own.subscription.id || (row.status === 'active' && row.consolidate_invoice && row.organization_id === own.organization.id));
  const others = live.filter((row) => row.id !== own.subscription.id).map((row) => row.id);
  const [changing, closed] = await Promise.all([
    subscriptionsWithPendingSuccessor(trx, others),
    subscriptionsWithPart(trx, others, closeOccasion(billingDate)),
  ]);
  const parts: InvoicePart[] = [];
  for (const row of live) {
    if (row.id === own.subscription.id) {
      const part = periodicPart(own, billingDate);
      if (part) parts.push(part);
      continue;
    }
    if (changing.has(row.id) || closed.has(row.id)) continue;
    const ctx = await contextOf(trx, row);
    if (ctx.plan.amount_currency !== own.plan.amount_currency || !closesOn(ctx.terms, billingDate)) continue;
    try {
      const part = periodicPart(ctx, billingDate);
      if (part) parts.push(part);
    } catch (error) {
      // Another subscription's rules never stop this one's close: its own workflow will meet the error.
      if (!(error instanceof PeriodError)) throw error;
      logger.warn({ err: error, subscriptionId: row.id, billingDate }, 'left out of the consolidated invoice');
    }
  }
  return parts;
}

/**
 * The first instant a lifecycle change of the subscription may take effect: the start of its last
 * billing date already closed (by its own invoice or its customer's consolidated one), or 0. Read
 * under the customer's billing lock by the caller, so no close slips in between.
 */
export async function closedThroughMs(conn: Conn, subscriptionId: string, timezone: string): Promise<number> {
  const date = await lastClosedBillingDate(conn, subscriptionId);
  return date === null ? 0 : startOfLocalDay(date, timezone);
}

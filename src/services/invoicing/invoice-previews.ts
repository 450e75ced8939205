/**
 * `POST /invoices/preview`: the invoice the next boundary of a customer's subscriptions will issue,
 * computed by the very code that issues it (`closeBillingDate`: the consolidated invoice of the day,
 * the invoice writer, its taxes, coupons and credits) inside a transaction that is rolled back, so
 * nothing is written: no invoice, number, fee, webhook or PDF request survives the answer.
 *
 * The subscriptions named must be the customer's active ones and share their next billing date (the
 * invoice of one day); their parts must land on one invoice. The invoice answered is the whole
 * invoice of that day, so it also shows the customer's other subscriptions that consolidate on it.
 * One whose end or scheduled plan change comes first is refused: its next invoice is not a close.
 * Usage is the usage stored so far: events still to come for the period are not in the preview.
 */
import type { Db } from '../../db/knex';
import { dryRun } from '../../db/dry-run';
import { findCustomerByExternalId } from '../../db/customers';
import { findSubscriptionByExternalId, subscriptionsWithPendingSuccessor } from '../../db/subscriptions';
import { findInvoice } from '../../db/invoices';
import { contextOf } from '../../db/subscription-context';
import type { OrganizationRow } from '../../db/organizations';
import { localDateOf, startOfLocalDay, type LocalDate } from '../../billing/calendar';
import { nextBillingDate } from '../../billing/periods';
import { invalidField, notFound } from '../../runtime/errors';
import { closeBillingDate } from './consolidated-invoices';
import { presentInvoice } from './invoice-presenter';

export interface InvoicePreviewInput {
  customer: { external_id: string };
  subscriptions?: { external_ids: string[] };
}

export async function previewInvoice(
  db: Db, organization: OrganizationRow, input: InvoicePreviewInput, options: { nowMs: number },
): Promise<Awaited<ReturnType<typeof presentInvoice>>> {
  const customer = await findCustomerByExternalId(db, organization.id, input.customer.external_id);
  if (!customer) throw notFound('customer');
  const externalIds = [...new Set(input.subscriptions?.external_ids ?? [])];
  if (externalIds.length === 0) throw invalidField('subscriptions', 'value_is_mandatory');
  const due: { subscriptionId: string; billingDate: LocalDate }[] = [];
  for (const externalId of externalIds) {
    const subscription = await findSubscriptionByExternalId(db, organization.id, externalId, 'active');
    if (!subscription || subscription.customer_id !== customer.id) throw notFound('subscription');
    const { terms } = await contextOf(db, subscription);
    const today = localDateOf(Math.max(options.nowMs, terms.startedAt), terms.schedule.timezone);
    const billingDate = nextBillingDate(terms, today);
    // Its next invoice is its termination's, not a period's close: not a preview of the next boundary.
    if (terms.endingAt !== null && terms.endingAt < startOfLocalDay(billingDate, terms.schedule.timezone)) {
      throw invalidField('subscriptions', 'ends_before_next_billing_date');
    }
    // A plan change waits for that date: the workflow issues the downgrade's invoice then, not a close.
    if ((await subscriptionsWithPendingSuccessor(db, [subscription.id])).size > 0) throw invalidField('subscriptions', 'pending_plan_change');
    due.push({ subscriptionId: subscription.id, billingDate });
  }
  if (new Set(due.map((entry) => entry.billingDate)).size > 1) throw invalidField('subscriptions', 'different_billing_dates');
  return dryRun(db, async (trx) => {
    const invoiceIds = new Set<string>();
    for (const entry of due) {
      const issued = await closeBillingDate(trx, entry);
      if (issued) invoiceIds.add(issued.invoiceId);
    }
    if (invoiceIds.size === 0) throw invalidField('subscriptions', 'nothing_to_bill');
    if (invoiceIds.size > 1) throw invalidField('subscriptions', 'not_on_one_invoice');
    const invoice = await findInvoice(trx, organization.id, [...invoiceIds][0]!);
    return presentInvoice(trx, organization, invoice!, { withFees: true, publicUrl: null, nowMs: options.nowMs });
  });
}

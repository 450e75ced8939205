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
 *
 * A new subscription (Lago's `plan_code`, with `subscription_at`, default now, and `billing_time`,
 * default `calendar`): its row is created inside the rolled-back transaction as its workflow would
 * find it once started (active, started at `subscription_at`, the customer taking the plan's
 * currency when it has none), and the invoice it issues first is written by the real issuing code:
 * its starting invoice (a plan paid in advance: the first period's base fee, prorated for calendar
 * billing), else the close of its first billing date (a plan paid in arrears, or a trial paid in
 * advance: the base fee prorated as the real close does, no usage yet). The invoice is that
 * subscription's alone, as Lago previews it: the customer's other subscriptions that would share a
 * consolidated invoice of that day are not added. The plan must be in the customer's currency
 * (422 `currency: currencies_does_not_match`); a plan that bills nothing then is 422
 * `plan_code: nothing_to_bill`.
 */
import { randomUUID } from 'node:crypto';
import type { Db, Tx } from '../../db/knex';
import { dryRun } from '../../db/dry-run';
import { findCustomerByExternalId } from '../../db/customers';
import { findSubscriptionByExternalId, insertSubscription, subscriptionsWithPendingSuccessor } from '../../db/subscriptions';
import { findPlanByCode } from '../../db/plans';
import { findInvoice } from '../../db/invoices';
import { contextOf, loadSubscriptionContext } from '../../db/subscription-context';
import type { OrganizationRow } from '../../db/organizations';
import type { CustomerRow } from '../../db/customers';
import type { BillingTime } from '../../billing/types';
import { assertPlanSubscribable } from '../catalog';
import { adoptPlanCurrency } from '../customers';
import { localDateOf, startOfLocalDay, type LocalDate } from '../../billing/calendar';
import { nextBillingDate } from '../../billing/periods';
import { invalidField, notFound } from '../../runtime/errors';
import { closeBillingDate } from './consolidated-invoices';
import { issueSubscriptionInvoice } from './subscription-invoices';
import { presentInvoice } from './invoice-presenter';

export interface InvoicePreviewInput {
  customer: { external_id: string };
  subscriptions?: { external_ids: string[] };
  /** A new subscription to this plan: its first invoice (not with `subscriptions`). */
  plan_code?: string | null;
  /** ISO-8601 instant; default now. */
  subscription_at?: string | null;
  /** Default `calendar`. */
  billing_time?: BillingTime | null;
}

export async function previewInvoice(
  db: Db, organization: OrganizationRow, input: InvoicePreviewInput, options: { nowMs: number },
): Promise<Awaited<ReturnType<typeof presentInvoice>>> {
  const customer = await findCustomerByExternalId(db, organization.id, input.customer.external_id);
  if (!customer) throw notFound('customer');
  if (input.plan_code) {
    if (input.subscriptions) throw invalidField('subscriptions', 'not_with_plan_code');
    return previewNewSubscription(db, organization, customer, { ...input, plan_code: input.plan_code }, options);
  }
  if (input.subscription_at) throw invalidField('subscription_at', 'plan_code_is_mandatory');
  if (input.billing_time) throw invalidField('billing_time', 'plan_code_is_mandatory');
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

/** The first invoice of a new subscription of `customer` to the plan, issued in a rolled-back transaction. */
async function previewNewSubscription(
  db: Db, organization: OrganizationRow, customer: CustomerRow, input: InvoicePreviewInput & { plan_code: string }, options: { nowMs: number },
): Promise<Awaited<ReturnType<typeof presentInvoice>>> {
  const plan = await findPlanByCode(db, organization.id, input.plan_code);
  if (!plan) throw notFound('plan');
  assertPlanSubscribable(plan);
  const subscriptionAt = input.subscription_at ? Date.parse(input.subscription_at) : options.nowMs;
  return dryRun(db, async (trx) => {
    await adoptPlanCurrency(trx, customer.id, plan.amount_currency);
    const subscriptionId = await insertPreviewedSubscription(trx, organization, customer, plan.id, subscriptionAt, input.billing_time ?? 'calendar');
    // What its workflow does first: the starting invoice (in advance), else the close of its first billing date.
    let issued = await issueSubscriptionInvoice(trx, { kind: 'starting', subscriptionId });
    if (!issued) {
      const { terms } = await loadSubscriptionContext(trx, subscriptionId);
      const billingDate = nextBillingDate(terms, localDateOf(terms.startedAt, terms.schedule.timezone));
      issued = await issueSubscriptionInvoice(trx, { kind: 'periodic', subscriptionId, billingDate });
    }
    if (!issued) throw invalidField('plan_code', 'nothing_to_bill');
    const invoice = await findInvoice(trx, organization.id, issued.invoiceId);
    return presentInvoice(trx, organization, invoice!, { withFees: true, publicUrl: null, nowMs: options.nowMs });
  });
}

/** The subscription row as its workflow finds it once started; its external id matches no event stored. */
async function insertPreviewedSubscription(
  trx: Tx, organization: OrganizationRow, customer: CustomerRow, planId: string, subscriptionAt: number, billingTime: BillingTime,
): Promise<string> {
  const externalId = `preview_${randomUUID()}`;
  const row = await insertSubscription(trx, {
    organization_id: organization.id,
    customer_id: customer.id,
    plan_id: planId,
    external_id: externalId,
    name: null,
    status: 'active',
    billing_time: billingTime,
    subscription_at: new Date(subscriptionAt),
    started_at: new Date(subscriptionAt),
    trial_ended_at: null,
    ending_at: null,
    terminated_at: null,
    canceled_at: null,
    previous_subscription_id: null,
    on_termination_credit_note: null,
    workflow_id: `preview:${externalId}`,
    consolidate_invoice: false,
  });
  return row.id;
}

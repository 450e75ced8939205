/** The billing period a subscription is in at an instant (for API views and current usage). */
import { localDateOf } from '../../billing/calendar';
import { nextBillingDate, periodContaining, type Period } from '../../billing/periods';
import type { Db } from '../../db/knex';
import type { CustomerRow } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import type { PlanRow } from '../../db/plans';
import type { SubscriptionRow } from '../../db/subscriptions';
import { applicableTimezone, subscriptionTerms } from '../../billing/subscription-terms';

export function currentBillingPeriod(subscription: SubscriptionRow, plan: PlanRow, customer: CustomerRow, organization: OrganizationRow, nowMs: number): Period | null {
  if (subscription.status !== 'active') return null;
  const timezone = applicableTimezone(customer, organization);
  const terms = subscriptionTerms(subscription, plan, timezone);
  return periodContaining(terms.schedule, localDateOf(Math.max(nowMs, terms.startedAt), timezone));
}

/** `previous_plan_code`, and for a pending downgrade `next_plan_code` and `downgrade_plan_date`. */
export async function planChangeOf(db: Db, organization: OrganizationRow, subscription: SubscriptionRow, nowMs: number) {
  const previous = subscription.previous_subscription_id
    ? await db('subscriptions').join('plans', 'plans.id', 'subscriptions.plan_id').where('subscriptions.id', subscription.previous_subscription_id).first('plans.code')
    : undefined;
  const pending = await db('subscriptions')
    .join('plans', 'plans.id', 'subscriptions.plan_id')
    .where({ 'subscriptions.previous_subscription_id': subscription.id, 'subscriptions.status': 'pending' })
    .first('plans.code', 'plans.id as plan_id');
  if (!pending || subscription.status !== 'active') return { previousPlanCode: previous?.code ?? null, nextPlanCode: null, downgradePlanDate: null };
  const [plan, customer] = await Promise.all([
    db<PlanRow>('plans').where({ id: subscription.plan_id }).first(),
    db<CustomerRow>('customers').where({ id: subscription.customer_id }).first(),
  ]);
  const timezone = applicableTimezone(customer!, organization);
  const terms = subscriptionTerms(subscription, plan!, timezone);
  const today = localDateOf(Math.max(nowMs, terms.startedAt), timezone);
  return { previousPlanCode: previous?.code ?? null, nextPlanCode: pending.code as string, downgradePlanDate: nextBillingDate(terms, today) };
}

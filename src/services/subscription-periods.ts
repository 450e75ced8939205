/** The billing period a subscription is in at an instant (for API views and current usage). */
import { localDateOf } from '../billing/calendar';
import { periodContaining, type Period } from '../billing/periods';
import type { CustomerRow } from '../db/customers';
import type { OrganizationRow } from '../db/organizations';
import type { PlanRow } from '../db/plans';
import type { SubscriptionRow } from '../db/subscriptions';
import { applicableTimezone, subscriptionTerms } from './subscription-terms';

export function currentBillingPeriod(subscription: SubscriptionRow, plan: PlanRow, customer: CustomerRow, organization: OrganizationRow, nowMs: number): Period | null {
  if (subscription.status !== 'active') return null;
  const timezone = applicableTimezone(customer, organization);
  const terms = subscriptionTerms(subscription, plan, timezone);
  return periodContaining(terms.schedule, localDateOf(Math.max(nowMs, terms.startedAt), timezone));
}

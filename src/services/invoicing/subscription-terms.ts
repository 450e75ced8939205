/** Turns stored rows into the billing core's view of a subscription. */
import { localDateOf } from '../../billing/calendar';
import type { SubscriptionTerms } from '../../billing/periods';
import type { CustomerRow } from '../../db/customers';
import type { OrganizationRow } from '../../db/organizations';
import type { PlanRow } from '../../db/plans';
import type { SubscriptionRow } from '../../db/subscriptions';
import { Dec } from '../../billing/money';

/** Customer, then organization, then UTC (DESIGN.md §5). */
export function applicableTimezone(customer: Pick<CustomerRow, 'timezone'>, organization: Pick<OrganizationRow, 'timezone'>): string {
  return customer.timezone ?? organization.timezone ?? 'UTC';
}

const DAY_MS = 86_400_000;

export function trialEndsAt(plan: Pick<PlanRow, 'trial_period'>, startedAtMs: number): number | null {
  const days = new Dec(plan.trial_period ?? '0');
  return days.isZero() ? null : startedAtMs + days.times(DAY_MS).round().toNumber();
}

export function subscriptionTerms(subscription: SubscriptionRow, plan: PlanRow, timezone: string): SubscriptionTerms {
  const startedAt = (subscription.started_at ?? subscription.subscription_at).getTime();
  return {
    schedule: {
      interval: plan.interval,
      billingTime: subscription.billing_time,
      anchorDate: localDateOf(subscription.subscription_at.getTime(), timezone),
      timezone,
    },
    startedAt,
    payInAdvance: plan.pay_in_advance,
    billChargesMonthly: Boolean(plan.bill_charges_monthly),
    trialEndsAt: trialEndsAt(plan, startedAt),
    endingAt: subscription.ending_at ? subscription.ending_at.getTime() : null,
  };
}

/**
 * A subscription's terms as the billing core sees them (periods.ts), from what is stored about the
 * subscription and its plan. The inputs are the stored fields themselves (snake_case, as rows have
 * them), so any row with those fields fits.
 */
import { localDateOf } from './calendar';
import type { SubscriptionTerms } from './periods';
import type { BillingTime, Interval } from './types';
import { Dec } from './money';

/** Customer, then organization, then UTC (DESIGN.md §5). */
export function applicableTimezone(customer: { timezone: string | null }, organization: { timezone: string | null }): string {
  return customer.timezone ?? organization.timezone ?? 'UTC';
}

const DAY_MS = 86_400_000;

/** The instant a trial of `trial_period` days (a decimal) ends, or null without a trial. */
export function trialEndsAt(plan: { trial_period: string | null }, startedAtMs: number): number | null {
  const days = new Dec(plan.trial_period ?? '0');
  return days.isZero() ? null : startedAtMs + days.times(DAY_MS).round().toNumber();
}

export interface StoredSubscription {
  billing_time: BillingTime;
  subscription_at: Date;
  started_at: Date | null;
  ending_at: Date | null;
}

export interface StoredPlan {
  interval: Interval;
  pay_in_advance: boolean;
  bill_charges_monthly: boolean | null;
  /** Absent from rows read before fixed charges existed. */
  bill_fixed_charges_monthly?: boolean | null;
  trial_period: string | null;
}

export function subscriptionTerms(subscription: StoredSubscription, plan: StoredPlan, timezone: string): SubscriptionTerms {
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
    // Only when set: terms without it keep the shape (and the billing dates) they always had.
    ...(plan.bill_fixed_charges_monthly ? { billFixedChargesMonthly: true } : {}),
    trialEndsAt: trialEndsAt(plan, startedAt),
    endingAt: subscription.ending_at ? subscription.ending_at.getTime() : null,
  };
}

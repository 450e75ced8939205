/** Upgrade or downgrade: Lago compares plans by their yearly amount (reference §4, §5.3). */
import type { Cents } from './money';
import type { Interval } from './types';

const PERIODS_PER_YEAR: Record<Interval, bigint> = { weekly: 52n, monthly: 12n, quarterly: 4n, semiannual: 2n, yearly: 1n };

export function yearlyAmountCents(plan: { interval: Interval; amountCents: Cents }): Cents {
  return plan.amountCents * PERIODS_PER_YEAR[plan.interval];
}

/** A new plan worth at least as much per year is an upgrade (at once); a cheaper one a downgrade (at period end). */
export function planChangeKind(from: { interval: Interval; amountCents: Cents }, to: { interval: Interval; amountCents: Cents }): 'upgrade' | 'downgrade' {
  return yearlyAmountCents(to) >= yearlyAmountCents(from) ? 'upgrade' : 'downgrade';
}

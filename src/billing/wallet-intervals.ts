/**
 * When an interval top-up rule tops a wallet up (Lago's `Wallets::CreateIntervalWalletTransactionsService`):
 * on the anniversaries of its anchor day (the rule's `started_at`, else the wallet's creation, in
 * the customer's timezone): every 7 days (weekly), or every 1, 3, 6 or 12 months on the anchor's
 * day of the month, clamped to the month's last day (the 31st tops up on April 30th). Pure.
 */
import { addDays, addMonthsOnDay, daysBetween, parseLocalDate, type LocalDate } from './calendar';

export const TOP_UP_INTERVALS = ['weekly', 'monthly', 'quarterly', 'semiannual', 'yearly'] as const;
export type TopUpInterval = (typeof TOP_UP_INTERVALS)[number];

const MONTHS: Record<Exclude<TopUpInterval, 'weekly'>, number> = { monthly: 1, quarterly: 3, semiannual: 6, yearly: 12 };

/** The first anniversary of `anchor` (the anchor itself included) strictly after `after`. */
export function nextTopUpDate(anchor: LocalDate, interval: TopUpInterval, after: LocalDate): LocalDate {
  if (anchor > after) return anchor;
  if (interval === 'weekly') return addDays(anchor, (Math.floor(daysBetween(anchor, after) / 7) + 1) * 7);
  const step = MONTHS[interval];
  const { day } = parseLocalDate(anchor);
  const a = parseLocalDate(anchor);
  const b = parseLocalDate(after);
  // Start a step before the month of `after` and walk forward: at most three candidates.
  let k = Math.max(0, Math.floor(((b.year - a.year) * 12 + (b.month - a.month)) / step) - 1);
  for (;;) {
    const candidate = addMonthsOnDay(anchor, k * step, day);
    if (candidate > after) return candidate;
    k += 1;
  }
}

/**
 * Progressive billing's rules (reference/lago-api.md §4), pure. A subscription's usage thresholds
 * (its own, else its plan's) are amounts of **lifetime usage** (historical usage seeded through the
 * API, plus the usage its past periods invoiced, plus the current period's usage so far, before
 * taxes):
 * - each fixed threshold is crossed once, when lifetime usage reaches its amount;
 * - the recurring one (at most one) is crossed at each further `amount_cents` beyond the largest
 *   fixed one: levels `largest + k × amount`, k ≥ 1 (without fixed thresholds, `k × amount`);
 * - usage already there when the thresholds were looked at (the `floor`: historical and previous
 *   periods' usage) crosses nothing: only levels above it count.
 * A check that finds several levels crossed at once bills them on one progressive invoice. Fixed
 * levels are recorded one by one; the recurring threshold's levels crossed together are recorded as
 * their highest (the lower ones are passed with it), so a level is never billed twice.
 *
 * `progressiveInvoiceAmounts` is what a progressive invoice bills per usage line: the line's amount
 * so far in the period minus what earlier progressive invoices of the period billed for it.
 */
import type { Cents } from './money';

export interface UsageThreshold {
  id: string;
  amountCents: Cents;
  recurring: boolean;
}

/** A threshold level crossed: the threshold, and the lifetime usage amount it stands at. */
export interface CrossedLevel {
  thresholdId: string;
  levelAmountCents: Cents;
  recurring: boolean;
  /** For the recurring threshold: how many of its levels this crossing covers (1 for a fixed one). */
  steps: number;
}

export class ThresholdRuleError extends RangeError {}

/** Refuses what the rules cannot read: amounts ≤ 0, more than one recurring threshold. */
export function checkThresholds(thresholds: readonly UsageThreshold[]): void {
  if (thresholds.some((threshold) => threshold.amountCents <= 0n)) throw new ThresholdRuleError('A usage threshold amount must be positive');
  if (thresholds.filter((threshold) => threshold.recurring).length > 1) throw new ThresholdRuleError('At most one usage threshold is recurring');
}

/** The largest fixed threshold's amount, or 0 without fixed thresholds. */
export function largestFixedAmount(thresholds: readonly UsageThreshold[]): Cents {
  return thresholds.filter((threshold) => !threshold.recurring).reduce((max, threshold) => (threshold.amountCents > max ? threshold.amountCents : max), 0n);
}

/**
 * The levels crossed by lifetime usage `totalCents`, above `floorCents`, leaving out those already
 * applied (`applied`: levels recorded earlier). Sorted by level, a fixed threshold before the
 * recurring one at the same level.
 */
export function crossedLevels(input: {
  thresholds: readonly UsageThreshold[];
  floorCents: Cents;
  totalCents: Cents;
  applied: readonly { thresholdId: string; levelAmountCents: Cents }[];
}): CrossedLevel[] {
  const { thresholds, floorCents, totalCents, applied } = input;
  checkThresholds(thresholds);
  const done = new Set(applied.map((level) => `${level.thresholdId}:${level.levelAmountCents}`));
  const crossed: CrossedLevel[] = thresholds
    .filter((threshold) => !threshold.recurring && threshold.amountCents > floorCents && threshold.amountCents <= totalCents)
    .filter((threshold) => !done.has(`${threshold.id}:${threshold.amountCents}`))
    .map((threshold) => ({ thresholdId: threshold.id, levelAmountCents: threshold.amountCents, recurring: false, steps: 1 }));

  const recurring = thresholds.find((threshold) => threshold.recurring);
  if (recurring) {
    const base = largestFixedAmount(thresholds);
    const step = recurring.amountCents;
    // Levels base + k·step above the floor and above the highest level already applied.
    const lastApplied = applied.filter((level) => level.thresholdId === recurring.id).reduce((max, level) => (level.levelAmountCents > max ? level.levelAmountCents : max), 0n);
    const above = floorCents > lastApplied ? floorCents : lastApplied;
    const firstK = above < base ? 1n : (above - base) / step + 1n;
    const lastK = totalCents < base ? 0n : (totalCents - base) / step;
    if (lastK >= firstK) {
      crossed.push({ thresholdId: recurring.id, levelAmountCents: base + lastK * step, recurring: true, steps: Number(lastK - firstK + 1n) });
    }
  }
  return crossed.sort((a, b) => (a.levelAmountCents === b.levelAmountCents ? Number(a.recurring) - Number(b.recurring) : a.levelAmountCents < b.levelAmountCents ? -1 : 1));
}

/** A threshold's progress, as `GET /subscriptions/:id/lifetime_usage` shows it. */
export interface ThresholdProgress {
  thresholdId: string;
  /** The level: a fixed threshold's amount, or one of the recurring threshold's levels. */
  amountCents: Cents;
  /** 1 once reached; between the previous level and this one, the share covered; 0 beyond the next one. */
  completionRatio: number;
  reached: boolean;
}

/** How many reached levels of the recurring threshold `thresholdProgress` lists at most (the latest). */
export const MAX_REACHED_LEVELS = 100n;

const ratio = (part: Cents, whole: Cents): number => (whole <= 0n ? 1 : Math.min(1, Math.max(0, Number(part) / Number(whole))));

/**
 * Lago's completion of each threshold for lifetime usage `totalCents` (its
 * UsageThresholdsCompletionService): the fixed thresholds reached (ratio 1), the next one with the
 * share covered since the previous one, the others at 0, and the recurring threshold after them —
 * once every fixed one is reached, each recurring level reached and the next one in progress.
 */
export function thresholdProgress(thresholds: readonly UsageThreshold[], totalCents: Cents): ThresholdProgress[] {
  checkThresholds(thresholds);
  const fixed = thresholds.filter((threshold) => !threshold.recurring).sort((a, b) => (a.amountCents < b.amountCents ? -1 : a.amountCents > b.amountCents ? 1 : 0));
  const recurring = thresholds.find((threshold) => threshold.recurring);
  const progress: ThresholdProgress[] = [];
  const passed = fixed.filter((threshold) => threshold.amountCents <= totalCents);
  const ahead = fixed.filter((threshold) => threshold.amountCents > totalCents);
  for (const threshold of passed) progress.push({ thresholdId: threshold.id, amountCents: threshold.amountCents, completionRatio: 1, reached: true });
  const lastPassed = passed.length > 0 ? passed[passed.length - 1]!.amountCents : 0n;
  const base = largestFixedAmount(thresholds);
  if (ahead.length > 0) {
    const [next, ...rest] = ahead as [UsageThreshold, ...UsageThreshold[]];
    progress.push({ thresholdId: next.id, amountCents: next.amountCents, completionRatio: ratio(totalCents - lastPassed, next.amountCents - lastPassed), reached: false });
    for (const threshold of rest) progress.push({ thresholdId: threshold.id, amountCents: threshold.amountCents, completionRatio: 0, reached: false });
    if (recurring) progress.push({ thresholdId: recurring.id, amountCents: base + recurring.amountCents, completionRatio: 0, reached: false });
    return progress;
  }
  if (recurring) {
    const step = recurring.amountCents;
    const reachedLevels = (totalCents - base) / step;
    // The last MAX_REACHED_LEVELS levels reached at most (a tiny amount under a large usage would list millions).
    const firstShown = reachedLevels > MAX_REACHED_LEVELS ? reachedLevels - MAX_REACHED_LEVELS + 1n : 1n;
    for (let k = firstShown; k <= reachedLevels; k += 1n) progress.push({ thresholdId: recurring.id, amountCents: base + k * step, completionRatio: 1, reached: true });
    const remainder = (totalCents - base) % step;
    progress.push({ thresholdId: recurring.id, amountCents: base + (reachedLevels + 1n) * step, completionRatio: ratio(remainder, step), reached: false });
  }
  return progress;
}

/** A usage line of the period so far (its key names the charge, filter and group), and what earlier progressive invoices billed for it. */
export interface ProgressiveLineInput {
  key: string;
  amountCents: Cents;
}

/**
 * What a progressive invoice bills per line: the line's amount so far minus what the period's
 * earlier progressive invoices billed for the same line; lines with nothing more to bill are left
 * out (never negative).
 */
export function progressiveInvoiceAmounts(lines: readonly ProgressiveLineInput[], billedBefore: ReadonlyMap<string, Cents>): ProgressiveLineInput[] {
  return lines
    .map((line) => ({ key: line.key, amountCents: line.amountCents - (billedBefore.get(line.key) ?? 0n) }))
    .filter((line) => line.amountCents > 0n);
}

/**
 * The closing invoice's progressive-billing credit per fee: each usage fee of the period is
 * reduced by what the period's progressive invoices billed for the same line, at most its own
 * amount (usage that fell since is not refunded here).
 */
export function progressiveCredits(fees: readonly ProgressiveLineInput[], billedBefore: ReadonlyMap<string, Cents>): Map<string, Cents> {
  const credits = new Map<string, Cents>();
  for (const fee of fees) {
    const billed = billedBefore.get(fee.key) ?? 0n;
    const credit = billed < fee.amountCents ? billed : fee.amountCents;
    if (credit > 0n) credits.set(fee.key, credit);
  }
  return credits;
}

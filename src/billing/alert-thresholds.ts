/**
 * Usage alerts (Lago's `UsageMonitoring::Alert#find_thresholds_crossed`, increasing direction): which
 * thresholds a value crossed going from `previous` to `current`. A fixed threshold `t` is crossed
 * when previous < t ≤ current; the recurring one (at most one, of value `step` > 0) stands for every
 * `initial + k × step`, k ≥ 1, `initial` being the highest fixed threshold (0 without any), each
 * crossed the same way. Nothing is crossed when the value did not rise, nor below the lowest fixed
 * threshold. Pure: the caller records each crossing once per period (its `key`).
 */
import { Dec } from './money';

export interface AlertThresholdRule {
  code: string | null;
  value: Dec;
  recurring: boolean;
}

export interface CrossedThreshold {
  code: string | null;
  /** The threshold's value; for a step of the recurring threshold, that step's value (initial + k × step). */
  value: Dec;
  recurring: boolean;
  /** What makes it once per period: `fixed:<value>` or `recurring:<step value>`. */
  key: string;
}

/** At most this many steps of the recurring threshold in one evaluation (the highest ones). */
export const MAX_RECURRING_STEPS = 1000;

export function thresholdKey(recurring: boolean, value: Dec): string {
  return `${recurring ? 'recurring' : 'fixed'}:${value.toFixed()}`;
}

export function crossedThresholds(thresholds: readonly AlertThresholdRule[], previous: Dec, current: Dec): CrossedThreshold[] {
  if (current.lte(previous)) return [];
  const fixed = thresholds.filter((t) => !t.recurring).sort((a, b) => a.value.comparedTo(b.value));
  if (fixed.length > 0 && current.lt(fixed[0]!.value)) return [];
  const crossed: CrossedThreshold[] = [];
  const seen = new Set<string>();
  for (const threshold of fixed) {
    const key = thresholdKey(false, threshold.value);
    if (seen.has(key) || !threshold.value.gt(previous) || threshold.value.gt(current)) continue;
    seen.add(key);
    crossed.push({ code: threshold.code, value: threshold.value, recurring: false, key });
  }
  const recurring = thresholds.find((t) => t.recurring);
  if (recurring && recurring.value.gt(0)) {
    const step = recurring.value;
    const initial = fixed.length > 0 ? fixed[fixed.length - 1]!.value : new Dec(0);
    // k such that initial + k × step > previous, and ≤ current.
    const first = Dec.max(1, previous.minus(initial).dividedBy(step).floor().plus(1));
    const last = current.minus(initial).dividedBy(step).floor();
    const from = Dec.max(first, last.minus(MAX_RECURRING_STEPS - 1));
    for (let k = from; k.lte(last); k = k.plus(1)) {
      const value = initial.plus(step.times(k));
      crossed.push({ code: recurring.code, value, recurring: true, key: thresholdKey(true, value) });
    }
  }
  return crossed;
}

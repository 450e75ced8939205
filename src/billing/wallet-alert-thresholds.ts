/**
 * Wallet alerts (Lago's `UsageMonitoring::Alert#find_thresholds_crossed_decreasing`, the direction of
 * every `wallet_*` alert): which thresholds a value crossed **falling** from `previous` to `current`.
 * A fixed threshold `t` is crossed when current ≤ t < previous; the recurring one (at most one, of
 * value `step` > 0) stands for every `initial − k × step`, k ≥ 1, `initial` being the **lowest** fixed
 * threshold (0 without any, as Lago), each crossed the same way. Nothing is crossed when the value did
 * not fall, nor while it stays above the highest fixed threshold. Pure: the caller keeps `previous`
 * (the value its last evaluation read), so a threshold fires again only once a value above it was seen.
 *
 * Lago counts a recurring step equal to `previous` as crossed; here it is not (strictly below
 * `previous`, as the fixed thresholds and the increasing rule of alert-thresholds.ts).
 */
import { Dec } from './money';
import { MAX_RECURRING_STEPS, thresholdKey, type AlertThresholdRule, type CrossedThreshold } from './alert-thresholds';

export function crossedThresholdsFalling(thresholds: readonly AlertThresholdRule[], previous: Dec, current: Dec): CrossedThreshold[] {
  if (current.gte(previous)) return [];
  const fixed = thresholds.filter((t) => !t.recurring).sort((a, b) => a.value.comparedTo(b.value));
  if (fixed.length > 0 && current.gt(fixed[fixed.length - 1]!.value)) return [];
  const crossed: CrossedThreshold[] = [];
  const seen = new Set<string>();
  for (const threshold of fixed) {
    const key = thresholdKey(false, threshold.value);
    if (seen.has(key) || !threshold.value.lt(previous) || threshold.value.lt(current)) continue;
    seen.add(key);
    crossed.push({ code: threshold.code, value: threshold.value, recurring: false, key });
  }
  const recurring = thresholds.find((t) => t.recurring);
  if (recurring && recurring.value.gt(0)) {
    const step = recurring.value;
    const initial = fixed.length > 0 ? fixed[0]!.value : new Dec(0);
    // k ≥ 1 such that initial − k × step < previous, and ≥ current.
    const first = Dec.max(1, initial.minus(previous).dividedBy(step).floor().plus(1));
    const last = initial.minus(current).dividedBy(step).floor();
    const from = Dec.max(first, last.minus(MAX_RECURRING_STEPS - 1));
    // Lowest value first (the largest k), as Lago sorts the values crossed.
    for (let k = last; k.gte(from); k = k.minus(1)) {
      const value = initial.minus(step.times(k));
      crossed.push({ code: recurring.code, value, recurring: true, key: thresholdKey(true, value) });
    }
  }
  return crossed;
}

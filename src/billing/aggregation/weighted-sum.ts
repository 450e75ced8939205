/**
 * weighted_sum_agg: field values are deltas of a level; the result is the level's time average
 * over the full period: Σ level × (time until the next change or the window's end) / (D days).
 *
 * Time is counted in milliseconds, the window's end being exclusive at `toMs + 1` (so a window
 * ending 23:59:59.999 lasts whole days). The initial level is the sum of all earlier deltas when
 * the metric is recurring, else 0. Events at the same instant change the level at once.
 */
import { Dec } from '../money';
import type { AggregationWindow } from './types';

const DAY_MS = 86_400_000;

export interface Delta {
  timestampMs: number;
  value: Dec;
}

/** `deltas` sorted by time and within the window; `initial` is the level at `window.fromMs`. */
export function weightedSum(initial: Dec, deltas: readonly Delta[], window: AggregationWindow): Dec {
  let level = initial;
  let cursor = window.fromMs;
  let area = new Dec(0); // level × milliseconds
  for (const delta of deltas) {
    area = area.plus(level.times(delta.timestampMs - cursor));
    level = level.plus(delta.value);
    cursor = delta.timestampMs;
  }
  area = area.plus(level.times(window.toMs + 1 - cursor));
  return area.dividedBy(new Dec(window.fullDays).times(DAY_MS));
}

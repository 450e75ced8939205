/** The metric's `rounding_function` / `rounding_precision`, and the ceil5 of prorated units. */
import Decimal from 'decimal.js';
import { Dec } from '../money';
import type { MetricDefinition } from './types';

const MODES = { round: Decimal.ROUND_HALF_UP, ceil: Decimal.ROUND_CEIL, floor: Decimal.ROUND_FLOOR } as const;

/**
 * Rounds `units` to `precision` digits (negative precision rounds to tens, hundreds…): `round` is
 * half away from zero, `ceil` towards +∞, `floor` towards −∞. No function → unchanged.
 */
export function applyRounding(units: Dec, metric: Pick<MetricDefinition, 'roundingFunction' | 'roundingPrecision'>): Dec {
  if (metric.roundingFunction === null) return units;
  const precision = metric.roundingPrecision ?? 0;
  if (!Number.isInteger(precision)) throw new RangeError(`rounding_precision must be an integer: ${precision}`);
  const mode = MODES[metric.roundingFunction];
  const scale = new Dec(10).pow(precision);
  return units.times(scale).toDecimalPlaces(0, mode).dividedBy(scale);
}

/** Rounds up (towards +∞) to 5 decimals, as prorated units are. */
export function ceil5(units: Dec): Dec {
  return units.toDecimalPlaces(5, Decimal.ROUND_CEIL);
}

/**
 * Tiered ranges shared by graduated, volume and graduated percentage.
 *
 * Lago accepts two conventions for consecutive ranges: adjacent (`from = previous to`, decimal
 * friendly: [0–0.1], [0.1–1]) and integer style (`from = previous to + 1`: [0–10], [11–20]).
 * Both mean the same thing here: a tier covers (previous to, to], the first tier [0, to]. So
 * 10.5 units fall in [11–20] with 0.5 units, exactly as Lago's "+1" arithmetic gives.
 */
import { Dec } from '../money';
import { isRecord, readBound, ZERO } from './fields';
import type { ChargeUsage, ErrorCollector, RawProperties, TierBounds } from './types';

export interface RangeCodes {
  field: string;
  missing: string;
  invalid: string;
}

/** Parses a ranges array: bounds here, prices by `readPrices`; undefined when anything failed. */
export function parseRanges<T>(
  raw: unknown,
  codes: RangeCodes,
  errors: ErrorCollector,
  readPrices: (range: RawProperties) => T | undefined,
): (TierBounds & T)[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    errors.add(codes.field, codes.missing);
    return undefined;
  }
  const tiers: (TierBounds & T)[] = [];
  let lowerBound = ZERO;
  raw.forEach((entry: unknown, index) => {
    const range = isRecord(entry) ? entry : {};
    const bounds = readTierBounds(range, lowerBound, index === raw.length - 1);
    const prices = readPrices(range);
    if (!bounds) errors.add(codes.field, codes.invalid);
    if (bounds && prices) tiers.push({ ...bounds, ...prices });
    lowerBound = bounds?.toValue ?? lowerBound;
  });
  return tiers.length === raw.length ? tiers : undefined;
}

/** Lago's rule: from = previous to (or +1), to > from, only the last range open. */
function readTierBounds(range: RawProperties, lowerBound: Dec, isLast: boolean): TierBounds | undefined {
  const fromValue = readBound(range.from_value);
  if (!fromValue || !(fromValue.eq(lowerBound) || fromValue.eq(lowerBound.plus(1)))) return undefined;
  if (range.to_value === null || range.to_value === undefined) {
    return isLast ? { fromValue, toValue: null, lowerBound } : undefined;
  }
  const toValue = readBound(range.to_value);
  if (isLast || !toValue || !toValue.gt(fromValue)) return undefined;
  return { fromValue, toValue, lowerBound };
}

/** The tier containing `units`: the first whose `to` is open or ≥ units. */
export function tierIndexFor(tiers: readonly TierBounds[], units: Dec): number {
  const index = tiers.findIndex((tier) => tier.toValue === null || units.lte(tier.toValue));
  return index === -1 ? tiers.length - 1 : index;
}

/** The tier containing `units` (validated properties always have one). */
export function tierFor<T extends TierBounds>(tiers: readonly T[], units: Dec): T {
  const tier = tiers[tierIndexFor(tiers, units)];
  if (!tier) throw new RangeError('A tiered charge needs at least one range');
  return tier;
}

/** Length of the span (a, b] inside the tier (lowerBound, toValue]. */
function overlap(tier: TierBounds, a: Dec, b: Dec): Dec {
  const high = tier.toValue === null ? b : Dec.min(b, tier.toValue);
  const low = Dec.max(a, tier.lowerBound);
  return high.gt(low) ? high.minus(low) : ZERO;
}

interface UnitStep {
  full: Dec;
  prorated: Dec;
}

/** One step per event when prorated per event, otherwise a single step of all the units. */
function unitSteps(usage: ChargeUsage): UnitStep[] {
  const { eventValues, proratedEventValues } = usage;
  if (!proratedEventValues) return [{ full: usage.fullUnits ?? usage.units, prorated: usage.units }];
  if (!eventValues || eventValues.length !== proratedEventValues.length) {
    throw new RangeError('proratedEventValues must be paired with eventValues of the same length');
  }
  return proratedEventValues.map((prorated, index) => ({ full: eventValues[index] ?? ZERO, prorated }));
}

export interface TierUsage {
  /** Index of the tier the (full) units end in: flats are due for tiers 0..reached. */
  reached: number;
  /** Units to charge at each tier's per-unit price (prorated units when prorated). */
  units: Dec[];
}

/**
 * Spreads usage over the tiers. Each step moves the running full total from p to p + full; the
 * part of that move inside a tier is charged there, scaled by prorated/full. Without proration
 * this is the textbook graduated split; with it, each event is priced in the tier its full units
 * fall in but only for the prorated share (reference §11 vector 10).
 */
export function spreadOverTiers(tiers: readonly TierBounds[], usage: ChargeUsage): TierUsage {
  let units = tiers.map(() => ZERO);
  let position = ZERO;
  for (const { full, prorated } of unitSteps(usage)) {
    const next = position.plus(full);
    if (full.isZero()) {
      const at = tierIndexFor(tiers, position);
      units = units.map((value, index) => (index === at ? value.plus(prorated) : value));
    } else {
      const [a, b] = full.gt(0) ? [position, next] : [next, position];
      const share = (tier: TierBounds) => overlap(tier, a, b).times(prorated).dividedBy(full.abs());
      units = tiers.map((tier, index) => (units[index] ?? ZERO).plus(share(tier)));
    }
    position = next;
  }
  return { reached: tierIndexFor(tiers, position), units };
}

export interface TierCharge<T> {
  tier: T;
  units: Dec;
  flatAmount: Dec;
  perUnitTotal: Dec;
  total: Dec;
}

/**
 * The graduated sum: every tier up to the one the units end in pays its flat amount (so the
 * first tier's flat is due even at 0 units) plus its units at its own per-unit price. Tiers
 * beyond that are listed only if prorated usage passed through them.
 */
export function chargeTiers<T extends TierBounds & { flatAmount: Dec }>(
  tiers: readonly T[],
  usage: ChargeUsage,
  perUnitPrice: (tier: T) => Dec,
): TierCharge<T>[] {
  const { reached, units } = spreadOverTiers(tiers, usage);
  return tiers.flatMap((tier, index) => {
    const tierUnits = units[index] ?? ZERO;
    if (index > reached && tierUnits.isZero()) return [];
    const flatAmount = index <= reached ? tier.flatAmount : ZERO;
    const perUnitTotal = tierUnits.times(perUnitPrice(tier));
    return [{ tier, units: tierUnits, flatAmount, perUnitTotal, total: flatAmount.plus(perUnitTotal) }];
  });
}

export function sumTotals(charges: readonly { total: Dec }[]): Dec {
  return charges.reduce((sum, charge) => sum.plus(charge.total), ZERO);
}

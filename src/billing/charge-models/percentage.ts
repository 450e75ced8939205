/**
 * Percentage: `rate` percent of the units (an amount, e.g. a transaction total) plus a fixed fee
 * per paid event, after free units. Free units are the first `free_units_per_events` events
 * and/or the first `free_units_per_total_aggregation` units, whichever gives less; an event
 * fully inside that allowance also skips the fixed fee. With `per_transaction_min_amount` /
 * `per_transaction_max_amount`, each paid event's fee (value × rate + fixed) is clamped to them
 * (always applied: Billow has no premium gating).
 *   rate 1.3, fixed 2, 4 events [50, 100, 250, 400], 3 free events capped at 250 units:
 *   free = min(50+100+250, 250) = 250; free events are the 2 wholly inside (50, 150 ≤ 250);
 *   (800 − 250) × 1.3 % + (4 − 2) × 2 = 7.15 + 4 = 11.15.
 */
import { Dec, toDecimalString as str } from '../money';
import { amountPerUnit, HUNDRED, readAmount, readCount, readOptionalAmount, ZERO } from './fields';
import type {
  ChargeModel, ChargeUsage, ErrorCollector, PercentageDetails, PercentageProperties, RawProperties,
} from './types';

function readFreeUnitsPerEvents(raw: RawProperties, errors: ErrorCollector): number | null | undefined {
  const value = raw.free_units_per_events;
  if (value === undefined || value === null) return null;
  const count = readCount(value, 1);
  if (!count) errors.add('free_units_per_events', 'invalid_free_units_per_events');
  return count?.toNumber();
}

function checkMinBelowMax(min: Dec | null | undefined, max: Dec | null | undefined, errors: ErrorCollector): void {
  if (min && max && max.lt(min)) {
    errors.add('per_transaction_max_amount', 'per_transaction_max_lower_than_per_transaction_min');
  }
}

interface EventSplit {
  freeUnits: Dec;
  paid: Dec;
  /** Wholly inside the free allowance: no percentage, no fixed fee, no minimum. */
  free: boolean;
}

/** Walks the events in order, consuming the free allowance (reference §3). */
function splitEvents(properties: PercentageProperties, values: readonly Dec[]): EventSplit[] {
  const { freeUnitsPerEvents, freeUnitsPerTotalAggregation } = properties;
  const hasAllowance = freeUnitsPerEvents !== null || freeUnitsPerTotalAggregation !== null;
  let remaining = freeUnitsPerTotalAggregation; // null: no cap on the free units
  return values.map((value, index) => {
    const eligible = hasAllowance && (freeUnitsPerEvents === null || index < freeUnitsPerEvents);
    if (!eligible) return { freeUnits: ZERO, paid: value, free: false };
    let freeUnits = Dec.max(value, ZERO);
    if (remaining !== null) {
      freeUnits = Dec.min(freeUnits, remaining);
      remaining = remaining.minus(freeUnits);
    }
    const paid = value.minus(freeUnits);
    return { freeUnits, paid, free: !paid.gt(0) };
  });
}

interface Allowance {
  freeUnits: Dec;
  freeEvents: number;
  events: EventSplit[] | null;
}

/** Free units and events; without per-event values only the total cap can apply. */
function allowance(properties: PercentageProperties, usage: ChargeUsage): Allowance {
  if (!usage.eventValues) {
    const cap = properties.freeUnitsPerTotalAggregation ?? ZERO;
    return { freeUnits: Dec.max(Dec.min(usage.units, cap), ZERO), freeEvents: 0, events: null };
  }
  const events = splitEvents(properties, usage.eventValues);
  const freeUnits = events.reduce((sum, event) => sum.plus(event.freeUnits), ZERO);
  return { freeUnits, freeEvents: events.filter((event) => event.free).length, events };
}

/** Σ over paid events of clamp(paid × rate + fixed, min, max). */
function clampedTotal(properties: PercentageProperties, events: readonly EventSplit[], fixed: Dec): Dec {
  const { rate, perTransactionMinAmount: min, perTransactionMaxAmount: max } = properties;
  return events.reduce((sum, event) => {
    if (event.free) return sum;
    let fee = event.paid.times(rate).dividedBy(HUNDRED).plus(fixed);
    if (min && fee.lt(min)) fee = min;
    if (max && fee.gt(max)) fee = max;
    return sum.plus(fee);
  }, ZERO);
}

interface Fees extends Allowance {
  paidUnits: Dec;
  paidEvents: number;
  fixed: Dec;
  fixedTotal: Dec;
  perUnitTotal: Dec;
  unclamped: Dec;
  amount: Dec;
}

function computeFees(properties: PercentageProperties, usage: ChargeUsage): Fees {
  const fixed = properties.fixedAmount ?? ZERO;
  const free = allowance(properties, usage);
  const paidUnits = Dec.max(usage.units.minus(free.freeUnits), ZERO);
  const paidEvents = Math.max(usage.eventsCount - free.freeEvents, 0);
  const perUnitTotal = paidUnits.times(properties.rate).dividedBy(HUNDRED);
  const fixedTotal = fixed.times(paidEvents);
  const unclamped = perUnitTotal.plus(fixedTotal);
  const hasBounds = properties.perTransactionMinAmount !== null || properties.perTransactionMaxAmount !== null;
  const amount = hasBounds && free.events ? clampedTotal(properties, free.events, fixed) : unclamped;
  return { ...free, paidUnits, paidEvents, fixed, fixedTotal, perUnitTotal, unclamped, amount };
}

function describeFees(properties: PercentageProperties, usage: ChargeUsage, fees: Fees): PercentageDetails {
  const { perTransactionMinAmount: min, perTransactionMaxAmount: max } = properties;
  return {
    kind: 'percentage',
    units: str(usage.units),
    free_units: str(fees.freeUnits),
    paid_units: str(fees.paidUnits),
    free_events: fees.freeEvents,
    paid_events: fees.paidEvents,
    rate: str(properties.rate),
    fixed_fee_unit_amount: str(fees.fixed),
    fixed_fee_total_amount: str(fees.fixedTotal),
    per_unit_total_amount: str(fees.perUnitTotal),
    per_transaction_min_amount: min && str(min),
    per_transaction_max_amount: max && str(max),
    min_max_adjustment_total_amount: str(fees.amount.minus(fees.unclamped)),
  };
}

export const percentage: ChargeModel<PercentageProperties> = {
  payInAdvance: true,

  parse(raw, errors) {
    const rate = readAmount(raw, 'rate', 'invalid_rate', errors);
    const fixedAmount = readOptionalAmount(raw, 'fixed_amount', 'invalid_fixed_amount', errors);
    const freeUnitsPerEvents = readFreeUnitsPerEvents(raw, errors);
    const freeUnitsPerTotalAggregation = readOptionalAmount(
      raw, 'free_units_per_total_aggregation', 'invalid_free_units_per_total_aggregation', errors,
    );
    const perTransactionMinAmount = readOptionalAmount(raw, 'per_transaction_min_amount', 'invalid_amount', errors, true);
    const perTransactionMaxAmount = readOptionalAmount(raw, 'per_transaction_max_amount', 'invalid_amount', errors, true);
    checkMinBelowMax(perTransactionMinAmount, perTransactionMaxAmount, errors);
    if (!rate || fixedAmount === undefined || freeUnitsPerEvents === undefined) return undefined;
    if (freeUnitsPerTotalAggregation === undefined || perTransactionMinAmount === undefined) return undefined;
    if (perTransactionMaxAmount === undefined) return undefined;
    return {
      rate, fixedAmount, freeUnitsPerEvents, freeUnitsPerTotalAggregation, perTransactionMinAmount, perTransactionMaxAmount,
    };
  },

  price(properties, usage) {
    const fees = computeFees(properties, usage);
    const { amount } = fees;
    return { amount, unitAmount: amountPerUnit(amount, usage.units), details: describeFees(properties, usage, fees) };
  },
};

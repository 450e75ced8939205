/**
 * Prorated recurring aggregation (reference/lago-api.md §2 "Prorated aggregation", §5.3): units
 * weighted by the calendar days (in the window's timezone) they were active, over D.
 *
 * - sum_agg: an event of value v on date d counts v × (last − d + 1)/D; the balance carried in
 *   from before the window counts persisted × P/D, P = days from the window's first to last
 *   billed day. A +1 on day a and a −1 on day r therefore bill (r − a) days: the removal day is
 *   not billed. A negative total bills 0.
 * - unique_count_agg: every active stretch of a value counts
 *   (min(removal date, last) − max(add date, first) + 1)/D: add and removal days are both billed,
 *   a same-day add and remove bills one day, and a value removed and added again the same day
 *   bills that day twice (once per stretch, as Lago does).
 *
 * "last" is the window's last day, or the termination day when the subscription ended inside the
 * window, or the day before it when the termination was an upgrade (that day is billed on the new
 * plan). Numerators are summed exactly and divided once by D; the quotient is ceiled to 5
 * decimals, and that ceiled value is what gets priced (as Lago does).
 */
import { addDays, daysInclusive, localDateOf, maxLocalDate, minLocalDate, type LocalDate } from '../calendar';
import { Dec } from '../money';
import type { UsageEvent } from '../types';
import { assertMetric, validateWindow } from './aggregate';
import { numericEvents, requireField, selectEvents } from './events';
import { applyRounding, ceil5 } from './rounding';
import type { AggregationWindow, MetricDefinition, ProratedResult, ProrationOptions, SeatLine } from './types';
import { activeCount, seatStretches } from './unique-count';

const ZERO = new Dec(0);

interface BilledSpan {
  endMs: number;
  first: LocalDate;
  last: LocalDate;
}

function billedSpan(window: AggregationWindow, opts: ProrationOptions): BilledSpan {
  const { terminatedAtMs, upgraded = false } = opts;
  if (upgraded && terminatedAtMs === undefined) throw new RangeError('An upgrade needs its termination instant');
  if (terminatedAtMs !== undefined && (!Number.isSafeInteger(terminatedAtMs) || terminatedAtMs < window.fromMs)) {
    throw new RangeError(`Termination ${terminatedAtMs} is before the window starts (${window.fromMs})`);
  }
  const endMs = terminatedAtMs === undefined ? window.toMs : Math.min(window.toMs, terminatedAtMs);
  const endDate = localDateOf(endMs, window.timezone);
  return {
    endMs,
    first: localDateOf(window.fromMs, window.timezone),
    last: upgraded ? addDays(endDate, -1) : endDate,
  };
}

function line(
  value: string,
  units: Dec,
  addedOn: LocalDate | null,
  removedOn: LocalDate | null,
  billedFrom: LocalDate,
  billedTo: LocalDate,
  fullDays: number,
): SeatLine | null {
  const daysBilled = daysInclusive(billedFrom, billedTo);
  if (daysBilled <= 0) return null;
  return { value, units, addedOn, removedOn, billedFrom, billedTo, daysBilled, proratedUnits: units.times(daysBilled).dividedBy(fullDays) };
}

function byBilledFrom(a: SeatLine, b: SeatLine): number {
  if (a.billedFrom !== b.billedFrom) return a.billedFrom < b.billedFrom ? -1 : 1;
  if (a.addedOn !== b.addedOn) return a.addedOn === null ? -1 : b.addedOn === null ? 1 : a.addedOn < b.addedOn ? -1 : 1;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** Σ units × days over the lines, divided once by D: the exact prorated units. */
function exactUnits(lines: readonly SeatLine[], fullDays: number): Dec {
  return lines.reduce((acc, l) => acc.plus(l.units.times(l.daysBilled)), ZERO).dividedBy(fullDays);
}

export function proratedUnits(
  metric: MetricDefinition,
  events: readonly UsageEvent[],
  window: AggregationWindow,
  opts: ProrationOptions = {},
): ProratedResult {
  validateWindow(window);
  assertMetric(metric);
  if (!metric.recurring) throw new RangeError('Only recurring metrics can be prorated');
  const field = requireField(metric);
  const span = billedSpan(window, opts);
  const { timezone, fullDays } = window;
  const selected = selectEvents(events, null, span.endMs, opts);
  const lines: SeatLine[] = [];
  let fullUnits: Dec;
  let exact: Dec;

  if (metric.aggregationType === 'sum_agg') {
    const valued = numericEvents(selected, field);
    const persisted = valued.filter((e) => e.event.timestamp < window.fromMs).reduce((acc, e) => acc.plus(e.value), ZERO);
    const persistedLine = persisted.isZero() ? null : line('persisted', persisted, null, null, span.first, span.last, fullDays);
    if (persistedLine) lines.push(persistedLine);
    for (const { event, value } of valued) {
      if (event.timestamp < window.fromMs) continue;
      const day = localDateOf(event.timestamp, timezone);
      const l = line(event.transactionId, value, day, null, day, span.last, fullDays);
      if (l) lines.push(l);
    }
    fullUnits = valued.reduce((acc, e) => acc.plus(e.value), ZERO);
    exact = Dec.max(exactUnits(lines, fullDays), ZERO);
  } else if (metric.aggregationType === 'unique_count_agg') {
    const stretches = seatStretches(selected, field);
    for (const stretch of stretches) {
      const addedOn = localDateOf(stretch.addedAtMs, timezone);
      const removedOn = stretch.removedAtMs === null ? null : localDateOf(stretch.removedAtMs, timezone);
      const billedFrom = maxLocalDate(addedOn, span.first);
      const billedTo = removedOn === null ? span.last : minLocalDate(removedOn, span.last);
      const l = line(stretch.value, new Dec(1), addedOn, removedOn, billedFrom, billedTo, fullDays);
      if (l) lines.push(l);
    }
    fullUnits = new Dec(activeCount(stretches));
    exact = exactUnits(lines, fullDays);
  } else {
    throw new RangeError(`${metric.aggregationType} cannot be prorated (sum_agg and unique_count_agg only)`);
  }

  return {
    units: applyRounding(ceil5(exact), metric),
    fullUnits: applyRounding(fullUnits, metric),
    breakdown: lines.sort(byBilledFrom),
  };
}

/**
 * Pay-in-advance prorated charges: one event's value billed from its day to the window's last
 * day, ceil5(value × days / D).
 */
export function proratedEventUnits(value: Dec, timestampMs: number, window: AggregationWindow): Dec {
  validateWindow(window);
  const days = Math.max(
    0,
    daysInclusive(localDateOf(timestampMs, window.timezone), localDateOf(window.toMs, window.timezone)),
  );
  return ceil5(value.times(days).dividedBy(window.fullDays));
}

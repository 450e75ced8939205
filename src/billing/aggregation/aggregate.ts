/** `aggregate`: one metric over one window's events → units (reference/lago-api.md §2). */
import { Dec } from '../money';
import type { UsageEvent } from '../types';
import { numericEvents, propertyText, requireField, selectEvents } from './events';
import { applyRounding } from './rounding';
import type { AggregationResult, AggregationWindow, EventSelection, MetricDefinition } from './types';
import { activeCount, seatStretches } from './unique-count';
import { weightedSum } from './weighted-sum';

const ZERO = new Dec(0);

export function validateWindow(window: AggregationWindow): void {
  if (!Number.isSafeInteger(window.fromMs) || !Number.isSafeInteger(window.toMs) || window.fromMs > window.toMs) {
    throw new RangeError(`Invalid aggregation window ${window.fromMs}..${window.toMs}`);
  }
  if (!Number.isInteger(window.fullDays) || window.fullDays <= 0) {
    throw new RangeError(`The full period must last a positive whole number of days, not ${window.fullDays}`);
  }
}

/** Lago rejects `recurring: true` for these (`not_compatible_with_aggregation_type`). */
const NEVER_RECURRING = new Set(['count_agg', 'max_agg', 'latest_agg']);

export function assertMetric(metric: MetricDefinition): void {
  if (metric.recurring && NEVER_RECURRING.has(metric.aggregationType)) {
    throw new RangeError(`${metric.aggregationType} cannot be recurring (not_compatible_with_aggregation_type)`);
  }
}

function unrounded(
  metric: MetricDefinition,
  events: readonly UsageEvent[],
  window: AggregationWindow,
  selection: EventSelection,
): AggregationResult {
  const lowerBound = metric.recurring ? null : window.fromMs;
  switch (metric.aggregationType) {
    case 'count_agg': {
      const selected = selectEvents(events, window.fromMs, window.toMs, selection);
      return { units: new Dec(selected.length), eventsCount: selected.length, eventValues: selected.map(() => new Dec(1)) };
    }
    case 'sum_agg':
    case 'max_agg':
    case 'latest_agg': {
      const selected = selectEvents(events, lowerBound, window.toMs, selection);
      const values = numericEvents(selected, requireField(metric)).map((e) => e.value);
      if (metric.aggregationType === 'sum_agg') {
        const units = values.reduce((acc, v) => acc.plus(v), ZERO);
        const preciseTotalAmountCents = selected.reduce((acc, e) => acc.plus(e.preciseTotalAmountCents ?? 0), ZERO);
        return { units, eventsCount: values.length, eventValues: values, preciseTotalAmountCents };
      }
      let units = ZERO;
      if (metric.aggregationType === 'max_agg') units = values.length > 0 ? Dec.max(...values) : ZERO;
      else units = Dec.max(values[values.length - 1] ?? ZERO, ZERO);
      return { units, eventsCount: values.length, eventValues: values };
    }
    case 'unique_count_agg': {
      const field = requireField(metric);
      const selected = selectEvents(events, lowerBound, window.toMs, selection);
      const stretches = seatStretches(selected, field);
      const counted = selected.filter((e) => propertyText(e.properties[field]) !== null);
      return { units: new Dec(activeCount(stretches)), eventsCount: counted.length, eventValues: [] };
    }
    case 'weighted_sum_agg': {
      if (metric.weightedInterval !== null && metric.weightedInterval !== 'seconds') {
        throw new RangeError(`Unknown weighted_interval ${String(metric.weightedInterval)}`);
      }
      const all = numericEvents(selectEvents(events, null, window.toMs, selection), requireField(metric));
      const before = all.filter((e) => e.event.timestamp < window.fromMs);
      const inWindow = all.filter((e) => e.event.timestamp >= window.fromMs);
      const initial = metric.recurring ? before.reduce((acc, e) => acc.plus(e.value), ZERO) : ZERO;
      const units = weightedSum(
        initial,
        inWindow.map((e) => ({ timestampMs: e.event.timestamp, value: e.value })),
        window,
      );
      return { units, eventsCount: inWindow.length, eventValues: inWindow.map((e) => e.value) };
    }
    default: {
      const unknown: never = metric.aggregationType;
      throw new RangeError(`Unknown aggregation type ${String(unknown)}`);
    }
  }
}

/**
 * Aggregates the events of one subscription and metric code over `window`. Events outside the
 * window (before `fromMs` unless recurring, after `toMs` always) and events the filter rejects
 * are ignored, as are events without a numeric field for numeric aggregations.
 */
export function aggregate(
  metric: MetricDefinition,
  events: readonly UsageEvent[],
  window: AggregationWindow,
  options: EventSelection = {},
): AggregationResult {
  validateWindow(window);
  assertMetric(metric);
  const result = unrounded(metric, events, window, options);
  return { ...result, units: applyRounding(result.units, metric) };
}

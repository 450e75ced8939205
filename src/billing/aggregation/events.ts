/** Event selection shared by every aggregation: window bounds, filters, order, field values. */
import { parseDecimal, type Dec } from '../money';
import type { UsageEvent } from '../types';
import type { EventSelection, MetricDefinition } from './types';

/** Total order on events: timestamp, then transaction id (code-unit order, SQL `COLLATE "C"`). */
export function compareEvents(a: UsageEvent, b: UsageEvent): number {
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  return a.transactionId < b.transactionId ? -1 : a.transactionId > b.transactionId ? 1 : 0;
}

/**
 * A property as text, the way filters and unique counts compare it: strings as they are, finite
 * numbers and booleans through `String()`; anything else (missing, null, objects) has no text.
 */
export function propertyText(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'boolean') return String(value);
  return null;
}

/**
 * The numeric value of `properties[field]`, or null when it is missing or not numeric: a finite
 * JSON number, or a plain decimal string (`"-12.5"`, no exponent, no blanks).
 */
export function numericProperty(event: UsageEvent, field: string): Dec | null {
  const raw = event.properties[field];
  if (typeof raw !== 'number' && typeof raw !== 'string') return null;
  try {
    return parseDecimal(raw, { allowNegative: true });
  } catch {
    return null;
  }
}

function matchesAll(event: UsageEvent, filter: Record<string, string[]>): boolean {
  return Object.entries(filter).every(([key, values]) => {
    const text = propertyText(event.properties[key]);
    return text !== null && values.includes(text);
  });
}

function inGroup(event: UsageEvent, group: Record<string, string | null>): boolean {
  return Object.entries(group).every(([key, value]) => propertyText(event.properties[key]) === value);
}

export function matchesSelection(event: UsageEvent, selection: EventSelection): boolean {
  if (selection.filter && !matchesAll(event, selection.filter)) return false;
  if (selection.group && !inGroup(event, selection.group)) return false;
  return !(selection.ignoredFilters ?? []).some((ignored) => matchesAll(event, ignored));
}

/** Events up to `toMs` (and from `fromMs` unless null) that the selection takes, sorted. */
export function selectEvents(
  events: readonly UsageEvent[],
  fromMs: number | null,
  toMs: number,
  selection: EventSelection,
): UsageEvent[] {
  return events
    .filter((e) => e.timestamp <= toMs && (fromMs === null || e.timestamp >= fromMs) && matchesSelection(e, selection))
    .sort(compareEvents);
}

/** The field a non-count aggregation reads; a metric without one is a definition error. */
export function requireField(metric: MetricDefinition): string {
  if (metric.fieldName === null || metric.fieldName === '') {
    throw new RangeError(`${metric.aggregationType} needs a field_name`);
  }
  return metric.fieldName;
}

/** Events paired with their numeric field value, events without one dropped. */
export function numericEvents(events: readonly UsageEvent[], field: string): { event: UsageEvent; value: Dec }[] {
  const out: { event: UsageEvent; value: Dec }[] = [];
  for (const event of events) {
    const value = numericProperty(event, field);
    if (value !== null) out.push({ event, value });
  }
  return out;
}

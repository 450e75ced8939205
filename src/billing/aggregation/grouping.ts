/**
 * Pricing groups (Lago's `pricing_group_keys`, formerly `grouped_by`): a charge with group keys is
 * priced once per distinct tuple of those event properties, each group on its own (a graduated
 * charge's tiers restart in every group).
 *
 * - An event's value for a key is the property's text (`propertyText`: strings as they are,
 *   finite numbers and booleans through `String()`); an event without one (missing, null, an
 *   object) is in the group whose value for that key is null, as Lago's `grouped_by` shows it.
 * - The groups of a window are the distinct tuples among the events the aggregation reads there:
 *   those of the window that the selection takes, all history up to `toMs` for a recurring metric.
 *   A group's units are then the ungrouped aggregation of its own events (`selection.group`).
 * - Groups come in a total order: key by key, null first, then texts by code unit (SQL's
 *   `COLLATE "C"` order, which the SQL twin reproduces by sorting with `compareGroups`).
 */
import type { UsageEvent } from '../types';
import { aggregate } from './aggregate';
import { propertyText, selectEvents } from './events';
import type { AggregationResult, AggregationWindow, EventSelection, GroupValues, MetricDefinition } from './types';

/** The event's group for `keys`. */
export function groupValuesOf(event: UsageEvent, keys: readonly string[]): GroupValues {
  return Object.fromEntries(keys.map((key) => [key, propertyText(event.properties[key])]));
}

function compareText(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

/** Key by key in `keys` order: null first, then by code unit. */
export function compareGroups(a: GroupValues, b: GroupValues, keys: readonly string[]): number {
  for (const key of keys) {
    const order = compareText(a[key] ?? null, b[key] ?? null);
    if (order !== 0) return order;
  }
  return 0;
}

/** A group as one string (its values in `keys` order): distinct groups have distinct identities. */
export function groupIdentity(group: GroupValues, keys: readonly string[]): string {
  return JSON.stringify(keys.map((key) => group[key] ?? null));
}

/** The distinct groups of `events`, in `compareGroups` order. */
export function distinctGroups(events: readonly UsageEvent[], keys: readonly string[]): GroupValues[] {
  const seen = new Map<string, GroupValues>();
  for (const event of events) {
    const group = groupValuesOf(event, keys);
    const identity = groupIdentity(group, keys);
    if (!seen.has(identity)) seen.set(identity, group);
  }
  return [...seen.values()].sort((a, b) => compareGroups(a, b, keys));
}

/** Group keys must be distinct non-empty strings. */
export function assertGroupKeys(keys: readonly string[]): void {
  if (keys.length === 0 || keys.some((key) => typeof key !== 'string' || key === '') || new Set(keys).size !== keys.length) {
    throw new RangeError(`Invalid pricing group keys ${JSON.stringify(keys)}`);
  }
}

/** The groups a metric's aggregation finds in the window (see the rules above). */
export function groupsInWindow(
  metric: MetricDefinition,
  events: readonly UsageEvent[],
  window: Pick<AggregationWindow, 'fromMs' | 'toMs'>,
  selection: EventSelection,
  keys: readonly string[],
): GroupValues[] {
  assertGroupKeys(keys);
  return distinctGroups(selectEvents(events, metric.recurring ? null : window.fromMs, window.toMs, selection), keys);
}

export interface GroupResult {
  group: GroupValues;
  result: AggregationResult;
}

/** `aggregate` once per group of the window, in group order (no events: no groups). */
export function aggregateGroups(
  metric: MetricDefinition,
  events: readonly UsageEvent[],
  window: AggregationWindow,
  selection: EventSelection,
  keys: readonly string[],
): GroupResult[] {
  return groupsInWindow(metric, events, window, selection, keys).map((group) => ({ group, result: aggregate(metric, events, window, { ...selection, group }) }));
}

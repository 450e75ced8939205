/**
 * unique_count_agg: distinct values of the field, with `operation_type` add (default) | remove.
 * Per value, operations collapse: an add while active and a remove while inactive count for
 * nothing. So a value is active or not, never "twice" or "minus once", and the count of active
 * values can never be negative.
 */
import type { UsageEvent } from '../types';
import { propertyText } from './events';

/** One stretch during which a value was active: from an add to the remove that ended it. */
export interface SeatStretch {
  value: string;
  addedAtMs: number;
  /** The remove's instant, or null while the value is still active at the end of the events. */
  removedAtMs: number | null;
}

export function isRemove(event: UsageEvent): boolean {
  return event.properties.operation_type === 'remove';
}

/** Events sorted by `compareEvents` → the active stretches of every value, in add order. */
export function seatStretches(sortedEvents: readonly UsageEvent[], field: string): SeatStretch[] {
  const stretches: SeatStretch[] = [];
  const open = new Map<string, SeatStretch>();
  for (const event of sortedEvents) {
    const value = propertyText(event.properties[field]);
    if (value === null) continue;
    const active = open.get(value);
    if (isRemove(event)) {
      if (active) {
        active.removedAtMs = event.timestamp;
        open.delete(value);
      }
    } else if (!active) {
      const stretch: SeatStretch = { value, addedAtMs: event.timestamp, removedAtMs: null };
      stretches.push(stretch);
      open.set(value, stretch);
    }
  }
  return stretches;
}

/** Number of values active after the last event. */
export function activeCount(stretches: readonly SeatStretch[]): number {
  return stretches.filter((s) => s.removedAtMs === null).length;
}

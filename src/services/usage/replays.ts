/**
 * A transaction id is an idempotency key: the same id with the same content is a replay (one
 * event), with other content a conflict. "Same" means same code, subscription, properties (as JSON
 * values: key order does not matter) and precise amount, and the same instant when the replay
 * carries a timestamp (a replay without one matches any instant: its default "now" necessarily
 * differs).
 */
import type { EventRow } from '../../db/events';
import { Dec } from '../../billing/money';
import type { EventInput } from './event-input';

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => sameJson(item, other[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((k) => Object.hasOwn(right, k) && sameJson(left[k], right[k]));
}

function samePrecise(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return new Dec(a).equals(new Dec(b));
}

/** Whether `input` is an exact replay of the stored `row`. */
export function isReplayOf(input: EventInput, row: EventRow): boolean {
  return (
    row.code === input.code &&
    row.external_subscription_id === input.externalSubscriptionId &&
    (input.timestampMs === undefined || row.timestamp.getTime() === input.timestampMs) &&
    sameJson(row.properties, input.properties) &&
    samePrecise(row.precise_total_amount_cents, input.preciseTotalAmountCents)
  );
}

/** Whether two events of one batch, received at `receivedAtMs`, are the same event. */
export function sameEvent(a: EventInput, b: EventInput, receivedAtMs: number): boolean {
  return (
    a.code === b.code &&
    a.externalSubscriptionId === b.externalSubscriptionId &&
    (a.timestampMs ?? receivedAtMs) === (b.timestampMs ?? receivedAtMs) &&
    sameJson(a.properties, b.properties) &&
    samePrecise(a.preciseTotalAmountCents, b.preciseTotalAmountCents)
  );
}

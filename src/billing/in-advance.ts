/**
 * Pay-in-advance charges (reference §3): an event is priced the moment it arrives, as the charge's
 * amount with it minus the amount without it, over the charges period that contains it.
 */
import { aggregate, type AggregationWindow, type MetricDefinition } from './aggregation';
import { chargeFeeCents, priceInAdvanceEvent, type ChargePropertiesByModel, type ChargeResult, type ChargeUsage, type FeeCents } from './charge-models';
import type { Dec } from './money';
import type { ChargeModelName, UsageEvent } from './types';

export interface InAdvanceEventInput<M extends ChargeModelName> {
  model: M;
  properties: ChargePropertiesByModel[M];
  metric: MetricDefinition;
  /** The window's events up to the billed one, in (timestamp, transaction id) order; the billed event last. */
  events: readonly UsageEvent[];
  window: AggregationWindow;
  currency: string;
}

export interface InAdvanceEventPrice {
  /** Units the event added (after − before). */
  units: Dec;
  result: ChargeResult;
  fee: FeeCents;
}

function usageOf(metric: MetricDefinition, events: readonly UsageEvent[], window: AggregationWindow): ChargeUsage {
  const { units, eventsCount, eventValues } = aggregate(metric, events, window);
  return { units, eventsCount, eventValues };
}

export function priceEventInAdvance<M extends ChargeModelName>(input: InAdvanceEventInput<M>): InAdvanceEventPrice {
  if (input.events.length === 0) throw new RangeError('The billed event must be the last of the events');
  const before = usageOf(input.metric, input.events.slice(0, -1), input.window);
  const after = usageOf(input.metric, input.events, input.window);
  const result = priceInAdvanceEvent(input.model, input.properties, before, after);
  return { units: after.units.minus(before.units), result, fee: chargeFeeCents(result, input.currency) };
}

/**
 * The charge-model registry and its public functions: parse properties, price usage, price one
 * pay-in-advance event, and turn a price into fee cents (rounded once). See README.md.
 */
import { CHARGE_MODELS, type ChargeModelName } from '../types';
import { type Cents, type Dec, majorToPreciseCents, roundCents } from '../money';
import { amountPerUnit, isRecord, ZERO } from './fields';
import { graduated } from './graduated';
import { graduatedPercentage } from './graduated-percentage';
import { packageModel } from './package';
import { percentage } from './percentage';
import { standard } from './standard';
import {
  ChargePropertiesError,
  ErrorCollector,
  type ChargeModel,
  type ChargePropertiesByModel,
  type ChargeResult,
  type ChargeUsage,
  type ZeroedDetails,
} from './types';
import { volume } from './volume';
import { dynamic } from './dynamic';

export * from './types';

const MODELS: { [M in ChargeModelName]: ChargeModel<ChargePropertiesByModel[M]> } = {
  standard,
  package: packageModel,
  graduated,
  volume,
  percentage,
  graduated_percentage: graduatedPercentage,
  dynamic,
};

/** Validates raw `properties` for a model; throws ChargePropertiesError with Lago's codes. */
export function parseChargeProperties<M extends ChargeModelName>(model: M, raw: unknown): ChargePropertiesByModel[M] {
  if (!CHARGE_MODELS.includes(model)) throw new ChargePropertiesError({ charge_model: ['value_is_invalid'] });
  if (raw !== undefined && raw !== null && !isRecord(raw)) {
    throw new ChargePropertiesError({ properties: ['value_is_invalid'] });
  }
  const errors = new ErrorCollector();
  const properties = MODELS[model].parse(raw ?? {}, errors);
  if (!properties || !errors.isEmpty) throw new ChargePropertiesError(errors.details);
  return properties;
}

/** Whether a charge with this model may be paid in advance (all but volume). */
export function supportsPayInAdvance(model: ChargeModelName): boolean {
  return MODELS[model].payInAdvance;
}

function zeroed(model: ChargeModelName, reason: ZeroedDetails['reason']): ChargeResult {
  return { amount: ZERO, unitAmount: ZERO, details: { kind: 'zeroed', charge_model: model, reason } };
}

/** Prices a period's usage; negative units or a negative amount bill zero (Lago). */
export function priceCharge<M extends ChargeModelName>(
  model: M,
  properties: ChargePropertiesByModel[M],
  usage: ChargeUsage,
): ChargeResult {
  if (usage.units.lt(0) || usage.fullUnits?.lt(0)) return zeroed(model, 'negative_units');
  const result = MODELS[model].price(properties, usage);
  return result.amount.lt(0) ? zeroed(model, 'negative_amount') : result;
}

/**
 * Prices one pay-in-advance event: amount(all events including it) − amount(all before it),
 * never below zero. With nothing before (no event, no units carried over), the "before" amount
 * is zero rather than the model's zero-usage price, so a first tier's flat is billed with the
 * first event and a period's in-advance fees add up to the price of its whole usage. `details`
 * describe the usage after the event.
 */
export function priceInAdvanceEvent<M extends ChargeModelName>(
  model: M,
  properties: ChargePropertiesByModel[M],
  before: ChargeUsage,
  after: ChargeUsage,
): ChargeResult {
  if (!supportsPayInAdvance(model)) throw new RangeError(`A ${model} charge cannot be paid in advance`);
  const including = priceCharge(model, properties, after);
  const nothingBefore = before.eventsCount === 0 && before.units.isZero();
  const excluding = nothingBefore ? ZERO : priceCharge(model, properties, before).amount;
  const difference = including.amount.minus(excluding);
  const amount = difference.gt(0) ? difference : ZERO;
  return { amount, unitAmount: amountPerUnit(amount, after.units.minus(before.units)), details: including.details };
}

export interface FeeCents {
  /** Rounded once, half away from zero, to the currency's ISO 4217 exponent. */
  amountCents: Cents;
  /** The unrounded amount in minor units (Lago's `precise_amount_cents`). */
  preciseAmountCents: Dec;
}

/** A charge's price in the fee's minor units: 16.7661 EUR → 1677 cents (1676.61 precise). */
export function chargeFeeCents(result: Pick<ChargeResult, 'amount'>, currency: string): FeeCents {
  const preciseAmountCents = majorToPreciseCents(result.amount, currency);
  return { amountCents: roundCents(preciseAmountCents), preciseAmountCents };
}
export { groupKeysProblems, presentationGroupKeysOf, pricingGroupKeysOf, type PresentationGroupKey } from './group-keys';
export { amountPerUnit as amountPerUnitOf } from './fields';

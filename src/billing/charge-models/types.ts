/**
 * Charge models: shared vocabulary. Every model implements the same three things Lago's do —
 * the amount, the unit amount and a printable breakdown — from one usage input (README.md).
 */
import type { Dec } from '../money';
import type { ChargeModelName } from '../types';

/** What aggregation measured for one charge (or one filter/group of it) over a period. */
export interface ChargeUsage {
  /** Aggregated units; for prorated charges, the prorated units. */
  units: Dec;
  /** Unprorated units: volume picks its tier and graduated its flats with these when prorated. */
  fullUnits?: Dec;
  /** Each event's (unprorated) value in timestamp order: percentage free units and min/max. */
  eventValues?: Dec[];
  /** Each event's prorated value, paired with `eventValues`: prorated graduated tiers. */
  proratedEventValues?: Dec[];
  eventsCount: number;
  /**
   * Dynamic model: Σ of the events' `precise_total_amount_cents`, in major units (the caller
   * divides by the currency's subunit): the price the events carry.
   */
  preciseTotalAmount?: Dec;
}

/** A priced charge in major units, unrounded: rounding happens once, at the fee. */
export interface ChargeResult {
  amount: Dec;
  unitAmount: Dec;
  details: AmountDetails;
}

/** A decimal serialized in plain notation (`toDecimalString`). */
export type DecimalString = string;

export interface StandardDetails {
  kind: 'standard';
  units: DecimalString;
  per_unit_amount: DecimalString;
  per_unit_total_amount: DecimalString;
}

export interface PackageDetails {
  kind: 'package';
  units: DecimalString;
  free_units: DecimalString;
  paid_units: DecimalString;
  paid_packages: DecimalString;
  per_package_size: DecimalString;
  per_package_unit_amount: DecimalString;
}

interface TierDetails {
  from_value: DecimalString;
  to_value: DecimalString | null;
  units: DecimalString;
  flat_amount: DecimalString;
  per_unit_total_amount: DecimalString;
  total: DecimalString;
}

export interface GraduatedTierDetails extends TierDetails {
  per_unit_amount: DecimalString;
}

export interface GraduatedPercentageTierDetails extends TierDetails {
  rate: DecimalString;
}

export interface GraduatedDetails {
  kind: 'graduated';
  graduated_ranges: GraduatedTierDetails[];
}

export interface GraduatedPercentageDetails {
  kind: 'graduated_percentage';
  graduated_percentage_ranges: GraduatedPercentageTierDetails[];
}

export interface VolumeDetails {
  kind: 'volume';
  from_value: DecimalString;
  to_value: DecimalString | null;
  units: DecimalString;
  flat_unit_amount: DecimalString;
  per_unit_amount: DecimalString;
  per_unit_total_amount: DecimalString;
}

export interface PercentageDetails {
  kind: 'percentage';
  units: DecimalString;
  free_units: DecimalString;
  paid_units: DecimalString;
  free_events: number;
  paid_events: number;
  rate: DecimalString;
  fixed_fee_unit_amount: DecimalString;
  fixed_fee_total_amount: DecimalString;
  per_unit_total_amount: DecimalString;
  per_transaction_min_amount: DecimalString | null;
  per_transaction_max_amount: DecimalString | null;
  /** What the per-transaction min/max added (positive) or removed (negative). */
  min_max_adjustment_total_amount: DecimalString;
}

export interface DynamicDetails {
  kind: 'dynamic';
  units: DecimalString;
  /** Σ of the events' prices, in major units. */
  precise_total_amount: DecimalString;
}

/** The sum of a grouped charge's groups (each priced and billed as its own fee, with its own details). */
export interface GroupedDetails {
  kind: 'grouped';
  charge_model: ChargeModelName;
  groups: number;
}

/** Negative usage (or a negative computed amount) is billed as zero, as Lago does. */
export interface ZeroedDetails {
  kind: 'zeroed';
  charge_model: ChargeModelName;
  reason: 'negative_units' | 'negative_amount';
}

export type AmountDetails =
  | StandardDetails
  | PackageDetails
  | GraduatedDetails
  | GraduatedPercentageDetails
  | VolumeDetails
  | PercentageDetails
  | DynamicDetails
  | GroupedDetails
  | ZeroedDetails;

/** Tier bounds as given, plus the effective lower bound: a tier covers (lowerBound, toValue]. */
export interface TierBounds {
  fromValue: Dec;
  toValue: Dec | null;
  /** 0 for the first tier, the previous tier's `toValue` for the others (both conventions). */
  lowerBound: Dec;
}

export interface StandardProperties {
  amount: Dec;
}

export interface PackageProperties {
  amount: Dec;
  packageSize: Dec;
  freeUnits: Dec;
}

export interface GraduatedTier extends TierBounds {
  perUnitAmount: Dec;
  flatAmount: Dec;
}

export interface GraduatedProperties {
  graduatedRanges: GraduatedTier[];
}

export interface VolumeProperties {
  volumeRanges: GraduatedTier[];
}

export interface GraduatedPercentageTier extends TierBounds {
  /** Percent: "1" is 1 %. */
  rate: Dec;
  flatAmount: Dec;
}

export interface GraduatedPercentageProperties {
  graduatedPercentageRanges: GraduatedPercentageTier[];
}

export interface PercentageProperties {
  /** Percent: "1.3" is 1.3 %. */
  rate: Dec;
  fixedAmount: Dec | null;
  freeUnitsPerEvents: number | null;
  freeUnitsPerTotalAggregation: Dec | null;
  perTransactionMinAmount: Dec | null;
  perTransactionMaxAmount: Dec | null;
}

/** The dynamic model has no properties of its own: the events carry their prices. */
export type DynamicProperties = Record<string, never>;

export interface ChargePropertiesByModel {
  standard: StandardProperties;
  package: PackageProperties;
  graduated: GraduatedProperties;
  volume: VolumeProperties;
  percentage: PercentageProperties;
  graduated_percentage: GraduatedPercentageProperties;
  dynamic: DynamicProperties;
}

export type ChargeProperties<M extends ChargeModelName = ChargeModelName> = ChargePropertiesByModel[M];

/** Lago-style validation details: `{ graduated_ranges: ['invalid_graduated_ranges'] }`. */
export type ErrorDetails = Record<string, string[]>;

export class ChargePropertiesError extends Error {
  readonly code = 'validation_errors';

  constructor(readonly details: ErrorDetails) {
    super(`Invalid charge properties: ${JSON.stringify(details)}`);
    this.name = 'ChargePropertiesError';
  }
}

/** Raw `properties` as received on the wire. */
export type RawProperties = Record<string, unknown>;

/** One charge model: parse its properties, price usage with them. */
export interface ChargeModel<P> {
  /** Whether a charge with this model may be paid in advance (volume may not). */
  readonly payInAdvance: boolean;
  /** Reads the properties, recording every problem in `errors`; undefined when any was found. */
  parse(raw: RawProperties, errors: ErrorCollector): P | undefined;
  /** Prices non-negative usage; the registry handles negative usage. */
  price(properties: P, usage: ChargeUsage): ChargeResult;
}

/** Accumulates `{ field: [codes] }` without duplicates. */
export class ErrorCollector {
  readonly details: ErrorDetails = {};

  add(field: string, code: string): void {
    const codes = (this.details[field] ??= []);
    if (!codes.includes(code)) codes.push(code);
  }

  get isEmpty(): boolean {
    return Object.keys(this.details).length === 0;
  }
}

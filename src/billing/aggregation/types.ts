/**
 * Types of the reference aggregation (README.md in this folder states its invariants).
 *
 * The functions in this folder are the oracle a SQL implementation must match exactly: they take
 * the events already selected for one subscription and one metric code, in any order, and apply
 * Lago's aggregation rules (reference/lago-api.md §2) to them in memory.
 */
import type { LocalDate } from '../calendar';
import type { Dec } from '../money';
import type { AggregationType } from '../types';

export type RoundingFunction = 'round' | 'ceil' | 'floor';

/** A billable metric as the aggregation sees it (Lago's field names, camel-cased). */
export interface MetricDefinition {
  aggregationType: AggregationType;
  /** The property aggregated; ignored by `count_agg`, required by every other type. */
  fieldName: string | null;
  /** Carries state across periods: the window's lower bound is dropped (all history up to `to`). */
  recurring: boolean;
  roundingFunction: RoundingFunction | null;
  /** Digits kept by `roundingFunction` (may be negative: −1 rounds to tens); null means 0. */
  roundingPrecision: number | null;
  /** Only `seconds` exists (weighted sum); null means seconds. */
  weightedInterval: 'seconds' | null;
  /** The filter keys and values a charge may select on. Declarative: not applied by itself. */
  filters?: { key: string; values: string[] }[];
}

/** The charges period being aggregated. */
export interface AggregationWindow {
  /** First instant of the window (charges_from_datetime), inclusive. */
  fromMs: number;
  /** Last instant of the window (charges_to_datetime, e.g. 23:59:59.999 local), inclusive. */
  toMs: number;
  /** The customer's applicable timezone: day counts use calendar dates there. */
  timezone: string;
  /** D: the full billing period's length in days (not truncated by a mid-period start or end). */
  fullDays: number;
}

/** Which events a charge (or one of its filters) takes. */
export interface EventSelection {
  /** A charge filter: an event matches when, for every key, `String(properties[key])` ∈ values. */
  filter?: Record<string, string[]>;
  /**
   * The charge's other filters, for its default bucket: an event matching any of these is left out.
   */
  ignoredFilters?: Record<string, string[]>[];
  /**
   * One pricing group: an event belongs when, for every key, its property's text equals the value
   * (null: the property has no text — missing, null, an object). See `grouping.ts`.
   */
  group?: GroupValues;
}

/** A pricing group's values, by key (`{"model": "gpt-4", "kind": null}`): Lago's `grouped_by`. */
export type GroupValues = Record<string, string | null>;

export interface AggregationResult {
  /** The aggregated units, after the metric's rounding function. */
  units: Dec;
  /** Events the aggregation took into account (see README: the whole history when recurring). */
  eventsCount: number;
  /** Per event, in (timestamp, transaction id) order: its numeric value (1 for count_agg). */
  eventValues: Dec[];
  /**
   * `sum_agg` only: Σ of `precise_total_amount_cents` over the events the sum selects (its window
   * and selection, every event whether or not its field is numeric; a missing price counts 0),
   * in minor units, unrounded: what a dynamic charge bills.
   */
  preciseTotalAmountCents?: Dec;
}

export interface ProrationOptions extends EventSelection {
  /** The subscription ended in the window at this instant: days after it are not billed. */
  terminatedAtMs?: number;
  /** The termination was an upgrade: its day is billed on the new plan, so one day less here. */
  upgraded?: boolean;
}

/**
 * One line of a prorated charge's history, to print on the invoice. For `unique_count_agg` a line
 * is one active stretch of one seat; for `sum_agg` it is one event of the window, plus one line
 * (value `persisted`) for the balance carried in from before the window.
 */
export interface SeatLine {
  /** The seat id (field value) for unique count; the transaction id (or `persisted`) for sum. */
  value: string;
  /** Units the line stands for: 1 per seat, the event's value for sum. */
  units: Dec;
  /** Calendar date of the add (or of the event); null for the carried-in balance. */
  addedOn: LocalDate | null;
  /** Calendar date of the remove that ended the stretch, or null while still active. */
  removedOn: LocalDate | null;
  /** First and last billed calendar days, inclusive. */
  billedFrom: LocalDate;
  billedTo: LocalDate;
  daysBilled: number;
  /** units × daysBilled / D, exact (unrounded). */
  proratedUnits: Dec;
}

export interface ProratedResult {
  /** Prorated units, ceiled to 5 decimals (then the metric's rounding function): what is priced. */
  units: Dec;
  /** Unprorated units at the end of the billed window: what the fee shows as `units`. */
  fullUnits: Dec;
  breakdown: SeatLine[];
}

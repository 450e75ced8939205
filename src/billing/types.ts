/** The billing core's shared vocabulary (Lago's names, DESIGN.md §5). */
import type { LocalDate } from './calendar';

export type Interval = 'weekly' | 'monthly' | 'quarterly' | 'semiannual' | 'yearly';
export const INTERVALS: readonly Interval[] = ['weekly', 'monthly', 'quarterly', 'semiannual', 'yearly'];

export type BillingTime = 'calendar' | 'anniversary';
export const BILLING_TIMES: readonly BillingTime[] = ['calendar', 'anniversary'];

export type AggregationType =
  | 'count_agg'
  | 'sum_agg'
  | 'max_agg'
  | 'unique_count_agg'
  | 'latest_agg'
  | 'weighted_sum_agg';
export const AGGREGATION_TYPES: readonly AggregationType[] = [
  'count_agg',
  'sum_agg',
  'max_agg',
  'unique_count_agg',
  'latest_agg',
  'weighted_sum_agg',
];

export type ChargeModelName = 'standard' | 'graduated' | 'volume' | 'package' | 'percentage' | 'graduated_percentage' | 'dynamic';
export const CHARGE_MODELS: readonly ChargeModelName[] = [
  'standard',
  'graduated',
  'volume',
  'package',
  'percentage',
  'graduated_percentage',
  'dynamic',
];

/** A usage event as the core sees it: the instant in epoch milliseconds and its properties. */
export interface UsageEvent {
  transactionId: string;
  timestamp: number;
  properties: Record<string, unknown>;
  /** The price the event carries, in minor units (a decimal string), for the dynamic charge model; absent or null: none. */
  preciseTotalAmountCents?: string | null;
}

/** A half-open instant range [fromMs, toMs] (inclusive end, as Lago's 23:59:59.999 period ends). */
export interface InstantRange {
  fromMs: number;
  toMs: number;
}

/** A span of calendar dates in the customer's timezone, both ends inclusive. */
export interface DateSpan {
  startDate: LocalDate;
  endDate: LocalDate;
}

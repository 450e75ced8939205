/**
 * Fixed charges (Lago's `fixed_charges`, issue 16 point 5): a quantity-priced recurring fee on an
 * add-on (a platform fee, seats set by API), priced by the standard, graduated or volume model on
 * its units. Pure rules, no I/O:
 *
 * - Units history. A subscription's units of a fixed charge are a history of entries (Lago's fixed
 *   charge events): `units` in force from `effectiveAt` on, in the order they were recorded. On a
 *   day, the units in force are those of the latest recorded entry whose effective day is on or
 *   before it (a later entry with an earlier day supersedes an earlier one with a later day, as
 *   Lago ignores an event created before another with an earlier timestamp).
 * - Prorated (`prorated: true`), Lago's ProratedAggregationService: the priced units are
 *   Σ units(day) / D over the days the window bills, D the whole period's days. 10 seats for 15
 *   days then 15 seats for 15 days of a 30-day month: 10 × 15/30 + 15 × 15/30 = 12.5 units.
 * - Not prorated, Lago's SimpleAggregationService: the units in force on the window's last day,
 *   priced in full.
 * - In arrears: billed at the end of the fixed-charge period for its days (clamped to the start and
 *   the end of the subscription). In advance: billed at the period's start for the units in force
 *   then (prorated over the days left when the period is partial and the charge prorated); an
 *   increase applied mid-period is billed at once for the difference with the units already billed
 *   for the period, prorated over the days left (`days from the change to the period end / D`) when
 *   the charge is prorated (Lago's BuildPayInAdvanceFixedChargeService); a decrease bills nothing
 *   and refunds nothing.
 * - Periods: the plan's, or monthly with `bill_fixed_charges_monthly` on a yearly or semiannual
 *   plan (`fixedChargesSchedule`). Fixed charges are not affected by the plan's trial.
 */
import { addDays, daysInclusive, localDateOf, maxLocalDate, minLocalDate, type LocalDate } from './calendar';
import { chargeFeeCents, priceCharge, type ChargeResult, type GraduatedProperties, type StandardProperties, type VolumeProperties } from './charge-models';
import { currencyExponent, Dec as Decimal, roundCents, type Cents, type Dec } from './money';
import { fixedChargesSchedule, isPeriodStart, periodContaining, type Period, type SubscriptionTerms, type TerminationReason } from './periods';
import type { FeeLine, TaxRate } from './fee-lines';

export const FIXED_CHARGE_MODELS = ['standard', 'graduated', 'volume'] as const;
export type FixedChargeModel = (typeof FIXED_CHARGE_MODELS)[number];

export type FixedChargeProperties = StandardProperties | GraduatedProperties | VolumeProperties;

/** One entry of a units history: `units` from `effectiveAtMs` on; `seq` is the order it was recorded in. */
export interface UnitsEntry {
  units: Dec;
  effectiveAtMs: number;
  seq: number;
}

/** The days of a fixed-charge period one fee bills: `startDate`…`endDate` of `period`, inclusive. */
export interface FixedChargesWindow {
  period: Period;
  startDate: LocalDate;
  endDate: LocalDate;
  fromMs: number;
  toMs: number;
}

/** What a subscription invoice bills of fixed charges: the closed period (arrears) and the opening one (advance). */
export interface FixedChargesScope {
  arrears: FixedChargesWindow | null;
  advance: FixedChargesWindow | null;
}

// ---- units over a window ------------------------------------------------------------------------

/** The units in force on `day` (in `timezone`): the latest recorded entry effective on or before it; 0 without one. */
export function unitsOn(history: readonly UnitsEntry[], day: LocalDate, timezone: string): Dec {
  let found: UnitsEntry | null = null;
  for (const entry of history) {
    if (localDateOf(entry.effectiveAtMs, timezone) > day) continue;
    if (found === null || entry.seq > found.seq) found = entry;
  }
  return found ? found.units : new Decimal(0);
}

export interface WindowUnits {
  /** The units priced: prorated by day for a prorated charge, else the last day's. */
  units: Dec;
  /** The units in force on the window's last day (volume picks its tier with them). */
  fullUnits: Dec;
  /** Each stretch of equal units, for the fee's details. */
  stretches: { fromDate: LocalDate; toDate: LocalDate; units: string; days: number }[];
}

/** The units a fee bills over `window` (see the header): Σ units(day) / D when prorated, else the last day's. */
export function unitsOverWindow(history: readonly UnitsEntry[], window: Pick<FixedChargesWindow, 'startDate' | 'endDate' | 'period'>, timezone: string, prorated: boolean): WindowUnits {
  const stretches: WindowUnits['stretches'] = [];
  let dayUnits = new Decimal(0);
  for (let day = window.startDate; day <= window.endDate; day = addDays(day, 1)) {
    const units = unitsOn(history, day, timezone);
    dayUnits = dayUnits.plus(units);
    const last = stretches[stretches.length - 1];
    if (last && last.units === units.toFixed()) {
      last.toDate = day;
      last.days += 1;
    } else stretches.push({ fromDate: day, toDate: day, units: units.toFixed(), days: 1 });
  }
  const fullUnits = window.startDate <= window.endDate ? unitsOn(history, window.endDate, timezone) : new Decimal(0);
  return { units: prorated ? dayUnits.dividedBy(window.period.fullDays) : fullUnits, fullUnits, stretches };
}

// ---- pricing ------------------------------------------------------------------------------------

export interface FixedChargePrice {
  result: ChargeResult;
  amountCents: Cents;
  preciseAmountCents: Dec;
}

/** Prices `units` (already prorated) with the fixed charge's model; rounded once, at the fee. */
export function priceFixedCharge(model: FixedChargeModel, properties: FixedChargeProperties, units: Dec, fullUnits: Dec, currency: string): FixedChargePrice {
  const result = priceCharge(model, properties as never, { units, fullUnits, eventsCount: 0 });
  return { result, ...chargeFeeCents(result, currency) };
}

/**
 * The units an in-advance increase bills at once: the new units less those already billed for the
 * period, never below zero (a decrease bills nothing and refunds nothing), and the proration
 * factor over the days left: `days(change day … period end) / D` when prorated, else 1.
 */
export function inAdvanceIncrease(input: {
  newUnits: Dec;
  billedUnits: Dec;
  changeDay: LocalDate;
  period: Period;
  prorated: boolean;
}): { deltaUnits: Dec; pricedUnits: Dec; days: number } {
  const delta = input.newUnits.minus(input.billedUnits);
  const deltaUnits = delta.gt(0) ? delta : new Decimal(0);
  const days = daysInclusive(maxLocalDate(input.changeDay, input.period.startDate), input.period.endDate);
  const pricedUnits = input.prorated ? deltaUnits.times(days).dividedBy(input.period.fullDays) : deltaUnits;
  return { deltaUnits, pricedUnits, days };
}

// ---- what an invoice bills ----------------------------------------------------------------------

function clampedWindow(terms: SubscriptionTerms, period: Period, lastDay: LocalDate, toMs: number): FixedChargesWindow | null {
  const tz = terms.schedule.timezone;
  const start = localDateOf(terms.startedAt, tz);
  const startDate = maxLocalDate(period.startDate, start);
  const endDate = minLocalDate(period.endDate, lastDay);
  if (startDate > endDate) return null;
  return { period, startDate, endDate, fromMs: Math.max(period.fromMs, terms.startedAt), toMs };
}

function endingDay(terms: SubscriptionTerms): LocalDate | null {
  return terms.endingAt === null ? null : localDateOf(terms.endingAt, terms.schedule.timezone);
}

/** The advance window of the fixed-charge period containing `day`, clamped to the start and the ending. */
function advanceWindow(terms: SubscriptionTerms, day: LocalDate): FixedChargesWindow | null {
  const period = periodContaining(fixedChargesSchedule(terms), day);
  const ending = endingDay(terms);
  const lastDay = ending === null ? period.endDate : minLocalDate(period.endDate, ending);
  const toMs = terms.endingAt === null ? period.toMs : Math.min(period.toMs, terms.endingAt);
  return clampedWindow(terms, period, lastDay, toMs);
}

/** The subscription's first invoice: the opening fixed-charge period, billed in advance. */
export function startingFixedChargesScope(terms: SubscriptionTerms): FixedChargesScope {
  return { arrears: null, advance: advanceWindow(terms, localDateOf(terms.startedAt, terms.schedule.timezone)) };
}

/**
 * The invoice of billing date `billingDate`: on a fixed-charge period start, the closed period in
 * arrears and the opening one in advance; nothing on other billing dates.
 */
export function fixedChargesScopeAt(terms: SubscriptionTerms, billingDate: LocalDate): FixedChargesScope {
  const schedule = fixedChargesSchedule(terms);
  const start = localDateOf(terms.startedAt, terms.schedule.timezone);
  if (billingDate <= start || !isPeriodStart(schedule, billingDate)) return { arrears: null, advance: null };
  const closed = periodContaining(schedule, addDays(billingDate, -1));
  const ending = endingDay(terms);
  const opens = ending === null || billingDate <= ending;
  return {
    arrears: clampedWindow(terms, closed, closed.endDate, closed.toMs),
    advance: opens ? advanceWindow(terms, billingDate) : null,
  };
}

/**
 * The final invoice at `terminatedAtMs`: the arrears fixed charges up to the termination day
 * (the day before for an upgrade, billed on the new plan, as the base fee). In-advance fixed
 * charges were billed for the period already and are not refunded.
 */
export function terminationFixedChargesScope(terms: SubscriptionTerms, terminatedAtMs: number, reason: TerminationReason): FixedChargesScope {
  const day = localDateOf(terminatedAtMs, terms.schedule.timezone);
  const period = periodContaining(fixedChargesSchedule(terms), day);
  const lastDay = reason === 'upgrade' ? addDays(day, -1) : day;
  return { arrears: clampedWindow(terms, period, lastDay, terminatedAtMs), advance: null };
}

/** The fixed-charge period containing `atMs` (an in-advance increase is billed for what is left of it). */
export function fixedChargesPeriodAt(terms: SubscriptionTerms, atMs: number): Period {
  return periodContaining(fixedChargesSchedule(terms), localDateOf(atMs, terms.schedule.timezone));
}

/** The first instant of the fixed-charge period after the one containing `atMs` (units applied "at the next period"). */
export function nextFixedChargesPeriodStartMs(terms: SubscriptionTerms, atMs: number): number {
  return fixedChargesPeriodAt(terms, atMs).toMs + 1;
}

// ---- fee lines ----------------------------------------------------------------------------------

export interface FixedChargeLineInput {
  fixedChargeId: string;
  addOnId: string;
  /** The fixed charge's code (`item.code`), its add-on's name (`item.name`), its display name. */
  code: string;
  name: string;
  invoiceDisplayName: string | null;
  payInAdvance: boolean;
  /** Shown units (the units billed, unprorated) and the units priced (prorated when prorated). */
  units: Dec;
  pricedUnits: Dec;
  price: FixedChargePrice;
  details: Record<string, unknown>;
  fromMs: number;
  toMs: number;
  /** Distinguishes two fees of one fixed charge on one invoice (arrears and advance). */
  keySuffix: string;
}

/** A fixed charge's line (`fee_type: fixed_charge`). */
export function fixedChargeFeeLine(input: FixedChargeLineInput, currency: string, taxes: TaxRate[]): FeeLine & { fixedChargeId: string; addOnId: string } {
  const unitAmount = input.units.isZero() ? new Decimal(0) : input.price.result.amount.dividedBy(input.units);
  return {
    key: `fixed_charge:${input.fixedChargeId}:${input.keySuffix}`,
    kind: 'fixed_charge',
    chargeId: null,
    fixedChargeId: input.fixedChargeId,
    addOnId: input.addOnId,
    itemCode: input.code,
    itemName: input.name,
    invoiceDisplayName: input.invoiceDisplayName,
    units: input.units,
    totalAggregatedUnits: input.pricedUnits,
    eventsCount: 0,
    amountCents: input.price.amountCents,
    preciseAmountCents: input.price.preciseAmountCents,
    unitAmountCents: roundCents(unitAmount.times(new Decimal(10).pow(currencyExponent(currency)))),
    preciseUnitAmount: unitAmount,
    fromMs: input.fromMs,
    toMs: input.toMs,
    payInAdvance: input.payInAdvance,
    amountDetails: { ...(input.price.result.details as unknown as Record<string, unknown>), ...input.details },
    taxes,
  };
}

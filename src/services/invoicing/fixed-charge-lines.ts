/**
 * Fixed-charge fees (issue 16 point 5, rules in billing/fixed-charges.ts): the lines a subscription
 * invoice bills for the plan's fixed charges, and an in-advance increase billed at once on its own
 * invoice through the one writer.
 *
 * - A subscription's units of a fixed charge are its entries in `fixed_charge_units` over the
 *   plan-level units, in force from the fixed charge's creation (the baseline, recorded first).
 * - In arrears: the closed fixed-charge period's (or, at termination, up to its day) units, prorated
 *   by day when the fixed charge is prorated. In advance: the opening period at the units in force
 *   on its first day (prorated over its days when partial and prorated); increases applied
 *   mid-period are billed at once (`billFixedChargeIncrease`), so a recomputed draft never bills
 *   them twice.
 */
import type { Conn, Db } from '../../db/knex';
import type { SubscriptionContext } from '../../db/subscription-context';
import { unitsBilledInAdvance, unitsHistory, type FixedChargeUnitsRow, type FixedChargeWithAddOn } from '../../db/fixed-charges';
import { daysInclusive, localDateOf } from '../../billing/calendar';
import {
  fixedChargeFeeLine, fixedChargesPeriodAt, inAdvanceIncrease, priceFixedCharge, unitsOn, unitsOverWindow,
  type FixedChargeProperties, type FixedChargesScope, type FixedChargesWindow, type UnitsEntry,
} from '../../billing/fixed-charges';
import { applicableTaxes, type TaxRate } from '../../billing/fee-lines';
import { Dec } from '../../billing/money';
import { parseChargeProperties } from '../../billing/charge-models';
import { issueInvoice, type InvoiceLine } from './invoice-writer';

/** A fixed charge's fee: its own taxes, else the plan's, else the customer's (Lago's precedence). */
function fixedChargeTaxes(ctx: SubscriptionContext, own: TaxRate[]): TaxRate[] {
  return applicableTaxes({ charge: own, plan: ctx.taxes.plan, customer: ctx.taxes.customer });
}

/** The subscription's units history of a fixed charge: the plan-level baseline, then its own entries. */
export function historyOf(charge: FixedChargeWithAddOn, rows: readonly FixedChargeUnitsRow[]): UnitsEntry[] {
  return [
    { units: new Dec(charge.units), effectiveAtMs: charge.created_at.getTime(), seq: -1 },
    ...rows.filter((row) => row.fixed_charge_id === charge.id).map((row) => ({ units: new Dec(row.units), effectiveAtMs: row.effective_at.getTime(), seq: Number(row.seq) })),
  ];
}

function propertiesOf(charge: FixedChargeWithAddOn): FixedChargeProperties {
  return parseChargeProperties(charge.charge_model, charge.properties) as FixedChargeProperties;
}

/** Whether a part's fixed-charge scope bills anything for the plan's fixed charges. */
export function billsFixedCharges(ctx: SubscriptionContext, scope: FixedChargesScope | null): boolean {
  if (!scope) return false;
  return ctx.fixedCharges.some(({ charge }) => (charge.pay_in_advance ? scope.advance : scope.arrears) !== null);
}

/** The fixed-charge lines of a part of a subscription invoice. */
export async function fixedChargeLines(db: Db, ctx: SubscriptionContext, scope: FixedChargesScope, currency: string): Promise<InvoiceLine[]> {
  const charges = ctx.fixedCharges.filter(({ charge }) => (charge.pay_in_advance ? scope.advance : scope.arrears) !== null);
  if (charges.length === 0) return [];
  const rows = await unitsHistory(db, ctx.subscription.id, charges.map(({ charge }) => charge.id));
  const lines: InvoiceLine[] = [];
  for (const { charge, taxes } of charges) {
    const window = (charge.pay_in_advance ? scope.advance : scope.arrears)!;
    const history = historyOf(charge, rows);
    const priced = charge.pay_in_advance ? advanceUnits(history, window, ctx.timezone, charge.prorated) : arrearsUnits(history, window, ctx.timezone, charge.prorated);
    const price = priceFixedCharge(charge.charge_model, propertiesOf(charge), priced.units, priced.fullUnits, currency);
    if (price.amountCents === 0n && priced.units.isZero()) continue;
    const line = fixedChargeFeeLine({
      fixedChargeId: charge.id, addOnId: charge.add_on_id, code: charge.code, name: charge.add_on_name,
      invoiceDisplayName: charge.invoice_display_name ?? charge.add_on_invoice_display_name,
      payInAdvance: charge.pay_in_advance, units: priced.shown, pricedUnits: priced.units, price,
      details: priced.details, fromMs: window.fromMs, toMs: window.toMs, keySuffix: charge.pay_in_advance ? 'advance' : 'arrears',
    }, currency, fixedChargeTaxes(ctx, taxes));
    lines.push({ ...line, key: `${ctx.subscription.id}:${line.key}`, subscriptionId: ctx.subscription.id, planId: ctx.plan.id, billableMetricId: null, addOnId: charge.add_on_id });
  }
  return lines;
}

interface PricedUnits {
  /** The units priced (prorated when prorated). */
  units: Dec;
  fullUnits: Dec;
  /**
   * The fee's `units`: in arrears the units priced; in advance the units billed for the period (an
   * increase later bills the difference with them, as Lago sums its in-advance fees' units).
   */
  shown: Dec;
  details: Record<string, unknown>;
}

function arrearsUnits(history: UnitsEntry[], window: FixedChargesWindow, timezone: string, prorated: boolean): PricedUnits {
  const over = unitsOverWindow(history, window, timezone, prorated);
  return { units: over.units, fullUnits: over.fullUnits, shown: over.units, details: { prorated, full_days: window.period.fullDays, units_by_days: over.stretches } };
}

function advanceUnits(history: UnitsEntry[], window: FixedChargesWindow, timezone: string, prorated: boolean): PricedUnits {
  const units = unitsOn(history, window.startDate, timezone);
  const days = daysInclusive(window.startDate, window.endDate);
  const priced = prorated ? units.times(days).dividedBy(window.period.fullDays) : units;
  return { units: priced, fullUnits: units, shown: units, details: { prorated, full_days: window.period.fullDays, billed_days: days, period_units: units.toFixed() } };
}

// ---- an in-advance increase, billed at once -----------------------------------------------------

export interface FixedChargeIncrease {
  ctx: SubscriptionContext;
  charge: FixedChargeWithAddOn;
  /** The units entry recorded for the change (its id is the invoice's business key). */
  entryId: string;
  newUnits: Dec;
  atMs: number;
}

/**
 * Bills an in-advance fixed charge's increase applied mid-period at once, on its own invoice
 * (Lago's pay-in-advance fixed charge fee): `(new − already billed for the period)` units,
 * prorated over the days left when the fixed charge is prorated. Nothing when the units do not
 * grow. Once per units entry: a retry finds the invoice already written.
 */
export async function billFixedChargeIncrease(db: Conn, input: FixedChargeIncrease): Promise<string | null> {
  const { ctx, charge } = input;
  const currency = ctx.customer.currency ?? ctx.plan.amount_currency;
  const period = fixedChargesPeriodAt(ctx.terms, input.atMs);
  const billed = new Dec(await unitsBilledInAdvance(db, ctx.subscription.id, charge.id, period.fromMs, period.toMs));
  const changeDay = localDateOf(input.atMs, ctx.timezone);
  const increase = inAdvanceIncrease({ newUnits: input.newUnits, billedUnits: billed, changeDay, period, prorated: charge.prorated });
  if (increase.deltaUnits.isZero()) return null;
  const price = priceFixedCharge(charge.charge_model, propertiesOf(charge), increase.pricedUnits, increase.deltaUnits, currency);
  const own = ctx.fixedCharges.find((entry) => entry.charge.id === charge.id)?.taxes ?? [];
  const toMs = ctx.terms.endingAt === null ? period.toMs : Math.min(period.toMs, ctx.terms.endingAt);
  const line = fixedChargeFeeLine({
    fixedChargeId: charge.id, addOnId: charge.add_on_id, code: charge.code, name: charge.add_on_name,
    invoiceDisplayName: charge.invoice_display_name ?? charge.add_on_invoice_display_name,
    payInAdvance: true, units: increase.deltaUnits, pricedUnits: increase.pricedUnits, price,
    details: { prorated: charge.prorated, full_days: period.fullDays, billed_days: increase.days, billed_units: billed.toFixed(), new_units: input.newUnits.toFixed() },
    fromMs: input.atMs, toMs, keySuffix: `increase:${input.entryId}`,
  }, currency, fixedChargeTaxes(ctx, own));
  const key = `fixed_charge_increase:${input.entryId}`;
  const { invoice } = await issueInvoice(db, {
    organization: ctx.organization,
    customer: ctx.customer,
    idempotencyKey: key,
    type: 'subscription',
    reason: 'in_advance_charge',
    subscriptionId: ctx.subscription.id,
    currency,
    issuingDate: changeDay,
    lines: [{ ...line, key: `${ctx.subscription.id}:${line.key}`, subscriptionId: ctx.subscription.id, planId: ctx.plan.id, billableMetricId: null, addOnId: charge.add_on_id }],
    billingPeriods: [{
      lago_subscription_id: ctx.subscription.id, external_subscription_id: ctx.subscription.external_id, lago_plan_id: ctx.plan.id,
      charges_from_datetime: null, charges_to_datetime: null, invoicing_reason: 'in_advance_charge',
    }],
  });
  return invoice.id;
}

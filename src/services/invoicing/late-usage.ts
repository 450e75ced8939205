/**
 * Late usage: events whose timestamp falls in a period already finalized (they got a 200, they
 * were stored, but their period's invoice was computed before they arrived). With the
 * organization's `late_usage: next_invoice` (the default) the subscription's next invoice bills
 * them as a separate adjustment fee, dated with the period it adjusts: the period's usage priced
 * again with every event it has now, minus what was billed for it (its regular fee and earlier
 * adjustments), per charge and filter. Kill Bill re-rates previous periods the same way, so
 * graduated and volume tiers stay right: the adjustment is not units × price. With `ignore`
 * nothing is billed, as in Lago.
 *
 * - An adjustment is never negative: a re-rating that comes out below what was billed (a volume
 *   tier reached by the late events, say) bills nothing; what was billed stays the reference for
 *   the next re-rating, so nothing is billed twice and nothing is given back automatically
 *   (a credit note does that).
 * - A period is re-rated with its subscription's plan as it is now (its charges' current prices).
 * - A period whose invoice is a draft is not late: the draft's refresh takes the events. A deleted
 *   draft's period is not billed again (as in Lago); a voided invoice's period is adjusted from
 *   what it billed.
 * - Recurring metrics carry their units over: a late event re-rates its own period and every later
 *   finalized one.
 * - A charge's spending minimum (spending-minimums.ts): what its period's true-up paid for is not
 *   billed again. The window's true-up priced again (the minimum less the usage now) is smaller
 *   than the one billed by what late usage now covers; the charge's adjustments are reduced by that
 *   much (in order, never below 0), so the period costs max(usage, minimum) in all.
 */
import type { Db } from '../../db/knex';
import type { OrganizationRow } from '../../db/organizations';
import { loadSubscriptionContext, type SubscriptionContext } from '../../db/subscription-context';
import { billedFeesOfWindow, windowsToReprice, type UsageWindowDraft, type UsageWindowRow } from '../../db/usage-windows';
import { localDateOf } from '../../billing/calendar';
import { currencyExponent, Dec, roundCents, type Cents } from '../../billing/money';
import type { InvoiceLine } from './invoice-writer';

export interface LateUsage {
  lines: InvoiceLine[];
  /** The windows re-rated (with or without a fee): their late events count as priced from now on. */
  windows: UsageWindowDraft[];
}

export interface LateUsageInput {
  organization: OrganizationRow;
  externalSubscriptionId: string;
  currency: string;
  /** The invoice being computed again (a draft), whose own adjustments do not count as billed. */
  excludeInvoiceId: string | null;
}

/** The usage lines of a window priced with every event it has now (the regular fees' keys and amounts). */
export type RepriceWindow = (ctx: SubscriptionContext, window: { fromMs: number; toMs: number }) => Promise<InvoiceLine[]>;

interface Billed {
  amountCents: Cents;
  preciseAmountCents: Dec;
  units: Dec;
  totalAggregatedUnits: Dec;
  eventsCount: number;
}

const NOTHING: Billed = { amountCents: 0n, preciseAmountCents: new Dec(0), units: new Dec(0), totalAggregatedUnits: new Dec(0), eventsCount: 0 };

/** `charge:<charge>[:<filter>]`: what a usage fee bills, in its regular key and in an adjustment's. */
function bucketOf(feeKey: string): string {
  const at = feeKey.indexOf(':charge:');
  return at < 0 ? feeKey : feeKey.slice(at + 1);
}

async function billedByBucket(db: Db, window: UsageWindowRow, excludeInvoiceId: string | null): Promise<Map<string, Billed>> {
  const billed = new Map<string, Billed>();
  for (const fee of await billedFeesOfWindow(db, window, excludeInvoiceId)) {
    const key = bucketOf(fee.fee_key);
    const sum = billed.get(key) ?? NOTHING;
    billed.set(key, {
      amountCents: sum.amountCents + BigInt(fee.amount_cents),
      preciseAmountCents: sum.preciseAmountCents.plus(fee.precise_amount_cents),
      units: sum.units.plus(fee.units),
      totalAggregatedUnits: sum.totalAggregatedUnits.plus(fee.total_aggregated_units),
      eventsCount: sum.eventsCount + fee.events_count,
    });
  }
  return billed;
}

/** The adjustment of one usage line: what the window costs now minus what was billed for it, or null when nothing is owed. */
function adjustmentLine(line: InvoiceLine, billed: Billed, window: UsageWindowRow, ctx: SubscriptionContext, currency: string): InvoiceLine | null {
  const amountCents = line.amountCents - billed.amountCents;
  const units = line.units.minus(billed.units);
  const eventsCount = line.eventsCount - billed.eventsCount;
  if (amountCents < 0n) return null;
  if (amountCents === 0n && !units.isPositive() && eventsCount <= 0) return null;
  const shownUnits = units.isPositive() ? units : new Dec(0);
  const subunits = new Dec(10).pow(currencyExponent(currency));
  const preciseUnitAmount = shownUnits.isZero() ? new Dec(0) : new Dec(amountCents.toString()).dividedBy(subunits).dividedBy(shownUnits);
  const from = localDateOf(window.from_datetime.getTime(), ctx.timezone);
  const to = localDateOf(window.to_datetime.getTime(), ctx.timezone);
  return {
    ...line,
    key: `${window.subscription_id}:late:${window.id}:${bucketOf(line.key)}`,
    amountCents,
    preciseAmountCents: line.preciseAmountCents.minus(billed.preciseAmountCents),
    units: shownUnits,
    totalAggregatedUnits: line.totalAggregatedUnits.minus(billed.totalAggregatedUnits),
    eventsCount: Math.max(0, eventsCount),
    unitAmountCents: roundCents(preciseUnitAmount.times(subunits)),
    preciseUnitAmount,
    fromMs: window.from_datetime.getTime(),
    toMs: window.to_datetime.getTime(),
    description: `Late usage of ${from} – ${to}`,
    amountDetails: {
      late_usage: {
        priced_units: line.units.toFixed(),
        priced_amount_cents: line.amountCents.toString(),
        billed_units: billed.units.toFixed(),
        billed_amount_cents: billed.amountCents.toString(),
      },
    },
    adjustedWindowId: window.id,
  };
}

/**
 * The adjustments less what the window's spending-minimum true-ups paid for already: per charge,
 * the true-up billed minus the true-up priced again now (`repricedTrueUps`, keyed
 * `…:charge:<id>:true_up` like the billed ones), taken off its adjustments in order.
 */
function coveredByTrueUps(adjustments: InvoiceLine[], repricedTrueUps: InvoiceLine[], billed: Map<string, Billed>, currency: string): InvoiceLine[] {
  return adjustments.map((line) => {
    const trueUpKey = `charge:${line.chargeId}:true_up`;
    const billedTrueUp = billed.get(trueUpKey);
    if (!billedTrueUp || billedTrueUp.amountCents <= 0n) return line;
    const repriced = repricedTrueUps.find((entry) => entry.chargeId === line.chargeId)?.amountCents ?? 0n;
    const covered = billedTrueUp.amountCents - repriced;
    if (covered <= 0n) return line;
    const taken = covered < line.amountCents ? covered : line.amountCents;
    // What is left of the headroom for the charge's next adjustment of this window.
    billed.set(trueUpKey, { ...billedTrueUp, amountCents: billedTrueUp.amountCents - taken });
    const amountCents = line.amountCents - taken;
    const subunits = new Dec(10).pow(currencyExponent(currency));
    const preciseUnitAmount = line.units.isZero() ? new Dec(0) : new Dec(amountCents.toString()).dividedBy(subunits).dividedBy(line.units);
    return {
      ...line,
      amountCents,
      preciseAmountCents: line.preciseAmountCents.minus(taken.toString()),
      unitAmountCents: roundCents(preciseUnitAmount.times(subunits)),
      preciseUnitAmount,
      amountDetails: { ...line.amountDetails, spending_minimum_covered_cents: taken.toString() },
    };
  });
}

/** The adjustment lines for the late usage of `externalSubscriptionId`'s finalized periods, and the windows they re-rate. */
export async function lateUsageAdjustments(db: Db, input: LateUsageInput, reprice: RepriceWindow): Promise<LateUsage> {
  if (input.organization.late_usage === 'ignore') return { lines: [], windows: [] };
  const windows = await windowsToReprice(db, { organizationId: input.organization.id, externalSubscriptionId: input.externalSubscriptionId, excludeInvoiceId: input.excludeInvoiceId });
  const result: LateUsage = { lines: [], windows: [] };
  for (const window of windows) {
    const ctx = await loadSubscriptionContext(db, window.subscription_id);
    const [lines, billed] = await Promise.all([
      reprice(ctx, { fromMs: window.from_datetime.getTime(), toMs: window.to_datetime.getTime() }),
      billedByBucket(db, window, input.excludeInvoiceId),
    ]);
    const adjustments: InvoiceLine[] = [];
    for (const line of lines.filter((entry) => !entry.trueUpOf)) {
      const adjustment = adjustmentLine(line, billed.get(bucketOf(line.key)) ?? NOTHING, window, ctx, input.currency);
      if (adjustment) adjustments.push(adjustment);
    }
    result.lines.push(...coveredByTrueUps(adjustments, lines.filter((entry) => entry.trueUpOf), billed, input.currency));
    result.windows.push({
      subscription_id: window.subscription_id,
      external_subscription_id: window.external_subscription_id,
      kind: 'late_usage',
      adjusted_window_id: window.id,
      from_datetime: window.from_datetime,
      to_datetime: window.to_datetime,
    });
  }
  return result;
}

/**
 * The usage of a subscription's charges over one window, priced: where usage billed in arrears and
 * current usage are priced (pay-in-advance charges are priced per event by the core's
 * `priceEventInAdvance`, see services/invoicing/in-advance-charges.ts). Current usage calls it for
 * the charges period containing now; period-close invoicing calls it for the closed charges window. The caller gives the subscription's context (db/subscription-context.ts).
 *
 * Per charge of the subscription's plan (live charges, oldest first):
 * - its metric's events are selected by the subscription's external id (usage follows the external
 *   id across plan changes), its code and the window — all history up to `toMs` when recurring;
 * - a charge with filters is priced per filter (events matching the filter's values, with the
 *   filter's properties) plus a default bucket (events matching none, with the charge's
 *   properties; left out when the charge has no properties of its own); without filters there is
 *   one bucket;
 * - a prorated charge on a recurring sum or unique count is priced on prorated units (the core's
 *   `proratedUnits`, with the seat breakdown); `fullUnits` are what the fee shows. The window ends
 *   early when the subscription ended inside it (`toMs` before the period's end), one day less
 *   when that was an upgrade;
 * - each bucket is priced with `priceCharge` and rounded once with `chargeFeeCents`; a charge's
 *   fee is the sum of its buckets' fees (one fee per bucket on an invoice);
 * - a bucket whose properties carry `pricing_group_keys` (or `grouped_by`) is priced once per
 *   group of the window (`usageGroups`, rules in billing/aggregation/grouping.ts): each group is
 *   aggregated, prorated and priced on its own (tiers restart per group) and rounded once; the
 *   bucket's units, events and fee are the sums of its groups' (one fee per group on an invoice).
 *   A window without events has no groups, so such a bucket bills nothing;
 * - a dynamic charge prices the events' `precise_total_amount_cents` (the sum's, divided by the
 *   currency's subunit).
 */
import type { Db } from '../../db/knex';
import { liveChargesOfPlans, type ChargeFilter, type ChargeRow } from '../../db/charges';
import { findBillableMetricsByIds, type BillableMetricRow } from '../../db/billable-metrics';
import { hasSuccessor } from '../../db/subscriptions';
import type { SubscriptionContext } from '../../db/subscription-context';
import { aggregateUsage, proratedUsage, usageGroups, type UsageAggregator, type UsageScope } from '../../db/usage-aggregation';
import type { AggregationWindow, EventSelection, GroupValues, MetricDefinition, SeatLine } from '../../billing/aggregation';
import {
  amountPerUnitOf, chargeFeeCents, parseChargeProperties, presentationGroupKeysOf, priceCharge, pricingGroupKeysOf, type ChargeProperties, type ChargeResult, type FeeCents,
} from '../../billing/charge-models';
import type { ChargeModelName } from '../../billing/types';
import { chargesScopeAt } from '../../billing/periods';
import { Dec, subunitToUnit } from '../../billing/money';

export interface ChargesWindow {
  /** First instant of the window (inclusive). */
  fromMs: number;
  /** Last instant of the window (inclusive): the period's end, or the termination instant. */
  toMs: number;
  /** Whether an early end of the window is an upgrade (derived from the subscriptions when omitted). */
  upgraded?: boolean;
}

/** How units are aggregated: SQL by default; current usage plugs in its incremental cache. */
export function sqlAggregator(db: Db): UsageAggregator {
  return { aggregate: (scope, metric, window, options) => aggregateUsage(db, scope, metric, window, options) };
}

/** Units of one presentation group (`presentation_group_keys`): display only, priced nowhere. */
export interface PresentationBreakdown {
  presentationBy: GroupValues;
  units: Dec;
}

/** What a bucket, or one pricing group of it, priced. */
interface PricedUsage {
  /** Units priced: prorated units when the charge is prorated. */
  units: Dec;
  /** Unprorated units (equal to `units` when not prorated): what a fee shows. */
  fullUnits: Dec;
  eventsCount: number;
  result: ChargeResult;
  fee: FeeCents;
  /** Prorated charges: one line per seat stretch (unique count) or event (sum). */
  breakdown: SeatLine[] | null;
  /** The units split by the presentation keys (a grouped bucket: each group's, summed); [] without them. */
  presentationBreakdowns: PresentationBreakdown[];
}

/** The priced usage of one pricing group of a bucket. */
export interface GroupUsage extends PricedUsage {
  /** The group's values by key (null: events without the property): Lago's `grouped_by`. */
  groupedBy: GroupValues;
}

export interface BucketUsage extends PricedUsage {
  /** The charge filter priced here, or null (a charge without filters, or its default bucket). */
  filter: ChargeFilter | null;
  /**
   * The bucket's pricing groups when its properties have pricing group keys (then the bucket's
   * figures are their sums and `result` their summed amount), else null.
   */
  groups: GroupUsage[] | null;
}

export interface ChargeUsageLine {
  charge: ChargeRow;
  metric: BillableMetricRow;
  prorated: boolean;
  /** Σ over the buckets. */
  units: Dec;
  fullUnits: Dec;
  eventsCount: number;
  /** The priced result of the charge's unfiltered (or default) bucket; null if it has none. */
  result: ChargeResult | null;
  /** Σ of the buckets' fees. */
  fee: FeeCents;
  breakdown: SeatLine[] | null;
  buckets: BucketUsage[];
}

export interface ChargesUsage {
  currency: string;
  window: AggregationWindow;
  charges: ChargeUsageLine[];
  /** Σ of the charges' fees, in the currency's minor units. */
  amountCents: bigint;
}

export function metricDefinition(metric: BillableMetricRow): MetricDefinition {
  return {
    aggregationType: metric.aggregation_type,
    fieldName: metric.field_name,
    recurring: metric.recurring,
    roundingFunction: metric.rounding_function,
    roundingPrecision: metric.rounding_precision,
    weightedInterval: metric.weighted_interval,
  };
}

function isProrated(charge: ChargeRow, metric: MetricDefinition): boolean {
  return charge.prorated && metric.recurring && (metric.aggregationType === 'sum_agg' || metric.aggregationType === 'unique_count_agg');
}

interface Bucket {
  filter: ChargeFilter | null;
  selection: EventSelection;
  properties: Record<string, unknown>;
}

function bucketsOf(charge: ChargeRow): Bucket[] {
  const filters = Array.isArray(charge.filters) ? charge.filters : [];
  if (filters.length === 0) return [{ filter: null, selection: {}, properties: charge.properties }];
  const buckets: Bucket[] = filters.map((filter) => ({ filter, selection: { filter: filter.values }, properties: filter.properties }));
  if (Object.keys(charge.properties ?? {}).length > 0) {
    buckets.push({ filter: null, selection: { ignoredFilters: filters.map((f) => f.values) }, properties: charge.properties });
  }
  return buckets;
}

const ZERO = new Dec(0);

type Measured = Omit<GroupUsage, 'groupedBy' | 'presentationBreakdowns'>;

/**
 * A selection's units split by presentation keys (display only): the groups of those keys in the
 * window, each aggregated (prorated: its full units) as the selection is. [] without keys.
 */
async function presentationBreakdowns(
  db: Db,
  aggregator: UsageAggregator,
  scope: UsageScope,
  metric: MetricDefinition,
  window: AggregationWindow,
  selection: EventSelection,
  keys: readonly string[],
  proration: { terminatedAtMs: number | undefined; upgraded: boolean } | null,
): Promise<PresentationBreakdown[]> {
  if (keys.length === 0) return [];
  const groups = await usageGroups(db, scope, metric, window, selection, keys);
  return Promise.all(groups.map(async (presentationBy) => {
    const within: EventSelection = { ...selection, group: { ...selection.group, ...presentationBy } };
    const units = proration
      ? (await proratedUsage(db, scope, metric, window, { ...within, ...proration })).fullUnits
      : (await aggregator.aggregate(scope, metric, window, within)).units;
    return { presentationBy, units };
  }));
}

/** Breakdowns of several groups summed by presentation values, in order of first appearance. */
export function mergedBreakdowns(lists: readonly PresentationBreakdown[][]): PresentationBreakdown[] {
  const merged = new Map<string, PresentationBreakdown>();
  for (const item of lists.flat()) {
    const identity = JSON.stringify(Object.entries(item.presentationBy));
    const known = merged.get(identity);
    merged.set(identity, known ? { presentationBy: known.presentationBy, units: known.units.plus(item.units) } : item);
  }
  return [...merged.values()];
}

/** One selection's usage (a bucket, or one group of it), aggregated or prorated, priced and rounded once. */
async function measureUsage(
  db: Db,
  aggregator: UsageAggregator,
  scope: UsageScope,
  metric: MetricDefinition,
  window: AggregationWindow,
  model: ChargeModelName,
  properties: ChargeProperties,
  currency: string,
  selection: EventSelection,
  proration: { terminatedAtMs: number | undefined; upgraded: boolean } | null,
): Promise<Measured> {
  let units: Dec;
  let fullUnits: Dec;
  let eventsCount: number;
  let eventValues: Dec[] | undefined;
  let preciseTotalAmount: Dec | undefined;
  let breakdown: SeatLine[] | null = null;
  if (proration) {
    const result = await proratedUsage(db, scope, metric, window, { ...selection, ...proration });
    ({ units, fullUnits, eventsCount, breakdown } = result);
  } else {
    const result = await aggregator.aggregate(scope, metric, window, { ...selection, withEventValues: model === 'percentage', withPreciseTotal: model === 'dynamic' });
    ({ units, eventsCount } = result);
    fullUnits = units;
    eventValues = model === 'percentage' ? result.eventValues : undefined;
    if (model === 'dynamic') preciseTotalAmount = (result.preciseTotalAmountCents ?? ZERO).dividedBy(subunitToUnit(currency));
  }
  const result = priceCharge(model, properties, { units, fullUnits: proration ? fullUnits : undefined, eventValues, eventsCount, preciseTotalAmount });
  return { units, fullUnits, eventsCount, result, fee: chargeFeeCents(result, currency), breakdown };
}

/** A grouped bucket's figures: the sums of its groups' (each group rounded on its own). */
function sumOfGroups(model: ChargeModelName, groups: readonly GroupUsage[]): Measured {
  const units = groups.reduce((acc, g) => acc.plus(g.units), ZERO);
  const amount = groups.reduce((acc, g) => acc.plus(g.result.amount), ZERO);
  return {
    units,
    fullUnits: groups.reduce((acc, g) => acc.plus(g.fullUnits), ZERO),
    eventsCount: groups.reduce((acc, g) => acc + g.eventsCount, 0),
    result: { amount, unitAmount: amountPerUnitOf(amount, units), details: { kind: 'grouped', charge_model: model, groups: groups.length } },
    fee: {
      amountCents: groups.reduce((acc, g) => acc + g.fee.amountCents, 0n),
      preciseAmountCents: groups.reduce((acc, g) => acc.plus(g.fee.preciseAmountCents), ZERO),
    },
    breakdown: groups.some((g) => g.breakdown) ? groups.flatMap((g) => g.breakdown ?? []) : null,
  };
}

/** Prices the subscription's usage over a window: one line per live charge of its plan, oldest first. */
export async function computeChargesUsage(db: Db, ctx: SubscriptionContext, input: ChargesWindow, options: { aggregator?: UsageAggregator } = {}): Promise<ChargesUsage> {
  const { subscription, plan, customer, timezone, terms } = ctx;
  const period = chargesScopeAt(terms, input.fromMs).period;
  const window: AggregationWindow = { fromMs: input.fromMs, toMs: input.toMs, timezone, fullDays: period.fullDays };
  const currency = customer.currency ?? plan.amount_currency;
  const aggregator = options.aggregator ?? sqlAggregator(db);

  const charges = await liveChargesOfPlans(db, [plan.id]);
  const metricRows = await findBillableMetricsByIds(db, subscription.organization_id, [...new Set(charges.map((c) => c.billable_metric_id))]);
  const metrics = new Map(metricRows.map((m) => [m.id, m]));

  // A window that ends before its period's end: the subscription ended inside it.
  const terminatedAtMs = input.toMs < period.toMs ? input.toMs : undefined;
  let upgraded = input.upgraded;
  if (upgraded === undefined && terminatedAtMs !== undefined && charges.some((c) => c.prorated)) {
    upgraded = await hasSuccessor(db, subscription.id);
  }

  const lines = await Promise.all(
    charges.map(async (charge): Promise<ChargeUsageLine> => {
      const metricRow = metrics.get(charge.billable_metric_id);
      if (!metricRow) throw new Error(`Charge ${charge.id} lost its billable metric`);
      const metric = metricDefinition(metricRow);
      const prorated = isProrated(charge, metric);
      const scope: UsageScope = { organizationId: subscription.organization_id, externalSubscriptionId: subscription.external_id, code: metricRow.code };
      const buckets = await Promise.all(
        bucketsOf(charge).map(async (bucket): Promise<BucketUsage> => {
          const properties = parseChargeProperties(charge.charge_model, bucket.properties);
          const measure = (selection: EventSelection) => measureUsage(db, aggregator, scope, metric, window, charge.charge_model, properties, currency, selection, prorated
            ? { terminatedAtMs, upgraded: terminatedAtMs !== undefined && upgraded === true }
            : null);
          const presentationKeys = presentationGroupKeysOf(bucket.properties).map((key) => key.value);
          const present = (selection: EventSelection) => presentationBreakdowns(db, aggregator, scope, metric, window, selection, presentationKeys, prorated
            ? { terminatedAtMs, upgraded: terminatedAtMs !== undefined && upgraded === true }
            : null);
          const keys = pricingGroupKeysOf(bucket.properties);
          if (keys.length === 0) {
            return { filter: bucket.filter, groups: null, ...(await measure(bucket.selection)), presentationBreakdowns: await present(bucket.selection) };
          }
          const groups = await Promise.all(
            (await usageGroups(db, scope, metric, window, bucket.selection, keys)).map(async (groupedBy): Promise<GroupUsage> => ({
              groupedBy,
              ...(await measure({ ...bucket.selection, group: groupedBy })),
              presentationBreakdowns: await present({ ...bucket.selection, group: groupedBy }),
            })),
          );
          return { filter: bucket.filter, groups, ...sumOfGroups(charge.charge_model, groups), presentationBreakdowns: mergedBreakdowns(groups.map((g) => g.presentationBreakdowns)) };
        }),
      );
      const main = buckets.find((b) => b.filter === null) ?? null;
      return {
        charge,
        metric: metricRow,
        prorated,
        units: buckets.reduce((acc, b) => acc.plus(b.units), ZERO),
        fullUnits: buckets.reduce((acc, b) => acc.plus(b.fullUnits), ZERO),
        eventsCount: buckets.reduce((acc, b) => acc + b.eventsCount, 0),
        result: main?.result ?? null,
        fee: {
          amountCents: buckets.reduce((acc, b) => acc + b.fee.amountCents, 0n),
          preciseAmountCents: buckets.reduce((acc, b) => acc.plus(b.fee.preciseAmountCents), ZERO),
        },
        breakdown: prorated ? buckets.flatMap((b) => b.breakdown ?? []) : null,
        buckets,
      };
    }),
  );
  return {
    currency,
    window,
    charges: lines,
    amountCents: lines.reduce((acc, line) => acc + line.fee.amountCents, 0n),
  };
}

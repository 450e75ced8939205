/**
 * Usage aggregation in SQL: the same units as the reference core (`src/billing/aggregation.ts`,
 * rules in `src/billing/aggregation/README.md`) computed by PostgreSQL over the events table, so a
 * period's usage never has to be loaded into memory. A differential test
 * (test/activities/usage-aggregation.test.ts) feeds random event sets to both and requires equal
 * results for every aggregation type.
 *
 * How each rule is expressed:
 * - selection: organization, external subscription id, metric code, `timestamp <= to`, and
 *   `timestamp >= from` unless the metric is recurring; filters compare the property's text
 *   (strings as they are, numbers and booleans as their JSON text) with `= ANY(values)`;
 * - numeric value: a JSON number, or a string matching the core's plain-decimal pattern, cast to
 *   `numeric` (exact); anything else is NULL and ignored by sum, max, latest and weighted sum;
 * - order: `(timestamp, transaction_id COLLATE "C")`;
 * - unique count: a value's state is decided by its last event (an add while active and a remove
 *   while inactive change nothing), so units = values whose last event is not a remove;
 * - weighted sum: Σ level × duration = initial × (T − from) + Σ vᵢ × (T − tᵢ) with T = to + 1 ms,
 *   summed exactly in SQL; the one division by D days is done with the core's decimal in JS;
 * - rounding: the core's `applyRounding`, applied last;
 * - pricing groups: `usageGroups` lists a window's distinct key tuples (SELECT DISTINCT of the keys'
 *   texts, sorted by the core's `compareGroups`), then each group is aggregated as above with
 *   `selection.group` (text = value, or no text for null);
 * - dynamic prices: `sum_agg` also sums `precise_total_amount_cents` (numeric, exact) over the
 *   events it selects.
 * Prorated charges (recurring sum and unique count) fetch the window's few events and call the
 * core's `proratedUnits` (`proratedUsage`).
 *
 * Known, documented divergences (values no client sends in practice): numbers written in JSON
 * exponent notation by JavaScript (|x| ≥ 1e21 or < 1e-6) have a different text in filters and
 * unique counts; decimal strings longer than 1000 characters are not numeric here; the core's
 * decimals keep 50 significant digits where SQL is exact.
 */
import type { Db } from './knex';
import { Params, queryRows } from './pg';
import {
  applyRounding,
  assertGroupKeys,
  compareGroups,
  numericProperty,
  propertyText,
  proratedUnits,
  type AggregationResult,
  type AggregationWindow,
  type EventSelection,
  type GroupValues,
  type MetricDefinition,
  type ProratedResult,
  type ProrationOptions,
} from '../billing/aggregation';
import { assertMetric, validateWindow } from '../billing/aggregation/aggregate';
import { Dec } from '../billing/money';
import type { UsageEvent } from '../billing/types';

const DAY_MS = 86_400_000;

/** Whose events: one organization, one subscription's external id, one metric code. */
export interface UsageScope {
  organizationId: string;
  externalSubscriptionId: string;
  code: string;
}

export interface AggregateUsageOptions extends EventSelection {
  /** Also return each event's value in (timestamp, transaction id) order (percentage charges). */
  withEventValues?: boolean;
  /** A dynamic charge needs `preciseTotalAmountCents` (sum_agg; SQL computes it always, a cache may not). */
  withPreciseTotal?: boolean;
}

/** How units are aggregated: `aggregateUsage` by default; current usage plugs in its incremental cache. */
export interface UsageAggregator {
  aggregate(scope: UsageScope, metric: MetricDefinition, window: AggregationWindow, options: AggregateUsageOptions): Promise<AggregationResult>;
}

const DECIMAL_PATTERN = "'^-?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$'";

/** SQL for the text of `properties[key]` as filters and unique counts compare it, or NULL. */
export function propertyTextSql(keyPlaceholder: string, column = 'properties'): string {
  return `(CASE WHEN jsonb_typeof(${column} -> ${keyPlaceholder}::text) IN ('string', 'number', 'boolean') THEN ${column} ->> ${keyPlaceholder}::text END)`;
}

/** SQL for the numeric value of `properties[key]`, or NULL when missing or not numeric. */
export function numericPropertySql(keyPlaceholder: string, column = 'properties'): string {
  const text = `(${column} ->> ${keyPlaceholder}::text)`;
  return `(CASE jsonb_typeof(${column} -> ${keyPlaceholder}::text)
    WHEN 'number' THEN ${text}::numeric
    WHEN 'string' THEN CASE WHEN length(${text}) <= 1000 AND ${text} ~ ${DECIMAL_PATTERN} THEN ${text}::numeric END
  END)`;
}

function filterSql(p: Params, filter: Record<string, string[]>): string {
  const keys = Object.keys(filter);
  if (keys.length === 0) return 'TRUE';
  return keys.map((key) => `${propertyTextSql(p.add(key))} = ANY(${p.add(filter[key])}::text[])`).join(' AND ');
}

/** One pricing group: each key's text equals its value, or has no text when the value is null. */
function groupSql(p: Params, group: Record<string, string | null>): string[] {
  return Object.entries(group).map(([key, value]) => (value === null ? `${propertyTextSql(p.add(key))} IS NULL` : `${propertyTextSql(p.add(key))} = ${p.add(value)}::text`));
}

/** The WHERE clause of a selection: scope, bounds (`fromMs` null = no lower bound), filters. */
export function selectionSql(p: Params, scope: UsageScope, fromMs: number | null, toMs: number, selection: EventSelection): string {
  const parts = [
    `organization_id = ${p.add(scope.organizationId)}::uuid`,
    `external_subscription_id = ${p.add(scope.externalSubscriptionId)}`,
    `code = ${p.add(scope.code)}`,
    `"timestamp" <= ${p.add(new Date(toMs).toISOString())}::timestamptz`,
  ];
  if (fromMs !== null) parts.push(`"timestamp" >= ${p.add(new Date(fromMs).toISOString())}::timestamptz`);
  if (selection.filter) parts.push(`(${filterSql(p, selection.filter)})`);
  if (selection.group) parts.push(...groupSql(p, selection.group));
  for (const ignored of selection.ignoredFilters ?? []) parts.push(`NOT COALESCE((${filterSql(p, ignored)}), FALSE)`);
  return parts.join(' AND ');
}

function fieldOf(metric: MetricDefinition): string {
  if (metric.fieldName === null || metric.fieldName === '') throw new RangeError(`${metric.aggregationType} needs a field_name`);
  return metric.fieldName;
}

const decimal = (text: string | null | undefined): Dec => new Dec(text ?? 0);

async function numericValues(db: Db, scope: UsageScope, fromMs: number | null, toMs: number, field: string, selection: EventSelection): Promise<Dec[]> {
  const p = new Params();
  const value = numericPropertySql(p.add(field));
  const where = selectionSql(p, scope, fromMs, toMs, selection);
  const rows = await queryRows<{ v: string }>(
    db,
    `SELECT v::text AS v FROM (SELECT "timestamp" AS ts, transaction_id AS tx, ${value} AS v FROM events WHERE ${where}) s
     WHERE v IS NOT NULL ORDER BY ts, tx COLLATE "C"`,
    p.values,
  );
  return rows.map((row) => new Dec(row.v));
}

async function unrounded(db: Db, scope: UsageScope, metric: MetricDefinition, window: AggregationWindow, options: AggregateUsageOptions): Promise<AggregationResult> {
  const lowerBound = metric.recurring ? null : window.fromMs;
  const withValues = options.withEventValues === true;
  const p = new Params();
  switch (metric.aggregationType) {
    case 'count_agg': {
      const where = selectionSql(p, scope, window.fromMs, window.toMs, options);
      const [row] = await queryRows<{ n: bigint }>(db, `SELECT count(*) AS n FROM events WHERE ${where}`, p.values);
      const n = Number(row!.n);
      return { units: new Dec(n), eventsCount: n, eventValues: withValues ? Array.from({ length: n }, () => new Dec(1)) : [] };
    }
    case 'sum_agg':
    case 'max_agg':
    case 'latest_agg': {
      const field = fieldOf(metric);
      const value = numericPropertySql(p.add(field));
      const where = selectionSql(p, scope, lowerBound, window.toMs, options);
      const [row] = await queryRows<{ n: bigint; total: string | null; highest: string | null; last: string | null; precise: string }>(
        db,
        `WITH s AS (SELECT "timestamp" AS ts, transaction_id AS tx, ${value} AS v, precise_total_amount_cents AS x FROM events WHERE ${where})
         SELECT count(v) AS n, sum(v)::text AS total, max(v)::text AS highest, COALESCE(sum(x), 0)::text AS precise,
                ${metric.aggregationType === 'latest_agg' ? '(SELECT v::text FROM s WHERE v IS NOT NULL ORDER BY ts DESC, tx COLLATE "C" DESC LIMIT 1)' : 'NULL'} AS last
         FROM s`,
        p.values,
      );
      const eventsCount = Number(row!.n);
      let units: Dec;
      if (metric.aggregationType === 'sum_agg') units = decimal(row!.total);
      else if (metric.aggregationType === 'max_agg') units = decimal(row!.highest);
      else units = Dec.max(decimal(row!.last), 0);
      const eventValues = withValues && eventsCount > 0 ? await numericValues(db, scope, lowerBound, window.toMs, field, options) : [];
      if (metric.aggregationType === 'sum_agg') return { units, eventsCount, eventValues, preciseTotalAmountCents: decimal(row!.precise) };
      return { units, eventsCount, eventValues };
    }
    case 'unique_count_agg': {
      const text = propertyTextSql(p.add(fieldOf(metric)));
      const where = selectionSql(p, scope, lowerBound, window.toMs, options);
      const [row] = await queryRows<{ n: bigint; units: bigint }>(
        db,
        `WITH s AS (
           SELECT ${text} AS t, COALESCE(properties -> 'operation_type' = '"remove"'::jsonb, FALSE) AS rm,
                  "timestamp" AS ts, transaction_id AS tx
           FROM events WHERE ${where})
         SELECT (SELECT count(*) FROM s WHERE t IS NOT NULL) AS n,
                (SELECT count(*) FROM (SELECT DISTINCT ON (t) rm FROM s WHERE t IS NOT NULL ORDER BY t, ts DESC, tx COLLATE "C" DESC) l
                 WHERE NOT l.rm) AS units`,
        p.values,
      );
      return { units: new Dec(Number(row!.units)), eventsCount: Number(row!.n), eventValues: [] };
    }
    case 'weighted_sum_agg': {
      if (metric.weightedInterval !== null && metric.weightedInterval !== 'seconds') {
        throw new RangeError(`Unknown weighted_interval ${String(metric.weightedInterval)}`);
      }
      const field = fieldOf(metric);
      const value = numericPropertySql(p.add(field));
      const from = p.add(new Date(window.fromMs).toISOString());
      const end = p.add(String(window.toMs + 1));
      const where = selectionSql(p, scope, metric.recurring ? null : window.fromMs, window.toMs, options);
      const [row] = await queryRows<{ n: bigint; before: string; area: string }>(
        db,
        `WITH s AS (SELECT "timestamp" AS ts, ${value} AS v FROM events WHERE ${where})
         SELECT count(v) FILTER (WHERE ts >= ${from}::timestamptz) AS n,
                COALESCE(sum(v) FILTER (WHERE ts < ${from}::timestamptz), 0)::text AS before,
                COALESCE(sum(v * (${end}::numeric - extract(epoch FROM ts) * 1000)) FILTER (WHERE ts >= ${from}::timestamptz), 0)::text AS area
         FROM s`,
        p.values,
      );
      const initial = metric.recurring ? decimal(row!.before) : new Dec(0);
      const area = initial.times(window.toMs + 1 - window.fromMs).plus(decimal(row!.area));
      const units = area.dividedBy(new Dec(window.fullDays).times(DAY_MS));
      const eventsCount = Number(row!.n);
      const eventValues = withValues && eventsCount > 0 ? await numericValues(db, scope, window.fromMs, window.toMs, field, options) : [];
      return { units, eventsCount, eventValues };
    }
    default: {
      const unknown: never = metric.aggregationType;
      throw new RangeError(`Unknown aggregation type ${String(unknown)}`);
    }
  }
}

/**
 * The SQL twin of the core's `aggregate(metric, events, window, options)` over the stored events of
 * `scope`: same units (after rounding), events count and, with `withEventValues`, event values.
 */
export async function aggregateUsage(
  db: Db,
  scope: UsageScope,
  metric: MetricDefinition,
  window: AggregationWindow,
  options: AggregateUsageOptions = {},
): Promise<AggregationResult> {
  validateWindow(window);
  assertMetric(metric);
  const result = await unrounded(db, scope, metric, window, options);
  return { ...result, units: applyRounding(result.units, metric) };
}

/**
 * The pricing groups of a window (the core's `groupsInWindow`): the distinct tuples of the keys'
 * texts among the events the metric's aggregation reads, in `compareGroups` order.
 */
export async function usageGroups(
  db: Db,
  scope: UsageScope,
  metric: MetricDefinition,
  window: Pick<AggregationWindow, 'fromMs' | 'toMs'>,
  selection: EventSelection,
  keys: readonly string[],
): Promise<GroupValues[]> {
  assertGroupKeys(keys);
  const p = new Params();
  const texts = keys.map((key, i) => `${propertyTextSql(p.add(key))} AS g${i}`);
  const where = selectionSql(p, scope, metric.recurring ? null : window.fromMs, window.toMs, selection);
  const rows = await queryRows<Record<string, string | null>>(db, `SELECT DISTINCT ${texts.join(', ')} FROM events WHERE ${where}`, p.values);
  return rows
    .map((row) => Object.fromEntries(keys.map((key, i) => [key, row[`g${i}`] ?? null])) as GroupValues)
    .sort((a, b) => compareGroups(a, b, keys));
}

/** The stored events of `scope` in [fromMs (or the beginning), toMs] the selection takes, in order. */
export async function selectUsageEvents(
  db: Db,
  scope: UsageScope,
  fromMs: number | null,
  toMs: number,
  selection: EventSelection = {},
): Promise<UsageEvent[]> {
  const p = new Params();
  const where = selectionSql(p, scope, fromMs, toMs, selection);
  const rows = await queryRows<{ transaction_id: string; timestamp: Date; properties: Record<string, unknown>; precise_total_amount_cents: string | null }>(
    db,
    `SELECT transaction_id, "timestamp", properties, precise_total_amount_cents::text AS precise_total_amount_cents FROM events WHERE ${where} ORDER BY "timestamp", transaction_id COLLATE "C"`,
    p.values,
  );
  return rows.map((row) => ({ transactionId: row.transaction_id, timestamp: row.timestamp.getTime(), properties: row.properties, preciseTotalAmountCents: row.precise_total_amount_cents }));
}

/**
 * Prorated units of a recurring sum or unique count (seats): the window's history is small, so
 * it is fetched and priced by the core's `proratedUnits`, the one implementation of its day rules.
 */
export async function proratedUsage(
  db: Db,
  scope: UsageScope,
  metric: MetricDefinition,
  window: AggregationWindow,
  options: ProrationOptions = {},
): Promise<ProratedResult & { eventsCount: number }> {
  validateWindow(window);
  const endMs = options.terminatedAtMs === undefined ? window.toMs : Math.min(window.toMs, options.terminatedAtMs);
  const events = await selectUsageEvents(db, scope, null, endMs, options);
  const result = proratedUnits(metric, events, window, options);
  const field = fieldOf(metric);
  const counted = metric.aggregationType === 'sum_agg'
    ? events.filter((event) => numericProperty(event, field) !== null)
    : events.filter((event) => propertyText(event.properties[field]) !== null);
  return { ...result, eventsCount: counted.length };
}

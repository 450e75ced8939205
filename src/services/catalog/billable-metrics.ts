/**
 * Billable metrics: created, changed and (softly) deleted by code. The same rules check a new
 * metric and the result of an update (reference §1.1, §2):
 * - field_name is required unless count_agg, and nulled for count_agg;
 * - recurring is refused for count/max/latest; weighted_interval ("seconds") is required for
 *   weighted_sum_agg and dropped for the others;
 * - the legacy `recurring_count_agg` is stored as unique_count_agg + recurring (DESIGN.md §5);
 * - `expression` (Lago's expression language, src/billing/expressions) must parse
 *   (`invalid_expression`) and needs a field to store its result in, so count_agg takes none
 *   (`not_compatible_with_aggregation_type`); events are evaluated once, at ingestion (an event
 *   stored before a change keeps the value it was given, as in Lago); blank means none;
 * - a metric used by charges may only change in ways its charges accept;
 * - filters: keys unique, values sorted; narrowing them prunes the charge filters that used what
 *   was removed (as Lago does).
 * Deleting a metric soft-deletes the charges on it as well (Lago's behaviour): plans stop billing it.
 * `billable_metric.created`, `.updated` and `.deleted` are recorded in the transaction of the change.
 */
import type { Conn, Db, Tx } from '../../db/knex';
import {
  findBillableMetricByCode,
  insertBillableMetric,
  listLiveBillableMetrics,
  lockBillableMetric,
  softDeleteBillableMetric,
  updateBillableMetric,
  type BillableMetricFields,
  type BillableMetricRow,
  type MetricFilter,
} from '../../db/billable-metrics';
import { liveChargesOfMetric, softDeleteChargesOfMetric, updateCharge, type ChargeFilter } from '../../db/charges';
import { invalidField, notFound, Problems } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import type { AggregationType } from '../../billing/types';
import { serializeBillableMetric } from '../../serializers/billable-metric';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { chargeCompatibilityProblems } from './charge-rules';
import { ExpressionError, evaluateExpressionText, parseExpression, textOf } from '../../billing/expressions';
import { uniqueCode } from './unique-code';

/** The legacy seat aggregation, stored as unique_count_agg + recurring (DESIGN.md §5). */
export const LEGACY_RECURRING_COUNT = 'recurring_count_agg';

/** The charge-filter value meaning "any value of this key" (Lago's wildcard). */
export const ALL_FILTER_VALUES = '__ALL_FILTER_VALUES__';

export interface CreateBillableMetricInput {
  name: string;
  code: string;
  description?: string | null;
  aggregation_type: AggregationType | typeof LEGACY_RECURRING_COUNT;
  field_name?: string | null;
  recurring?: boolean | null;
  weighted_interval?: 'seconds' | null;
  rounding_function?: 'round' | 'ceil' | 'floor' | null;
  rounding_precision?: number | null;
  /** Computes the aggregated field from each event at ingestion (src/billing/expressions); blank means none. */
  expression?: string | null;
  filters?: MetricFilter[] | null;
}

export type UpdateBillableMetricInput = Partial<CreateBillableMetricInput>;

const NOT_RECURRING: readonly AggregationType[] = ['count_agg', 'max_agg', 'latest_agg'];

/** Validates the merged input and returns the columns to store, or throws the 422. */
function metricFields(input: UpdateBillableMetricInput, current?: BillableMetricRow): BillableMetricFields {
  const problems = new Problems();
  const pick = <K extends keyof UpdateBillableMetricInput & keyof BillableMetricRow>(key: K) =>
    (input[key] !== undefined ? input[key] : current?.[key]) as UpdateBillableMetricInput[K] | BillableMetricRow[K] | undefined;

  const legacy = input.aggregation_type === LEGACY_RECURRING_COUNT;
  const aggregationType = (legacy ? 'unique_count_agg' : (input.aggregation_type ?? current?.aggregation_type)) as AggregationType;
  const recurring = legacy ? true : Boolean(pick('recurring'));
  if (legacy && input.recurring === false) problems.add('recurring', 'not_compatible_with_aggregation_type');
  if (recurring && NOT_RECURRING.includes(aggregationType)) problems.add('recurring', 'not_compatible_with_aggregation_type');

  let fieldName = pick('field_name') ?? null;
  if (aggregationType === 'count_agg') fieldName = null;
  else if (!fieldName) problems.add('field_name', 'value_is_mandatory');

  let weightedInterval = pick('weighted_interval') ?? null;
  if (aggregationType !== 'weighted_sum_agg') weightedInterval = null;
  else if (!weightedInterval) problems.add('weighted_interval', 'value_is_mandatory');

  const rawExpression = pick('expression');
  const expression = typeof rawExpression === 'string' && rawExpression.trim() !== '' ? rawExpression : null;
  if (expression !== null) {
    if (aggregationType === 'count_agg') problems.add('expression', 'not_compatible_with_aggregation_type');
    try {
      parseExpression(expression);
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      problems.add('expression', 'invalid_expression');
    }
  }

  const filters = normalizedFilters(pick('filters') ?? [], problems);
  problems.throwIfAny();

  const roundingFunction = pick('rounding_function') ?? null;
  return {
    code: pick('code') as string,
    name: pick('name') as string,
    description: pick('description') ?? null,
    aggregation_type: aggregationType,
    field_name: fieldName,
    recurring,
    weighted_interval: weightedInterval as BillableMetricRow['weighted_interval'],
    rounding_function: roundingFunction as BillableMetricRow['rounding_function'],
    rounding_precision: roundingFunction ? (pick('rounding_precision') ?? 0) : (pick('rounding_precision') ?? null),
    expression,
    filters,
    legacy_recurring_count:
      (input.aggregation_type !== undefined ? legacy : (current?.legacy_recurring_count ?? false)) && recurring && aggregationType === 'unique_count_agg',
  };
}

function normalizedFilters(filters: readonly MetricFilter[], problems: Problems): MetricFilter[] {
  const seen = new Set<string>();
  filters.forEach((filter, index) => {
    if (seen.has(filter.key)) problems.add(`filters.${index}.key`, 'value_already_exist');
    seen.add(filter.key);
  });
  return filters.map((filter) => ({ key: filter.key, values: [...new Set(filter.values)].sort() }));
}

/** The metric's webhook, with the metric as the API shows it; answers the metric. */
async function recorded(trx: Tx, webhookType: 'billable_metric.created' | 'billable_metric.updated' | 'billable_metric.deleted', metric: BillableMetricRow): Promise<BillableMetricRow> {
  await recordWebhookEvent(trx, { organizationId: metric.organization_id, webhookType, objectType: 'billable_metric', object: serializeBillableMetric(metric) });
  return metric;
}

export async function createBillableMetric(db: Db, organizationId: string, input: CreateBillableMetricInput): Promise<BillableMetricRow> {
  const fields = metricFields(input);
  return uniqueCode(() => db.transaction(async (trx) => recorded(trx, 'billable_metric.created', await insertBillableMetric(trx, organizationId, fields))));
}

export async function getBillableMetric(db: Conn, organizationId: string, code: string): Promise<BillableMetricRow> {
  const metric = await findBillableMetricByCode(db, organizationId, code);
  if (!metric) throw notFound('billable_metric');
  return metric;
}

export async function listBillableMetrics(db: Db, organizationId: string, page: Page): Promise<Paginated<BillableMetricRow>> {
  return listLiveBillableMetrics(db, organizationId, page);
}

export async function updateBillableMetricByCode(db: Db, organizationId: string, code: string, input: UpdateBillableMetricInput): Promise<BillableMetricRow> {
  return uniqueCode(() =>
    db.transaction(async (trx) => {
      const current = await getBillableMetric(trx, organizationId, code);
      await lockBillableMetric(trx, current.id);
      const fields = metricFields(input, current);
      const charges = await liveChargesOfMetric(trx, current.id);
      const problems = new Problems();
      for (const charge of charges) {
        for (const [field, problem] of chargeCompatibilityProblems(fields, charge)) {
          problems.add(field === 'charge_model' ? 'aggregation_type' : field, problem);
        }
      }
      problems.throwIfAny();
      for (const charge of charges) {
        const kept = prunedChargeFilters(charge.filters, fields.filters);
        if (kept.length !== charge.filters.length || kept.some((filter, i) => filter !== charge.filters[i])) {
          await updateCharge(trx, charge.id, { filters: kept });
        }
      }
      return recorded(trx, 'billable_metric.updated', await updateBillableMetric(trx, current.id, fields));
    }),
  );
}

/** Charge filters keep only the keys and values the metric still has; an emptied filter goes. */
function prunedChargeFilters(filters: readonly ChargeFilter[], metricFilters: readonly MetricFilter[]): ChargeFilter[] {
  const allowed = new Map(metricFilters.map((filter) => [filter.key, new Set(filter.values)]));
  const result: ChargeFilter[] = [];
  for (const filter of filters) {
    const entries = Object.entries(filter.values);
    const values = Object.fromEntries(
      entries
        .filter(([key]) => allowed.has(key))
        .map(([key, list]) => [key, list.filter((value) => value === ALL_FILTER_VALUES || allowed.get(key)!.has(value))] as const)
        .filter(([, list]) => list.length > 0),
    );
    const unchanged = Object.keys(values).length === entries.length && entries.every(([key, list]) => values[key]!.length === list.length);
    if (unchanged) result.push(filter);
    else if (Object.keys(values).length > 0) result.push({ ...filter, values });
  }
  return result;
}

export async function deleteBillableMetricByCode(db: Db, organizationId: string, code: string): Promise<BillableMetricRow> {
  return db.transaction(async (trx) => {
    const metric = await getBillableMetric(trx, organizationId, code);
    await softDeleteChargesOfMetric(trx, metric.id);
    return recorded(trx, 'billable_metric.deleted', await softDeleteBillableMetric(trx, metric.id));
  });
}

export interface EvaluateExpressionInput {
  expression?: string | null;
  event?: {
    code?: string | null;
    /** Unix seconds (a number or a numeric string); absent: now. */
    timestamp?: number | string | null;
    properties?: Record<string, unknown> | null;
  } | null;
}

/**
 * `POST /billable_metrics/evaluate_expression`: an expression tried on a sample event, as Lago's
 * `BillableMetrics::EvaluateExpressionService`: a blank expression is `value_is_mandatory`, one
 * that does not parse `invalid_expression`, one the event cannot satisfy `event: invalid_event`.
 * The value is a number's plain decimal text or the string computed.
 */
export function evaluateMetricExpression(input: EvaluateExpressionInput, nowMs: number): { value: string } {
  const expression = typeof input.expression === 'string' ? input.expression : '';
  if (expression.trim() === '') throw invalidField('expression', 'value_is_mandatory');
  try {
    parseExpression(expression);
  } catch (error) {
    if (error instanceof ExpressionError) throw invalidField('expression', 'invalid_expression');
    throw error;
  }
  const event = input.event ?? {};
  const timestamp = event.timestamp;
  const seconds = timestamp === undefined || timestamp === null ? null : Number(timestamp);
  if (seconds !== null && (!Number.isFinite(seconds) || (typeof timestamp === 'string' && !/^\d+(\.\d+)?$/.test(timestamp)))) throw invalidField('event', 'invalid_event');
  try {
    const value = evaluateExpressionText(expression, { code: event.code ?? '', timestampMs: seconds === null ? nowMs : Math.floor(seconds) * 1000, properties: event.properties ?? {} });
    return { value: textOf(value) };
  } catch (error) {
    if (error instanceof ExpressionError) throw invalidField('event', 'invalid_event');
    throw error;
  }
}

/**
 * The charges sent with a plan, checked against their metrics and turned into rows to write
 * (reference §1.2, §2, §3). Errors are keyed `charges.<index>.<field>`, and properties errors
 * `charges.<index>.properties.<field>` (`charges.<index>.filters.<j>.properties.<field>` for a
 * filter's), with the charge models' codes (`invalid_amount`, `invalid_graduated_ranges`, …).
 *
 * On a plan update an entry with `id` updates that charge (what it omits is kept), an entry
 * without creates one, and live charges absent from the array are removed.
 */
import { randomUUID } from 'node:crypto';
import type { Conn } from '../../db/knex';
import { ChargePropertiesError, groupKeysProblems, parseChargeProperties, pricingGroupKeysOf } from '../../billing/charge-models';
import type { ChargeModelName } from '../../billing/types';
import { findBillableMetricsByIds, type BillableMetricRow } from '../../db/billable-metrics';
import type { ChargeFields, ChargeFilter, ChargeRow } from '../../db/charges';
import { findTaxesByCodes } from '../../db/taxes';
import { forbidden, isUuid, Problems } from '../../runtime/errors';
import { isRecord } from '../../billing/charge-models/fields';
import { ALL_FILTER_VALUES } from './billable-metrics';
import { chargeCompatibilityProblems, proratedAllowed } from './charge-rules';

export interface ChargeFilterInput {
  /** The filter this entry keeps, whatever its values become (the nested filter routes send it; PUT /plans does not). */
  id?: string | null;
  invoice_display_name?: string | null;
  /** Checked against the charge model here (parseChargeProperties). */
  properties?: unknown;
  /** Metric filter key → the values this filter matches. */
  values: Record<string, string[]>;
}

/**
 * A charge as sent in a plan. On create, billable_metric_id and charge_model are required (the
 * problems name the index); on update an entry with `id` keeps what it does not send.
 */
export interface ChargeInput {
  id?: string | null;
  billable_metric_id?: string | null;
  charge_model?: ChargeModelName | null;
  code?: string | null;
  pay_in_advance?: boolean | null;
  invoiceable?: boolean | null;
  prorated?: boolean | null;
  min_amount_cents?: bigint | null;
  regroup_paid_fees?: 'invoice' | null;
  invoice_display_name?: string | null;
  /** Checked against the charge model here (parseChargeProperties). */
  properties?: unknown;
  filters?: ChargeFilterInput[] | null;
  tax_codes?: string[] | null;
  /** Premium in Lago and not supported by Billow: anything but null is refused (403). */
  applied_pricing_unit?: unknown;
}

/** A charge ready to write: `current` is set when it updates an existing charge. */
export interface PreparedCharge {
  current?: ChargeRow;
  fields: ChargeFields;
  /** Tax ids to link; undefined keeps the current links. */
  taxIds?: string[];
}

const GROUP_KEYS = ['pricing_group_keys', 'grouped_by', 'presentation_group_keys'];
const RANGE_KEYS = ['from_value', 'to_value', 'per_unit_amount', 'flat_amount'];
const MODEL_KEYS: Record<ChargeModelName, string[]> = {
  standard: ['amount'],
  package: ['amount', 'package_size', 'free_units'],
  graduated: ['graduated_ranges'],
  volume: ['volume_ranges'],
  percentage: ['rate', 'fixed_amount', 'free_units_per_events', 'free_units_per_total_aggregation', 'per_transaction_min_amount', 'per_transaction_max_amount'],
  graduated_percentage: ['graduated_percentage_ranges'],
  dynamic: [],
};
const RANGE_FIELDS: Partial<Record<string, string[]>> = {
  graduated_ranges: RANGE_KEYS,
  volume_ranges: RANGE_KEYS,
  graduated_percentage_ranges: ['from_value', 'to_value', 'rate', 'flat_amount'],
};

function pickKeys(raw: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => raw[key] !== undefined).map((key) => [key, raw[key]]));
}

/**
 * Validates `raw` for the model (problems under `prefix`) and returns what to store: the model's
 * own keys (ranges reduced to their fields) and the grouping keys, as sent.
 */
function checkedProperties(model: ChargeModelName, raw: unknown, prefix: string, problems: Problems): Record<string, unknown> {
  try {
    parseChargeProperties(model, raw);
  } catch (error) {
    if (!(error instanceof ChargePropertiesError)) throw error;
    for (const [field, codes] of Object.entries(error.details)) {
      const key = field === 'properties' ? prefix : `${prefix}.${field}`;
      for (const code of codes) problems.add(key, code);
    }
    return {};
  }
  const properties = isRecord(raw) ? raw : {};
  const stored = pickKeys(properties, MODEL_KEYS[model]);
  for (const [key, fields] of Object.entries(RANGE_FIELDS)) {
    if (Array.isArray(stored[key])) stored[key] = (stored[key] as Record<string, unknown>[]).map((range) => pickKeys(range, fields!));
  }
  const groupProblems = groupKeysProblems(properties);
  for (const [field, code] of groupProblems) problems.add(`${prefix}.${field}`, code);
  for (const key of GROUP_KEYS) {
    const value = properties[key];
    if (value !== undefined && value !== null && groupProblems.every(([field]) => field !== key)) stored[key] = value;
  }
  return stored;
}

function canonicalValues(values: Record<string, string[]>): string {
  return JSON.stringify(Object.keys(values).sort().map((key) => [key, [...values[key]!].sort()]));
}

function checkedFilters(
  inputs: readonly ChargeFilterInput[],
  metric: BillableMetricRow,
  model: ChargeModelName,
  existing: readonly ChargeFilter[],
  prefix: string,
  problems: Problems,
): ChargeFilter[] {
  const metricValues = new Map(metric.filters.map((filter) => [filter.key, new Set(filter.values)]));
  const existingByValues = new Map(existing.map((filter) => [canonicalValues(filter.values), filter]));
  const seen = new Set<string>();
  return inputs.map((input, j) => {
    const at = `${prefix}.filters.${j}`;
    const entries = Object.entries(input.values);
    if (entries.length === 0) problems.add(`${at}.values`, 'value_is_mandatory');
    for (const [key, values] of entries) {
      const allowed = metricValues.get(key);
      if (!allowed || values.some((value) => value !== ALL_FILTER_VALUES && !allowed.has(value))) problems.add(`${at}.values`, 'value_is_invalid');
    }
    const values = Object.fromEntries(entries.map(([key, list]) => [key, [...new Set(list)].sort()]));
    const canonical = canonicalValues(values);
    if (seen.has(canonical)) problems.add(`${at}.values`, 'value_already_exist');
    seen.add(canonical);
    const kept = existing.find((filter) => filter.id === input.id);
    return {
      id: kept?.id ?? existingByValues.get(canonical)?.id ?? randomUUID(),
      invoice_display_name: input.invoice_display_name ?? null,
      properties: checkedProperties(model, input.properties, `${at}.properties`, problems),
      values,
    };
  });
}

/**
 * Checks every charge and returns the rows to write; throws one 422 listing every problem.
 * `existing` are the plan's live charges (empty on create).
 */
export async function prepareCharges(
  db: Conn,
  organizationId: string,
  inputs: readonly ChargeInput[],
  existing: readonly ChargeRow[],
  problems: Problems,
): Promise<PreparedCharge[]> {
  if (inputs.some((input) => input.applied_pricing_unit !== undefined && input.applied_pricing_unit !== null)) throw forbidden('feature_unavailable');
  const existingById = new Map(existing.map((charge) => [charge.id, charge]));
  const metricIds = inputs.map((input) => input.billable_metric_id).filter(isUuid);
  const metrics = new Map((await findBillableMetricsByIds(db, organizationId, [...metricIds, ...existing.map((c) => c.billable_metric_id)])).map((m) => [m.id, m]));
  const taxIdsByCode = new Map(
    (await findTaxesByCodes(db, organizationId, inputs.flatMap((input) => input.tax_codes ?? []))).map((tax) => [tax.code, tax.id]),
  );

  const prepared: (PreparedCharge & { index: number; metric: BillableMetricRow })[] = [];
  const usedIds = new Set<string>();
  inputs.forEach((input, index) => {
    const prefix = `charges.${index}`;
    const before = problemCount(problems);
    let current: ChargeRow | undefined;
    if (input.id !== undefined && input.id !== null) {
      current = existingById.get(input.id);
      if (!current || usedIds.has(input.id)) {
        problems.add(`${prefix}.id`, 'charge_not_found');
        return;
      }
      usedIds.add(input.id);
    }

    const metricId = input.billable_metric_id ?? current?.billable_metric_id;
    if (!metricId) problems.add(`${prefix}.billable_metric_id`, 'value_is_mandatory');
    else if (current && metricId !== current.billable_metric_id) {
      problems.add(`${prefix}.billable_metric_id`, 'value_is_invalid');
      return;
    }
    const metric = metricId ? metrics.get(metricId) : undefined;
    if (metricId && !metric) problems.add(`${prefix}.billable_metric_id`, 'billable_metric_not_found');

    const model = input.charge_model ?? current?.charge_model;
    if (!model) problems.add(`${prefix}.charge_model`, 'value_is_mandatory');
    if (!metric || !model) return;

    const payInAdvance = input.pay_in_advance ?? current?.pay_in_advance ?? false;
    const invoiceable = input.invoiceable ?? current?.invoiceable ?? true;
    // A legacy recurring_count_agg metric means prorated seats: its charges default to prorated.
    const prorated = input.prorated ?? current?.prorated ?? (metric.legacy_recurring_count && proratedAllowed(metric, model, payInAdvance));
    for (const [field, code] of chargeCompatibilityProblems(metric, { charge_model: model, pay_in_advance: payInAdvance, prorated })) {
      problems.add(`${prefix}.${field}`, code);
    }
    if (!invoiceable && !payInAdvance) problems.add(`${prefix}.invoiceable`, 'must_be_true_unless_pay_in_advance');
    const regroupPaidFees = input.regroup_paid_fees !== undefined ? input.regroup_paid_fees : (current?.regroup_paid_fees ?? null);
    if (regroupPaidFees && (!payInAdvance || invoiceable)) problems.add(`${prefix}.regroup_paid_fees`, 'value_is_invalid');
    // A spending minimum is trued up at the period's close, on usage billed in arrears (Lago's Charge#validate_min_amount_cents); null sets 0, as Lago's update does.
    const minAmountCents = input.min_amount_cents !== undefined ? (input.min_amount_cents ?? 0n) : (current?.min_amount_cents ?? 0n);
    if (payInAdvance && minAmountCents > 0n) problems.add(`${prefix}.min_amount_cents`, 'not_compatible_with_pay_in_advance');

    const sameModel = current !== undefined && current.charge_model === model;
    const rawProperties = input.properties !== undefined ? input.properties : sameModel ? current!.properties : {};
    const properties = checkedProperties(model, rawProperties, `${prefix}.properties`, problems);
    // Filters kept from before are checked again: their properties must suit a changed model.
    const filterInputs = input.filters !== undefined ? (input.filters ?? []) : (current?.filters ?? []);
    const filters = checkedFilters(filterInputs, metric, model, current?.filters ?? [], prefix, problems);
    // Pay-in-advance fees are priced per event without groups: grouped pricing is for charges in arrears.
    if (payInAdvance && pricingGroupKeysOf(properties).length > 0) problems.add(`${prefix}.properties.pricing_group_keys`, 'feature_not_supported');
    filters.forEach((filter, j) => {
      if (payInAdvance && pricingGroupKeysOf(filter.properties).length > 0) problems.add(`${prefix}.filters.${j}.properties.pricing_group_keys`, 'feature_not_supported');
    });

    let taxIds: string[] | undefined;
    if (input.tax_codes !== undefined && input.tax_codes !== null) {
      taxIds = [...new Set(input.tax_codes)].map((code) => taxIdsByCode.get(code) ?? '');
      if (taxIds.includes('')) problems.add(`${prefix}.tax_codes`, 'tax_not_found');
    } else if (input.tax_codes === null || !current) {
      taxIds = [];
    }

    if (problemCount(problems) !== before) return;
    prepared.push({
      index,
      metric,
      current,
      taxIds,
      fields: {
        billable_metric_id: metric.id,
        code: input.code ?? current?.code ?? '',
        charge_model: model,
        properties,
        filters,
        pay_in_advance: payInAdvance,
        invoiceable,
        prorated,
        min_amount_cents: minAmountCents,
        invoice_display_name: input.invoice_display_name !== undefined ? input.invoice_display_name : (current?.invoice_display_name ?? null),
        regroup_paid_fees: regroupPaidFees as ChargeRow['regroup_paid_fees'],
      },
    });
  });

  assignCodes(prepared, problems);
  return prepared.map(({ current, fields, taxIds }) => ({ current, fields, taxIds }));
}

function problemCount(problems: Problems): number {
  return Object.values(problems.details).reduce((sum, codes) => sum + codes.length, 0);
}

/** Codes are unique per plan: a repeated code is refused; a missing one is the metric's code (then `_2`, `_3`, …). */
function assignCodes(charges: { index: number; metric: BillableMetricRow; fields: ChargeFields }[], problems: Problems): void {
  const used = new Set<string>();
  for (const charge of charges) {
    if (!charge.fields.code) continue;
    if (used.has(charge.fields.code)) problems.add(`charges.${charge.index}.code`, 'value_already_exist');
    used.add(charge.fields.code);
  }
  for (const charge of charges) {
    if (charge.fields.code) continue;
    let code = charge.metric.code;
    for (let n = 2; used.has(code); n += 1) code = `${charge.metric.code}_${n}`;
    charge.fields.code = code;
    used.add(code);
  }
}

/**
 * Lago's CustomerUsageObject for a closed period (`usage_periods[]` of past usage): the shape of
 * current usage, built from the fees billed. A charge's line adds its fees (one per filter bucket);
 * its `filters` list each bucket when the charge has filters, as current usage does.
 */
import type { z } from 'zod';
import type { UsageFeeRow, UsagePeriodRow } from '../db/past-usage';
import { Dec, toDecimalString } from '../billing/money';
import { cents, decimalString, isoSeconds, responseSchemas, wire } from './common';
import { breakdownsJson, customerUsageSchema } from './usage';

/** A closed period's usage: current usage's shape, from the fees of the invoice that billed it. */
export const pastUsageSchema = customerUsageSchema.extend({
  /** The finalized invoice that closed the period. */
  lago_invoice_id: wire.uuid,
}).register(responseSchemas, { id: 'PastUsagePeriod' });
export type PastUsageJson = z.output<typeof pastUsageSchema>;

export interface PastUsageView {
  period: UsagePeriodRow;
  fees: UsageFeeRow[];
}

const sum = (values: readonly bigint[]) => values.reduce((total, value) => total + value, 0n);
const sumDec = (values: readonly string[]) => values.reduce((total, value) => total.plus(value), new Dec(0));

/** The filter of a bucket fee (`…:charge:<charge id>:<filter id>[:group:<values>]`), null for the default bucket. */
function filterOf(fee: UsageFeeRow) {
  const match = /:charge:[0-9a-f-]{36}:([0-9a-f-]{36})(?::group:.*)?$/.exec(fee.fee_key);
  return match ? fee.charge_filters.find((filter) => filter.id === match[1]) ?? null : null;
}

/** The default bucket first, then the charge's filters in their order. */
function bucketOrder(fee: UsageFeeRow): number {
  const filter = filterOf(fee);
  return filter === null ? -1 : fee.charge_filters.indexOf(filter);
}

type UsageFilterJson = PastUsageJson['charges_usage'][number]['filters'][number];

/** One filter entry per bucket fee, the default bucket first. */
function filtersOf(fees: readonly UsageFeeRow[]): UsageFilterJson[] {
  return [...fees].sort((a, b) => bucketOrder(a) - bucketOrder(b)).map((fee) => filterEntry(filterOf(fee), [fee]));
}

function filterEntry(filter: ReturnType<typeof filterOf>, fees: readonly UsageFeeRow[]): UsageFilterJson {
  const units = decimalString(toDecimalString(sumDec(fees.map((fee) => fee.units))));
  return {
    units,
    total_aggregated_units: units,
    amount_cents: cents(sum(fees.map((fee) => fee.amount_cents))),
    events_count: fees.reduce((total, fee) => total + fee.events_count, 0),
    invoice_display_name: filter?.invoice_display_name ?? null,
    values: filter?.values ?? null,
    presentation_breakdowns: breakdownsOf(fees),
  };
}

/** The fees' presentation breakdowns, summed by presentation values. */
function breakdownsOf(fees: readonly UsageFeeRow[]) {
  return breakdownsJson(fees.map((fee) => (fee.presentation_breakdowns ?? []).map((item) => ({ presentationBy: item.presentation_by, units: new Dec(item.units) }))));
}

/** A grouped charge's buckets: each bucket's fees (one per group) summed, the default bucket first. */
function bucketTotals(fees: readonly UsageFeeRow[]): UsageFilterJson[] {
  const byBucket = new Map<number, UsageFeeRow[]>();
  for (const fee of [...fees].sort((a, b) => bucketOrder(a) - bucketOrder(b))) byBucket.set(bucketOrder(fee), [...(byBucket.get(bucketOrder(fee)) ?? []), fee]);
  return [...byBucket.values()].map((bucket) => filterEntry(filterOf(bucket[0]!), bucket));
}

/** The grouped fees by group (as current usage lists them): each group's fees summed, with its filters when the charge has some. */
function groupedUsage(fees: readonly UsageFeeRow[], filtered: boolean): PastUsageJson['charges_usage'][number]['grouped_usage'] {
  const byGroup = new Map<string, UsageFeeRow[]>();
  for (const fee of fees) {
    const identity = JSON.stringify(Object.entries(fee.grouped_by!));
    byGroup.set(identity, [...(byGroup.get(identity) ?? []), fee]);
  }
  return [...byGroup.values()].map((group) => {
    const units = decimalString(toDecimalString(sumDec(group.map((fee) => fee.units))));
    return {
      amount_cents: cents(sum(group.map((fee) => fee.amount_cents))),
      events_count: group.reduce((total, fee) => total + fee.events_count, 0),
      units,
      total_aggregated_units: units,
      pricing_unit_details: null,
      grouped_by: group[0]!.grouped_by!,
      filters: filtered ? filtersOf(group) : [],
      presentation_breakdowns: breakdownsOf(group),
    };
  });
}

export function serializePastUsage({ period, fees }: PastUsageView): PastUsageJson {
  const byCharge = new Map<string, UsageFeeRow[]>();
  for (const fee of fees) byCharge.set(fee.charge_id!, [...(byCharge.get(fee.charge_id!) ?? []), fee]);
  const amount = sum(fees.map((fee) => fee.amount_cents));
  const taxes = sum(fees.map((fee) => fee.taxes_amount_cents));
  return {
    from_datetime: isoSeconds(period.charges_from_datetime),
    to_datetime: isoSeconds(period.charges_to_datetime),
    issuing_date: period.issuing_date,
    currency: period.currency,
    amount_cents: cents(amount),
    taxes_amount_cents: cents(taxes),
    total_amount_cents: cents(amount + taxes),
    lago_invoice_id: period.invoice_id,
    charges_usage: [...byCharge.values()].map((chargeFees) => {
      const first = chargeFees[0]!;
      const units = decimalString(toDecimalString(sumDec(chargeFees.map((fee) => fee.units))));
      const filtered = chargeFees.some((fee) => filterOf(fee) !== null);
      return {
        units,
        total_aggregated_units: units,
        events_count: chargeFees.reduce((total, fee) => total + fee.events_count, 0),
        amount_cents: cents(sum(chargeFees.map((fee) => fee.amount_cents))),
        amount_currency: period.currency,
        pricing_unit_details: null,
        charge: { lago_id: first.charge_id!, code: first.charge_code, charge_model: first.charge_model, invoice_display_name: first.charge_invoice_display_name },
        billable_metric: {
          lago_id: first.billable_metric_id, name: first.billable_metric_name, code: first.billable_metric_code, aggregation_type: first.billable_metric_aggregation_type,
        },
        filters: filtered ? filtersOf(chargeFees.filter((fee) => !fee.grouped_by)).concat(bucketTotals(chargeFees.filter((fee) => fee.grouped_by))) : [],
        grouped_usage: groupedUsage(chargeFees.filter((fee) => fee.grouped_by), filtered),
        presentation_breakdowns: breakdownsOf(chargeFees),
      };
    }),
  };
}

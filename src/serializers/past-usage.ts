/**
 * Lago's CustomerUsageObject for a closed period (`usage_periods[]` of past usage): the shape of
 * current usage, built from the fees billed. A charge's line adds its fees (one per filter bucket);
 * its `filters` list each bucket when the charge has filters, as current usage does.
 */
import type { z } from 'zod';
import type { UsageFeeRow, UsagePeriodRow } from '../db/past-usage';
import { Dec, toDecimalString } from '../billing/money';
import { cents, decimalString, isoSeconds, responseSchemas, wire } from './common';
import { customerUsageSchema } from './usage';

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

/** The filter of a bucket fee (`…:charge:<charge id>:<filter id>`), null for the default bucket. */
function filterOf(fee: UsageFeeRow) {
  const match = /:charge:[0-9a-f-]{36}:([0-9a-f-]{36})$/.exec(fee.fee_key);
  return match ? fee.charge_filters.find((filter) => filter.id === match[1]) ?? null : null;
}

/** The default bucket first, then the charge's filters in their order. */
function bucketOrder(fee: UsageFeeRow): number {
  const filter = filterOf(fee);
  return filter === null ? -1 : fee.charge_filters.indexOf(filter);
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
        filters: filtered
          ? [...chargeFees].sort((a, b) => bucketOrder(a) - bucketOrder(b)).map((fee) => {
            const filter = filterOf(fee);
            const units = decimalString(toDecimalString(new Dec(fee.units)));
            return {
              units,
              total_aggregated_units: units,
              amount_cents: cents(fee.amount_cents),
              events_count: fee.events_count,
              invoice_display_name: filter?.invoice_display_name ?? null,
              values: filter?.values ?? null,
            };
          })
          : [],
        grouped_usage: [],
        presentation_breakdowns: [],
      };
    }),
  };
}

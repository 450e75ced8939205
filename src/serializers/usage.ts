/** Lago's `customer_usage` object (reference/lago-api.md §1.6). */
import { toDecimalString, type Cents, type Dec } from '../billing/money';
import type { LocalDate } from '../billing/calendar';
import type { ChargeFilter, ChargeRow } from '../db/charges';
import type { BillableMetricRow } from '../db/billable-metrics';
import { cents, decimalString, isoSeconds } from './common';

/** What current usage computed (services/invoicing/current-usage.ts). */
export interface CustomerUsageView {
  fromMs: number;
  toMs: number;
  issuingDate: LocalDate;
  amountCents: Cents;
  taxesAmountCents: Cents;
  totalAmountCents: Cents;
  usage: {
    currency: string;
    charges: {
      charge: ChargeRow;
      metric: BillableMetricRow;
      fullUnits: Dec;
      eventsCount: number;
      fee: { amountCents: Cents };
      buckets: { filter: ChargeFilter | null; fullUnits: Dec; eventsCount: number; fee: { amountCents: Cents } }[];
    }[];
  };
}

export function serializeCustomerUsage(current: CustomerUsageView) {
  const { usage } = current;
  return {
    from_datetime: isoSeconds(new Date(current.fromMs)),
    to_datetime: isoSeconds(new Date(current.toMs)),
    issuing_date: current.issuingDate,
    currency: usage.currency,
    amount_cents: cents(current.amountCents),
    taxes_amount_cents: cents(current.taxesAmountCents),
    total_amount_cents: cents(current.totalAmountCents),
    lago_invoice_id: null,
    charges_usage: usage.charges.map((line) => ({
      units: decimalString(toDecimalString(line.fullUnits)),
      total_aggregated_units: decimalString(toDecimalString(line.fullUnits)),
      events_count: line.eventsCount,
      amount_cents: cents(line.fee.amountCents),
      amount_currency: usage.currency,
      pricing_unit_details: null,
      charge: {
        lago_id: line.charge.id,
        code: line.charge.code,
        charge_model: line.charge.charge_model,
        invoice_display_name: line.charge.invoice_display_name,
      },
      billable_metric: {
        lago_id: line.metric.id,
        name: line.metric.name,
        code: line.metric.code,
        aggregation_type: line.metric.aggregation_type,
      },
      filters: line.buckets.some((bucket) => bucket.filter !== null)
        ? line.buckets.map((bucket) => ({
            units: decimalString(toDecimalString(bucket.fullUnits)),
            amount_cents: cents(bucket.fee.amountCents),
            events_count: bucket.eventsCount,
            invoice_display_name: bucket.filter?.invoice_display_name ?? null,
            values: bucket.filter?.values ?? null,
          }))
        : [],
      grouped_usage: [],
      presentation_breakdowns: [],
    })),
  };
}

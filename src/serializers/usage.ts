/** Lago's `customer_usage` object (reference/lago-api.md §1.6). */
import { Dec, toDecimalString, type Cents } from '../billing/money';
import type { LocalDate } from '../billing/calendar';
import type { ChargeFilter, ChargeRow } from '../db/charges';
import type { BillableMetricRow } from '../db/billable-metrics';
import { z } from 'zod';
import { AGGREGATION_TYPES, CHARGE_MODELS } from '../billing/types';
import { cents, decimalString, isoSeconds, responseSchemas, wire } from './common';

/** Units by presentation group (`presentation_group_keys`), display only; null for events without a key. */
export const presentationBreakdownsSchema = z.array(z.object({
  presentation_by: z.record(z.string(), z.string().nullable()),
  units: wire.decimal,
}));

const chargeUsageFilterSchema = z.object({
  units: wire.decimal,
  total_aggregated_units: wire.decimal,
  amount_cents: wire.cents,
  events_count: z.number().int(),
  /** Null for the events no filter matches, as Lago answers. */
  invoice_display_name: z.string().nullable(),
  values: z.record(z.string(), z.array(z.string())).nullable(),
  presentation_breakdowns: presentationBreakdownsSchema,
});

const groupedUsageSchema = z.object({
  amount_cents: wire.cents,
  events_count: z.number().int(),
  units: wire.decimal,
  total_aggregated_units: wire.decimal,
  /** Billow has no pricing units. */
  pricing_unit_details: z.null(),
  /** The group's values by key; null for the events without the property, as Lago answers. */
  grouped_by: z.record(z.string(), z.string().nullable()),
  /** A filtered charge's usage in this group, one entry per filter (and the default bucket), as `filters` above. */
  filters: z.array(chargeUsageFilterSchema),
  presentation_breakdowns: presentationBreakdownsSchema,
});

export const chargeUsageSchema = z.object({
  units: wire.decimal,
  total_aggregated_units: wire.decimal,
  events_count: z.number().int(),
  amount_cents: wire.cents,
  amount_currency: wire.currency,
  /** Billow has no pricing units. */
  pricing_unit_details: z.null(),
  charge: z.object({
    lago_id: wire.uuid,
    code: z.string(),
    charge_model: z.enum(CHARGE_MODELS as [string, ...string[]]),
    invoice_display_name: z.string().nullable(),
  }),
  billable_metric: z.object({
    lago_id: wire.uuid,
    name: z.string(),
    code: z.string(),
    aggregation_type: z.enum(AGGREGATION_TYPES as [string, ...string[]]),
  }),
  filters: z.array(chargeUsageFilterSchema),
  /** One entry per pricing group (`pricing_group_keys`), in group order; empty for an ungrouped charge. */
  grouped_usage: z.array(groupedUsageSchema),
  presentation_breakdowns: presentationBreakdownsSchema,
}).register(responseSchemas, { id: 'ChargeUsage' });

export const customerUsageSchema = z.object({
  from_datetime: wire.dateTime,
  to_datetime: wire.dateTime,
  issuing_date: wire.date,
  currency: wire.currency,
  amount_cents: wire.cents,
  taxes_amount_cents: wire.cents,
  total_amount_cents: wire.cents,
  /** Current usage is never invoiced yet. */
  lago_invoice_id: z.null(),
  charges_usage: z.array(chargeUsageSchema),
}).register(responseSchemas, { id: 'CustomerUsage' });
export type CustomerUsageJson = z.output<typeof customerUsageSchema>;

interface Breakdown {
  presentationBy: Record<string, string | null>;
  units: Dec;
}

/** Breakdowns as Lago shows them; several lists (buckets, groups) summed by presentation values. */
export function breakdownsJson(lists: readonly Breakdown[][]): z.output<typeof presentationBreakdownsSchema> {
  const merged = new Map<string, Breakdown>();
  for (const item of lists.flat()) {
    const identity = JSON.stringify(Object.entries(item.presentationBy));
    const known = merged.get(identity);
    merged.set(identity, known ? { presentationBy: known.presentationBy, units: known.units.plus(item.units) } : item);
  }
  return [...merged.values()].map((item) => ({ presentation_by: item.presentationBy, units: decimalString(toDecimalString(item.units)) }));
}

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
      buckets: {
        filter: ChargeFilter | null;
        fullUnits: Dec;
        eventsCount: number;
        fee: { amountCents: Cents };
        groups: { groupedBy: Record<string, string | null>; fullUnits: Dec; eventsCount: number; fee: { amountCents: Cents }; presentationBreakdowns: Breakdown[] }[] | null;
        presentationBreakdowns: Breakdown[];
      }[];
    }[];
  };
}

export function serializeCustomerUsage(current: CustomerUsageView): CustomerUsageJson {
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
            total_aggregated_units: decimalString(toDecimalString(bucket.fullUnits)),
            amount_cents: cents(bucket.fee.amountCents),
            events_count: bucket.eventsCount,
            invoice_display_name: bucket.filter?.invoice_display_name ?? null,
            values: bucket.filter?.values ?? null,
            presentation_breakdowns: breakdownsJson([bucket.presentationBreakdowns]),
          }))
        : [],
      grouped_usage: groupedUsage(line.buckets),
      presentation_breakdowns: breakdownsJson(line.buckets.map((bucket) => bucket.presentationBreakdowns)),
    })),
  };
}

type UsageBucket = CustomerUsageView['usage']['charges'][number]['buckets'][number];

/**
 * A grouped charge's usage by group: each distinct group of its buckets once, in the order the
 * buckets list them, with its figures summed over the buckets and, for a filtered charge, one
 * `filters` entry per bucket that has the group.
 */
function groupedUsage(buckets: readonly UsageBucket[]): CustomerUsageJson['charges_usage'][number]['grouped_usage'] {
  const filtered = buckets.some((bucket) => bucket.filter !== null);
  const byGroup = new Map<string, { groupedBy: Record<string, string | null>; entries: { bucket: UsageBucket; fullUnits: Dec; eventsCount: number; amountCents: Cents; breakdowns: Breakdown[] }[] }>();
  for (const bucket of buckets) {
    for (const group of bucket.groups ?? []) {
      const identity = JSON.stringify(Object.entries(group.groupedBy));
      const entry = byGroup.get(identity) ?? { groupedBy: group.groupedBy, entries: [] };
      entry.entries.push({ bucket, fullUnits: group.fullUnits, eventsCount: group.eventsCount, amountCents: group.fee.amountCents, breakdowns: group.presentationBreakdowns });
      byGroup.set(identity, entry);
    }
  }
  return [...byGroup.values()].map(({ groupedBy, entries }) => {
    const units = entries.reduce((acc, e) => acc.plus(e.fullUnits), new Dec(0));
    return {
      amount_cents: cents(entries.reduce((acc, e) => acc + e.amountCents, 0n)),
      events_count: entries.reduce((acc, e) => acc + e.eventsCount, 0),
      units: decimalString(toDecimalString(units)),
      total_aggregated_units: decimalString(toDecimalString(units)),
      pricing_unit_details: null,
      grouped_by: groupedBy,
      filters: filtered
        ? entries.map((e) => ({
            units: decimalString(toDecimalString(e.fullUnits)),
            total_aggregated_units: decimalString(toDecimalString(e.fullUnits)),
            amount_cents: cents(e.amountCents),
            events_count: e.eventsCount,
            invoice_display_name: e.bucket.filter?.invoice_display_name ?? null,
            values: e.bucket.filter?.values ?? null,
            presentation_breakdowns: breakdownsJson([e.breakdowns]),
          }))
        : [],
      presentation_breakdowns: breakdownsJson(entries.map((e) => e.breakdowns)),
    };
  });
}

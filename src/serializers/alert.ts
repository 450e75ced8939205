/** Usage alerts in Lago's shapes: `AlertObject` (REST) and `TriggeredAlertObject` (the `alert.triggered` webhook). */
import { z } from 'zod';
import type { AlertRow, AlertThresholdRow, AlertType, TriggeredAlertRow } from '../db/alerts';
import type { BillableMetricRow } from '../db/billable-metrics';
import { billableMetricSchema, serializeBillableMetric } from './billable-metric';
import { decimalString, isoSeconds, responseSchemas, wire } from './common';

const ALERT_TYPE = z.enum(['current_usage_amount', 'billable_metric_current_usage_amount', 'billable_metric_current_usage_units', 'lifetime_usage_amount']);

/** A threshold as Lago prints it: its value a decimal ("8000.0") in its alert type's unit (cents, units or credits). */
export const alertThresholdSchema = z.object({
  code: z.string().nullable(),
  value: wire.decimal,
  recurring: z.boolean(),
});

export function serializeAlertThresholds(thresholds: readonly { code: string | null; value: string; recurring: boolean }[]) {
  return thresholds.map((threshold) => ({ code: threshold.code, value: decimalString(threshold.value), recurring: threshold.recurring }));
}

/** A numeric text as a JSON number ("8000.00000" → 8000). */
export const alertNumber = (value: string): number => Number(value);

export const alertSchema = z.object({
  lago_id: wire.uuid,
  lago_organization_id: wire.uuid,
  external_subscription_id: z.string(),
  lago_wallet_id: z.null(),
  wallet_code: z.null(),
  billable_metric: billableMetricSchema.nullable().describe('The metric of a `billable_metric_*` alert; null for the others.'),
  alert_type: ALERT_TYPE,
  code: z.string(),
  name: z.string().nullable(),
  direction: z.literal('increasing'),
  previous_value: z.number().describe('The value the last evaluation read (cents or units), 0 before the first.'),
  last_processed_at: wire.dateTime.nullable(),
  thresholds: z.array(alertThresholdSchema),
  created_at: wire.dateTime,
}).register(responseSchemas, { id: 'Alert' });
export type AlertJson = z.output<typeof alertSchema>;

export interface AlertView {
  alert: AlertRow;
  thresholds: AlertThresholdRow[];
  /** The alert's metric (kept even once deleted, as Lago's `with_discarded`); null for the types without one. */
  metric: BillableMetricRow | null;
}

export function serializeAlert({ alert, thresholds, metric }: AlertView): AlertJson {
  return {
    lago_id: alert.id,
    lago_organization_id: alert.organization_id,
    external_subscription_id: alert.subscription_external_id,
    lago_wallet_id: null,
    wallet_code: null,
    billable_metric: metric ? serializeBillableMetric(metric) : null,
    alert_type: alert.alert_type,
    code: alert.code,
    name: alert.name,
    direction: 'increasing',
    previous_value: alertNumber(alert.previous_value),
    last_processed_at: isoSeconds(alert.last_processed_at),
    thresholds: serializeAlertThresholds(thresholds),
    created_at: isoSeconds(alert.created_at),
  };
}

export const triggeredAlertSchema = z.object({
  lago_id: wire.uuid,
  lago_organization_id: wire.uuid,
  lago_alert_id: wire.uuid,
  lago_subscription_id: wire.uuid,
  external_subscription_id: z.string(),
  external_customer_id: z.string(),
  billable_metric_code: z.string().nullable(),
  alert_type: ALERT_TYPE,
  alert_code: z.string(),
  alert_name: z.string().nullable(),
  current_value: z.number(),
  previous_value: z.number(),
  triggered_at: wire.dateTime,
  crossed_thresholds: z.array(alertThresholdSchema),
}).register(responseSchemas, { id: 'TriggeredAlert' });
export type TriggeredAlertJson = z.output<typeof triggeredAlertSchema>;

export interface TriggeredAlertView {
  triggered: TriggeredAlertRow;
  alert: Pick<AlertRow, 'id' | 'code' | 'name' | 'subscription_external_id'> & { alert_type: AlertType };
  externalCustomerId: string;
  billableMetricCode: string | null;
}

/** The `triggered_alert` object of the `alert.triggered` webhook. */
export function serializeTriggeredAlert({ triggered, alert, externalCustomerId, billableMetricCode }: TriggeredAlertView): TriggeredAlertJson {
  return {
    lago_id: triggered.id,
    lago_organization_id: triggered.organization_id,
    lago_alert_id: alert.id,
    lago_subscription_id: triggered.subscription_id,
    external_subscription_id: alert.subscription_external_id,
    external_customer_id: externalCustomerId,
    billable_metric_code: billableMetricCode,
    alert_type: alert.alert_type,
    alert_code: alert.code,
    alert_name: alert.name,
    current_value: alertNumber(triggered.current_value),
    previous_value: alertNumber(triggered.previous_value),
    triggered_at: isoSeconds(triggered.triggered_at),
    crossed_thresholds: serializeAlertThresholds(triggered.crossed_thresholds),
  };
}

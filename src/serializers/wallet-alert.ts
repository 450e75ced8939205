/**
 * Wallet alerts in Lago's shapes: `WalletAlertObject` (REST) and the `triggered_alert` object of the
 * `alert.triggered` webhook for a wallet (Lago's `TriggeredAlertSerializer`: the subscription's
 * fields null, `lago_wallet_id` set; `wallet_code` added, which Lago's serializer plans).
 */
import { z } from 'zod';
import type { WalletAlertRow, WalletAlertThresholdRow, WalletAlertType, WalletTriggeredAlertRow } from '../db/wallet-alerts';
import { alertNumber, alertThresholdSchema, serializeAlertThresholds } from './alert';
import { isoSeconds, responseSchemas, wire } from './common';

const WALLET_ALERT_TYPE = z.enum(['wallet_balance_amount', 'wallet_credits_balance', 'wallet_ongoing_balance_amount', 'wallet_credits_ongoing_balance']);

export const walletAlertSchema = z.object({
  lago_id: wire.uuid,
  lago_organization_id: wire.uuid,
  external_subscription_id: z.null(),
  lago_wallet_id: wire.uuid,
  wallet_code: z.string().nullable(),
  billable_metric: z.null(),
  alert_type: WALLET_ALERT_TYPE,
  code: z.string(),
  name: z.string().nullable(),
  direction: z.literal('decreasing'),
  previous_value: z.number().describe('The value the last evaluation read (cents or credits); at creation, the value then.'),
  last_processed_at: wire.dateTime.nullable(),
  thresholds: z.array(alertThresholdSchema),
  created_at: wire.dateTime,
}).register(responseSchemas, { id: 'WalletAlert' });
export type WalletAlertJson = z.output<typeof walletAlertSchema>;

export interface WalletAlertView {
  alert: WalletAlertRow;
  thresholds: WalletAlertThresholdRow[];
  walletCode: string | null;
}

export function serializeWalletAlert({ alert, thresholds, walletCode }: WalletAlertView): WalletAlertJson {
  return {
    lago_id: alert.id,
    lago_organization_id: alert.organization_id,
    external_subscription_id: null,
    lago_wallet_id: alert.wallet_id,
    wallet_code: walletCode,
    billable_metric: null,
    alert_type: alert.alert_type,
    code: alert.code,
    name: alert.name,
    direction: 'decreasing',
    previous_value: alertNumber(alert.previous_value),
    last_processed_at: isoSeconds(alert.last_processed_at),
    thresholds: serializeAlertThresholds(thresholds),
    created_at: isoSeconds(alert.created_at),
  };
}

export const walletTriggeredAlertSchema = z.object({
  lago_id: wire.uuid,
  lago_organization_id: wire.uuid,
  lago_alert_id: wire.uuid,
  lago_subscription_id: z.null(),
  external_subscription_id: z.null(),
  lago_wallet_id: wire.uuid,
  wallet_code: z.string().nullable(),
  external_customer_id: z.string(),
  billable_metric_code: z.null(),
  alert_type: WALLET_ALERT_TYPE,
  alert_code: z.string(),
  alert_name: z.string().nullable(),
  current_value: z.number(),
  previous_value: z.number(),
  triggered_at: wire.dateTime,
  crossed_thresholds: z.array(alertThresholdSchema),
}).register(responseSchemas, { id: 'WalletTriggeredAlert' });
export type WalletTriggeredAlertJson = z.output<typeof walletTriggeredAlertSchema>;

export interface WalletTriggeredAlertView {
  triggered: WalletTriggeredAlertRow;
  alert: Pick<WalletAlertRow, 'id' | 'code' | 'name'> & { alert_type: WalletAlertType };
  walletCode: string | null;
  externalCustomerId: string;
}

/** The `triggered_alert` object of a wallet's `alert.triggered` webhook. */
export function serializeWalletTriggeredAlert({ triggered, alert, walletCode, externalCustomerId }: WalletTriggeredAlertView): WalletTriggeredAlertJson {
  return {
    lago_id: triggered.id,
    lago_organization_id: triggered.organization_id,
    lago_alert_id: alert.id,
    lago_subscription_id: null,
    external_subscription_id: null,
    lago_wallet_id: triggered.wallet_id,
    wallet_code: walletCode,
    external_customer_id: externalCustomerId,
    billable_metric_code: null,
    alert_type: alert.alert_type,
    alert_code: alert.code,
    alert_name: alert.name,
    current_value: alertNumber(triggered.current_value),
    previous_value: alertNumber(triggered.previous_value),
    triggered_at: isoSeconds(triggered.triggered_at),
    crossed_thresholds: serializeAlertThresholds(triggered.crossed_thresholds),
  };
}

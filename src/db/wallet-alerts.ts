/**
 * Wallet alerts (migration 028): alerts on a wallet (Lago's `wallet_*` alert types, direction
 * `decreasing`), their thresholds and the alerts they triggered, one per evaluation at most.
 */
import type { Conn, Tx } from './knex';
import type { Page, Paginated } from '../runtime/pagination';
import { paginate } from './pagination';

export const WALLET_ALERT_TYPES = ['wallet_balance_amount', 'wallet_credits_balance', 'wallet_ongoing_balance_amount', 'wallet_credits_ongoing_balance'] as const;
export type WalletAlertType = (typeof WALLET_ALERT_TYPES)[number];

export interface WalletAlertRow {
  id: string;
  organization_id: string;
  wallet_id: string;
  alert_type: WalletAlertType;
  code: string;
  name: string | null;
  /** Exact numeric text: cents or credits. */
  previous_value: string;
  evaluations: number;
  last_processed_at: Date | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export interface WalletAlertThresholdRow {
  id: string;
  wallet_alert_id: string;
  position: number;
  code: string | null;
  /** numeric(30, 5) text. */
  value: string;
  recurring: boolean;
}

export interface WalletTriggeredAlertRow {
  id: string;
  organization_id: string;
  wallet_alert_id: string;
  wallet_id: string;
  evaluation: number;
  current_value: string;
  previous_value: string;
  crossed_thresholds: { code: string | null; value: string; recurring: boolean }[];
  triggered_at: Date;
  created_at: Date;
}

export type WalletThresholdFields = Pick<WalletAlertThresholdRow, 'code' | 'value' | 'recurring'>;

const liveAlerts = (db: Conn, organizationId: string, walletId: string) =>
  db<WalletAlertRow>('wallet_alerts').where({ organization_id: organizationId, wallet_id: walletId }).whereNull('deleted_at');

export async function listWalletAlerts(db: Conn, organizationId: string, walletId: string, page: Page): Promise<Paginated<WalletAlertRow>> {
  return paginate<WalletAlertRow>(liveAlerts(db, organizationId, walletId).orderBy([{ column: 'created_at' }, { column: 'id' }]), page);
}

export async function alertsOfWallet(db: Conn, organizationId: string, walletId: string): Promise<WalletAlertRow[]> {
  return liveAlerts(db, organizationId, walletId).orderBy([{ column: 'created_at' }, { column: 'id' }]);
}

export async function findWalletAlertByCode(db: Conn, organizationId: string, walletId: string, code: string): Promise<WalletAlertRow | undefined> {
  return liveAlerts(db, organizationId, walletId).where({ code }).first();
}

/** The wallet's live alerts, locked in id order for the caller's transaction (the wallet's lock is taken first). */
export async function lockWalletAlerts(trx: Tx, organizationId: string, walletId: string): Promise<WalletAlertRow[]> {
  return liveAlerts(trx, organizationId, walletId).orderBy('id').forUpdate();
}

export async function insertWalletAlert(
  trx: Conn, organizationId: string, fields: Pick<WalletAlertRow, 'wallet_id' | 'alert_type' | 'code' | 'name' | 'previous_value'>,
): Promise<WalletAlertRow> {
  const [row] = await trx<WalletAlertRow>('wallet_alerts').insert({ ...fields, organization_id: organizationId } as never).returning('*');
  return row as WalletAlertRow;
}

export async function updateWalletAlert(trx: Conn, id: string, fields: Partial<Pick<WalletAlertRow, 'code' | 'name'>>): Promise<void> {
  await trx('wallet_alerts').where({ id }).update({ ...fields, updated_at: trx.fn.now() });
}

export async function softDeleteWalletAlerts(trx: Conn, ids: readonly string[], atMs: number): Promise<void> {
  if (ids.length === 0) return;
  await trx('wallet_alerts').whereIn('id', [...ids]).whereNull('deleted_at').update({ deleted_at: new Date(atMs), updated_at: trx.fn.now() });
}

/** The thresholds of these alerts, by alert id, in the order they were given. */
export async function walletAlertThresholdsOf(db: Conn, alertIds: readonly string[]): Promise<Map<string, WalletAlertThresholdRow[]>> {
  const byAlert = new Map<string, WalletAlertThresholdRow[]>(alertIds.map((id) => [id, []]));
  if (alertIds.length === 0) return byAlert;
  const rows = await db<WalletAlertThresholdRow>('wallet_alert_thresholds').whereIn('wallet_alert_id', [...alertIds])
    .orderBy([{ column: 'wallet_alert_id' }, { column: 'position' }]);
  for (const row of rows) byAlert.get(row.wallet_alert_id)?.push(row);
  return byAlert;
}

export async function replaceWalletAlertThresholds(trx: Conn, alertId: string, thresholds: readonly WalletThresholdFields[]): Promise<void> {
  await trx('wallet_alert_thresholds').where({ wallet_alert_id: alertId }).delete();
  if (thresholds.length === 0) return;
  await trx('wallet_alert_thresholds').insert(thresholds.map((threshold, position) => ({ ...threshold, wallet_alert_id: alertId, position })));
}

/** The alert's state after an evaluation: the value it read, when, one more evaluation. */
export async function markWalletAlertProcessed(trx: Conn, id: string, fields: { previousValue: string; processedAtMs: number }): Promise<void> {
  await trx('wallet_alerts').where({ id }).update({
    previous_value: fields.previousValue,
    last_processed_at: new Date(fields.processedAtMs),
    evaluations: trx.raw('evaluations + 1'),
  });
}

/** A triggered alert; unique per (alert, evaluation): a second one for the same evaluation fails the transaction. */
export async function insertWalletTriggeredAlert(
  trx: Tx, row: Omit<WalletTriggeredAlertRow, 'id' | 'created_at'>,
): Promise<WalletTriggeredAlertRow> {
  const [inserted] = await trx<WalletTriggeredAlertRow>('wallet_triggered_alerts')
    .insert({ ...row, crossed_thresholds: JSON.stringify(row.crossed_thresholds) } as never)
    .returning('*');
  return inserted as WalletTriggeredAlertRow;
}

export async function walletTriggeredAlertsOf(db: Conn, alertId: string): Promise<WalletTriggeredAlertRow[]> {
  return db<WalletTriggeredAlertRow>('wallet_triggered_alerts').where({ wallet_alert_id: alertId }).orderBy([{ column: 'triggered_at' }, { column: 'evaluation' }]);
}

/** Of these customers, those with an active wallet that has a live alert. */
export async function customersWithWalletAlerts(db: Conn, organizationId: string, customerIds: readonly string[]): Promise<string[]> {
  if (customerIds.length === 0) return [];
  const rows = (await db('wallet_alerts as a')
    .join('wallets as w', 'w.id', 'a.wallet_id')
    .where({ 'a.organization_id': organizationId, 'w.status': 'active' })
    .whereNull('a.deleted_at')
    .whereIn('w.customer_id', [...new Set(customerIds)])
    .distinct('w.customer_id')) as { customer_id: string }[];
  return rows.map((row) => row.customer_id);
}

/** The customer's active wallets with a live alert (ids). */
export async function walletsWithAlertsOfCustomer(db: Conn, organizationId: string, customerId: string): Promise<string[]> {
  const rows = (await db('wallet_alerts as a')
    .join('wallets as w', 'w.id', 'a.wallet_id')
    .where({ 'a.organization_id': organizationId, 'w.status': 'active', 'w.customer_id': customerId })
    .whereNull('a.deleted_at')
    .distinct('a.wallet_id')) as { wallet_id: string }[];
  return rows.map((row) => row.wallet_id);
}

/**
 * Usage alerts (migration 024): alerts on a subscription by its external id, their thresholds, the
 * alerts triggered and the crossings recorded once per threshold per period.
 */
import type { Conn, Db, Tx } from './knex';
import type { Page, Paginated } from '../runtime/pagination';
import { paginate } from './pagination';
import type { BillableMetricRow } from './billable-metrics';
import type { SubscriptionRow, SubscriptionStatus } from './subscriptions';

export const ALERT_TYPES = ['current_usage_amount', 'billable_metric_current_usage_amount', 'billable_metric_current_usage_units', 'lifetime_usage_amount'] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export interface AlertRow {
  id: string;
  organization_id: string;
  subscription_external_id: string;
  billable_metric_id: string | null;
  alert_type: AlertType;
  code: string;
  name: string | null;
  /** Exact numeric text. */
  previous_value: string;
  previous_period_start: Date | null;
  last_processed_at: Date | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export interface AlertThresholdRow {
  id: string;
  alert_id: string;
  position: number;
  code: string | null;
  /** numeric(30, 5) text, "8000.00000". */
  value: string;
  recurring: boolean;
}

export interface TriggeredAlertRow {
  id: string;
  organization_id: string;
  alert_id: string;
  subscription_id: string;
  period_start: Date;
  current_value: string;
  previous_value: string;
  crossed_thresholds: { code: string | null; value: string; recurring: boolean }[];
  triggered_at: Date;
  created_at: Date;
}

export type AlertFields = Pick<AlertRow, 'subscription_external_id' | 'billable_metric_id' | 'alert_type' | 'code' | 'name'>;
export type ThresholdFields = Pick<AlertThresholdRow, 'code' | 'value' | 'recurring'>;

const liveAlerts = (db: Conn, organizationId: string, externalId: string) =>
  db<AlertRow>('alerts').where({ organization_id: organizationId, subscription_external_id: externalId }).whereNull('deleted_at');

/** One page of a subscription's live alerts, oldest first. */
export async function listAlerts(db: Conn, organizationId: string, externalId: string, page: Page): Promise<Paginated<AlertRow>> {
  return paginate<AlertRow>(liveAlerts(db, organizationId, externalId).orderBy([{ column: 'created_at' }, { column: 'id' }]), page);
}

export async function alertsOfSubscription(db: Conn, organizationId: string, externalId: string): Promise<AlertRow[]> {
  return liveAlerts(db, organizationId, externalId).orderBy([{ column: 'created_at' }, { column: 'id' }]);
}

export async function findAlertByCode(db: Conn, organizationId: string, externalId: string, code: string): Promise<AlertRow | undefined> {
  return liveAlerts(db, organizationId, externalId).where({ code }).first();
}

/**
 * These alerts (the live ones), locked for the caller's transaction in id order (evaluations of an
 * alert run one at a time, and two evaluations of the same alerts never deadlock).
 */
export async function lockAlerts(trx: Tx, ids: readonly string[]): Promise<AlertRow[]> {
  if (ids.length === 0) return [];
  return trx<AlertRow>('alerts').whereIn('id', [...ids]).whereNull('deleted_at').orderBy('id').forUpdate();
}

export async function insertAlert(trx: Conn, organizationId: string, fields: AlertFields): Promise<AlertRow> {
  const [row] = await trx<AlertRow>('alerts').insert({ ...fields, organization_id: organizationId } as never).returning('*');
  return row as AlertRow;
}

export async function updateAlert(trx: Conn, id: string, fields: Partial<Pick<AlertRow, 'code' | 'name' | 'billable_metric_id'>>): Promise<void> {
  await trx('alerts').where({ id }).update({ ...fields, updated_at: trx.fn.now() });
}

export async function softDeleteAlerts(trx: Tx, ids: readonly string[], atMs: number): Promise<void> {
  if (ids.length === 0) return;
  // Locked in id order first, as evaluations lock them: never a deadlock with one.
  await trx('alerts').whereIn('id', [...ids]).orderBy('id').forUpdate().select('id');
  await trx('alerts').whereIn('id', ids).whereNull('deleted_at').update({ deleted_at: new Date(atMs), updated_at: trx.fn.now() });
}

/** The thresholds of these alerts, by alert id, in the order they were given. */
export async function thresholdsOf(db: Conn, alertIds: readonly string[]): Promise<Map<string, AlertThresholdRow[]>> {
  const byAlert = new Map<string, AlertThresholdRow[]>(alertIds.map((id) => [id, []]));
  if (alertIds.length === 0) return byAlert;
  const rows = await db<AlertThresholdRow>('alert_thresholds').whereIn('alert_id', [...alertIds]).orderBy([{ column: 'alert_id' }, { column: 'position' }]);
  for (const row of rows) byAlert.get(row.alert_id)?.push(row);
  return byAlert;
}

export async function replaceThresholds(trx: Conn, alertId: string, thresholds: readonly ThresholdFields[]): Promise<void> {
  await trx('alert_thresholds').where({ alert_id: alertId }).delete();
  if (thresholds.length === 0) return;
  await trx('alert_thresholds').insert(thresholds.map((threshold, position) => ({ ...threshold, alert_id: alertId, position })));
}

/** The alert's state after an evaluation: the value it read, the period it read it in, when. */
export async function markAlertProcessed(trx: Conn, id: string, fields: { previousValue: string; periodStartMs: number; processedAtMs: number }): Promise<void> {
  await trx('alerts').where({ id }).update({
    previous_value: fields.previousValue,
    previous_period_start: new Date(fields.periodStartMs),
    last_processed_at: new Date(fields.processedAtMs),
  });
}

/** The threshold keys already crossed by the alert in the period that starts at `periodStartMs`. */
export async function crossingsOf(trx: Conn, alertId: string, periodStartMs: number): Promise<Set<string>> {
  const rows = await trx('alert_crossings').where({ alert_id: alertId, period_start: new Date(periodStartMs) }).select<{ threshold_key: string }[]>('threshold_key');
  return new Set(rows.map((row) => row.threshold_key));
}

/**
 * The triggered alert and one crossing per threshold key. The crossings' primary key (alert, period,
 * key) refuses a second one: the whole transaction then fails and nothing is triggered twice.
 */
export async function insertTriggeredAlert(
  trx: Tx,
  row: Omit<TriggeredAlertRow, 'id' | 'created_at' | 'crossed_thresholds'> & { crossed_thresholds: TriggeredAlertRow['crossed_thresholds'] },
  keys: readonly string[],
): Promise<TriggeredAlertRow> {
  const [inserted] = await trx<TriggeredAlertRow>('triggered_alerts')
    .insert({ ...row, crossed_thresholds: JSON.stringify(row.crossed_thresholds) } as never)
    .returning('*');
  const triggered = inserted as TriggeredAlertRow;
  await trx('alert_crossings').insert(keys.map((key) => ({ alert_id: row.alert_id, period_start: row.period_start, threshold_key: key, triggered_alert_id: triggered.id })));
  return triggered;
}

export async function triggeredAlertsOf(db: Conn, alertId: string): Promise<TriggeredAlertRow[]> {
  return db<TriggeredAlertRow>('triggered_alerts').where({ alert_id: alertId }).orderBy([{ column: 'triggered_at' }, { column: 'id' }]);
}

/** Of these subscriptions, those whose external id has a live alert: id → organization. */
export async function subscriptionsWithAlerts(db: Db, subscriptionIds: readonly string[]): Promise<{ id: string; organization_id: string }[]> {
  if (subscriptionIds.length === 0) return [];
  return db('subscriptions as s')
    .whereIn('s.id', [...subscriptionIds])
    .whereExists((q) => q.select(db.raw('1')).from('alerts as a')
      .whereRaw('a.organization_id = s.organization_id AND a.subscription_external_id = s.external_id AND a.deleted_at IS NULL'))
    .select('s.id', 's.organization_id');
}

/**
 * The usage fees of finalized invoices of a subscription's external id (every subscription that
 * carried it) for the periods that began before `beforeMs`: what its lifetime usage adds to the
 * current period's.
 */
export async function invoicedUsageBefore(db: Conn, organizationId: string, externalId: string, beforeMs: number): Promise<bigint> {
  const rows = (await db('fees')
    .join('invoices', 'invoices.id', 'fees.invoice_id')
    .join('subscriptions', 'subscriptions.id', 'fees.subscription_id')
    .where({ 'fees.organization_id': organizationId, 'fees.fee_type': 'charge', 'invoices.status': 'finalized', 'subscriptions.external_id': externalId, 'subscriptions.organization_id': organizationId })
    .where('fees.from_datetime', '<', new Date(beforeMs))
    .sum({ total: 'fees.amount_cents' })) as { total: string | bigint | null }[];
  const total = rows[0]?.total;
  return total === null || total === undefined ? 0n : BigInt(total);
}

/** The metrics of alerts by id, deleted ones included (an alert keeps showing its metric). */
export async function alertMetricsByIds(db: Conn, organizationId: string, ids: readonly string[]): Promise<Map<string, BillableMetricRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db<BillableMetricRow>('billable_metrics').where({ organization_id: organizationId }).whereIn('id', [...new Set(ids)]);
  return new Map(rows.map((row) => [row.id, row]));
}

/** The subscription the alerts routes address: that external id with that status, the latest first (as Lago). */
export async function findSubscriptionForAlerts(db: Conn, organizationId: string, externalId: string, status: string): Promise<SubscriptionRow | undefined> {
  return db<SubscriptionRow>('subscriptions')
    .where({ organization_id: organizationId, external_id: externalId, status: status as SubscriptionStatus })
    .orderByRaw('terminated_at DESC NULLS FIRST, started_at DESC NULLS LAST, created_at DESC')
    .first();
}

/**
 * A subscription's live alerts (by its external id), locked for the caller's transaction in id
 * order as `lockAlerts`: read under the lock, so an alert created or deleted since the caller last
 * looked is seen as it is now.
 */
export async function lockAlertsOfSubscription(trx: Tx, organizationId: string, externalId: string): Promise<AlertRow[]> {
  return liveAlerts(trx, organizationId, externalId).orderBy('id').forUpdate();
}

/** Active subscriptions whose external id has a live alert (evaluated again when an evaluator starts). */
export async function activeSubscriptionsWithAlerts(db: Conn): Promise<string[]> {
  const rows = (await db('subscriptions as s')
    .where('s.status', 'active')
    .whereExists((q) => q.select(db.raw('1')).from('alerts as a')
      .whereRaw('a.organization_id = s.organization_id AND a.subscription_external_id = s.external_id AND a.deleted_at IS NULL'))
    .select('s.id')) as { id: string }[];
  return rows.map((row) => row.id);
}

/** An alert with its row version (`xmin`): any write to the row since it was read changes it. */
export interface VersionedAlertRow extends AlertRow {
  row_version: string;
}

/** A subscription's live alerts with their row versions, unlocked (see `markAlertsProcessedIfUnchanged`). */
export async function versionedAlertsOfSubscription(db: Conn, organizationId: string, externalId: string): Promise<VersionedAlertRow[]> {
  return liveAlerts(db, organizationId, externalId).orderBy('id').select('*', db.raw('xmin::text AS row_version')) as unknown as Promise<VersionedAlertRow[]>;
}

/**
 * `markAlertProcessed` for several alerts in one statement, each only if its row is still the
 * version read (live, not written since: neither evaluated elsewhere nor edited). Returns the
 * alerts updated and their new versions; an alert missing from it was left as it was.
 */
export async function markAlertsProcessedIfUnchanged(
  db: Conn,
  alerts: readonly { id: string; version: string; previousValue: string; periodStartMs: number }[],
  processedAtMs: number,
): Promise<Map<string, string>> {
  if (alerts.length === 0) return new Map();
  const { rows } = (await db.raw(
    `UPDATE alerts AS a SET previous_value = v.previous_value, previous_period_start = v.period_start, last_processed_at = :processedAt
       FROM jsonb_to_recordset(:alerts::jsonb) AS v(id uuid, version text, previous_value numeric, period_start timestamptz)
      WHERE a.id = v.id AND a.xmin = v.version::xid AND a.deleted_at IS NULL
     RETURNING a.id, a.xmin::text AS row_version`,
    {
      processedAt: new Date(processedAtMs),
      alerts: JSON.stringify(alerts.map((alert) => ({
        id: alert.id, version: alert.version, previous_value: alert.previousValue, period_start: new Date(alert.periodStartMs).toISOString(),
      }))),
    },
  )) as { rows: { id: string; row_version: string }[] };
  return new Map(rows.map((row) => [row.id, row.row_version]));
}

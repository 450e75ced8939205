/**
 * Usage alerts on a subscription (Lago's `/subscriptions/:external_id/alerts`,
 * `UsageMonitoring::CreateAlertService`, `UpdateAlertService`, `Alerts::CreateBatchService`…):
 * created one at a time or in a batch (all or none), read, updated and deleted by code. An alert
 * belongs to the subscription's external id, so it outlives a plan change, as in Lago.
 *
 * Rules (Lago's, with its error codes): `thresholds` required (`value_is_mandatory`), at most 20
 * (`too_many_thresholds`), no two with the same value and recurrence (`duplicate_threshold_values`),
 * at most one recurring (`multiple_recurring_thresholds`, where Lago answers a unique violation),
 * a recurring value above 0 (`recurring_value_is_negative`); `billable_metric_code` required for the
 * `billable_metric_*` types and refused for the others (`billable_metric: value_is_mandatory` / `value_must_be_blank`, Lago's keys), an unknown one is
 * 404 `billable_metric_not_found`; one live alert per code (`code: value_already_exist`) and per type
 * and metric (`base: alert_already_exists`) on a subscription. Values are cents for the amount types
 * (as Lago compares `amount_cents`) and units for `billable_metric_current_usage_units`.
 */
import type { Db, Tx } from '../../db/knex';
import {
  alertMetricsByIds, findAlertByCode, findSubscriptionForAlerts, insertAlert, listAlerts, replaceThresholds, softDeleteAlerts,
  thresholdsOf, updateAlert, alertsOfSubscription, type AlertRow, type AlertType, type ThresholdFields,
} from '../../db/alerts';
import { findBillableMetricByCode } from '../../db/billable-metrics';
import { isUniqueViolation } from '../../db/errors';
import type { SubscriptionRow } from '../../db/subscriptions';
import { invalidField, notFound, Problems, validationErrors, type FieldErrors } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { Dec } from '../../billing/money';
import type { AlertView } from '../../serializers/alert';
import type { AlertEvaluations } from './evaluator';

export type { AlertType };

export interface AlertThresholdInput {
  code?: string | null;
  /** A non-negative decimal, at most 5 decimals (the schema checked it). */
  value: string;
  recurring?: boolean | null;
}

export interface CreateAlertInput {
  alert_type: AlertType;
  code: string;
  name?: string | null;
  billable_metric_code?: string | null;
  thresholds?: AlertThresholdInput[] | null;
}

export interface UpdateAlertInput {
  code?: string;
  name?: string | null;
  billable_metric_code?: string | null;
  thresholds?: AlertThresholdInput[] | null;
}

/** Which subscription of the external id the route addresses (Lago's `subscription_status`, default active). */
export interface SubscriptionRef {
  organizationId: string;
  externalId: string;
  status?: string;
}

export const MAX_THRESHOLDS = 20;

const needsMetric = (type: AlertType) => type.startsWith('billable_metric_');

async function subscriptionOf(db: Db | Tx, ref: SubscriptionRef): Promise<SubscriptionRow> {
  const subscription = await findSubscriptionForAlerts(db, ref.organizationId, ref.externalId, ref.status ?? 'active');
  if (!subscription) throw notFound('subscription');
  return subscription;
}

/** The problems of a threshold list, keyed by field (`thresholds`, `thresholds.<i>.value`). */
function thresholdProblems(thresholds: readonly AlertThresholdInput[] | null | undefined, problems: Problems): void {
  if (!thresholds || thresholds.length === 0) {
    problems.add('thresholds', 'value_is_mandatory');
    return;
  }
  if (thresholds.length > MAX_THRESHOLDS) problems.add('thresholds', 'too_many_thresholds');
  const keys = thresholds.map((t) => `${t.recurring === true}:${new Dec(t.value).toFixed()}`);
  if (new Set(keys).size !== keys.length) problems.add('thresholds', 'duplicate_threshold_values');
  if (thresholds.filter((t) => t.recurring === true).length > 1) problems.add('thresholds', 'multiple_recurring_thresholds');
  thresholds.forEach((t, index) => {
    if (t.recurring === true && !new Dec(t.value).gt(0)) problems.add(`thresholds.${index}.value`, 'recurring_value_is_negative');
  });
}

const thresholdFields = (thresholds: readonly AlertThresholdInput[]): ThresholdFields[] =>
  thresholds.map((t) => ({ code: t.code ?? null, value: new Dec(t.value).toFixed(), recurring: t.recurring === true }));

/** The metric a `billable_metric_*` alert names (404 when unknown); the problems of the field otherwise. */
async function metricIdFor(db: Db | Tx, organizationId: string, type: AlertType, code: string | null | undefined, problems: Problems): Promise<string | null> {
  if (!needsMetric(type)) {
    if (code !== undefined && code !== null) problems.add('billable_metric', 'value_must_be_blank');
    return null;
  }
  if (code === undefined || code === null) {
    problems.add('billable_metric', 'value_is_mandatory');
    return null;
  }
  const metric = await findBillableMetricByCode(db, organizationId, code);
  if (!metric) throw notFound('billable_metric');
  return metric.id;
}

/** A unique violation of the alerts' indexes: Lago's codes. */
function duplicateAlert(error: unknown): FieldErrors | null {
  if (isUniqueViolation(error, 'alerts_code')) return { code: ['value_already_exist'] };
  if (isUniqueViolation(error, 'alerts_type') || isUniqueViolation(error, 'alerts_type_metric')) return { base: ['alert_already_exists'] };
  return null;
}

async function views(db: Db | Tx, organizationId: string, alerts: readonly AlertRow[]): Promise<AlertView[]> {
  const [thresholds, metrics] = await Promise.all([
    thresholdsOf(db, alerts.map((alert) => alert.id)),
    alertMetricsByIds(db, organizationId, alerts.flatMap((alert) => (alert.billable_metric_id ? [alert.billable_metric_id] : []))),
  ]);
  return alerts.map((alert) => ({ alert, thresholds: thresholds.get(alert.id) ?? [], metric: alert.billable_metric_id ? metrics.get(alert.billable_metric_id) ?? null : null }));
}

/** Checks and writes one alert in the caller's transaction; the problems are thrown (or returned, for a batch). */
async function writeAlert(trx: Tx, subscription: SubscriptionRow, input: CreateAlertInput): Promise<AlertRow | FieldErrors> {
  const problems = new Problems();
  thresholdProblems(input.thresholds, problems);
  const metricId = await metricIdFor(trx, subscription.organization_id, input.alert_type, input.billable_metric_code, problems);
  if (!problems.isEmpty) return problems.details;
  try {
    // A savepoint: a duplicate leaves the batch's transaction usable to report it.
    return await trx.transaction(async (inner) => {
      const alert = await insertAlert(inner, subscription.organization_id, {
        subscription_external_id: subscription.external_id,
        billable_metric_id: metricId,
        alert_type: input.alert_type,
        code: input.code,
        name: input.name ?? null,
      });
      await replaceThresholds(inner, alert.id, thresholdFields(input.thresholds!));
      return alert;
    });
  } catch (error) {
    const duplicate = duplicateAlert(error);
    if (duplicate) return duplicate;
    throw error;
  }
}

/** After a change, the subscription's alerts are evaluated at once (as Lago), not at its next event only. */
function evaluateAfter(subscription: SubscriptionRow, evaluations: AlertEvaluations | undefined): void {
  if (subscription.status === 'active') evaluations?.evaluateSoon([subscription.id], 'alerts');
}

export async function createAlert(db: Db, ref: SubscriptionRef, input: CreateAlertInput, evaluations?: AlertEvaluations): Promise<AlertView> {
  const { view, subscription } = await db.transaction(async (trx) => {
    const subscription = await subscriptionOf(trx, ref);
    const written = await writeAlert(trx, subscription, input);
    if (!('id' in written)) throw validationErrors(written as FieldErrors);
    return { view: (await views(trx, ref.organizationId, [written as AlertRow]))[0]!, subscription };
  });
  evaluateAfter(subscription, evaluations);
  return view;
}

/** Lago's batch: all or none; problems are keyed by the alert's index (`{"1": {"code": ["value_already_exist"]}}`). */
export async function createAlerts(db: Db, ref: SubscriptionRef, inputs: readonly CreateAlertInput[], evaluations?: AlertEvaluations): Promise<AlertView[]> {
  if (inputs.length === 0) throw invalidField('alerts', 'no_alerts');
  const { created, subscription } = await db.transaction(async (trx) => {
    const subscription = await subscriptionOf(trx, ref);
    const created: AlertRow[] = [];
    const problems: Record<string, FieldErrors> = {};
    for (const [index, input] of inputs.entries()) {
      const written = await writeAlert(trx, subscription, input);
      if ('id' in written) created.push(written as AlertRow);
      else problems[String(index)] = written as FieldErrors;
    }
    if (Object.keys(problems).length > 0) throw validationErrors(problems);
    return { created: await views(trx, ref.organizationId, created), subscription };
  });
  evaluateAfter(subscription, evaluations);
  return created;
}

export async function listSubscriptionAlerts(db: Db, ref: SubscriptionRef, page: Page): Promise<Paginated<AlertView>> {
  const subscription = await subscriptionOf(db, ref);
  const { rows, meta } = await listAlerts(db, ref.organizationId, subscription.external_id, page);
  return { rows: await views(db, ref.organizationId, rows), meta };
}

async function alertOf(db: Db | Tx, ref: SubscriptionRef, code: string): Promise<AlertRow> {
  const subscription = await subscriptionOf(db, ref);
  const alert = await findAlertByCode(db, ref.organizationId, subscription.external_id, code);
  if (!alert) throw notFound('alert');
  return alert;
}

export async function getAlert(db: Db, ref: SubscriptionRef, code: string): Promise<AlertView> {
  return (await views(db, ref.organizationId, [await alertOf(db, ref, code)]))[0]!;
}

/** Lago's update: `name` and `code` when given, the metric of a `billable_metric_*` alert, the thresholds replaced when given. */
export async function updateAlertByCode(db: Db, ref: SubscriptionRef, code: string, input: UpdateAlertInput, evaluations?: AlertEvaluations): Promise<AlertView> {
  const { view, subscription } = await db.transaction(async (trx) => {
    const subscription = await subscriptionOf(trx, ref);
    const alert = await findAlertByCode(trx, ref.organizationId, subscription.external_id, code);
    if (!alert) throw notFound('alert');
    const problems = new Problems();
    if (input.thresholds !== undefined && input.thresholds !== null) thresholdProblems(input.thresholds, problems);
    // As Lago: a metric given replaces the alert's; absent or null keeps it.
    const metricId = input.billable_metric_code === undefined || input.billable_metric_code === null
      ? undefined
      : await metricIdFor(trx, ref.organizationId, alert.alert_type, input.billable_metric_code, problems);
    if (!problems.isEmpty) throw validationErrors(problems.details);
    const fields: Parameters<typeof updateAlert>[2] = {};
    if (input.code !== undefined) fields.code = input.code;
    if (input.name !== undefined) fields.name = input.name;
    if (metricId !== undefined && metricId !== null) fields.billable_metric_id = metricId;
    try {
      await trx.transaction(async (inner) => {
        // Thresholds alone write the alert's row too: a new version, after an evaluation holding its lock (evaluation.ts).
        if (Object.keys(fields).length > 0 || input.thresholds) await updateAlert(inner, alert.id, fields);
        if (input.thresholds) await replaceThresholds(inner, alert.id, thresholdFields(input.thresholds));
      });
    } catch (error) {
      const duplicate = duplicateAlert(error);
      if (duplicate) throw validationErrors(duplicate);
      throw error;
    }
    const updated = (await findAlertByCode(trx, ref.organizationId, alert.subscription_external_id, fields.code ?? alert.code))!;
    return { view: (await views(trx, ref.organizationId, [updated]))[0]!, subscription };
  });
  evaluateAfter(subscription, evaluations);
  return view;
}

/** Deletes the alert (kept, marked deleted, for the alerts it triggered); answers it as it was. */
export async function deleteAlertByCode(db: Db, ref: SubscriptionRef, code: string, nowMs: number): Promise<AlertView> {
  return db.transaction(async (trx) => {
    const alert = await alertOf(trx, ref, code);
    const [view] = await views(trx, ref.organizationId, [alert]);
    await softDeleteAlerts(trx, [alert.id], nowMs);
    return view!;
  });
}

/** Deletes every alert of the subscription. */
export async function deleteSubscriptionAlerts(db: Db, ref: SubscriptionRef, nowMs: number): Promise<void> {
  await db.transaction(async (trx) => {
    const subscription = await subscriptionOf(trx, ref);
    const alerts = await alertsOfSubscription(trx, ref.organizationId, subscription.external_id);
    await softDeleteAlerts(trx, alerts.map((alert) => alert.id), nowMs);
  });
}

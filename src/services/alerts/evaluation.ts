/**
 * Evaluating a subscription's alerts after events arrive (Lago's `ProcessSubscriptionActivityService`
 * and `ProcessAlertService`, without taxes as Lago): the current period's usage is priced once by the
 * one pricing path (`computeChargesUsage`, through the incremental usage cache when given), each
 * alert reads its value from it, and the thresholds crossed since the alert's previous value are
 * recorded, each once per period:
 *
 * - `current_usage_amount`: the period's usage amount in cents (Σ of the charges' fees, taxes left out);
 * - `billable_metric_current_usage_amount` / `_units`: the amount in cents / the units of the
 *   metric's charge in the plan (the largest, as Lago's `max` over the fees, when several charges
 *   use it); an alert whose metric no charge uses is not evaluated (Lago's nil value);
 * - `lifetime_usage_amount`: the usage fees of the finalized invoices of the subscription's
 *   external id for the periods before this one, plus the current usage amount (the lifetime usage
 *   of issue 15 pt 2 is not on main: this is its stand-in), in cents; its "period" is the lifetime.
 *
 * Exactly once: a subscription's alerts are evaluated in one transaction holding their row locks
 * (evaluations of one alert queue behind each other, in any process), and a crossing is one `alert_crossings` row keyed
 * (alert, period start, threshold key), so however many evaluations run, concurrently or again, a
 * threshold triggers once per period; the triggered alert, its crossings, the alert's new previous
 * value and the `alert.triggered` webhook (outbox) commit together or not at all. A new period
 * starts from 0 (the previous value is the period's own).
 */
import type { Db, Tx } from '../../db/knex';
import {
  alertMetricsByIds, alertsOfSubscription, crossingsOf, insertTriggeredAlert, invoicedUsageBefore, lockAlerts, markAlertProcessed, thresholdsOf,
  type AlertRow, type AlertThresholdRow,
} from '../../db/alerts';
import { findSubscriptionById, type SubscriptionRow } from '../../db/subscriptions';
import { contextOf, type SubscriptionContext } from '../../db/subscription-context';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { serializeTriggeredAlert } from '../../serializers/alert';
import { crossedThresholds } from '../../billing/alert-thresholds';
import { Dec } from '../../billing/money';
import { chargesScopeAt } from '../../billing/periods';
import { monotonicMs } from '../../runtime/clock';
import { computeChargesUsage, type ChargesUsage, type UsageAggregator } from '../usage';

/** Where the lifetime's crossings are kept: one "period" from the epoch. */
const LIFETIME_PERIOD_START_MS = 0;

export interface EvaluationInput {
  subscriptionId: string;
  /** "Now": the injected clock (the sandbox clock in sandbox mode). */
  nowMs: number;
  aggregator?: UsageAggregator;
}

export interface EvaluationResult {
  /** Alerts evaluated (those with a value). */
  evaluated: number;
  /** Ids of the triggered alerts recorded (one `alert.triggered` webhook each). */
  triggered: string[];
  /** When the usage was priced (monotonic ms), before the alerts' transaction: for the benchmarks' stages. */
  measuredMs?: number;
}

interface Measured {
  usage: ChargesUsage;
  periodStartMs: number;
  /** The lifetime's invoiced usage before this period (read only when a lifetime alert needs it). */
  lifetimeBase: bigint;
}

/** The alert's value now (cents or units), or null when it has none (a metric no charge uses). */
function valueOf(alert: AlertRow, measured: Measured): Dec | null {
  const lines = measured.usage.charges.filter((line) => line.metric.id === alert.billable_metric_id);
  switch (alert.alert_type) {
    case 'current_usage_amount':
      return new Dec(measured.usage.amountCents.toString());
    case 'lifetime_usage_amount':
      return new Dec((measured.lifetimeBase + measured.usage.amountCents).toString());
    case 'billable_metric_current_usage_amount':
      return lines.length === 0 ? null : Dec.max(...lines.map((line) => new Dec(line.fee.amountCents.toString())));
    case 'billable_metric_current_usage_units':
      return lines.length === 0 ? null : Dec.max(...lines.map((line) => line.units));
  }
}

/** One alert, locked: the crossings not recorded yet for the period, and the new previous value. */
async function evaluateAlert(
  trx: Tx, ctx: SubscriptionContext, alert: AlertRow, thresholds: readonly AlertThresholdRow[], measured: Measured, nowMs: number,
): Promise<{ evaluated: boolean; triggered: string | null }> {
  // The row as locked: its metric and thresholds are those of one configuration.
  const value = valueOf(alert, measured);
  if (value === null) return { evaluated: false, triggered: null };
  const periodStartMs = alert.alert_type === 'lifetime_usage_amount' ? LIFETIME_PERIOD_START_MS : measured.periodStartMs;
  const previous = alert.previous_period_start?.getTime() === periodStartMs ? new Dec(alert.previous_value) : new Dec(0);
  const crossed = crossedThresholds(thresholds.map((t) => ({ code: t.code, value: new Dec(t.value), recurring: t.recurring })), previous, value);
  const recorded = crossed.length > 0 ? await crossingsOf(trx, alert.id, periodStartMs) : new Set<string>();
  const fresh = crossed.filter((c) => !recorded.has(c.key));
  let triggeredId: string | null = null;
  if (fresh.length > 0) {
    const triggered = await insertTriggeredAlert(trx, {
      organization_id: alert.organization_id,
      alert_id: alert.id,
      subscription_id: ctx.subscription.id,
      period_start: new Date(periodStartMs),
      current_value: value.toFixed(),
      previous_value: previous.toFixed(),
      crossed_thresholds: fresh.map((c) => ({ code: c.code, value: c.value.toFixed(), recurring: c.recurring })),
      triggered_at: new Date(nowMs),
    }, fresh.map((c) => c.key));
    const metric = alert.billable_metric_id ? (await alertMetricsByIds(trx, alert.organization_id, [alert.billable_metric_id])).get(alert.billable_metric_id) : undefined;
    await recordWebhookEvent(trx, {
      organizationId: alert.organization_id,
      webhookType: 'alert.triggered',
      objectType: 'triggered_alert',
      object: serializeTriggeredAlert({ triggered, alert, externalCustomerId: ctx.customer.external_id, billableMetricCode: metric?.code ?? null }),
      idempotencyKey: `alert.triggered:${triggered.id}`,
    });
    triggeredId = triggered.id;
  }
  await markAlertProcessed(trx, alert.id, { previousValue: value.toFixed(), periodStartMs, processedAtMs: nowMs });
  return { evaluated: true, triggered: triggeredId };
}

/**
 * Evaluates the alerts of an active subscription at `nowMs`. Safe to run any number of times, at
 * once or again: what was recorded is never recorded twice.
 */
export async function evaluateSubscriptionAlerts(db: Db, input: EvaluationInput): Promise<EvaluationResult> {
  const result: EvaluationResult = { evaluated: 0, triggered: [] };
  const subscription: SubscriptionRow | undefined = await findSubscriptionById(db, input.subscriptionId);
  if (!subscription || subscription.status !== 'active') return result;
  const alerts = await alertsOfSubscription(db, subscription.organization_id, subscription.external_id);
  if (alerts.length === 0) return result;
  const ctx = await contextOf(db, subscription);
  let scope: { fromMs: number; toMs: number };
  try {
    scope = chargesScopeAt(ctx.terms, input.nowMs);
  } catch {
    return result; // no period at that instant (not started): nothing to measure
  }
  const usage = await computeChargesUsage(db, ctx, { fromMs: scope.fromMs, toMs: scope.toMs }, { aggregator: input.aggregator });
  const lifetimeBase = alerts.some((alert) => alert.alert_type === 'lifetime_usage_amount')
    ? await invoicedUsageBefore(db, subscription.organization_id, subscription.external_id, scope.fromMs)
    : 0n;
  const measured: Measured = { usage, periodStartMs: scope.fromMs, lifetimeBase };
  result.measuredMs = monotonicMs();
  // One transaction for the subscription's alerts, holding their row locks.
  await db.transaction(async (trx) => {
    const locked = await lockAlerts(trx, alerts.map((alert) => alert.id));
    const thresholds = await thresholdsOf(trx, locked.map((alert) => alert.id));
    for (const alert of locked) {
      const outcome = await evaluateAlert(trx, ctx, alert, thresholds.get(alert.id) ?? [], measured, input.nowMs);
      if (outcome.evaluated) result.evaluated += 1;
      if (outcome.triggered) result.triggered.push(outcome.triggered);
    }
  });
  return result;
}

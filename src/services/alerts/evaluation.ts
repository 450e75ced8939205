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
  alertMetricsByIds, crossingsOf, insertTriggeredAlert, invoicedUsageBefore, lockAlertsOfSubscription, markAlertProcessed, markAlertsProcessedIfUnchanged,
  thresholdsOf, versionedAlertsOfSubscription, type AlertRow, type AlertThresholdRow, type VersionedAlertRow,
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
  /** What the evaluation reads of the subscription before its transaction, kept a few seconds (the evaluator's); read afresh when absent. */
  definitions?: AlertDefinitions;
}

/** What an evaluation reads before its transaction. */
interface Definition {
  subscription: SubscriptionRow;
  /** Loaded only for a subscription with alerts. */
  ctx: SubscriptionContext | null;
  /** The live alerts as last seen (their versions say whether they are still so) and their thresholds. */
  alerts: { row: VersionedAlertRow; thresholds: AlertThresholdRow[] }[];
}

/**
 * What an evaluator reads for every evaluation, kept per subscription: its row and context (plan,
 * customer, terms: what sets the period) for `ttlMs` (default 5 s), and its live alerts with their
 * thresholds and row versions until an evaluation finds them changed. An evaluation in which no
 * threshold is crossed from the alerts' previous values as kept only writes their new values, in
 * one statement, each only if its row is still the version kept (`markAlertsProcessedIfUnchanged`);
 * anything else (a crossing, a row written since: evaluated by another process, edited, deleted)
 * takes the locked transaction, which reads everything afresh, and the alerts are read again
 * next time. Thresholds replaced by an update write the alert's row too (a new version).
 *
 * `forget` drops a subscription's (an alert of it was created, updated or deleted in this process:
 * seen at once); an alert created by another process is seen within `ttlMs` (its creation
 * evaluates it there; here, the subscription's next events after that: later, never skipped).
 * Only active subscriptions are kept.
 */
export interface AlertDefinitions {
  forget(subscriptionIds: Iterable<string>): void;
  /** @internal the evaluation's read. */
  read(db: Db, subscriptionId: string): Promise<Definition | null>;
  /** @internal the alerts kept for the subscription are read again next time. */
  alertsChanged(subscriptionId: string): void;
}

export function createAlertDefinitions(options: { ttlMs?: number; maxEntries?: number } = {}): AlertDefinitions {
  const ttlMs = options.ttlMs ?? 5_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, { definition: Definition; until: number; alertsStale: boolean }>();
  // Bumped by `forget`: a read that started before it is not kept.
  const generations = new Map<string, number>();
  return {
    forget(subscriptionIds) {
      for (const id of subscriptionIds) {
        entries.delete(id);
        generations.set(id, (generations.get(id) ?? 0) + 1);
      }
    },
    alertsChanged(subscriptionId) {
      const entry = entries.get(subscriptionId);
      if (entry) entry.alertsStale = true;
    },
    async read(db, subscriptionId) {
      const generation = generations.get(subscriptionId) ?? 0;
      const kept = entries.get(subscriptionId);
      let definition: Definition | null;
      if (kept && kept.until > monotonicMs()) {
        if (!kept.alertsStale) return kept.definition;
        const { subscription } = kept.definition;
        const alerts = await alertsWithThresholds(db, subscription);
        definition = { subscription, alerts, ctx: kept.definition.ctx ?? (alerts.length === 0 ? null : await contextOf(db, subscription)) };
      } else {
        definition = await readDefinition(db, subscriptionId);
      }
      if (!definition || (generations.get(subscriptionId) ?? 0) !== generation) return definition;
      entries.delete(subscriptionId);
      entries.set(subscriptionId, { definition, until: kept && kept.until > monotonicMs() ? kept.until : monotonicMs() + ttlMs, alertsStale: false });
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldest);
      }
      return definition;
    },
  };
}

async function alertsWithThresholds(db: Db, subscription: SubscriptionRow): Promise<Definition['alerts']> {
  const rows = await versionedAlertsOfSubscription(db, subscription.organization_id, subscription.external_id);
  const thresholds = await thresholdsOf(db, rows.map((row) => row.id));
  return rows.map((row) => ({ row, thresholds: thresholds.get(row.id) ?? [] }));
}

async function readDefinition(db: Db, subscriptionId: string): Promise<Definition | null> {
  const subscription = await findSubscriptionById(db, subscriptionId);
  if (!subscription || subscription.status !== 'active') return null;
  const alerts = await alertsWithThresholds(db, subscription);
  return { subscription, alerts, ctx: alerts.length === 0 ? null : await contextOf(db, subscription) };
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
  lifetimeBase: bigint | null;
}

/** The alert's value now (cents or units), or null when it has none (a metric no charge uses). */
function valueOf(alert: AlertRow, measured: Measured): Dec | null {
  const lines = measured.usage.charges.filter((line) => line.metric.id === alert.billable_metric_id);
  switch (alert.alert_type) {
    case 'current_usage_amount':
      return new Dec(measured.usage.amountCents.toString());
    case 'lifetime_usage_amount':
      return new Dec(((measured.lifetimeBase ?? 0n) + measured.usage.amountCents).toString());
    case 'billable_metric_current_usage_amount':
      return lines.length === 0 ? null : Dec.max(...lines.map((line) => new Dec(line.fee.amountCents.toString())));
    case 'billable_metric_current_usage_units':
      return lines.length === 0 ? null : Dec.max(...lines.map((line) => line.units));
  }
}

/** The alert's value now, its period, its previous value in that period and the thresholds crossed from it; null when it has no value. */
function readingOf(alert: AlertRow, thresholds: readonly AlertThresholdRow[], measured: Measured) {
  const value = valueOf(alert, measured);
  if (value === null) return null;
  const periodStartMs = alert.alert_type === 'lifetime_usage_amount' ? LIFETIME_PERIOD_START_MS : measured.periodStartMs;
  const previous = alert.previous_period_start?.getTime() === periodStartMs ? new Dec(alert.previous_value) : new Dec(0);
  const crossed = crossedThresholds(thresholds.map((t) => ({ code: t.code, value: new Dec(t.value), recurring: t.recurring })), previous, value);
  return { value, periodStartMs, previous, crossed };
}

/** One alert, locked: the crossings not recorded yet for the period, and the new previous value. */
async function evaluateAlert(
  trx: Tx, ctx: SubscriptionContext, alert: AlertRow, thresholds: readonly AlertThresholdRow[], measured: Measured, nowMs: number,
): Promise<{ evaluated: boolean; triggered: string | null }> {
  // The row as locked: its metric and thresholds are those of one configuration.
  const reading = readingOf(alert, thresholds, measured);
  if (reading === null) return { evaluated: false, triggered: null };
  const { value, periodStartMs, previous, crossed } = reading;
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
  const definition = input.definitions ? await input.definitions.read(db, input.subscriptionId) : await readDefinition(db, input.subscriptionId);
  if (!definition || !definition.ctx || definition.alerts.length === 0) return result;
  const { subscription, ctx } = definition;
  let scope: { fromMs: number; toMs: number };
  try {
    scope = chargesScopeAt(ctx.terms, input.nowMs);
  } catch {
    return result; // no period at that instant (not started): nothing to measure
  }
  const usage = await computeChargesUsage(db, ctx, { fromMs: scope.fromMs, toMs: scope.toMs }, { aggregator: input.aggregator });
  const lifetimeBase = (conn: Db | Tx = db) => invoicedUsageBefore(conn, subscription.organization_id, subscription.external_id, scope.fromMs);
  const measured: Measured = {
    usage, periodStartMs: scope.fromMs,
    lifetimeBase: definition.alerts.some((alert) => alert.row.alert_type === 'lifetime_usage_amount') ? await lifetimeBase() : null,
  };
  result.measuredMs = monotonicMs();

  // Nothing crossed from the previous values as kept: their new values, if their rows are unchanged.
  const readings = definition.alerts.map((alert) => ({ alert, reading: readingOf(alert.row, alert.thresholds, measured) }));
  if (readings.every(({ reading }) => reading === null || reading.crossed.length === 0)) {
    const updates = readings.flatMap(({ alert, reading }) => reading === null ? [] : [{
      alert, id: alert.row.id, version: alert.row.row_version, previousValue: reading.value.toFixed(), periodStartMs: reading.periodStartMs,
    }]);
    const updated = await markAlertsProcessedIfUnchanged(db, updates, input.nowMs);
    for (const update of updates) {
      const version = updated.get(update.id);
      if (version === undefined) continue;
      Object.assign(update.alert.row, {
        row_version: version, previous_value: update.previousValue, previous_period_start: new Date(update.periodStartMs), last_processed_at: new Date(input.nowMs),
      });
    }
    if (updated.size === updates.length) {
      result.evaluated = updates.length;
      return result;
    }
  }

  // A crossing, or an alert changed since it was read: one transaction for the subscription's
  // alerts as they are now, holding their row locks (one created since is evaluated too).
  input.definitions?.alertsChanged(subscription.id);
  await db.transaction(async (trx) => {
    const locked = await lockAlertsOfSubscription(trx, subscription.organization_id, subscription.external_id);
    if (measured.lifetimeBase === null && locked.some((alert) => alert.alert_type === 'lifetime_usage_amount')) measured.lifetimeBase = await lifetimeBase(trx);
    const thresholds = await thresholdsOf(trx, locked.map((alert) => alert.id));
    for (const alert of locked) {
      const outcome = await evaluateAlert(trx, ctx, alert, thresholds.get(alert.id) ?? [], measured, input.nowMs);
      if (outcome.evaluated) result.evaluated += 1;
      if (outcome.triggered) result.triggered.push(outcome.triggered);
    }
  });
  return result;
}

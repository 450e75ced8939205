/**
 * Ingesting usage events (DESIGN.md §5 "Events", reference/lago-api.md §7), single or in batches of
 * at most 100, all or nothing:
 *
 * 1. each event is parsed (`parseEventInput`); its metric code and its active subscription are
 *    resolved synchronously — an unknown code is `{"code": ["metric_not_found"]}`, an unknown or
 *    inactive subscription `{"external_subscription_id": ["subscription_not_found"]}` (422), so
 *    usage is never silently lost;
 * 2. the batch is written by one multi-row INSERT … ON CONFLICT DO NOTHING in one transaction; an
 *    id that already existed is an identical replay (answered with the stored event, stored once)
 *    or a conflict (`{"transaction_id": ["value_already_exist"]}`, and nothing is written);
 * 3. after the commit, events the subscription's workflow cares about (a recurring metric, or a
 *    pay-in-advance charge on the metric in the subscription's plan) are signalled to it. A failed
 *    signal is logged and never loses the event: it is stored, and the workflow reads Postgres.
 *
 * "Identical" means same code, subscription, properties (as JSON values) and precise amount, and
 * the same instant when the replay carries a timestamp (a replay without one matches any instant:
 * its default "now" necessarily differs). Lookups of metrics and subscriptions are cached for a
 * few seconds per process (`LOOKUP_TTL_MS`): a metric deleted or a subscription terminated less
 * than that ago may still take events, which are then simply never billed.
 */
import type { Db } from '../../db/knex';
import { insertEvents, findEventsByTransactionIds, type EventRow, type NewEvent } from '../../db/events';
import { parseEventInput, type EventInput, type FieldErrors } from '../../api/schemas/events';
import { Dec } from '../../billing/money';
import { logger } from '../../runtime/logger';
import type { SubscriptionWorkflows, UsageNotification } from '../../workflows/client';
import { TtlCache } from '../../runtime/ttl-cache';

export const MAX_BATCH_EVENTS = 100;
export const LOOKUP_TTL_MS = 3_000;

interface MetricLookup {
  id: string;
  recurring: boolean;
  aggregationType: string;
}

interface SubscriptionLookup {
  id: string;
  customerId: string;
  /** Metrics with a pay-in-advance charge in the subscription's plan. */
  inAdvanceMetricIds: Set<string>;
}

/** What went wrong, per event index; empty when the batch was stored. */
export class EventValidationError extends Error {
  constructor(readonly errors: Map<number, FieldErrors>) {
    super('Invalid events');
    this.name = 'EventValidationError';
  }
}

export interface EventIngestion {
  /** Stores the events (all or none) and returns them in input order, as stored. */
  ingest(organizationId: string, rawEvents: readonly unknown[], nowMs: number): Promise<EventRow[]>;
  clearCaches(): void;
}

const key = (organizationId: string, value: string) => `${organizationId}\u0000${value}`;

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => sameJson(item, other[i]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((k) => Object.hasOwn(right, k) && sameJson(left[k], right[k]));
}

function samePrecise(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return new Dec(a).equals(new Dec(b));
}

/** Whether `input` is an exact replay of the stored `row`. */
export function isReplayOf(input: EventInput, row: EventRow): boolean {
  return (
    row.code === input.code &&
    row.external_subscription_id === input.externalSubscriptionId &&
    (!input.timestampGiven || row.timestamp.getTime() === input.timestampMs) &&
    sameJson(row.properties, input.properties) &&
    samePrecise(row.precise_total_amount_cents, input.preciseTotalAmountCents)
  );
}

function sameInput(a: EventInput, b: EventInput): boolean {
  return (
    a.code === b.code &&
    a.externalSubscriptionId === b.externalSubscriptionId &&
    a.timestampMs === b.timestampMs &&
    sameJson(a.properties, b.properties) &&
    samePrecise(a.preciseTotalAmountCents, b.preciseTotalAmountCents)
  );
}

export function createEventIngestion(deps: { db: Db; workflows: SubscriptionWorkflows }): EventIngestion {
  const { db, workflows } = deps;
  const metrics = new TtlCache<MetricLookup>(LOOKUP_TTL_MS);
  const subscriptions = new TtlCache<SubscriptionLookup>(LOOKUP_TTL_MS);

  async function resolveMetrics(organizationId: string, codes: Set<string>): Promise<Map<string, MetricLookup>> {
    const found = new Map<string, MetricLookup>();
    const missing: string[] = [];
    for (const code of codes) {
      const cached = metrics.get(key(organizationId, code));
      if (cached) found.set(code, cached);
      else missing.push(code);
    }
    if (missing.length > 0) {
      const rows = await db('billable_metrics')
        .where({ organization_id: organizationId })
        .whereNull('deleted_at')
        .whereIn('code', missing)
        .select<{ id: string; code: string; recurring: boolean; aggregation_type: string }[]>('id', 'code', 'recurring', 'aggregation_type');
      for (const row of rows) {
        const metric = { id: row.id, recurring: row.recurring, aggregationType: row.aggregation_type };
        metrics.set(key(organizationId, row.code), metric);
        found.set(row.code, metric);
      }
    }
    return found;
  }

  async function resolveSubscriptions(organizationId: string, externalIds: Set<string>): Promise<Map<string, SubscriptionLookup>> {
    const found = new Map<string, SubscriptionLookup>();
    const missing: string[] = [];
    for (const externalId of externalIds) {
      const cached = subscriptions.get(key(organizationId, externalId));
      if (cached) found.set(externalId, cached);
      else missing.push(externalId);
    }
    if (missing.length > 0) {
      const rows = await db('subscriptions as s')
        .where({ 's.organization_id': organizationId, 's.status': 'active' })
        .whereIn('s.external_id', missing)
        .select<{ id: string; external_id: string; customer_id: string; in_advance: string[] }[]>(
          's.id',
          's.external_id',
          's.customer_id',
          db.raw(
            'ARRAY(SELECT c.billable_metric_id::text FROM charges c WHERE c.plan_id = s.plan_id AND c.pay_in_advance AND c.deleted_at IS NULL) AS in_advance',
          ),
        );
      for (const row of rows) {
        const subscription = { id: row.id, customerId: row.customer_id, inAdvanceMetricIds: new Set(row.in_advance) };
        subscriptions.set(key(organizationId, row.external_id), subscription);
        found.set(row.external_id, subscription);
      }
    }
    return found;
  }

  async function notify(organizationId: string, events: { input: EventInput; metric: MetricLookup; subscription: SubscriptionLookup }[]) {
    const bySubscription = new Map<string, UsageNotification[]>();
    for (const { input, metric, subscription } of events) {
      const watched = metric.recurring || metric.aggregationType === 'recurring_count_agg' || subscription.inAdvanceMetricIds.has(metric.id);
      if (!watched) continue;
      const list = bySubscription.get(input.externalSubscriptionId) ?? [];
      list.push({ transactionId: input.transactionId, code: input.code, timestamp: input.timestampMs });
      bySubscription.set(input.externalSubscriptionId, list);
    }
    await Promise.all(
      [...bySubscription].map(async ([externalId, notifications]) => {
        try {
          await workflows.notifyUsage(organizationId, externalId, notifications);
        } catch (err) {
          logger.warn(
            { err, organizationId, externalSubscriptionId: externalId, transactionIds: notifications.map((n) => n.transactionId) },
            'usage notification failed; the events are stored and the workflow will read them from Postgres',
          );
        }
      }),
    );
  }

  async function ingest(organizationId: string, rawEvents: readonly unknown[], nowMs: number): Promise<EventRow[]> {
    const errors = new Map<number, FieldErrors>();
    const fail = (index: number, field: string, code: string) => {
      const fields = errors.get(index) ?? {};
      (fields[field] ??= []).push(code);
      errors.set(index, fields);
    };
    const inputs = rawEvents.map((raw, index) => {
      const { event, errors: fieldErrors } = parseEventInput(raw, nowMs);
      if (Object.keys(fieldErrors).length > 0) errors.set(index, fieldErrors);
      return event;
    });

    const codes = new Set<string>();
    const externalIds = new Set<string>();
    inputs.forEach((input, index) => {
      if (errors.has(index)) return;
      codes.add(input.code);
      externalIds.add(input.externalSubscriptionId);
    });
    const [metricByCode, subscriptionByExternalId] = await Promise.all([
      resolveMetrics(organizationId, codes),
      resolveSubscriptions(organizationId, externalIds),
    ]);

    // An exact replay of a stored event is accepted even if its metric or subscription is gone since.
    const unresolved = inputs
      .map((input, index) => ({ input, index }))
      .filter(({ input, index }) => !errors.has(index) && (!metricByCode.has(input.code) || !subscriptionByExternalId.has(input.externalSubscriptionId)));
    const replayedRows = new Map<number, EventRow>();
    if (unresolved.length > 0) {
      const stored = new Map((await findEventsByTransactionIds(db, organizationId, unresolved.map((u) => u.input.transactionId))).map((row) => [row.transaction_id, row]));
      for (const { input, index } of unresolved) {
        const row = stored.get(input.transactionId);
        if (row && isReplayOf(input, row)) {
          replayedRows.set(index, row);
          continue;
        }
        if (!metricByCode.has(input.code)) fail(index, 'code', 'metric_not_found');
        if (!subscriptionByExternalId.has(input.externalSubscriptionId)) fail(index, 'external_subscription_id', 'subscription_not_found');
      }
    }

    // The same transaction id twice in one batch: one event if identical, else the later one conflicts.
    const firstIndex = new Map<string, number>();
    const aliasOf = new Map<number, number>();
    inputs.forEach((input, index) => {
      if (errors.has(index) || replayedRows.has(index)) return;
      const first = firstIndex.get(input.transactionId);
      if (first === undefined) firstIndex.set(input.transactionId, index);
      else if (sameInput(inputs[first]!, input)) aliasOf.set(index, first);
      else fail(index, 'transaction_id', 'value_already_exist');
    });
    if (errors.size > 0) throw new EventValidationError(errors);

    const toStore = [...firstIndex.values()];
    const rows: NewEvent[] = toStore.map((index) => {
      const input = inputs[index]!;
      const subscription = subscriptionByExternalId.get(input.externalSubscriptionId)!;
      return {
        transactionId: input.transactionId,
        externalSubscriptionId: input.externalSubscriptionId,
        code: input.code,
        timestampMs: input.timestampMs,
        properties: input.properties,
        preciseTotalAmountCents: input.preciseTotalAmountCents,
        subscriptionId: subscription.id,
        customerId: subscription.customerId,
      };
    });
    const outcome = rows.length === 0
      ? { inserted: new Map<string, { id: string; created_at: Date }>(), existing: new Map<string, EventRow>(), committed: true }
      : await insertEvents(db, organizationId, rows, (existing) => {
          for (const index of toStore) {
            const input = inputs[index]!;
            const row = existing.get(input.transactionId);
            if (row && !isReplayOf(input, row)) fail(index, 'transaction_id', 'value_already_exist');
          }
          return errors.size === 0;
        });
    if (!outcome.committed) throw new EventValidationError(errors);

    const stored = new Map<number, EventRow>();
    const fresh: { input: EventInput; metric: MetricLookup; subscription: SubscriptionLookup }[] = [];
    for (const index of toStore) {
      const input = inputs[index]!;
      const inserted = outcome.inserted.get(input.transactionId);
      if (!inserted) {
        stored.set(index, outcome.existing.get(input.transactionId)!);
        continue;
      }
      const subscription = subscriptionByExternalId.get(input.externalSubscriptionId)!;
      stored.set(index, {
        id: inserted.id,
        organization_id: organizationId,
        transaction_id: input.transactionId,
        external_subscription_id: input.externalSubscriptionId,
        code: input.code,
        timestamp: new Date(input.timestampMs),
        properties: input.properties,
        precise_total_amount_cents: input.preciseTotalAmountCents,
        subscription_id: subscription.id,
        customer_id: subscription.customerId,
        created_at: inserted.created_at,
      });
      fresh.push({ input, metric: metricByCode.get(input.code)!, subscription });
    }
    if (fresh.length > 0) await notify(organizationId, fresh);
    return inputs.map((_, index) => replayedRows.get(index) ?? stored.get(index) ?? stored.get(aliasOf.get(index)!)!);
  }

  return {
    ingest,
    clearCaches() {
      metrics.clear();
      subscriptions.clear();
    },
  };
}

/**
 * Ingesting usage events (DESIGN.md §5 "Events", reference/lago-api.md §7), single or in batches of
 * at most 100, all or nothing:
 *
 * 1. each event's own fields are checked (what its caller could not read, properties jsonb can
 *    store); its metric code and its active subscription are resolved synchronously — an unknown
 *    code is `{"code": ["metric_not_found"]}`, an unknown or inactive subscription
 *    `{"external_subscription_id": ["subscription_not_found"]}`, so usage is never silently lost.
 *    The INSERT checks again that the subscription is active (db/events.ts): an event for a
 *    subscription that has ended is refused even when a cached lookup still saw it active, and a
 *    termination waits for the events being stored, so its final invoice bills them.

 *    A metric with an `expression` has it evaluated now, once, and the result stored in the event's
 *    `properties[field_name]` (Lago's `Events::CalculateExpressionService`), so aggregation reads a
 *    stored value; an event the expression cannot be evaluated on (a missing property, text where a
 *    number is needed, a division by zero) is refused: `{"properties": ["expression_evaluation_failed"]}`;
 * 2. the batch is written by one multi-row INSERT … ON CONFLICT DO NOTHING; an id that already
 *    existed is an identical replay (answered with the stored event, stored once) or a conflict
 *    (`{"transaction_id": ["value_already_exist"]}`, and nothing is written) — see `replays.ts`;
 * 3. after the commit, events the subscription's workflow cares about (a recurring metric, or a
 *    pay-in-advance charge on the metric in the subscription's plan, or any event of a subscription
 *    with usage thresholds, which may cross one: progressive billing) are signalled to it, and so
 *    are late ones (timestamped before the subscription's current period, whose open draft takes
 *    them at once; issue 11). A failed signal is logged and never loses the event: it is stored,
 *    and the workflow reads Postgres (a draft is computed again when it is finalized, and usage
 *    late for a finalized period is found by the next invoice).
 *
 * Every problem of a batch is reported at once, by event index (`{"1": {"code": [...]}}`); a single
 * event's problems are reported by field. "Now" (`receivedAtMs`) comes from the caller's clock: it
 * is the default timestamp and the events' `created_at`.
 */
import type { Db } from '../../db/knex';
import { insertEvents, findEventsByTransactionIds, type EventRow, type NewEvent } from '../../db/events';
import { invalidField, Problems, validationErrors, type ErrorDetails, type FieldErrors } from '../../runtime/errors';
import { logger } from '../../runtime/logger';
import type { SubscriptionWorkflows, UsageNotification } from '../../workflows/client';
import { isStorableJson, type EventInput, type ReadEvent } from './event-input';
import { createEventLookups, type MetricLookup, type SubscriptionLookup } from './event-lookups';
import { chargesScopeAt } from '../../billing/periods';
import { isReplayOf, sameEvent } from './replays';
import { ExpressionError, propertiesWithExpression } from '../../billing/expressions';

export const MAX_BATCH_EVENTS = 100;

export interface EventIngestion {
  /** Stores one event (or finds its replay) and returns it as stored. */
  ingestEvent(organizationId: string, event: ReadEvent, receivedAtMs: number): Promise<EventRow>;
  /** Stores 1 to 100 events, all or none, and returns them in input order, as stored. */
  ingestBatch(organizationId: string, events: readonly ReadEvent[], receivedAtMs: number): Promise<EventRow[]>;
  clearCaches(): void;
}

/** A batch's problems, by event index. */
class BatchProblems {
  private readonly byIndex = new Map<number, Problems>();

  add(index: number, field: string, code: string): void {
    let problems = this.byIndex.get(index);
    if (!problems) this.byIndex.set(index, (problems = new Problems()));
    problems.add(field, code);
  }

  addAll(index: number, fields: FieldErrors): void {
    for (const field in fields) for (const code of fields[field]!) this.add(index, field, code);
  }

  has(index: number): boolean {
    return this.byIndex.has(index);
  }

  get isEmpty(): boolean {
    return this.byIndex.size === 0;
  }

  of(index: number): FieldErrors {
    return this.byIndex.get(index)?.details ?? {};
  }

  /** `{"0": {...}, "3": {...}}`, in index order. */
  get details(): ErrorDetails {
    return Object.fromEntries([...this.byIndex].sort(([a], [b]) => a - b).map(([index, problems]) => [String(index), problems.details]));
  }
}

/** An event resolved to its metric and subscription, ready to store. */
interface Resolved {
  index: number;
  input: EventInput;
  timestampMs: number;
  metric: MetricLookup;
  subscription: SubscriptionLookup;
}

/** What `ingest` found: the stored rows in input order, or the problems that refused the batch. */
type Outcome = { rows: EventRow[] } | { problems: BatchProblems };

function ownProblems(events: readonly ReadEvent[]): BatchProblems {
  const problems = new BatchProblems();
  events.forEach(({ input, unreadable }, index) => {
    problems.addAll(index, unreadable);
    if (!isStorableJson(input.properties)) problems.add(index, 'properties', 'value_is_invalid');
  });
  return problems;
}

/**
 * The same transaction id twice in one batch: one event when identical, else the later one
 * conflicts. Returns the first index of each id to store, and each repeated index's first.
 */
function collapseRepeats(inputs: readonly EventInput[], receivedAtMs: number, problems: BatchProblems, replayed: Map<number, EventRow>) {
  const firstIndex = new Map<string, number>();
  const aliasOf = new Map<number, number>();
  inputs.forEach((input, index) => {
    if (problems.has(index) || replayed.has(index)) return;
    const first = firstIndex.get(input.transactionId);
    if (first === undefined) firstIndex.set(input.transactionId, index);
    else if (sameEvent(inputs[first]!, input, receivedAtMs)) aliasOf.set(index, first);
    else problems.add(index, 'transaction_id', 'value_already_exist');
  });
  return { toStore: [...firstIndex.values()], aliasOf };
}

const newEvent = ({ input, timestampMs, subscription }: Resolved): NewEvent => ({
  transactionId: input.transactionId,
  externalSubscriptionId: input.externalSubscriptionId,
  code: input.code,
  timestampMs,
  properties: input.properties,
  preciseTotalAmountCents: input.preciseTotalAmountCents,
  subscriptionId: subscription.id,
  customerId: subscription.customerId,
});

function storedRow(organizationId: string, event: Resolved, inserted: { id: string; created_at: Date }): EventRow {
  return {
    id: inserted.id,
    organization_id: organizationId,
    transaction_id: event.input.transactionId,
    external_subscription_id: event.input.externalSubscriptionId,
    code: event.input.code,
    timestamp: new Date(event.timestampMs),
    properties: event.input.properties,
    precise_total_amount_cents: event.input.preciseTotalAmountCents,
    subscription_id: event.subscription.id,
    customer_id: event.subscription.customerId,
    created_at: inserted.created_at,
  };
}

const isWatched = ({ metric, subscription }: Resolved) =>
  metric.recurring || metric.aggregationType === 'recurring_count_agg' || subscription.inAdvanceMetricIds.has(metric.id);

/** Where the subscription's current charges period starts, at `atMs`; null when its terms cannot tell. */
function currentPeriodStart(subscription: SubscriptionLookup, atMs: number): number | null {
  try {
    return chargesScopeAt(subscription.terms, atMs).fromMs;
  } catch {
    return null;
  }
}

/** Late usage: timestamped after the subscription started but before its current period (received at `receivedAtMs`). */
function lateness(receivedAtMs: number) {
  const starts = new Map<string, number | null>();
  return ({ subscription, timestampMs }: Resolved): boolean => {
    if (!starts.has(subscription.id)) starts.set(subscription.id, currentPeriodStart(subscription, receivedAtMs));
    const start = starts.get(subscription.id);
    return start !== null && start !== undefined && timestampMs < start && timestampMs >= subscription.terms.startedAt;
  };
}

/** Called after a batch's new events are committed, with their customers (e.g. the wallets' threshold top-ups); must not throw. */
export type AfterUsageStored = (organizationId: string, customerIds: string[], receivedAtMs: number) => Promise<void>;

export interface EventIngestionDeps {
  db: Db;
  workflows: SubscriptionWorkflows;
  /**
   * Told, after the commit, which subscriptions got new events (usage alerts evaluate them soon,
   * services/alerts). Must not wait nor throw; a failure is logged and never fails the ingestion.
   */
  onStored?: (subscriptionIds: ReadonlySet<string>) => void;
  afterStored?: AfterUsageStored;
}

export function createEventIngestion(deps: EventIngestionDeps): EventIngestion {
  const { db, workflows } = deps;
  const lookups = createEventLookups(db);

  /** Signals newly stored events to their subscriptions' workflows, one call per subscription. */
  async function notify(organizationId: string, fresh: readonly Resolved[], receivedAtMs: number): Promise<void> {
    const bySubscription = new Map<string, UsageNotification[]>();
    const isLate = lateness(receivedAtMs);
    // Progressive billing (issue 15): any event of a subscription with usage thresholds may cross
    // one. The workflow needs to hear it once per batch: events signalled only for that are one entry.
    const thresholdsHeard = new Set<string>();
    for (const event of fresh) {
      const watched = isWatched(event);
      const late = isLate(event);
      const { transactionId, code, externalSubscriptionId } = event.input;
      const thresholds = event.subscription.progressiveBilling;
      if (!watched && !late && (!thresholds || thresholdsHeard.has(externalSubscriptionId))) continue;
      if (thresholds) thresholdsHeard.add(externalSubscriptionId);
      const list = bySubscription.get(externalSubscriptionId) ?? [];
      list.push({
        transactionId, code, timestamp: event.timestampMs,
        ...(late ? { late: true } : {}), ...(watched ? {} : { watched: false }), ...(thresholds ? { thresholds: true } : {}),
      });
      bySubscription.set(externalSubscriptionId, list);
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

  /**
   * Events without a metric or subscription: an exact replay of a stored event is accepted even if
   * its metric or subscription is gone since; the others are refused. Returns the replayed rows.
   */
  async function settleUnresolved(
    organizationId: string,
    inputs: readonly EventInput[],
    problems: BatchProblems,
    metrics: Map<string, MetricLookup>,
    subscriptions: Map<string, SubscriptionLookup>,
  ): Promise<Map<number, EventRow>> {
    const replayed = new Map<number, EventRow>();
    const unresolved = inputs
      .map((input, index) => ({ input, index }))
      .filter(({ input, index }) => !problems.has(index) && (!metrics.has(input.code) || !subscriptions.has(input.externalSubscriptionId)));
    if (unresolved.length === 0) return replayed;
    const stored = await findEventsByTransactionIds(db, organizationId, unresolved.map((u) => u.input.transactionId));
    const byTransactionId = new Map(stored.map((row) => [row.transaction_id, row]));
    for (const { input, index } of unresolved) {
      const row = byTransactionId.get(input.transactionId);
      if (row && isReplayOf(input, row)) {
        replayed.set(index, row);
        continue;
      }
      if (!metrics.has(input.code)) problems.add(index, 'code', 'metric_not_found');
      if (!subscriptions.has(input.externalSubscriptionId)) problems.add(index, 'external_subscription_id', 'subscription_not_found');
    }
    return replayed;
  }

  /** Writes the events, all or none: a stored id that is not an exact replay refuses the batch. */
  async function store(organizationId: string, events: readonly Resolved[], receivedAtMs: number, problems: BatchProblems): Promise<Map<number, EventRow> | null> {
    const stored = new Map<number, EventRow>();
    if (events.length === 0) return stored;
    const outcome = await insertEvents(db, organizationId, events.map(newEvent), receivedAtMs, (existing, refused) => {
      for (const { index, input } of events) {
        const row = existing.get(input.transactionId);
        if (row && !isReplayOf(input, row)) problems.add(index, 'transaction_id', 'value_already_exist');
        // Its subscription ended since it was looked up (a cached lookup, or a termination in flight).
        if (refused.has(input.transactionId)) problems.add(index, 'external_subscription_id', 'subscription_not_found');
      }
      return problems.isEmpty;
    });
    if (!outcome.committed) return null;
    const fresh: Resolved[] = [];
    for (const event of events) {
      const inserted = outcome.inserted.get(event.input.transactionId);
      if (inserted) fresh.push(event);
      stored.set(event.index, inserted ? storedRow(organizationId, event, inserted) : outcome.existing.get(event.input.transactionId)!);
    }
    if (fresh.length > 0) {
      try {
        deps.onStored?.(new Set(fresh.map((event) => event.subscription.id)));
      } catch (err) {
        logger.warn({ err, organizationId }, 'telling the alerts about stored events failed; the events are stored');
      }
      await notify(organizationId, fresh, receivedAtMs);
      if (deps.afterStored) await deps.afterStored(organizationId, [...new Set(fresh.map((event) => event.subscription.customerId))], receivedAtMs);
    }
    return stored;
  }

  async function ingest(organizationId: string, events: readonly ReadEvent[], receivedAtMs: number): Promise<Outcome> {
    const problems = ownProblems(events);
    const inputs = events.map((event) => event.input);
    const codes = new Set<string>();
    const externalIds = new Set<string>();
    inputs.forEach((input, index) => {
      if (problems.has(index)) return;
      codes.add(input.code);
      externalIds.add(input.externalSubscriptionId);
    });
    const [metrics, subscriptions] = await Promise.all([lookups.metrics(organizationId, codes), lookups.subscriptions(organizationId, externalIds)]);
    inputs.forEach((input, index) => {
      const expression = problems.has(index) ? null : metrics.get(input.code)?.expression;
      if (!expression) return;
      try {
        const properties = propertiesWithExpression(expression.tree, expression.fieldName, { code: input.code, timestampMs: input.timestampMs ?? receivedAtMs, properties: input.properties });
        inputs[index] = { ...input, properties };
      } catch (error) {
        if (!(error instanceof ExpressionError)) throw error;
        problems.add(index, 'properties', 'expression_evaluation_failed');
      }
    });
    const replayed = await settleUnresolved(organizationId, inputs, problems, metrics, subscriptions);
    const { toStore, aliasOf } = collapseRepeats(inputs, receivedAtMs, problems, replayed);
    if (!problems.isEmpty) return { problems };

    const resolved = toStore.map((index): Resolved => {
      const input = inputs[index]!;
      return { index, input, timestampMs: input.timestampMs ?? receivedAtMs, metric: metrics.get(input.code)!, subscription: subscriptions.get(input.externalSubscriptionId)! };
    });
    const stored = await store(organizationId, resolved, receivedAtMs, problems);
    if (!stored) return { problems };
    return { rows: inputs.map((_, index) => replayed.get(index) ?? stored.get(index) ?? stored.get(aliasOf.get(index)!)!) };
  }

  return {
    async ingestEvent(organizationId, event, receivedAtMs) {
      const outcome = await ingest(organizationId, [event], receivedAtMs);
      if ('problems' in outcome) throw validationErrors(outcome.problems.of(0));
      return outcome.rows[0]!;
    },
    async ingestBatch(organizationId, events, receivedAtMs) {
      if (events.length === 0) throw invalidField('events', 'no_events');
      if (events.length > MAX_BATCH_EVENTS) throw invalidField('events', 'too_many_events');
      const outcome = await ingest(organizationId, events, receivedAtMs);
      if ('problems' in outcome) throw validationErrors(outcome.problems.details);
      return outcome.rows;
    },
    clearCaches: () => lookups.clear(),
  };
}

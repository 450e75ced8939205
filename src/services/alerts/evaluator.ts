/**
 * When alerts are evaluated: soon after events are stored, off the ingestion's path. Ingestion
 * tells the evaluator which subscriptions got events (after its commit); the evaluator gathers them
 * for `delayMs`, keeps those whose external id has a live alert (one query), and evaluates each
 * (`evaluateSubscriptionAlerts`, a few at a time) with one incremental usage cache, so a burst of
 * batches for one subscription costs one evaluation, not one per batch. A subscription that gets
 * events while it is being evaluated is evaluated again in the next round, so the last evaluation
 * always follows the last commit. Creating or updating an alert asks for an evaluation too (as
 * Lago's `track_subscription_activity`), so thresholds already exceeded trigger without waiting for
 * the next event.
 *
 * Exactly once does not rest on this: evaluations may run twice, in several processes, at once
 * (evaluation.ts records each crossing once per period). A process that dies between the events'
 * commit and the evaluation leaves the crossing to the subscription's next events (the alert's
 * previous value stays behind, so nothing is skipped, only later).
 */
import type { Db } from '../../db/knex';
import { subscriptionsWithAlerts } from '../../db/alerts';
import { monotonicMs, type Clock } from '../../runtime/clock';
import { logger } from '../../runtime/logger';
import { createUsageCache } from '../usage';
import { evaluateSubscriptionAlerts } from './evaluation';

export interface AlertEvaluations {
  /** Evaluates these subscriptions' alerts soon. Never waits, never throws. */
  evaluateSoon(subscriptionIds: Iterable<string>): void;
}

/** Where one evaluation's time went (monotonic ms, this process): for the benchmarks. */
export interface EvaluationStages {
  subscriptionId: string;
  /** The first request not served yet (the events' commit, or an alert's change). */
  requestedMs: number;
  startedMs: number;
  /** The usage priced, before the alerts' transaction. */
  measuredMs: number;
  /** The alerts' transaction committed (with its triggered alerts and webhooks). */
  committedMs: number;
  triggered: number;
}

export interface AlertEvaluator extends AlertEvaluations {
  /** Resolves once nothing is pending nor running. */
  drain(): Promise<void>;
  /** Rounds run so far (tests and benchmarks). */
  readonly rounds: number;
  /** The stages of the latest evaluations (at most 2000), oldest first. */
  stages(): EvaluationStages[];
}

export interface AlertEvaluatorOptions {
  /** How long requests are gathered before a round (default 100 ms). */
  delayMs?: number;
  /** Subscriptions evaluated at once (default 2). */
  parallel?: number;
}

export function createAlertEvaluator(deps: { db: Db; clock: Clock }, options: AlertEvaluatorOptions = {}): AlertEvaluator {
  const { db, clock } = deps;
  const delayMs = options.delayMs ?? 100;
  const parallel = Math.max(1, options.parallel ?? 2);
  const cache = createUsageCache(db);
  const log = logger.child({ component: 'alert-evaluator' });
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let rounds = 0;
  const requested = new Map<string, number>();
  const recent: EvaluationStages[] = [];
  const idle: (() => void)[] = [];

  async function round(): Promise<void> {
    const ids = [...pending];
    pending = new Set();
    rounds += 1;
    const watched = await subscriptionsWithAlerts(db, ids);
    const watchedIds = new Set(watched.map((row) => row.id));
    for (const id of ids) if (!watchedIds.has(id)) requested.delete(id);
    if (watched.length === 0) return;
    const nowMs = await clock.now();
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(parallel, watched.length) }, async () => {
      while (next < watched.length) {
        const { id } = watched[next++]!;
        const requestedMs = requested.get(id) ?? monotonicMs();
        requested.delete(id);
        const startedMs = monotonicMs();
        try {
          const result = await evaluateSubscriptionAlerts(db, { subscriptionId: id, nowMs, aggregator: cache });
          recent.push({ subscriptionId: id, requestedMs, startedMs, measuredMs: result.measuredMs ?? startedMs, committedMs: monotonicMs(), triggered: result.triggered.length });
          if (recent.length > 2000) recent.splice(0, recent.length - 2000);
        } catch (err) {
          log.warn({ err, subscriptionId: id }, 'alert evaluation failed; the next events of the subscription evaluate it again');
        }
      }
    }));
  }

  function schedule(): void {
    if (timer || running || pending.size === 0) return;
    timer = setTimeout(() => {
      timer = null;
      running = round()
        .catch((err: unknown) => log.warn({ err }, 'alert evaluation round failed'))
        .finally(() => {
          running = null;
          if (pending.size > 0) schedule();
          else for (const resolve of idle.splice(0)) resolve();
        });
    }, delayMs);
    timer.unref();
  }

  return {
    evaluateSoon(subscriptionIds) {
      const at = monotonicMs();
      for (const id of subscriptionIds) {
        pending.add(id);
        if (!requested.has(id)) requested.set(id, at);
      }
      schedule();
    },
    drain() {
      if (!timer && !running && pending.size === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
    get rounds() {
      return rounds;
    },
    stages: () => [...recent],
  };
}

const evaluators = new WeakMap<Db, WeakMap<Clock, AlertEvaluator>>();

/** The evaluator of an app (its database and clock): the events and alerts routes share it. */
export function alertEvaluatorFor(db: Db, clock: Clock): AlertEvaluator {
  let byClock = evaluators.get(db);
  if (!byClock) evaluators.set(db, (byClock = new WeakMap()));
  let evaluator = byClock.get(clock);
  if (!evaluator) byClock.set(clock, (evaluator = createAlertEvaluator({ db, clock })));
  return evaluator;
}

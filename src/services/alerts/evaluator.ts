/**
 * When alerts are evaluated: soon after events are stored, off the ingestion's path. Ingestion
 * tells the evaluator which subscriptions got events (after its commit); each joins a queue once,
 * and `parallel` workers evaluate them (`evaluateSubscriptionAlerts`) with one incremental usage
 * cache, so a burst of batches for one subscription costs one or two evaluations, not one per
 * batch. A worker takes the next one as soon as it is free (there are no rounds): the one evaluated
 * least recently (never first, then in the order asked), so subscriptions whose events keep coming
 * are evaluated in turn and never hold back one whose events just crossed a threshold; each waits
 * at most for the others in the queue once. A
 * subscription that gets events while it is being evaluated joins the queue again, so the last
 * evaluation always follows the last commit. Creating, updating or deleting an alert asks for an
 * evaluation too (as Lago's `track_subscription_activity`), so thresholds already exceeded trigger
 * without waiting for the next event, and drops what the evaluator kept of the subscription.
 *
 * The evaluator has its own small pool of connections (`alertEvaluatorFor`), so its queries do not
 * queue behind the API's requests, and keeps for a few seconds what every evaluation reads before
 * its transaction (`createAlertDefinitions`: the subscription, its context, whether it has alerts).
 *
 * Exactly once does not rest on this: evaluations may run twice, in several processes, at once
 * (evaluation.ts records each crossing once per period). A process that dies between the events'
 * commit and the evaluation loses only the request: an evaluator evaluates, when it starts, every
 * active subscription with a live alert (`sweep`), so the crossing is recorded when the API is back
 * (in the period current then).
 */
import type { Db } from '../../db/knex';
import { sidePoolOf } from '../../db/knex';
import { activeSubscriptionsWithAlerts } from '../../db/alerts';
import { monotonicMs, type Clock } from '../../runtime/clock';
import { logger } from '../../runtime/logger';
import { createUsageCache } from '../usage';
import { createAlertDefinitions, evaluateSubscriptionAlerts } from './evaluation';

export interface AlertEvaluations {
  /**
   * Evaluates these subscriptions' alerts soon. Never waits, never throws. `'alerts'`: their alerts
   * changed (in this process), what was kept of them is read again.
   */
  evaluateSoon(subscriptionIds: Iterable<string>, why?: 'events' | 'alerts'): void;
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
  /** Evaluations started so far (tests and benchmarks). */
  readonly rounds: number;
  /** Evaluates every active subscription with a live alert (what a process that died may have left). */
  sweep(): Promise<void>;
  /** The stages of the latest evaluations (at most 2000), oldest first. */
  stages(): EvaluationStages[];
}

export interface AlertEvaluatorOptions {
  /** How long a request waits before a free worker takes it, so a burst of batches gathers (default 20 ms). */
  delayMs?: number;
  /** Subscriptions evaluated at once (default 2). */
  parallel?: number;
  /** How long the definitions read before each evaluation are kept (default 5 s). */
  definitionsTtlMs?: number;
  /** A subscription's evaluations start at least this far apart (default 500 ms): ingestion keeps the processor. */
  minIntervalMs?: number;
}

export function createAlertEvaluator(deps: { db: Db; clock: Clock }, options: AlertEvaluatorOptions = {}): AlertEvaluator {
  const { db, clock } = deps;
  const delayMs = options.delayMs ?? 20;
  const parallel = Math.max(1, options.parallel ?? 2);
  const minIntervalMs = options.minIntervalMs ?? 500;
  const cache = createUsageCache(db);
  const definitions = createAlertDefinitions({ ttlMs: options.definitionsTtlMs });
  const log = logger.child({ component: 'alert-evaluator' });
  /** Waiting, in the order they were asked for, each once. */
  const queue: string[] = [];
  const queued = new Set<string>();
  /** When each subscription's latest evaluation started (bounded: the oldest are forgotten). */
  const lastStarted = new Map<string, number>();
  /** Being evaluated, and those asked for again meanwhile. */
  const active = new Set<string>();
  const again = new Set<string>();
  let workers = 0;
  let timer: NodeJS.Timeout | null = null;
  let timerDueMs = 0;
  let evaluations = 0;
  const requested = new Map<string, number>();
  const recent: EvaluationStages[] = [];
  const idle: (() => void)[] = [];

  const isIdle = () => workers === 0 && timer === null && queue.length === 0;

  function enqueue(id: string): void {
    if (queued.has(id)) return;
    queued.add(id);
    queue.push(id);
  }

  async function evaluate(id: string): Promise<void> {
    evaluations += 1;
    const requestedMs = requested.get(id) ?? monotonicMs();
    requested.delete(id);
    const startedMs = monotonicMs();
    try {
      const result = await evaluateSubscriptionAlerts(db, { subscriptionId: id, nowMs: await clock.now(), aggregator: cache, definitions });
      if (result.measuredMs === undefined) return; // nothing to evaluate (no alert, not active)
      recent.push({ subscriptionId: id, requestedMs, startedMs, measuredMs: result.measuredMs, committedMs: monotonicMs(), triggered: result.triggered.length });
      if (recent.length > 2000) recent.splice(0, recent.length - 2000);
    } catch (err) {
      log.warn({ err, subscriptionId: id }, 'alert evaluation failed; the next events of the subscription evaluate it again');
    }
  }

  /**
   * Takes the queued subscription evaluated least recently (never: first; the earliest asked for
   * among equals), if its latest evaluation started `minIntervalMs` ago; none when none did.
   */
  function next(): string | undefined {
    let best = -1;
    let bestAt = Infinity;
    for (let i = 0; i < queue.length; i++) {
      const at = lastStarted.get(queue[i]!) ?? -Infinity;
      if (at < bestAt) {
        best = i;
        bestAt = at;
        if (at === -Infinity) break;
      }
    }
    if (best < 0 || monotonicMs() - bestAt < minIntervalMs) return undefined;
    return queue.splice(best, 1)[0];
  }

  /** How long until the next queued subscription may start. */
  function untilNext(): number {
    let earliest = Infinity;
    for (const id of queue) earliest = Math.min(earliest, lastStarted.get(id) ?? -Infinity);
    return Math.max(delayMs, earliest + minIntervalMs - monotonicMs());
  }

  async function work(): Promise<void> {
    try {
      for (let id = next(); id !== undefined; id = next()) {
        queued.delete(id);
        lastStarted.delete(id);
        lastStarted.set(id, monotonicMs());
        if (lastStarted.size > 100_000) lastStarted.delete(lastStarted.keys().next().value!);
        active.add(id);
        try {
          await evaluate(id);
        } finally {
          active.delete(id);
          if (again.delete(id)) enqueue(id);
        }
      }
    } finally {
      workers -= 1;
      // What is left was evaluated too recently: a wake-up when the first may start.
      if (workers === 0 && queue.length > 0) schedule(untilNext());
      if (isIdle()) for (const resolve of idle.splice(0)) resolve();
    }
  }

  function schedule(waitMs = delayMs): void {
    if (workers >= parallel || queue.length === 0) return;
    const dueMs = monotonicMs() + waitMs;
    if (timer) {
      if (timerDueMs <= dueMs) return;
      clearTimeout(timer);
    }
    timerDueMs = dueMs;
    timer = setTimeout(() => {
      timer = null;
      for (let n = Math.min(parallel - workers, queue.length); n > 0; n--) {
        workers += 1;
        void work();
      }
      if (isIdle()) for (const resolve of idle.splice(0)) resolve();
    }, waitMs);
    timer.unref();
  }

  function request(subscriptionIds: Iterable<string>, why: 'events' | 'alerts' | 'sweep'): void {
    const at = monotonicMs();
    const ids = [...subscriptionIds];
    if (why === 'alerts') definitions.forget(ids);
    for (const id of ids) {
      if (!requested.has(id)) requested.set(id, at);
      if (active.has(id)) again.add(id);
      else enqueue(id);
    }
    schedule();
  }

  return {
    evaluateSoon(subscriptionIds, why = 'events') {
      request(subscriptionIds, why);
    },
    async sweep() {
      try {
        request(await activeSubscriptionsWithAlerts(db), 'sweep');
      } catch (err) {
        log.warn({ err }, 'evaluating the alerts at start failed; the subscriptions\' next events evaluate them');
      }
    },
    drain() {
      if (isIdle()) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
    get rounds() {
      return evaluations;
    },
    stages: () => [...recent],
  };
}

const evaluators = new WeakMap<Db, WeakMap<Clock, AlertEvaluator>>();

/** The evaluator of an app (its database and clock): the events and alerts routes share it. Created on first use. */
export function alertEvaluatorFor(db: Db, clock: Clock): AlertEvaluator {
  let byClock = evaluators.get(db);
  if (!byClock) evaluators.set(db, (byClock = new WeakMap()));
  let evaluator = byClock.get(clock);
  if (!evaluator) {
    // Its own pool: a few connections per worker (a context's reads and a plan's charges are read side by side).
    byClock.set(clock, (evaluator = createAlertEvaluator({ db: sidePoolOf(db, 'alert-evaluator', 6), clock })));
  }
  return evaluator;
}

/**
 * The API process's evaluator, started with the process: it evaluates every alerted subscription
 * once (events acknowledged by a process that died before evaluating them), then serves the routes.
 */
export function startAlertEvaluator(db: Db, clock: Clock): AlertEvaluator {
  const evaluator = alertEvaluatorFor(db, clock);
  void evaluator.sweep();
  return evaluator;
}

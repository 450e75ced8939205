/**
 * Runs the reconciler of subscription workflows (services/subscriptions/workflows.ts) in a worker
 * process: once at start, then every `intervalMs`. Each repair is logged by the service; a failing
 * round (Temporal or PostgreSQL gone, or a list of every workflow that an overloaded server does not
 * answer in time) is logged once per minute and tried again after a delay that doubles with each
 * failure in a row (from `retryMs`, at most the interval): a server busy closing a month is not
 * asked again for 10,000 workflows every 15 seconds.
 */
import type { ServiceDeps } from '../services/deps';
import { reconcileSubscriptionWorkflows } from '../services/subscriptions';
import type { Logger } from '../runtime/logger';
import { throttledLog } from '../runtime/outages';

/** The delay before the next round after `failuresInARow` failed rounds (0: the interval). */
export function nextRoundDelayMs(failuresInARow: number, options: { intervalMs: number; retryMs?: number }): number {
  if (failuresInARow === 0) return options.intervalMs;
  const ceiling = options.intervalMs || 300_000;
  return Math.min((options.retryMs ?? 15_000) * 2 ** Math.min(failuresInARow - 1, 20), ceiling);
}

export function startReconciler(deps: ServiceDeps, options: { intervalMs: number; log: Logger; retryMs?: number }): { stop(): Promise<void> } {
  const log = options.log.child({ component: 'reconciler' });
  const failures = throttledLog(log, { intervalMs: 60_000 });
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let failuresInARow = 0;
  const round = async () => {
    try {
      const outcome = await reconcileSubscriptionWorkflows(deps);
      failures.recovered('reconcile', 'reconciler works again');
      failuresInARow = 0;
      if (outcome.ran) {
        const line = { live: outcome.live, checked: outcome.checked, repaired: outcome.repaired.length };
        if (outcome.repaired.length > 0) log.warn(line, 'reconciler started missing subscription workflows');
        else log.info(line, 'every live subscription has its workflow');
      }
    } catch (error) {
      failuresInARow += 1;
      failures.failure('reconcile', { err: error, failuresInARow }, 'reconciler failed; trying again');
    }
    const next = nextRoundDelayMs(failuresInARow, options);
    if (!stopped && next > 0) timer = setTimeout(() => { running = round(); }, next);
  };
  running = round();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

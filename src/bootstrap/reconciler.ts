/**
 * Runs the reconciler of subscription workflows (services/subscriptions/workflows.ts) in a worker
 * process: once at start, then every `intervalMs`. Each repair is logged by the service; a failing
 * round (Temporal or PostgreSQL gone) is logged once per interval and tried again at the next tick.
 */
import type { ServiceDeps } from '../services/deps';
import { reconcileSubscriptionWorkflows } from '../services/subscriptions';
import type { Logger } from '../runtime/logger';
import { throttledLog } from '../runtime/outages';

export function startReconciler(deps: ServiceDeps, options: { intervalMs: number; log: Logger; retryMs?: number }): { stop(): Promise<void> } {
  const log = options.log.child({ component: 'reconciler' });
  const failures = throttledLog(log, { intervalMs: 60_000 });
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const round = async () => {
    let next = options.intervalMs;
    try {
      const outcome = await reconcileSubscriptionWorkflows(deps);
      failures.recovered('reconcile', 'reconciler works again');
      if (outcome.ran) {
        const line = { live: outcome.live, checked: outcome.checked, repaired: outcome.repaired.length };
        if (outcome.repaired.length > 0) log.warn(line, 'reconciler started missing subscription workflows');
        else log.info(line, 'every live subscription has its workflow');
      }
    } catch (error) {
      failures.failure('reconcile', { err: error }, 'reconciler failed; trying again');
      next = Math.min(options.retryMs ?? 15_000, options.intervalMs || Infinity);
    }
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

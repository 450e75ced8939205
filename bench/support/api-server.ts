/**
 * The API alone, in its own process, for the benches: the app of `src/api/app.ts` on a random
 * loopback port with the system clock and a stub workflow gateway (no Temporal). It reports its
 * port to the parent over IPC.
 */
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/api/app';
import { createDb } from '../../src/db/knex';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { monotonicMs, systemClock } from '../../src/runtime/clock';
import { alertEvaluatorFor } from '../../src/services/alerts';
import type { SubscriptionWorkflows } from '../../src/workflows/client';

const url = process.env.BENCH_DATABASE_URL;
if (!url) throw new Error('BENCH_DATABASE_URL is required');
const db = createDb(url, { max: Number(process.env.BENCH_POOL ?? 10) });
const unavailable = async () => {
  throw new Error('no Temporal in benches');
};
const workflows = { start: unavailable, view: unavailable, terminate: unavailable, changePlan: unavailable, notifyUsage: async () => {} } as unknown as SubscriptionWorkflows;
const server = buildApp({ db, workflows, clock: systemClock, publicUrl: 'http://127.0.0.1' }).listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
server.keepAliveTimeout = 60_000;
// bench:alerts asks where the alert evaluations' time went (stages in this process's monotonic ms).
// And how late this process's event loop ran meanwhile (every await of an evaluation waits for it).
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
process.on('message', (message: unknown) => {
  if (message === 'loop-reset') {
    loopDelay.reset();
    process.send?.({ ok: true });
  }
  if (message === 'alert-stages') {
    process.send?.({
      alertStages: alertEvaluatorFor(db, systemClock).stages(), nowMs: monotonicMs(),
      loopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p95: loopDelay.percentile(95) / 1e6, max: loopDelay.max / 1e6 },
    });
  }
});
process.on('SIGTERM', () => {
  server.close();
  void db.destroy().then(() => process.exit(0));
});

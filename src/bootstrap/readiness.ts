/**
 * Readiness (`GET /ready` of the API, `/ready` of the worker's health port): Billow can do its
 * work only when PostgreSQL answers, Temporal answers and a worker polls the task queue. Each
 * check has a short deadline; the answer is cached a second so that probes stay cheap.
 */
import type { Db } from '../db/knex';
import { pingDatabase } from '../db/databases';
import { elapsedMs, monotonicMs, wallClockMs } from '../runtime/clock';
import type { TemporalProbe } from '../workflows/client';

export type CheckName = 'postgres' | 'temporal' | 'worker';

export interface ReadinessReport {
  ready: boolean;
  /** Each check: `ok`, or what is wrong. */
  checks: Partial<Record<CheckName, string>>;
}

/** A poll newer than this counts as a worker polling (a long poll is renewed about every minute). */
export const POLLER_FRESH_MS = 90_000;
const CHECK_TIMEOUT_MS = 1_500;
const CACHE_MS = 1_000;

async function check(timeoutMs: number, work: () => Promise<string>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
      }),
    ]);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

export function readinessProbe(deps: {
  db: Db;
  temporal: TemporalProbe;
  /** Which pollers count: by default any; the worker's own endpoint passes its identity. */
  pollerIdentity?: string;
  /** Extra condition of the process itself (the worker: its state is RUNNING). */
  self?: () => string;
}): () => Promise<ReadinessReport> {
  let cached: { at: number; report: Promise<ReadinessReport> } | null = null;
  const run = async (): Promise<ReadinessReport> => {
    const [postgres, temporal] = await Promise.all([
      check(CHECK_TIMEOUT_MS, async () => (await pingDatabase(deps.db), 'ok')),
      check(CHECK_TIMEOUT_MS, async () => (await deps.temporal.reachable(), 'ok')),
    ]);
    const worker = temporal !== 'ok' ? 'unknown: Temporal does not answer' : await check(CHECK_TIMEOUT_MS, async () => {
      const own = deps.self?.() ?? 'ok';
      if (own !== 'ok') return own;
      const pollers = await deps.temporal.pollers();
      if (pollers === null) return 'ok'; // the time-skipping server does not describe task queues
      const now = wallClockMs();
      const fresh = pollers.filter((poller) => (deps.pollerIdentity === undefined || poller.identity === deps.pollerIdentity)
        && (poller.lastAccessMs === null || now - poller.lastAccessMs < POLLER_FRESH_MS));
      return fresh.length > 0 ? 'ok' : deps.pollerIdentity ? 'this worker is not polling the task queue' : 'no worker polls the task queue';
    });
    const checks = { postgres, temporal, worker };
    return { ready: Object.values(checks).every((value) => value === 'ok'), checks };
  };
  return () => {
    if (!cached || elapsedMs(cached.at) > CACHE_MS) cached = { at: monotonicMs(), report: run() };
    return cached.report;
  };
}

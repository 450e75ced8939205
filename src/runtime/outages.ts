/**
 * Outages of what Billow depends on: how to recognise a lost database, and how to log a failure
 * that repeats. A repeated failure is logged once per interval, not once per occurrence: when the database or
 * Temporal is gone, every request and every poll fails the same way, and a line each would bury
 * the logs (Postgres killed under load once wrote 20 MB in 77 s). The first occurrence of a kind
 * is logged at once; the next ones are counted and logged with `suppressed: <count>` when the
 * interval has passed; `recovered()` logs that the failure stopped.
 */
import type { Logger } from './logger';
import { elapsedMs, monotonicMs } from './clock';

export interface ThrottledLog {
  /** Logs `message` for this kind of failure now, or counts it if one was logged less than an interval ago. */
  failure(kind: string, fields: Record<string, unknown>, message: string): void;
  /** Says once that this kind of failure stopped (only if it was logged). */
  recovered(kind: string, message: string): void;
}

export function throttledLog(log: Logger, options: { intervalMs?: number; level?: 'warn' | 'error' } = {}): ThrottledLog {
  const intervalMs = options.intervalMs ?? 10_000;
  const level = options.level ?? 'error';
  const seen = new Map<string, { lastAt: number; suppressed: number }>();
  return {
    failure(kind, fields, message) {
      const entry = seen.get(kind);
      if (entry && elapsedMs(entry.lastAt) < intervalMs) {
        entry.suppressed += 1;
        return;
      }
      log[level]({ ...fields, failure: kind, ...(entry ? { suppressed: entry.suppressed } : {}) }, message);
      seen.set(kind, { lastAt: monotonicMs(), suppressed: 0 });
    },
    recovered(kind, message) {
      const entry = seen.get(kind);
      if (!entry) return;
      seen.delete(kind);
      log.info({ failure: kind, suppressed: entry.suppressed }, message);
    },
  };
}

/** SQLSTATE classes and codes that mean the server is gone or refuses connections: 08 connection exception, 57P0x shutdown/starting, 53300 too many connections. */
const LOST_SQLSTATE = /^(08...|57P0[1-4]|53300)$/;
const LOST_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const LOST_MESSAGE = /Connection terminated|connection error and is not queryable|Timeout acquiring a connection|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)/i;

/**
 * Whether an error says the database cannot be reached now (refused, reset, shut down, starting,
 * no connection within the pool's timeout), rather than a fault of the request. Recognised by
 * shape (node's errno, Postgres' SQLSTATE, pg's and knex's messages), following `cause`s.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    const { code, message, name } = current as { code?: unknown; message?: unknown; name?: unknown };
    if (typeof code === 'string' && (LOST_ERRNO.has(code) || LOST_SQLSTATE.test(code))) return true;
    if (name === 'KnexTimeoutError') return true;
    if (typeof message === 'string' && LOST_MESSAGE.test(message)) return true;
    if (Array.isArray((current as { errors?: unknown }).errors)) {
      // AggregateError: every address of a host refused (IPv4 and IPv6).
      if ((current as { errors: unknown[] }).errors.some(isDatabaseUnavailable)) return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The one source of "now" outside workflows (eslint forbids `Date.now()` and `new Date()` elsewhere).
 * Billing time comes from an injected `Clock`: normally the wall clock; in sandbox mode the
 * time-skipping server's clock (DESIGN.md §7), so default event timestamps, current usage and
 * subscription starts all agree with the workflows' time. Durations and cache expiry, which must
 * not jump with that clock, use the monotonic `elapsedMs`.
 */
import { performance } from 'node:perf_hooks';

export interface Clock {
  now(): Promise<number>;
}

export const systemClock: Clock = { now: async () => Date.now() };

/** Where an advance of the sandbox clock got. */
export interface ClockAdvance {
  previousMs: number;
  nowMs: number;
  targetMs: number;
  /** True once the clock is at the target and the work due until then is done; false when the wait ran out first (the clock keeps moving). */
  complete: boolean;
}

/** The sandbox's clock (DESIGN.md §7): "now" everywhere, moved forward on request, never back. */
export interface SandboxClock extends Clock {
  /**
   * Moves the clock forward to `targetMs`; refuses to go back. Resolves once it got there (every
   * timer until then fired and the work they started is done), or after `waitMs` with where it
   * got, the advance going on in the background.
   */
  advanceTo(targetMs: number, options?: { waitMs?: number }): Promise<ClockAdvance>;
}

/** Wall-clock milliseconds for what is not billing time: log lines, file names, operator tools. */
export function wallClockMs(): number {
  return Date.now();
}

/** A monotonic instant in milliseconds, for measuring durations and expiring caches. */
export function monotonicMs(): number {
  return performance.now();
}

/** Milliseconds since a `monotonicMs()` reading. */
export function elapsedMs(since: number): number {
  return performance.now() - since;
}

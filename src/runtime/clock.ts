/**
 * The one injectable source of "now" outside workflows. Normally the wall clock; in sandbox mode
 * the time-skipping server's clock (DESIGN.md §7), so default event timestamps, current usage and
 * subscription starts all agree with the workflows' time.
 */
export interface Clock {
  now(): Promise<number>;
}

export const systemClock: Clock = { now: async () => Date.now() };

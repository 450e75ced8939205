import { nextRoundDelayMs } from '../../src/bootstrap/reconciler';

describe('the reconciler waits longer after each failed round in a row', () => {
  const every5min = { intervalMs: 300_000, retryMs: 15_000 };

  it('a round that worked waits the interval', () => {
    expect(nextRoundDelayMs(0, every5min)).toBe(300_000);
  });

  it('failures in a row wait 15 s, 30 s, 60 s, 120 s, 240 s, then the interval (5 min) at most', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((failures) => nextRoundDelayMs(failures, every5min)))
      .toEqual([15_000, 30_000, 60_000, 120_000, 240_000, 300_000, 300_000, 300_000]);
  });

  it('with no periodic rounds (interval 0) a failed start-up round is still retried, at most every 5 minutes; a success ends it', () => {
    expect([1, 2, 6, 9].map((failures) => nextRoundDelayMs(failures, { intervalMs: 0, retryMs: 15_000 }))).toEqual([15_000, 30_000, 300_000, 300_000]);
    expect(nextRoundDelayMs(0, { intervalMs: 0 })).toBe(0);
  });
});

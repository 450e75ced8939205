/**
 * The sandbox clock never hangs its caller (issue 12, src/bootstrap/sandbox-clock.ts): the test
 * server holds time while an activity runs, so a close that takes seconds holds the advance; past
 * its wait, the caller gets where the clock got (`complete: false`) and the advance goes on; the
 * next advance, queued behind it, answers once the clock is at its target and every period close
 * crossed has run, each once. The clock never goes back.
 */
import type { Connection } from '@temporalio/client';
import { connectToSandbox, sandboxClock } from '../../src/bootstrap/sandbox-clock';
import { ValidationError } from '../../src/runtime/errors';
import { useLoopBed, type TestSubscription } from './harness';

const bed = useLoopBed('loop-sandbox-clock');
let connection: Connection | undefined;

afterAll(async () => {
  await connection?.close();
});

it('an advance held by a slow close answers at its wait with where the clock got; the next one completes with every close run once', async () => {
  await bed.clockTo('2027-01-08T00:00:00Z');
  const monthly: TestSubscription = {
    externalId: 'slow', subscriptionId: 'sub-slow', plan: { code: 'monthly', interval: 'monthly', payInAdvance: false },
    billingTime: 'calendar', subscriptionAt: '2027-01-10T00:00:00Z', timezone: 'UTC',
  };
  await bed.subscribe(monthly);
  // Each period close takes 3 s of real time, during which the server's clock stands still.
  bed.intercept('closePeriod', () => new Promise((resolve) => setTimeout(resolve, 3_000)));

  connection = await connectToSandbox(bed.env.address, { retries: false });
  // Each advance runs inside the wrapper (the API marks it there for the sandbox's PDF renderer), one at a time.
  const spans: { enteredAt: number; exitedAt?: number }[] = [];
  const clock = sandboxClock(connection, {
    whileAdvancing: async (work) => {
      const span: { enteredAt: number; exitedAt?: number } = { enteredAt: performance.now() };
      spans.push(span);
      try {
        return await work();
      } finally {
        span.exitedAt = performance.now();
      }
    },
  });
  const target = Date.parse('2027-03-15T00:00:00Z');

  const started = performance.now();
  const first = await clock.advanceTo(target, { waitMs: 1_000 });
  const answeredMs = performance.now() - started;
  // It answered at its wait (1 s), not after the two closes (6 s).
  expect(answeredMs).toBeGreaterThanOrEqual(1_000);
  expect(answeredMs).toBeLessThan(2_500);
  expect(first).toMatchObject({ targetMs: target, complete: false });
  expect(first.previousMs).toBeGreaterThanOrEqual(Date.parse('2027-01-08T00:00:00Z'));
  // Held by the first close (2027-02-01), the clock cannot have reached the second (2027-03-01).
  expect(first.nowMs).toBeGreaterThanOrEqual(first.previousMs);
  expect(first.nowMs).toBeLessThan(Date.parse('2027-03-01T00:00:00Z'));
  // Answered, the advance goes on: still inside its wrapper.
  expect(spans).toHaveLength(1);
  expect(spans[0]!.exitedAt).toBeUndefined();

  // Going back is refused, whatever is in flight.
  await expect(clock.advanceTo(Date.parse('2027-01-01T00:00:00Z'))).rejects.toThrow(ValidationError);

  const second = await clock.advanceTo(target, { waitMs: 30_000 });
  expect(second).toMatchObject({ targetMs: target, complete: true });
  expect(second.nowMs).toBeGreaterThanOrEqual(target);
  expect(second.nowMs).toBeLessThan(target + 1_000); // steps end on their timer, never past the target
  // Two advances, two spans, the second entered after the first had left (the refused one never entered).
  expect(spans).toHaveLength(2);
  expect(spans.every((span) => span.exitedAt !== undefined)).toBe(true);
  expect(spans[1]!.enteredAt).toBeGreaterThanOrEqual(spans[0]!.exitedAt!);
  expect(bed.calls('slow').filter(([name]) => name === 'closePeriod').map(([, input]) => (input as { billingDate: string }).billingDate))
    .toEqual(['2027-02-01', '2027-03-01']);
}, 60_000);

/**
 * The worker's keep-alive beats (src/activities/heartbeat.ts): an activity with a heartbeat timeout
 * that does not beat itself gets a beat every third of that timeout while it runs, and none after;
 * one that beats for itself, or has no heartbeat timeout, gets none from the worker.
 */
import { Context } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { keepAliveInterceptor, SELF_HEARTBEATING } from '../../src/activities/heartbeat';

const quiet = { logger: new DefaultLogger('ERROR') };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs an activity of `activityType` lasting `ms` through the interceptor; answers the beats the worker sent, and any after it ended. */
async function beatsDuring(info: { activityType: string; heartbeatTimeoutMs?: number }, ms: number): Promise<{ during: number; after: number; result: unknown }> {
  const env = new MockActivityEnvironment(info, quiet);
  let beats = 0;
  env.on('heartbeat', () => { beats += 1; });
  const result = await env.run(() => keepAliveInterceptor(Context.current()).inbound!.execute!({ args: [], headers: {} }, async () => {
    await sleep(ms);
    return 'closed';
  }));
  const during = beats;
  await sleep(3 * (info.heartbeatTimeoutMs ?? 300));
  return { during, after: beats - during, result };
}

it('beats every third of the heartbeat timeout while the activity runs, then stops', async () => {
  // 900 ms / (300 ms / 3) = 9 beats, give or take the first and the last tick.
  const { during, after, result } = await beatsDuring({ activityType: 'closeBoundary', heartbeatTimeoutMs: 300 }, 900);
  expect(result).toBe('closed');
  expect(during).toBeGreaterThanOrEqual(7);
  expect(during).toBeLessThanOrEqual(9);
  expect(after).toBe(0);
});

it('sends nothing for an activity without a heartbeat timeout', async () => {
  expect(await beatsDuring({ activityType: 'closeBoundary', heartbeatTimeoutMs: undefined }, 500)).toEqual({ during: 0, after: 0, result: 'closed' });
});

it('leaves the activities that beat with their progress to beat for themselves', async () => {
  expect([...SELF_HEARTBEATING].sort()).toEqual(['deliverWebhooksOnce', 'generateDocuments', 'sweepOverdueInvoices']);
  for (const activityType of SELF_HEARTBEATING) {
    expect(await beatsDuring({ activityType, heartbeatTimeoutMs: 300 }, 500)).toEqual({ during: 0, after: 0, result: 'closed' });
  }
});

it('passes an activity failure through', async () => {
  const env = new MockActivityEnvironment({ activityType: 'closeBoundary', heartbeatTimeoutMs: 300 }, quiet);
  await expect(env.run(() => keepAliveInterceptor(Context.current()).inbound!.execute!({ args: [], headers: {} }, async () => {
    throw new Error('no database');
  }))).rejects.toThrow('no database');
});

/** Time-skipping test environments and workers on the run's shared workflow bundle. */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, Runtime, DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { keepAliveInterceptor } from '../../src/activities/heartbeat';
import type { Db } from '../../src/db/knex';

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export function testServerExecutable(): string | undefined {
  const candidate = process.env.TEMPORAL_TEST_SERVER_PATH ?? path.join(os.homedir(), '.cache', 'billow', 'tts-1.38.0', 'temporal-test-server');
  return fs.existsSync(candidate) ? candidate : undefined;
}

/**
 * A time-skipping server for one test file. The SDK gives the Java server 5 s to listen, which a
 * machine busy with other test files sometimes misses: a start that timed out is tried again
 * (three times at most), any other failure is not.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const exe = testServerExecutable();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping(exe ? { server: { executable: { type: 'existing-path', path: exe } } } : undefined);
    } catch (error) {
      if (attempt >= 3 || !/did not start within/.test(String((error as Error).message))) throw error;
    }
  }
}

/**
 * Starts one worker for a whole test file and returns a function that stops it. A Worker runs
 * once, and a second worker would not get tasks sticky to the first, so files share one.
 */
export async function startTestWorker(env: TestWorkflowEnvironment, db: Db, taskQueue: string): Promise<() => Promise<void>> {
  const worker = await createTestWorker(env, db, taskQueue);
  const running = worker.run();
  return async () => {
    worker.shutdown();
    await running;
  };
}

export const silentLogger = new DefaultLogger('ERROR');

export async function createTestWorker(env: TestWorkflowEnvironment, db: Db, taskQueue: string): Promise<Worker> {
  const codePath = process.env.BILLOW_TEST_WORKFLOW_BUNDLE;
  if (!codePath) throw new Error('The workflow bundle is built by the jest global setup.');
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath },
    activities: createActivities({ db }),
    interceptors: { activity: [keepAliveInterceptor] }, // as src/worker.ts
  });
}

/**
 * Jumps the test server's clock forward to an absolute instant (it starts at the real now).
 * `env.sleep` is the server's atomic unlock-until: a separate unlock / sleepUntil / lock would
 * let the clock run on to the next timer before the lock lands.
 */
export async function moveClockTo(env: TestWorkflowEnvironment, iso: string): Promise<void> {
  const target = Date.parse(iso);
  const now = await env.currentTimeMs();
  if (target < now) throw new Error(`The test clock is already at ${new Date(now).toISOString()}, past ${iso}: pick a later date.`);
  await env.sleep(target - now);
}

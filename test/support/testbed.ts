/**
 * The set-up every workflow test file shares: one time-skipping server, a fresh database, the API
 * wired to both, and one worker running for the whole file (a second worker would not receive the
 * tasks sticky to the first). The billing invariants are checked after every step.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestDatabase, type TestDatabase } from './database';
import { createTimeSkippingEnv, startTestWorker } from './temporal';
import { createTestApi } from './api';
import { afterEveryStep, type ScenarioApi } from './scenario';
import { assertBillingInvariants } from './invariants';

export interface WorkflowTestbed {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  api: ScenarioApi;
}

export function useWorkflowTestbed(taskQueue: string): WorkflowTestbed {
  const bed = {} as WorkflowTestbed;
  let stopWorker: (() => Promise<void>) | undefined;
  afterEveryStep(() => assertBillingInvariants(bed.database.db));
  beforeAll(async () => {
    bed.env = await createTimeSkippingEnv();
    bed.database = await createTestDatabase();
    bed.api = await createTestApi(bed.database.db, bed.env, taskQueue);
    stopWorker = await startTestWorker(bed.env, bed.database.db, taskQueue);
  });
  afterAll(async () => {
    await stopWorker?.();
    await bed.env?.teardown();
    await bed.database?.drop();
  });
  return bed;
}

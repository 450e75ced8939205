/**
 * A worker in its own process, for tests that kill it. With BILLOW_TEST_HANG_AFTER_CLOSE=1 the
 * period-close activity writes its invoice and then never reports back, like a worker that dies
 * between the database commit and the completion; BILLOW_TEST_HANG_AFTER_FINALIZE=1 does the same
 * to the finalization of a draft at the end of its grace period. BILLOW_TEST_HANG_BEFORE_CLOSE_OF
 * (subscription ids, comma-separated) makes those subscriptions' closes never start, like a worker
 * that dies before it reaches them. No workflow cache, so no task waits on a sticky queue of a
 * dead worker.
 */
import { NativeConnection, Worker, Runtime, DefaultLogger } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { createDb } from '../../src/db/knex';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const db = createDb(process.env.DATABASE_URL!);
  const activities = createActivities({ db });
  const hangAfter = process.env.BILLOW_TEST_HANG_AFTER_CLOSE === '1';
  const hangBefore = new Set((process.env.BILLOW_TEST_HANG_BEFORE_CLOSE_OF ?? '').split(',').filter(Boolean));
  if (hangAfter || hangBefore.size > 0) {
    const closePeriod = activities.closePeriod;
    activities.closePeriod = async (input) => {
      if (hangBefore.has(input.subscriptionId)) {
        process.stdout.write(`holding ${input.subscriptionId}\n`);
        return new Promise<never>(() => undefined);
      }
      const invoice = await closePeriod(input);
      process.stdout.write(`closed ${JSON.stringify(invoice)}\n`);
      if (!hangAfter) return invoice;
      return new Promise<never>(() => undefined);
    };
  }
  if (process.env.BILLOW_TEST_HANG_AFTER_FINALIZE === '1') {
    const finalizeDraft = activities.finalizeDraft;
    activities.finalizeDraft = async (input) => {
      const result = await finalizeDraft(input);
      process.stdout.write(`finalized ${JSON.stringify(result)}\n`);
      return new Promise<never>(() => undefined);
    };
  }
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.TASK_QUEUE!,
    workflowBundle: { codePath: process.env.BILLOW_TEST_WORKFLOW_BUNDLE! },
    activities,
    maxCachedWorkflows: 0,
  });
  process.stdout.write('worker ready\n');
  await worker.run();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

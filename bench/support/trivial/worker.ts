/** The baseline's worker process (bench/close.ts starts it): its workflow and activity on their own task queue. */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import * as activities from './activities';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const worker = await Worker.create({ connection, taskQueue: 'bench-trivial', workflowsPath: require.resolve('./workflows'), activities });
  process.send?.('ready');
  process.once('SIGTERM', () => worker.shutdown());
  await worker.run();
  await connection.close();
}

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});

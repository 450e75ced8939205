/**
 * Billow's command line: `start` runs the whole product on embedded defaults; `api`, `worker`
 * and `migrate` are the production processes (docker-compose runs them separately).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime } from '@temporalio/worker';
import { bundlerLogger, temporalLogger } from './bootstrap/temporal-logger';
import { loadConfig, type Config } from './runtime/config';
import { logger } from './runtime/logger';
import { startEmbeddedPostgres } from './bootstrap/postgres';
import { dropDatabase, ensureDatabase } from './db/databases';
import { startDevServer, startTimeSkippingServer, stopChild, waitForPort, type RunningTemporal } from './bootstrap/temporal-server';
import { connectToSandbox, sandboxClock } from './bootstrap/sandbox-clock';
import { createDb, migrate } from './db/knex';
import { ensureDefaultOrganization } from './bootstrap/default-organization';
import { createWorker } from './worker';
import { startOutboxRelay } from './webhooks/relay';
import { closeDefaultDocumentServices } from './documents';
import { startApiServer } from './server';
import { systemClock } from './runtime/clock';
import { temporalSubscriptionWorkflows } from './workflows/client';

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set. Run \`npm start\`, or set ${name} (see README "Configuration").`);
  return value;
}

async function runMigrate(): Promise<void> {
  const db = createDb(requireEnv('DATABASE_URL'));
  const applied = await migrate(db);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
  await db.destroy();
}

/** Creates the first organization if none exists and prints its API key (docker-compose's bootstrap). */
async function runBootstrap(config: Config): Promise<void> {
  const db = createDb(requireEnv('DATABASE_URL'));
  const { apiKey } = await ensureDefaultOrganization(db, { dataDir: config.BILLOW_DATA_DIR, apiKey: config.BILLOW_API_KEY });
  await db.destroy();
  process.stdout.write(apiKey ? `API key: ${apiKey}\n` : 'An organization exists already; its key was printed when it was created.\n');
}

async function runWorker(config: Config): Promise<void> {
  Runtime.install({ logger: temporalLogger(logger.child({ component: 'temporal' })) });
  const db = createDb(requireEnv('DATABASE_URL'));
  const connection = await NativeConnection.connect({ address: requireEnv('TEMPORAL_ADDRESS') });
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: bundlerLogger(logger) });
  const worker = await createWorker({ connection, db, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, workflowBundle });
  // Committed webhook events go from the outbox to Temporal (src/webhooks/README.md).
  const relay = startOutboxRelay({ db, client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), taskQueue: config.TEMPORAL_TASK_QUEUE });
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker started');
  process.send?.('ready');
  await worker.run();
  await relay.stop();
  await closeDefaultDocumentServices();
  await connection.close();
  await db.destroy();
}

async function runApi(config: Config): Promise<void> {
  const db = createDb(requireEnv('DATABASE_URL'), { max: 20 });
  const sandboxed = process.env.BILLOW_SANDBOX === '1';
  const address = requireEnv('TEMPORAL_ADDRESS');
  const connection = sandboxed ? await connectToSandbox(address) : await Connection.connect({ address });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  // The time-skipping server knows no custom search attributes.
  const workflows = temporalSubscriptionWorkflows(client, { taskQueue: config.TEMPORAL_TASK_QUEUE, searchAttributes: !sandboxed });
  const sandbox = sandboxed ? sandboxClock(connection) : undefined;
  const api = await startApiServer(
    { db, workflows, clock: sandbox ?? systemClock, publicUrl: config.publicUrl, sandbox },
    {
      host: config.HOST,
      port: config.PORT,
      // The console links each subscription to its workflow in the Temporal UI (`npm start` passes its address).
      console: { temporalUiUrl: process.env.BILLOW_TEMPORAL_UI_URL || null, temporalNamespace: config.TEMPORAL_NAMESPACE },
    },
  );
  logger.info({ url: config.publicUrl }, 'API listening');
  const shutdown = async () => {
    logger.info('API shutting down');
    await api.stop();
    await connection.close();
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

function spawnRole(role: 'api' | 'worker', env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [...process.execArgv, __filename, role], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.once('exit', (code, signal) => {
    if (!stopping) {
      logger.error({ role, code, signal }, `${role} exited unexpectedly; stopping Billow`);
      void stopAll(1);
    }
  });
  return child;
}

let stopping = false;
const cleanups: (() => Promise<void>)[] = [];
async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => logger.warn({ err: error }, 'cleanup failed'));
  process.exit(exitCode);
}

async function runStart(config: Config): Promise<void> {
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));
  const step = (message: string) => logger.info(message);

  step('starting PostgreSQL and Temporal');
  const postgres = config.DATABASE_URL
    ? null
    : startEmbeddedPostgres({ dataDir: config.BILLOW_DATA_DIR, port: config.EMBEDDED_POSTGRES_PORT, log: logger });
  const sandboxed = process.argv.includes('--sandbox');
  const temporal: Promise<RunningTemporal> = sandboxed
    ? startTimeSkippingServer({ cacheDir: config.BILLOW_CACHE, log: logger }).then(({ env, address }) => ({ address, uiUrl: null, stop: () => env.teardown() }))
    : config.TEMPORAL_ADDRESS
    ? Promise.resolve({ address: config.TEMPORAL_ADDRESS, uiUrl: null, stop: async () => {} })
    : startDevServer({ cacheDir: config.BILLOW_CACHE, dataDir: config.BILLOW_DATA_DIR, port: config.TEMPORAL_PORT, uiPort: config.TEMPORAL_UI_PORT, namespace: config.TEMPORAL_NAMESPACE, log: logger });
  const pg = await postgres;
  if (pg) cleanups.push(() => pg.stop());
  // The sandbox's workflows live in the test server's memory, so its database starts fresh too.
  const serverUrl = config.DATABASE_URL ?? pg!.url;
  if (sandboxed) await dropDatabase(serverUrl, 'billow_sandbox');
  const databaseUrl = sandboxed ? await ensureDatabase(serverUrl, 'billow_sandbox') : config.DATABASE_URL ?? (await ensureDatabase(serverUrl, 'billow'));
  const server = await temporal;
  cleanups.push(() => server.stop());

  step('running migrations');
  const db = createDb(databaseUrl);
  await migrate(db);
  const { apiKey } = await ensureDefaultOrganization(db, { dataDir: config.BILLOW_DATA_DIR, apiKey: config.BILLOW_API_KEY });
  await db.destroy();

  step('starting worker and API');
  const env = {
    ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: server.address, BILLOW_SANDBOX: sandboxed ? '1' : '0',
    ...(server.uiUrl ? { BILLOW_TEMPORAL_UI_URL: server.uiUrl } : {}),
  };
  const worker = spawnRole('worker', env);
  cleanups.push(() => stopChild(worker));
  const workerReady = new Promise<void>((resolve) => worker.once('message', () => resolve()));
  const api = spawnRole('api', env);
  cleanups.push(() => stopChild(api));
  await Promise.all([waitForPort(config.PORT, 120_000, api), workerReady]);
  printBanner(config, server, apiKey, sandboxed);
}

function printBanner(config: Config, temporal: RunningTemporal, apiKey: string | null, sandboxed: boolean): void {
  const key = apiKey ?? '<the key printed on first start, or set BILLOW_API_KEY>';
  const url = config.publicUrl;
  const lines = [
    '',
    '  Billow is running.',
    '',
    `  Console      ${url}/console  (sign in with the key below)`,
    `  API          ${url}/api/v1`,
    sandboxed
      ? `  Sandbox      time-skipping server at ${temporal.address}; move time with the console's clock bar, or POST ${url}/api/v1/sandbox/clock/advance {"to": ISO} or {"duration": "P1M"}`
      : `  Temporal UI  ${temporal.uiUrl ?? '(external Temporal at ' + temporal.address + ')'}`,
    `  API key      ${key}`,
    '',
    '  Try it (creates a plan, a customer and a subscription whose workflow appears in the Temporal UI):',
    '',
    `  curl -s -X POST ${url}/api/v1/plans -H "Authorization: Bearer ${key}" -H 'Content-Type: application/json' -d '{"plan":{"name":"Starter","code":"starter","interval":"monthly","amount_cents":1900,"amount_currency":"USD","pay_in_advance":true}}' && curl -s -X POST ${url}/api/v1/subscriptions -H "Authorization: Bearer ${key}" -H 'Content-Type: application/json' -d '{"subscription":{"external_customer_id":"cus_1","plan_code":"starter","external_id":"sub_1","billing_time":"anniversary"}}'`,
    '',
    '  Press Ctrl-C to stop everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

async function main(): Promise<void> {
  const [command = 'start'] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const config = loadConfig();
  switch (command) {
    case 'start': return runStart(config);
    case 'api': return runApi(config);
    case 'worker': return runWorker(config);
    case 'migrate': return runMigrate();
    case 'bootstrap': return runBootstrap(config);
    default: throw new Error(`Unknown command "${command}". Use: start | api | worker | migrate | bootstrap`);
  }
}

main().catch((error) => {
  logger.fatal({ err: error }, error instanceof Error ? error.message : String(error));
  void stopAll(1);
});

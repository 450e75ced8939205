/**
 * Billow's command line: `start` runs the whole product on embedded defaults; `api`, `worker`
 * and `migrate` are the production processes (docker-compose runs them separately); `api-key` and
 * `organization` are the operator's commands (src/bootstrap/admin-commands.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
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
import { advanceRunning, whileMarkedAdvancing } from './db/sandbox-advance';
import { ensureDefaultOrganization, type DefaultOrganization } from './bootstrap/default-organization';
import { encryptionKeyFile, ensureEncryptionKey, prepareSecretsAtRest, readEncryptionKeyFile } from './bootstrap/secrets';
import { runApiKeyCommand, runOrganizationCommand, runPaymentsCommand } from './bootstrap/admin-commands';
import { createDocumentsWorker, createOutboxWorker, createWorker, createWorkerDb, documentsTaskQueue, outboxTaskQueue, relayPoolOf } from './worker';
import { startOutboxRelay } from './webhooks/relay';
import { closeDefaultDocumentServices, defaultDocumentServices } from './documents';
import { DocumentError, generateInvoicePdf } from './services/invoicing';
import { generateCreditNotePdf } from './services/credits';
import type { DocumentRequestInput } from './webhooks/outbox';
import { startApiServer } from './server';
import { startAlertEvaluator } from './services/alerts';
import { systemClock, type Clock } from './runtime/clock';
import { temporalProbe, temporalSubscriptionWorkflows } from './workflows/client';
import { readinessProbe } from './bootstrap/readiness';
import { startWorkerHealth } from './bootstrap/worker-health';
import { startReconciler } from './bootstrap/reconciler';
import { exitOf, supervise, type Run, type Supervised } from './bootstrap/supervisor';
import { capWorkflowThreadHeaps, workflowHeapBudgetMb } from './bootstrap/workflow-heap';

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

/** Creates the first organization if none exists and prints its API key once (docker-compose's bootstrap). */
async function runBootstrap(config: Config): Promise<void> {
  const db = createDb(requireEnv('DATABASE_URL'));
  // docker-compose: without BILLOW_ENCRYPTION_KEY, the key is generated into the shared data volume.
  ensureEncryptionKey(config.BILLOW_DATA_DIR);
  await prepareSecretsAtRest(db, logger);
  const created = await ensureDefaultOrganization(db, { dataDir: config.BILLOW_DATA_DIR, apiKey: config.BILLOW_API_KEY, log: logger });
  await db.destroy();
  process.stdout.write(`${keyLines(created).join('\n')}\n`);
}

async function runWorker(config: Config): Promise<void> {
  Runtime.install({ logger: temporalLogger(logger.child({ component: 'temporal' })) });
  const poolSize = config.BILLOW_WORKER_DB_POOL_SIZE;
  const db = createWorkerDb(requireEnv('DATABASE_URL'), { poolSize, statementTimeoutMs: config.BILLOW_WORKER_STATEMENT_TIMEOUT_SECONDS * 1000 });
  readEncryptionKeyFile(config.BILLOW_DATA_DIR);
  await prepareSecretsAtRest(db, logger);
  const sandboxed = process.env.BILLOW_SANDBOX === '1';
  const address = requireEnv('TEMPORAL_ADDRESS');
  const connection = await NativeConnection.connect({ address });
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: bundlerLogger(logger) });
  const workflowHeapMb = config.BILLOW_WORKER_WORKFLOW_HEAP_MB ?? workflowHeapBudgetMb(config.BILLOW_WORKER_MAX_CACHED_WORKFLOWS);
  capWorkflowThreadHeaps(workflowHeapMb);
  const worker = await createWorker({
    connection, db, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, workflowBundle, maxCachedWorkflows: config.BILLOW_WORKER_MAX_CACHED_WORKFLOWS, maxConcurrentActivities: poolSize,
  });
  // The sandbox renders in the relay (below): no documents queue.
  const documentsWorker = sandboxed ? null : await createDocumentsWorker({ connection, db, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE });
  // The webhook and document workflows the relay starts, on their own queue (the sandbox keeps them on the main one).
  const outboxWorker = sandboxed ? null : await createOutboxWorker({ connection, db, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, workflowBundle, maxCachedWorkflows: config.BILLOW_WORKER_MAX_CACHED_WORKFLOWS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  // The time-skipping server knows no custom search attributes; its clock is "now" in the sandbox.
  const workflows = temporalSubscriptionWorkflows(client, { taskQueue: config.TEMPORAL_TASK_QUEUE, searchAttributes: !sandboxed });
  const sandboxConnection = sandboxed ? await connectToSandbox(address, { retries: false }) : null;
  const clock: Clock = sandboxConnection ? sandboxClock(sandboxConnection) : systemClock;
  // Committed outbox rows (workflow starts, webhook events, document requests) go to Temporal (src/webhooks/README.md).
  // In the sandbox, PDFs are rendered by the relay itself, off the time-skipping server: an activity
  // holds the server's clock while it runs, so rendering through a workflow would slow every advance.
  const relay = startOutboxRelay({
    db: relayPoolOf(db), client, taskQueue: config.TEMPORAL_TASK_QUEUE, subscriptions: workflows, pdfOnDemand: config.BILLOW_PDF_GENERATION === 'on_demand',
    ...(sandboxed
      ? { renderDocument: (request: DocumentRequestInput) => renderDocumentNow(db, request), documentsHeld: () => advanceRunning(relayPoolOf(db)) }
      : { documentsTaskQueue: documentsTaskQueue(config.TEMPORAL_TASK_QUEUE) }),
    ...(sandboxed ? {} : { outboxTaskQueue: outboxTaskQueue(config.TEMPORAL_TASK_QUEUE) }),
  });
  // Live subscriptions whose workflow is missing get it back: at start, then periodically.
  const reconciler = startReconciler({ db, clock, workflows }, { intervalMs: config.BILLOW_RECONCILE_INTERVAL_SECONDS * 1000, log: logger });
  const health = config.BILLOW_WORKER_HEALTH_PORT
    ? await startWorkerHealth({
      port: config.BILLOW_WORKER_HEALTH_PORT,
      log: logger,
      readiness: readinessProbe({
        db,
        temporal: temporalProbe(client, { namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE }),
        pollerIdentity: worker.options.identity,
        // Ready while each of the process's workers runs (the poller checked is the main worker's).
        self: () => {
          for (const [name, running] of [['worker', worker], ['outbox worker', outboxWorker], ['documents worker', documentsWorker]] as const) {
            if (running && running.getState() !== 'RUNNING') return `the ${name} is ${running.getState()}`;
          }
          return 'ok';
        },
      }),
    })
    : null;
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, pid: process.pid, maxCachedWorkflows: config.BILLOW_WORKER_MAX_CACHED_WORKFLOWS, workflowHeapMb }, 'worker started');
  process.send?.('ready');
  // SIGINT/SIGTERM shut the three down together (the Runtime's shutdown signals).
  await Promise.all([worker.run(), documentsWorker?.run(), outboxWorker?.run()]);
  await reconciler.stop();
  await relay.stop();
  await health?.stop();
  await closeDefaultDocumentServices();
  await sandboxConnection?.close();
  await connection.close();
  await db.destroy();
}

/** Renders a document at once, as the document workflow's activity does (drafts and documents that cannot be rendered are skipped, logged). */
async function renderDocumentNow(db: ReturnType<typeof createDb>, request: DocumentRequestInput): Promise<void> {
  try {
    if (request.documentType === 'credit_note') await generateCreditNotePdf(db, defaultDocumentServices(), { organizationId: request.organizationId, creditNoteId: request.id });
    else await generateInvoicePdf(db, defaultDocumentServices(), { organizationId: request.organizationId, invoiceId: request.id });
  } catch (error) {
    if (!(error instanceof DocumentError)) throw error;
    if (error.code !== 'is_draft') logger.warn({ err: error, ...request }, 'document not rendered');
  }
}

async function runApi(config: Config): Promise<void> {
  const db = createDb(requireEnv('DATABASE_URL'), { max: 20 });
  readEncryptionKeyFile(config.BILLOW_DATA_DIR);
  await prepareSecretsAtRest(db, logger);
  const sandboxed = process.env.BILLOW_SANDBOX === '1';
  const address = requireEnv('TEMPORAL_ADDRESS');
  // Lazy: the API serves what needs no workflow while Temporal is down, and answers 503 for the rest.
  const connection = sandboxed ? await connectToSandbox(address) : Connection.lazy({ address });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  // The time-skipping server knows no custom search attributes.
  const workflows = temporalSubscriptionWorkflows(client, { taskQueue: config.TEMPORAL_TASK_QUEUE, searchAttributes: !sandboxed });
  // The clock's own connection never retries a call by itself (a retried unlock would let time run past the target).
  const clockConnection = sandboxed ? await connectToSandbox(address, { retries: false }) : null;
  // Advances are marked in the database: the worker renders the sandbox's PDFs between them.
  const sandbox = clockConnection ? sandboxClock(clockConnection, { whileAdvancing: (work) => whileMarkedAdvancing(db, work) }) : undefined;
  const readiness = readinessProbe({ db, temporal: temporalProbe(client, { namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE }) });
  const clock = sandbox ?? systemClock;
  startAlertEvaluator(db, clock);
  const api = await startApiServer(
    { db, workflows, clock, publicUrl: config.publicUrl, sandbox, rateLimit: config.rateLimit ?? undefined, readiness },
    {
      host: config.HOST,
      port: config.PORT,
      // The console links each subscription to its workflow in the Temporal UI (`npm start` passes its address).
      console: { temporalUiUrl: process.env.BILLOW_TEMPORAL_UI_URL || null, temporalNamespace: config.TEMPORAL_NAMESPACE },
    },
  );
  logger.info({ url: config.publicUrl, pid: process.pid }, 'API listening');
  const shutdown = async () => {
    logger.info('API shutting down');
    await api.stop();
    await clockConnection?.close();
    await connection.close();
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

function spawnRole(role: 'api' | 'worker', env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [...process.execArgv, __filename, role], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function runOf(child: ChildProcess): Run {
  return { pid: child.pid, exited: exitOf(child), stop: () => stopChild(child) };
}

/** The API or the worker as a child of `npm start`, restarted with backoff when it dies (the others keep serving). */
function superviseRole(role: 'api' | 'worker', first: ChildProcess, env: NodeJS.ProcessEnv): Supervised {
  return supervise(role, runOf(first), async () => runOf(spawnRole(role, env)), { log: logger, shuttingDown: () => stopping });
}

let stopping = false;
const cleanups: (() => Promise<void>)[] = [];
async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => logger.warn({ err: error }, 'cleanup failed'));
  process.exit(exitCode);
}

/**
 * The embedded PostgreSQL or the Temporal dev server that `npm start` runs: restarted with backoff
 * when it dies; after 5 failed restarts in a row Billow stops, loudly, rather than serve without it.
 * An external one (DATABASE_URL, TEMPORAL_ADDRESS) is the operator's: nothing to watch.
 */
function superviseService(name: string, service: { stop(): Promise<void>; pid?: number; exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>; restart?(): Promise<typeof service> }): Supervised {
  const { exited, restart } = service;
  if (!exited || !restart) return { pid: () => service.pid, stop: () => service.stop() };
  const runOfService = (running: typeof service): Run => ({ pid: running.pid, exited: running.exited ?? new Promise(() => undefined), stop: () => running.stop() });
  return supervise(name, runOfService(service), async () => runOfService(await restart()), {
    log: logger,
    giveUpAfter: 5,
    onGiveUp: () => void stopAll(1),
    shuttingDown: () => stopping,
  });
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
    ? startTimeSkippingServer({ cacheDir: config.BILLOW_CACHE, log: logger })
    : config.TEMPORAL_ADDRESS
    ? Promise.resolve({ address: config.TEMPORAL_ADDRESS, uiUrl: null, stop: async () => {} })
    : startDevServer({ cacheDir: config.BILLOW_CACHE, dataDir: config.BILLOW_DATA_DIR, port: config.TEMPORAL_PORT, uiPort: config.TEMPORAL_UI_PORT, namespace: config.TEMPORAL_NAMESPACE, log: logger });
  const pg = await postgres;
  if (pg) cleanups.push(superviseService('PostgreSQL', pg).stop);
  // The sandbox's workflows live in the test server's memory, so its database starts fresh too.
  const serverUrl = config.DATABASE_URL ?? pg!.url;
  if (sandboxed) await dropDatabase(serverUrl, 'billow_sandbox');
  const databaseUrl = sandboxed ? await ensureDatabase(serverUrl, 'billow_sandbox') : config.DATABASE_URL ?? (await ensureDatabase(serverUrl, 'billow'));
  const server = await temporal;
  cleanups.push(superviseService('Temporal', server).stop);

  step('running migrations');
  const db = createDb(databaseUrl);
  await migrate(db);
  const keySource = ensureEncryptionKey(config.BILLOW_DATA_DIR);
  if (keySource === 'generated') logger.info({ file: encryptionKeyFile(config.BILLOW_DATA_DIR) }, 'generated the key that encrypts secrets at rest');
  await prepareSecretsAtRest(db, logger).catch((error) => {
    // A key generated now cannot be the one these secrets were encrypted with: leave no wrong key file behind.
    if (keySource === 'generated') fs.rmSync(encryptionKeyFile(config.BILLOW_DATA_DIR), { force: true });
    throw error;
  });
  const organization = await ensureDefaultOrganization(db, { dataDir: config.BILLOW_DATA_DIR, apiKey: config.BILLOW_API_KEY, log: logger });
  await db.destroy();

  step('starting worker and API');
  const env = {
    ...process.env, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: server.address, BILLOW_SANDBOX: sandboxed ? '1' : '0',
    ...(server.uiUrl ? { BILLOW_TEMPORAL_UI_URL: server.uiUrl } : {}),
  };
  const worker = spawnRole('worker', env);
  cleanups.push(superviseRole('worker', worker, env).stop);
  const workerReady = new Promise<void>((resolve) => worker.once('message', () => resolve()));
  const api = spawnRole('api', env);
  cleanups.push(superviseRole('api', api, env).stop);
  await Promise.all([waitForPort(config.PORT, 120_000, api), workerReady]);
  printBanner(config, server, organization, sandboxed);
}

/** The key in clear on the start that created it only; afterwards its mask and how to get a new one. */
function keyLines(organization: DefaultOrganization): string[] {
  const manage = 'npm run api-key -- create | list | revoke <id>';
  if (organization.newKey && organization.origin === 'created') {
    return [`API key      ${organization.newKey}`, `             shown once: store it now. Lost it? ${manage}`];
  }
  if (organization.newKey) {
    return [`API key      ${organization.newKey}`, `             shown for the last time (.data/api-key is deleted: keys are no longer kept in clear). ${manage}`];
  }
  const masks = organization.masks.join(', ') || 'none active';
  const from = organization.origin === 'environment' ? ' (BILLOW_API_KEY)' : '';
  return [`API key      ${masks}${from}`, `             shown once when created; a new one: ${manage}`];
}

function printBanner(config: Config, temporal: RunningTemporal, organization: DefaultOrganization, sandboxed: boolean): void {
  const key = organization.newKey ?? '$KEY';
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
    ...keyLines(organization).map((line) => `  ${line}`),
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

/** The operator's commands answer a mistake in plain words on stderr, not as a log line. */
async function operatorCommand(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
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
    case 'api-key': return operatorCommand(() => runApiKeyCommand(config, process.argv.slice(3), logger.child({}, { level: 'warn' })));
    case 'organization': return operatorCommand(() => runOrganizationCommand(config, process.argv.slice(3), logger.child({}, { level: 'warn' })));
    case 'payments': return operatorCommand(() => runPaymentsCommand(config, process.argv.slice(3), logger.child({}, { level: 'warn' })));
    default: throw new Error(`Unknown command "${command}". Use: start | api | worker | migrate | bootstrap | api-key | organization | payments`);
  }
}

main().catch((error) => {
  logger.fatal({ err: error }, error instanceof Error ? error.message : String(error));
  void stopAll(1);
});

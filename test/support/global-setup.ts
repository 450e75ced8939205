/**
 * Once per `npm test`: a fresh PostgreSQL (embedded in a temporary folder, or the server at
 * DATABASE_URL) with a migrated template database that each test file clones, and one workflow
 * bundle shared by every worker in the run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createDb, migrate } from '../../src/db/knex';
import { startEmbeddedPostgres } from '../../src/bootstrap/postgres';
import { ensureDatabase } from '../../src/db/databases';
import { logger } from '../../src/runtime/logger';
import { generateEncryptionKey } from '../../src/runtime/secrets';
import { freePort } from './processes';

export default async function globalSetup(): Promise<void> {
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-test-'));
  fs.chmodSync(workDir, 0o755);
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const postgres = await startEmbeddedPostgres({ dataDir: workDir, port: await freePort(), log: logger });
    serverUrl = postgres.url;
    (globalThis as Record<string, unknown>).__billowPostgres = postgres;
  }
  const template = `billow_template_${runId}`;
  const templateUrl = await ensureDatabase(serverUrl, template);
  const db = createDb(templateUrl);
  await migrate(db);
  await db.destroy();

  const bundlePath = path.join(workDir, 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../src/workflows'), logger: silentLogger });
  fs.writeFileSync(bundlePath, code);

  process.env.BILLOW_TEST_SERVER_URL = serverUrl;
  process.env.BILLOW_TEST_TEMPLATE = template;
  process.env.BILLOW_TEST_RUN_ID = runId;
  process.env.BILLOW_TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.BILLOW_TEST_WORK_DIR = workDir;
  // Secrets at rest are encrypted in every test, as in production (one key per run).
  process.env.BILLOW_ENCRYPTION_KEY ??= generateEncryptionKey();
}

const silentLogger = {
  log: () => {}, trace: () => {}, debug: () => {}, info: () => {}, warn: () => {},
  error: (message: string, meta?: unknown) => console.error(message, meta),
};

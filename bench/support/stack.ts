/**
 * The benches' own stack, started the way the tests start theirs: an embedded PostgreSQL in a
 * temporary folder, a migrated database, an organization with an API key, and the API in a child
 * process (so the load generator and the server do not share an event loop) on a random loopback
 * port with a stub workflow gateway. `stop()` removes everything.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { Client } from 'pg';
import { createDb, migrate, type Db } from '../../src/db/knex';
import { createOrganization } from '../../src/db/organizations';
import { startEmbeddedPostgres, type RunningPostgres } from '../../src/bootstrap/postgres';
import { ensureDatabase } from '../../src/db/databases';
import { logger } from '../../src/runtime/logger';
import { freePort } from '../../test/support/processes';

export interface BenchStack {
  db: Db;
  databaseUrl: string;
  organizationId: string;
  apiKey: string;
  baseUrl: string;
  /** A plain pg client on the same database (COPY). */
  client(): Promise<Client>;
  /** Sends a message to the API's process and resolves with its next answer. */
  ask(message: string): Promise<unknown>;
  stop(): Promise<void>;
}

export async function startBenchStack(options: { apiPool?: number } = {}): Promise<BenchStack> {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-bench-'));
  fs.chmodSync(workDir, 0o755);
  let postgres: RunningPostgres | undefined;
  let api: ChildProcess | undefined;
  let db: Db | undefined;
  const stop = async () => {
    if (api && api.exitCode === null) {
      api.kill('SIGTERM');
      await Promise.race([once(api, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
    }
    await db?.destroy();
    await postgres?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  try {
    postgres = await startEmbeddedPostgres({ dataDir: workDir, port: await freePort(), log: logger });
    const databaseUrl = await ensureDatabase(postgres.url, 'billow_bench');
    db = createDb(databaseUrl, { max: 10 });
    await migrate(db);
    const { organization, apiKey } = await createOrganization(db, { name: 'Bench Org' });
    api = fork(path.join(__dirname, 'api-server.ts'), [], {
      execArgv: ['--import', 'tsx', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
      env: { ...process.env, BENCH_DATABASE_URL: databaseUrl, BENCH_POOL: String(options.apiPool ?? 10), LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const [message] = (await once(api, 'message')) as [{ port: number }];
    return {
      db,
      databaseUrl,
      organizationId: organization.id,
      apiKey,
      baseUrl: `http://127.0.0.1:${message.port}`,
      async ask(question) {
        const answer = once(api!, 'message');
        api!.send(question);
        return ((await answer) as [unknown])[0];
      },
      async client() {
        const client = new Client({ connectionString: databaseUrl });
        await client.connect();
        return client;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** p-th percentile (0–100) of `values`, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

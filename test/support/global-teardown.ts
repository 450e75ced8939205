import fs from 'node:fs';
import { Client } from 'pg';
import { databaseUrl } from '../../src/db/databases';

/** Drops every database this run created, stops the embedded server and removes its folder. */
export default async function globalTeardown(): Promise<void> {
  const serverUrl = process.env.BILLOW_TEST_SERVER_URL;
  const runId = process.env.BILLOW_TEST_RUN_ID;
  const postgres = (globalThis as Record<string, unknown>).__billowPostgres as { stop(): Promise<void> } | undefined;
  if (serverUrl && runId && !postgres) {
    const client = new Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
    await client.connect();
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`%${runId}%`]);
    for (const row of rows) await client.query(`DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`);
    await client.end();
  }
  await postgres?.stop();
  const workDir = process.env.BILLOW_TEST_WORK_DIR;
  if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
}

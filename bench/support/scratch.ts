/** What every bench that runs its own servers starts from: a scratch directory, an embedded PostgreSQL, and an exit code. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from '../../src/bootstrap/postgres';
import type { Logger } from '../../src/runtime/logger';
import { freePort } from '../../test/support/processes';

/** Runs `bench` with a scratch directory (`billow-<name>-…`) holding an embedded PostgreSQL, both gone when it ends. */
export async function withScratchPostgres<T>(name: string, log: Logger, bench: (scratch: { work: string; postgres: RunningPostgres }) => Promise<T>): Promise<T> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `billow-${name}-`));
  // Run as root, the embedded server's own user must reach its data directory inside.
  fs.chmodSync(work, 0o755);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(work, 'pg'), port: await freePort(), log });
  try {
    return await bench({ work, postgres });
  } finally {
    await postgres.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A bench's entry point: exit 0 when it is done, 1 with the error printed when it failed (open handles must not keep it alive). */
export function runBench(main: () => Promise<void>): void {
  void main().then(() => process.exit(0), (error) => {
    console.error(error);
    process.exit(1);
  });
}

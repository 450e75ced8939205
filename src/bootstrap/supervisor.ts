/**
 * `npm start` keeps its processes alive (issue 12): each one it runs (the API, the worker, the
 * embedded PostgreSQL, the Temporal dev server) is watched, and when it exits without being asked
 * to, it is started again after a backoff (1 s, doubling up to 30 s; back to 1 s once it has run a
 * minute), each exit and restart logged. The others keep serving meanwhile. A process that cannot
 * be brought back (`giveUpAfter` failed starts in a row) makes Billow stop loudly rather than
 * serve half a product that says it is healthy.
 */
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../runtime/logger';
import { elapsedMs, monotonicMs } from '../runtime/clock';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One run of a supervised process: how to stop it, and a promise settled when it exits. */
export interface Run {
  pid?: number;
  exited: Promise<Exit>;
  stop(): Promise<void>;
}

export interface Supervised {
  /** The current run's process id (changes at each restart). */
  pid(): number | undefined;
  /** Stops watching and stops the current run. */
  stop(): Promise<void>;
}

export interface SupervisionOptions {
  log: Logger;
  /** Failed starts (or runs shorter than `healthyAfterMs`) in a row before giving up; default: never. */
  giveUpAfter?: number;
  /** Called once when the process cannot be brought back. */
  onGiveUp?: (error: unknown) => void;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  healthyAfterMs?: number;
  /** Whether the whole product is stopping (Ctrl-C reaches every process of the group at once): then nothing is restarted. */
  shuttingDown?: () => boolean;
}

/** The exit of a child process as a promise (settled at once if it has exited already). */
export function exitOf(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Watches `first` (already started) and restarts the process with `restart` whenever it exits
 * unasked. `restart` starts a new run and resolves once it is up (or rejects).
 */
export function supervise(name: string, first: Run, restart: () => Promise<Run>, options: SupervisionOptions): Supervised {
  const initial = options.initialBackoffMs ?? 1_000;
  const max = options.maxBackoffMs ?? 30_000;
  const healthyAfter = options.healthyAfterMs ?? 60_000;
  const log = options.log.child({ component: 'supervisor', process: name });
  let current: Run | null = first;
  let stopping = false;
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;

  const backoff = () => Math.min(max, initial * 2 ** Math.max(0, failures - 1));

  const watch = (run: Run, startedAt: number) => {
    void run.exited.then((exit) => {
      if (stopping || options.shuttingDown?.() || current !== run) return;
      current = null;
      failures = elapsedMs(startedAt) >= healthyAfter ? 1 : failures + 1;
      schedule(exit);
    });
  };

  const schedule = (exit: Exit | null, error?: unknown) => {
    if (options.giveUpAfter !== undefined && failures > options.giveUpAfter) {
      log.fatal({ failures: failures - 1, err: error, ...exit }, `${name} could not be brought back after ${failures - 1} attempts: stopping Billow`);
      options.onGiveUp?.(error);
      return;
    }
    const delay = backoff();
    if (exit) log.error({ ...exit, restartInMs: delay, attempt: failures }, `${name} exited unexpectedly: restarting it in ${delay / 1000} s`);
    else log.error({ err: error, restartInMs: delay, attempt: failures }, `${name} failed to start again: retrying in ${delay / 1000} s`);
    timer = setTimeout(() => {
      timer = null;
      if (stopping || options.shuttingDown?.()) return;
      const startedAt = monotonicMs();
      restart().then(
        (run) => {
          if (stopping) {
            void run.stop();
            return;
          }
          current = run;
          log.warn({ pid: run.pid, attempt: failures }, `${name} restarted`);
          watch(run, startedAt);
        },
        (startError: unknown) => {
          if (stopping) return;
          failures += 1;
          schedule(null, startError);
        },
      );
    }, delay);
  };

  watch(first, monotonicMs());
  return {
    pid: () => current?.pid,
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await current?.stop();
    },
  };
}

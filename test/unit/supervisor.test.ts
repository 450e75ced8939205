/**
 * The supervisor of `npm start` (src/bootstrap/supervisor.ts), on real child processes: a killed
 * child is started again after the backoff, each exit and restart logged; a child that keeps
 * dying is retried with a doubling backoff and given up on (loudly) after `giveUpAfter`; a stop
 * asked for is not restarted.
 */
import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import pino from 'pino';
import { exitOf, supervise, type Run } from '../../src/bootstrap/supervisor';

jest.setTimeout(20_000); // each test takes a second or so

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

/** A child that lives until killed (or exits at once with `exitCode`). */
function startChild(exitCode?: number): Run {
  const script = exitCode === undefined ? 'setInterval(() => {}, 1000)' : `process.exit(${exitCode})`;
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  return {
    pid: child.pid,
    exited: exitOf(child),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exitOf(child);
      }
    },
  };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('a child killed with SIGKILL is started again after the backoff, and both are logged', async () => {
  const { log, lines } = capture();
  const first = startChild();
  const supervised = supervise('worker', first, async () => startChild(), { log, initialBackoffMs: 300 });
  try {
    expect(supervised.pid()).toBe(first.pid);
    const killedAt = Date.now();
    process.kill(first.pid!, 'SIGKILL');
    const second = await waitFor(() => (supervised.pid() !== undefined && supervised.pid() !== first.pid ? supervised.pid() : undefined), 5_000);
    // Not before the backoff (300 ms), well within seconds.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(300);
    expect(alive(second!)).toBe(true);
    expect(lines.find((line) => line.msg === 'worker exited unexpectedly: restarting it in 0.3 s')).toMatchObject({ signal: 'SIGKILL', restartInMs: 300, process: 'worker' });
    expect(lines.find((line) => line.msg === 'worker restarted')).toMatchObject({ pid: second });

    // Killed again: restarted again (a supervisor watches every run, not just the first).
    process.kill(second!, 'SIGKILL');
    const third = await waitFor(() => (supervised.pid() !== undefined && supervised.pid() !== second ? supervised.pid() : undefined), 5_000);
    expect(alive(third!)).toBe(true);
  } finally {
    await supervised.stop();
  }
  // A stop asked for is not restarted.
  const stoppedPid = supervised.pid();
  await sleep(800);
  expect(supervised.pid()).toBe(stoppedPid);
  expect(alive(stoppedPid!)).toBe(false);
  expect(lines.filter((line) => line.msg === 'worker restarted')).toHaveLength(2);
});

it('a child that keeps dying is retried with a doubling backoff, then given up on loudly', async () => {
  const { log, lines } = capture();
  let starts = 0;
  const gaveUp = new Promise<void>((resolve) => {
    supervise('PostgreSQL', startChild(1), async () => {
      starts += 1;
      return startChild(1);
    }, { log, initialBackoffMs: 50, maxBackoffMs: 10_000, giveUpAfter: 3, onGiveUp: () => resolve() });
  });
  await gaveUp;
  // Runs shorter than a minute count as failures in a row: 50, 100, 200 ms, then the fourth exit gives up.
  expect(starts).toBe(3);
  expect(lines.filter((line) => line.level === 50).map((line) => line.restartInMs)).toEqual([50, 100, 200]);
  expect(lines.filter((line) => line.level === 60).map((line) => line.msg)).toEqual(['PostgreSQL could not be brought back after 3 attempts: stopping Billow']);
});

it('a start that fails is retried; nothing restarts while the product shuts down', async () => {
  const { log, lines } = capture();
  let attempts = 0;
  const first = startChild();
  const supervised = supervise('Temporal', first, async () => {
    attempts += 1;
    if (attempts === 1) throw new Error('port in use');
    return startChild();
  }, { log, initialBackoffMs: 50 });
  process.kill(first.pid!, 'SIGKILL');
  await waitFor(() => (supervised.pid() !== undefined && supervised.pid() !== first.pid ? true : undefined), 5_000);
  expect(attempts).toBe(2);
  expect(lines.map((line) => line.msg)).toEqual([
    'Temporal exited unexpectedly: restarting it in 0.05 s',
    'Temporal failed to start again: retrying in 0.1 s',
    'Temporal restarted',
  ]);
  await supervised.stop();

  let shuttingDown = false;
  let restarts = 0;
  const child = startChild();
  const watched = supervise('api', child, async () => {
    restarts += 1;
    return startChild();
  }, { log, initialBackoffMs: 50, shuttingDown: () => shuttingDown });
  shuttingDown = true; // Ctrl-C reached the whole process group
  process.kill(child.pid!, 'SIGINT');
  await sleep(500);
  expect(restarts).toBe(0);
  await watched.stop();
});

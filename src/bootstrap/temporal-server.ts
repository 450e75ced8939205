/**
 * The Temporal server Billow talks to: `TEMPORAL_ADDRESS` when set; otherwise the Temporal CLI's
 * dev server (with its UI) built by scripts/lib.sh; on a machine with internet and no built CLI,
 * the SDK downloads one. `--sandbox` uses the time-skipping test server instead (DESIGN.md §7),
 * listening on 127.0.0.1 only (java/LoopbackTestServer.java: the stock server binds every interface).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Logger } from '../runtime/logger';
import { SEARCH_ATTRIBUTE_FLAGS } from '../workflows/search-attributes';
import { monotonicMs } from '../runtime/clock';
import { exitOf, type Exit } from './supervisor';

export interface RunningTemporal {
  address: string;
  uiUrl: string | null;
  /** The server's process, when Billow started one, and its exit: `npm start` restarts it when it dies. */
  pid?: number;
  exited?: Promise<Exit>;
  /** Starts the same server again (same ports, same SQLite file), after it died. */
  restart?(): Promise<RunningTemporal>;
  stop(): Promise<void>;
}

export function temporalCliPath(cacheDir: string): string | null {
  const candidate = process.env.TEMPORAL_CLI_PATH ?? path.join(cacheDir, 'bin', 'temporal');
  return fs.existsSync(candidate) ? candidate : null;
}

export function testServerPath(cacheDir: string): string | null {
  const candidate = process.env.TEMPORAL_TEST_SERVER_PATH ?? path.join(cacheDir, 'tts-1.38.0', 'temporal-test-server');
  return fs.existsSync(candidate) ? candidate : null;
}

/**
 * SQLite settings of the dev server `npm start` runs: write-ahead log, synced at checkpoints.
 * A killed process loses nothing; a power cut may lose the last transactions, which Billow
 * survives (each invoice has a business key, the reconciler restarts missing workflows). In
 * exchange Temporal goes 3.7× faster here than with SQLite's defaults (README, "Temporal's dev server").
 */
export const DEV_SERVER_SQLITE_PRAGMAS: readonly string[] = ['journal_mode=WAL', 'synchronous=NORMAL'];

export async function startDevServer(options: {
  cacheDir: string;
  dataDir: string;
  port: number;
  uiPort: number;
  namespace: string;
  log: Logger;
  /** `--sqlite-pragma` values (default DEV_SERVER_SQLITE_PRAGMAS; `[]` for SQLite's own defaults). */
  sqlitePragmas?: readonly string[];
}): Promise<RunningTemporal> {
  const address = `127.0.0.1:${options.port}`;
  const uiUrl = `http://127.0.0.1:${options.uiPort}`;
  fs.mkdirSync(options.dataDir, { recursive: true });
  const dbFilename = path.join(options.dataDir, 'temporal.db');
  const cli = temporalCliPath(options.cacheDir);
  if (!cli) {
    options.log.warn('Temporal CLI not built: letting the SDK download the dev server');
    const env = await TestWorkflowEnvironment.createLocal({
      server: { ip: '127.0.0.1', port: options.port, ui: true, uiPort: options.uiPort, dbFilename, namespace: options.namespace,
        searchAttributes: [], extraArgs: SEARCH_ATTRIBUTE_FLAGS.flatMap((flag) => ['--search-attribute', flag]) },
    });
    return { address, uiUrl, stop: () => env.teardown() };
  }
  await assertPortFree(options.port, 'TEMPORAL_PORT');
  await assertPortFree(options.uiPort, 'TEMPORAL_UI_PORT');
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1', '--port', String(options.port), '--ui-port', String(options.uiPort),
    '--db-filename', dbFilename, '--namespace', options.namespace,
    '--log-format', 'json', '--log-level', 'warn',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
    '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecutionAsyncAccepted=true',
    ...SEARCH_ATTRIBUTE_FLAGS.flatMap((flag) => ['--search-attribute', flag]),
    ...(options.sqlitePragmas ?? DEV_SERVER_SQLITE_PRAGMAS).flatMap((pragma) => ['--sqlite-pragma', pragma]),
  ];
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  pipeLines(child, options.log.child({ component: 'temporal' }));
  await waitForPort(options.port, 60_000, child);
  options.log.info({ address, uiUrl }, 'Temporal dev server started');
  return { address, uiUrl, pid: child.pid, exited: exitOf(child), restart: () => startDevServer(options), stop: () => stopChild(child) };
}

/**
 * The time-skipping test server, bound to 127.0.0.1. Temporal's `TestServer` main binds every
 * interface and takes no address (only `<port> [--enable-time-skipping]`), and the SDK only passes
 * a port and extra arguments, so the wrapper built by scripts/lib.sh (Maven's jars) is run with
 * our own main class, `LoopbackTestServer`, compiled once next to it. The SDK connects to
 * 127.0.0.1:<port> either way. Null when `exe` is not that wrapper (no `lib/` beside it) or javac
 * fails: the caller then runs the stock server and says it listens on every interface.
 */
export function loopbackTestServer(exe: string, log: Logger): string | null {
  const libDir = path.join(path.dirname(exe), 'lib');
  const source = path.join(__dirname, 'java', 'LoopbackTestServer.java');
  if (!fs.existsSync(libDir) || !fs.existsSync(source)) return null;
  const code = fs.readFileSync(source);
  const outDir = path.join(path.dirname(exe), 'loopback', createHash('sha256').update(code).digest('hex').slice(0, 12));
  const wrapper = path.join(outDir, 'temporal-test-server');
  if (fs.existsSync(wrapper)) return wrapper;
  const building = `${outDir}.${process.pid}.tmp`;
  fs.rmSync(building, { recursive: true, force: true });
  fs.mkdirSync(building, { recursive: true });
  const compiled = spawnSync('javac', ['-d', building, '-cp', `${libDir}/*`, source], { encoding: 'utf8' });
  if (compiled.status !== 0) {
    log.warn({ stderr: compiled.stderr?.slice(0, 2000), error: compiled.error?.message }, 'could not compile the loopback launcher of the test server');
    fs.rmSync(building, { recursive: true, force: true });
    return null;
  }
  fs.writeFileSync(path.join(building, 'temporal-test-server'),
    `#!/bin/sh\nexec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -Xmx512m -cp "${libDir}/*:${outDir}" LoopbackTestServer "$@"\n`, { mode: 0o755 });
  try {
    fs.renameSync(building, outDir);
  } catch {
    fs.rmSync(building, { recursive: true, force: true }); // another start built it first
  }
  return wrapper;
}

/**
 * The sandbox's time-skipping test server. Billow runs the cached server itself and waits up to a
 * minute for its port: the SDK's own launcher gives a JVM 5 s, which a loaded machine misses. Only
 * without a cached server does it fall back to the SDK (which downloads one).
 */
export async function startTimeSkippingServer(options: { cacheDir: string; log: Logger }): Promise<RunningTemporal> {
  const stock = testServerPath(options.cacheDir);
  if (!stock) {
    const env = await TestWorkflowEnvironment.createTimeSkipping();
    const address = (env.connection as unknown as { options: { address: string } }).options.address;
    options.log.warn({ address }, 'Temporal time-skipping test server started by the SDK (none cached): it listens on every interface');
    return { address, uiUrl: null, stop: () => env.teardown() };
  }
  const exe = loopbackTestServer(stock, options.log) ?? stock;
  if (exe === stock) options.log.warn('the time-skipping test server listens on every interface (no loopback launcher for it): keep this machine\'s port closed');
  const port = await freeLoopbackPort();
  // Without `--enable-time-skipping`, as the SDK starts it: time is locked until the sandbox clock moves it.
  const child = spawn(exe, [String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  pipeLines(child, options.log.child({ component: 'temporal-test-server' }));
  try {
    await waitForPort(port, 60_000, child);
  } catch (error) {
    await stopChild(child, 2_000);
    throw error;
  }
  const address = `127.0.0.1:${port}`;
  options.log.info({ address }, 'Temporal time-skipping test server started (sandbox clock)');
  return { address, uiUrl: null, pid: child.pid, exited: exitOf(child), stop: () => stopChild(child) };
}

/** A TCP port free on 127.0.0.1 now (the tests' and benches' `freePort`). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function pipeLines(child: ChildProcess, log: Logger): void {
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) log.debug(line.trim());
    });
  }
}

export async function assertPortFree(port: number, variable: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  if (!free) throw new Error(`Port ${port} is already in use. Stop what uses it or set ${variable} to another port.`);
}

export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = monotonicMs() + timeoutMs;
  while (monotonicMs() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`Process exited with code ${child.exitCode} before port ${port} opened`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`Nothing listened on port ${port} within ${timeoutMs} ms`);
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

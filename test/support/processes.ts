/**
 * What the end-to-end tests, the global set-up and the benches need to run real processes: a free
 * TCP port, whether something listens on one, a wait for a condition that names what it waited
 * for and shows the processes' output when it gives up, and the end of a detached process group.
 */
import fs from 'node:fs';
import net from 'node:net';

export { freeLoopbackPort as freePort } from '../../src/bootstrap/temporal-server';

export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Probes every 250 ms until `probe` gives a value (a probe that throws counts as not yet), or
 * fails after `timeoutMs` with the tail of `output()` (the children's stdout and stderr).
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, output: () => string = () => ''): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}. Output so far:\n${output().slice(-6000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** `waitFor` bound to one test file's captured output. */
export function waiter(output: () => string) {
  return <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number) => waitFor(what, probe, timeoutMs, output);
}

/**
 * The live members of process group `pgid` (zombies excluded: they hold no files and, reparented
 * to a PID 1 that does not reap, would never go). Read from /proc where there is one; elsewhere
 * the group counts as one member while any process of it can be signalled.
 */
export function processGroupMembers(pgid: number): number[] {
  if (!fs.existsSync('/proc/self/stat')) {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  const members: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // it exited while we looked
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read after the last ')'.
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (state !== 'Z' && Number(group) === pgid) members.push(Number(entry));
  }
  return members;
}

/** Waits until process group `pgid` has no live member, or fails naming the pids still alive. */
export function processGroupGone(pgid: number, timeoutMs: number): Promise<true> {
  const alive = () => `still alive in process group ${pgid}: ${processGroupMembers(pgid).join(', ')}`;
  return waitFor(`process group ${pgid} to end`, async () => (processGroupMembers(pgid).length === 0 ? true : undefined), timeoutMs, alive);
}

/**
 * Kills what is left of a detached child's process group and waits for it to be gone, then removes
 * `dir`: a process still stopping (a worker finishing the PDF it was rendering, Temporal's dev
 * server closing its database) would otherwise add files while the directory is removed.
 */
export async function killGroupAndRemove(pgid: number | undefined, dir: string): Promise<void> {
  if (pgid !== undefined) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // nothing of it is left
    }
    await processGroupGone(pgid, 10_000).catch(() => undefined); // remove what can be removed even so
  }
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
}

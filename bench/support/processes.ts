/** The processes a bench forks, and what /proc says of them. */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ on Linux). */
export const TICKS_PER_S = 100;

/**
 * CPU seconds the hypervisor gave to others so far (the steal column of /proc/stat, all CPUs): on
 * a shared virtual machine, a run with steal is slower for reasons outside Billow.
 */
export function stolenSeconds(): number {
  if (!fs.existsSync('/proc/stat')) return 0;
  const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  return Number(fields[8] ?? 0) / TICKS_PER_S;
}

/** A process's resident memory (MB) and CPU time so far (seconds), from /proc (zeros once it is gone). */
export function usage(pid: number): { rssMb: number; cpuSeconds: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { rssMb: rssKb / 1024, cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S };
  } catch {
    return { rssMb: 0, cpuSeconds: 0 };
  }
}

/** CPU seconds so far of each live process under (and including) each root, by name: /proc's parent links. */
export function treeCpuSeconds(roots: Record<string, number>): Record<string, number> {
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      parents.set(Number(entry), Number(fields[1]));
      cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S);
    } catch {
      // gone meanwhile
    }
  }
  const rootOf = (pid: number, root: number): boolean => {
    for (let current: number | undefined = pid; current !== undefined && current > 1; current = parents.get(current)) if (current === root) return true;
    return false;
  };
  return Object.fromEntries(Object.entries(roots).map(([name, root]) => [name, [...cpu.entries()].filter(([pid]) => rootOf(pid, root)).reduce((sum, [, seconds]) => sum + seconds, 0)]));
}

/** Samples the peak RSS of processes every second until stopped. */
export function rssSampler(pids: Record<string, number>) {
  const peaks: Record<string, number> = Object.fromEntries(Object.keys(pids).map((name) => [name, 0]));
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) peaks[name] = Math.max(peaks[name]!, usage(pid).rssMb);
  };
  sample();
  const timer = setInterval(sample, 1000);
  return { stop: () => (clearInterval(timer), sample(), peaks) };
}

/** A TypeScript entry point run as a child with an IPC channel (tsx as its loader). */
export function forkChild(file: string, args: string[], env: NodeJS.ProcessEnv, nodeArgs: string[] = []): ChildProcess {
  return fork(file, args, { execArgv: [...nodeArgs, '--import', 'tsx'], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** SIGTERM, then SIGKILL if the child has not exited within 15 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await Promise.race([once(child, 'exit'), new Promise((resolve) => setTimeout(resolve, 15_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** `work` on every item, `size` at once, batch after batch. */
export async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

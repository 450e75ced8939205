/** CPU priority of processes we start: who yields the CPU when the machine is busy. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Puts the process and its descendants, every thread of each, under Linux's SCHED_IDLE policy
 * (`chrt --idle`): they run only on CPU nothing else wants, and threads and children started
 * later inherit it. A nice value would not hold: Chromium sets its threads' nice values itself.
 * Answers the pids it set; none where chrt or /proc is missing (priorities are left alone).
 */
export function runOnlyWhenIdle(rootPid: number): number[] {
  const set: number[] = [];
  for (const pid of [rootPid, ...descendantsOf(rootPid)]) {
    const result = spawnSync('chrt', ['--idle', '--all-tasks', '--pid', '0', String(pid)], { stdio: 'ignore' });
    if (result.status === 0) set.push(pid);
  }
  return set;
}

/** The pids of the process's descendants, from /proc (none where there is no /proc). */
export function descendantsOf(rootPid: number): number[] {
  if (!fs.existsSync('/proc')) return [];
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // Ended while listed.
    }
  }
  const found: number[] = [];
  for (const queue = [rootPid]; queue.length > 0;) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** The thread ids of a process (itself alone where there is no /proc). */
export function threadsOf(pid: number): number[] {
  try {
    return fs.readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [pid];
  }
}

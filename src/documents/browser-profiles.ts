/**
 * Chromium's profile directories: one fresh directory per browser, under the system's temporary
 * directory, named for the process that launched it. A process that exits normally removes its
 * own; one that was killed (a crash, `kill -9`, the supervisor's restart of a stuck worker) cannot,
 * and each such profile (about a megabyte) would stay for good. So the first launch of a process
 * removes the profiles whose process is gone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const PREFIX = 'billow-chromium-';
const OWNED = /^billow-chromium-(\d+)-/;

/** A new, empty profile directory owned by this process. */
export function newProfileDir(parent: string = os.tmpdir()): string {
  return fs.mkdtempSync(path.join(parent, `${PREFIX}${process.pid}-`));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the profile directories left by processes that no longer run; answers the names it
 * removed. A directory whose process still runs (this one, another worker) is left alone.
 */
export function removeAbandonedProfiles(parent: string = os.tmpdir()): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const owner = OWNED.exec(name)?.[1];
    if (owner === undefined || isAlive(Number(owner))) continue;
    try {
      fs.rmSync(path.join(parent, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Not ours to remove (another user's files): leave it. One already gone is not an error (force).
    }
  }
  return removed;
}

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newProfileDir, removeAbandonedProfiles } from '../../../src/documents/browser-profiles';

let parent: string;
beforeEach(() => {
  parent = fs.mkdtempSync(path.join(os.tmpdir(), 'profiles-test-'));
});
afterEach(() => fs.rmSync(parent, { recursive: true, force: true }));

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function profileOf(pid: number): string {
  const dir = path.join(parent, `billow-chromium-${pid}-abc123`);
  fs.mkdirSync(path.join(dir, 'Default'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'Default', 'Preferences'), '{}');
  return dir;
}

it('a new profile is an empty directory named for this process', () => {
  const dir = newProfileDir(parent);
  expect(path.basename(dir)).toMatch(new RegExp(`^billow-chromium-${process.pid}-`));
  expect(fs.readdirSync(dir)).toEqual([]);
});

it('removes the profiles of exited processes, with what they hold, and keeps those of running ones', () => {
  const dead = deadPid();
  const abandoned = profileOf(dead);
  const mine = newProfileDir(parent);
  const parents = profileOf(process.ppid);

  expect(removeAbandonedProfiles(parent)).toEqual([path.basename(abandoned)]);

  expect(fs.existsSync(abandoned)).toBe(false);
  expect(fs.existsSync(mine)).toBe(true);
  expect(fs.existsSync(parents)).toBe(true);
});

it('leaves what is not a pid-named profile: other directories, and profiles named before pids were', () => {
  const legacy = path.join(parent, 'billow-chromium-Xy12Zq');
  const other = path.join(parent, 'chromium-99999999-profile');
  fs.mkdirSync(legacy);
  fs.mkdirSync(other);

  expect(removeAbandonedProfiles(parent)).toEqual([]);
  expect(fs.readdirSync(parent).sort()).toEqual(['billow-chromium-Xy12Zq', 'chromium-99999999-profile']);
});

it('a missing directory removes nothing', () => {
  expect(removeAbandonedProfiles(path.join(parent, 'absent'))).toEqual([]);
});

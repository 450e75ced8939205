/**
 * The sandbox's renderer runs Chromium under SCHED_IDLE: its browser, and the page processes and
 * threads it starts for each rendering afterwards, run only on CPU an advance's closes leave. A
 * default renderer leaves priorities alone.
 */
import fs from 'node:fs';
import { ChromiumPdfRenderer } from '../../src/documents/pdf-renderer';
import { descendantsOf, threadsOf } from '../../src/runtime/process-priority';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const renderers: ChromiumPdfRenderer[] = [];
/** Linux's scheduling policies (sched.h). */
const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

afterAll(async () => {
  await Promise.all(renderers.map((renderer) => renderer.close()));
});

/** A thread's scheduling policy: field 41 of /proc/<pid>/task/<tid>/stat. */
function policyOf(pid: number, tid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]);
}

/** Every thread of the browser's process tree after one rendering, with its policy. */
async function policiesAfterARendering(options: { idlePriority?: boolean }): Promise<{ processes: number; policies: number[] }> {
  const renderer = new ChromiumPdfRenderer({ executablePath, ...options });
  renderers.push(renderer);
  const pdf = await renderer.render('<p>Invoice</p>', { paperSize: 'A4' });
  expect(Buffer.from(pdf).subarray(0, 5).toString()).toBe('%PDF-');
  const browser = renderer.browserPid()!;
  const processes = [browser, ...descendantsOf(browser)];
  return { processes: processes.length, policies: processes.flatMap((pid) => threadsOf(pid).map((tid) => policyOf(pid, tid))) };
}

it('idle priority: every thread of the browser and of every process under it, the page started for the rendering included, is SCHED_IDLE', async () => {
  const { processes, policies } = await policiesAfterARendering({ idlePriority: true });
  // The browser, its zygotes and at least one page (renderer) process.
  expect(processes).toBeGreaterThanOrEqual(3);
  expect(new Set(policies)).toEqual(new Set([SCHED_IDLE]));
});

it('by default the browser keeps the normal policy', async () => {
  const { policies } = await policiesAfterARendering({});
  expect(new Set(policies)).toEqual(new Set([SCHED_OTHER]));
});

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { workflowHeapBudgetMb } from '../../src/bootstrap/workflow-heap';

describe('the workflow threads’ heap budget', () => {
  it('is 256 MB and half a MB per cached workflow, rounded up', () => {
    expect(workflowHeapBudgetMb(0)).toBe(256);
    expect(workflowHeapBudgetMb(250)).toBe(381);
    expect(workflowHeapBudgetMb(1000)).toBe(756);
    expect(workflowHeapBudgetMb(1001)).toBe(757);
  });

  it('caps the threads created after it, not the main isolate', () => {
    // In a process of its own: a V8 flag set here would reach every later test's threads.
    const modulePath = path.join(__dirname, '../../src/bootstrap/workflow-heap.ts');
    const script = `
      const v8 = require('node:v8');
      const { Worker } = require('node:worker_threads');
      const mb = () => v8.getHeapStatistics().heap_size_limit / 1048576;
      const before = mb();
      require(${JSON.stringify(modulePath)}).capWorkflowThreadHeaps(300);
      const thread = new Worker("require('node:worker_threads').parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit / 1048576)", { eval: true });
      thread.once('message', (threadMb) => { console.log(JSON.stringify({ before, after: mb(), threadMb })); thread.terminate(); });
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(child.stderr).toBe('');
    const { before, after, threadMb } = JSON.parse(child.stdout.trim()) as { before: number; after: number; threadMb: number };
    // The old space asked for, plus V8's young generation (a few tens of MB).
    expect(threadMb).toBeGreaterThanOrEqual(300);
    expect(threadMb).toBeLessThan(300 + 100);
    expect(after).toBe(before);
  });
});

/**
 * The V8 heap each workflow thread of a worker process may grow to. Node's default is sized from the
 * machine's memory (4 GB on a 24 GB machine), and V8 lets garbage pile up towards it: at a close,
 * each evicted workflow that wakes replays its history, and a worker caching 1,000 workflows reached
 * 1.56 GB of RSS while waking 10,000 (`npm run bench:worker-memory`), though 0.8 GB held what it
 * kept. A budget that follows the cache makes V8 collect sooner, so the cache bounds the worker's
 * memory at a close as it does asleep.
 *
 * Set at run time, before the worker's threads exist: V8 applies it to the isolates created after it
 * (the SDK's workflow threads), not to the process's main one (activities), whose limit only a
 * `--max-old-space-size` given to node at start changes.
 */
import v8 from 'node:v8';

/** A workflow thread's own code and bundle, and room to replay a burst's histories. */
export const WORKFLOW_HEAP_BASE_MB = 256;
/** Above what a cached subscription workflow holds: the worker's RSS grows ~0.5 MB per cached workflow, native memory included. */
export const WORKFLOW_HEAP_PER_CACHED_MB = 0.5;

/** The heap budget of a workflow thread when the worker caches `maxCachedWorkflows` workflows. */
export function workflowHeapBudgetMb(maxCachedWorkflows: number): number {
  return WORKFLOW_HEAP_BASE_MB + Math.ceil(maxCachedWorkflows * WORKFLOW_HEAP_PER_CACHED_MB);
}

/** Caps the old space of every V8 isolate created from now on (call it before creating the workers). */
export function capWorkflowThreadHeaps(budgetMb: number): void {
  v8.setFlagsFromString(`--max-old-space-size=${budgetMb}`);
}

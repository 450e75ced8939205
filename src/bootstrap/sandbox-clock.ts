/**
 * The sandbox clock (DESIGN.md §7): Billow's API and worker run on Temporal's time-skipping test
 * server, whose clock is "now" everywhere. It only jumps when someone advances it. The test server
 * moves time from one timer to the next only while no workflow task and no activity is in flight,
 * so an advance that reaches its target has seen every period close it crossed through.
 *
 * An advance never hangs its caller (issue 12):
 * - it moves in steps of at most a day (`unlockTimeSkippingWithSleep`, which unlocks time, and
 *   locks it again when the server's own timer at the step's end fires), so no single call to the
 *   server lasts long and the clock's progress can be read at any time;
 * - those calls go over a connection without the SDK's automatic retries: a retried unlock would
 *   unlock twice and let time run past the target (seen with 100 subscriptions: a year's advance
 *   overshot by three months and never answered). A step whose call fails is waited out on the
 *   server's clock before the next one;
 * - the caller waits at most `waitMs` (`DEFAULT_WAIT_MS`); past it, it gets where the clock is and
 *   the advance goes on in the background. Advances run one at a time, in the order asked.
 *
 * Each advance runs inside `whileAdvancing` (the API marks it in the database): the sandbox renders
 * PDFs after an advance, not during it, so the billing the caller waits for has the machine.
 */
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { InternalConnectionOptionsSymbol } from '@temporalio/client/lib/connection';
import { msToTs, tsToMs } from '@temporalio/common/lib/time';
import type { ClockAdvance, SandboxClock } from '../runtime/clock';
import { invalidField } from '../runtime/errors';

/** The longest step of one call to the test server. */
export const STEP_MS = 86_400_000;
/**
 * How long an advance keeps its caller by default: under the 60 s a reverse proxy commonly waits
 * for an answer (nginx's `proxy_read_timeout`), and long enough that a year of 100 subscriptions
 * answers 200 with everything billed (24–31 s measured, `bench:sandbox`), so a script reading the
 * invoices right after an advance finds them.
 */
export const DEFAULT_WAIT_MS = 55_000;
/** After a step's call failed, how long to wait for the server to end that step before giving the advance up. */
const STEP_WAIT_LIMIT_MS = 10 * 60_000;

export async function connectToSandbox(address: string, options: { retries?: boolean } = {}): Promise<Connection> {
  // The SDK's own TestWorkflowEnvironment enables the test service this way.
  const connectionOptions = {
    address,
    [InternalConnectionOptionsSymbol]: { supportsTestService: true },
    // No interceptor: no automatic retry of a call (the default retries UNAVAILABLE and friends).
    ...(options.retries === false ? { interceptors: [] } : {}),
  };
  return Connection.connect(connectionOptions as ConnectionOptions);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface SandboxClockOptions {
  /** Wraps each advance from its first step to its last (the API marks advances for the worker's renderer). */
  whileAdvancing?: <T>(work: () => Promise<T>) => Promise<T>;
}

/** `connection` must be one made by `connectToSandbox(address, { retries: false })`. */
export function sandboxClock(connection: Connection, { whileAdvancing = (work) => work() }: SandboxClockOptions = {}): SandboxClock {
  const service = connection.testService;
  if (!service) throw new Error('The sandbox needs a connection to the time-skipping test server.');
  let queue: Promise<unknown> = Promise.resolve();
  const now = async () => tsToMs((await service.getCurrentTime({})).time);

  /** Waits until the server's clock reaches `instantMs` (a step whose call failed still ends at its timer). */
  const waitForClock = async (instantMs: number) => {
    for (let waited = 0, failures = 0; ; waited += 200) {
      try {
        if ((await now()) >= instantMs) return;
      } catch (error) {
        if (++failures >= 50) throw error;
      }
      if (waited > STEP_WAIT_LIMIT_MS) throw new Error(`The sandbox clock did not reach ${new Date(instantMs).toISOString()} within ${STEP_WAIT_LIMIT_MS / 60_000} min of a failed step`);
      await sleep(200);
    }
  };

  const run = async (targetMs: number): Promise<number> => {
    for (;;) {
      const current = await now();
      if (current >= targetMs) return current;
      const step = Math.min(STEP_MS, targetMs - current);
      try {
        await service.unlockTimeSkippingWithSleep({ duration: msToTs(step) });
      } catch {
        // The server still ends the step (its timer locks time again): wait for that, never unlock twice.
        await waitForClock(current + step);
      }
    }
  };

  return {
    now,
    async advanceTo(targetMs, { waitMs = DEFAULT_WAIT_MS } = {}): Promise<ClockAdvance> {
      const previousMs = await now();
      if (targetMs < previousMs) throw invalidField('to', 'cannot_go_back_in_time');
      const advance = queue.then(() => whileAdvancing(() => run(targetMs)));
      queue = advance.catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), waitMs);
      });
      try {
        const reached = await Promise.race([advance, waited]);
        if (reached !== null) return { previousMs, nowMs: reached, targetMs, complete: true };
        return { previousMs, nowMs: await now(), targetMs, complete: false };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

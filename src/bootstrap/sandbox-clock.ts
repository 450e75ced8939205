/**
 * The sandbox clock (DESIGN.md §7): Billow's API and worker run on Temporal's time-skipping test
 * server, whose clock is "now" everywhere. It only jumps when someone advances it; advancing
 * returns once every timer it crossed has fired and the work they started (period closes,
 * invoices) is done, because the server does not move time while any of that is in flight.
 */
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { InternalConnectionOptionsSymbol } from '@temporalio/client/lib/connection';
import { msToTs, tsToMs } from '@temporalio/common/lib/time';
import type { SandboxClock } from '../runtime/clock';
import { invalidField } from '../runtime/errors';

export async function connectToSandbox(address: string): Promise<Connection> {
  // The SDK's own TestWorkflowEnvironment enables the test service this way.
  const options = { address, [InternalConnectionOptionsSymbol]: { supportsTestService: true } };
  return Connection.connect(options as ConnectionOptions);
}

export function sandboxClock(connection: Connection): SandboxClock {
  const service = connection.testService;
  if (!service) throw new Error('The sandbox needs a connection to the time-skipping test server.');
  let queue: Promise<unknown> = Promise.resolve();
  const now = async () => tsToMs((await service.getCurrentTime({})).time);
  const advanceTo = async (targetMs: number) => {
    const current = await now();
    if (targetMs < current) throw invalidField('to', 'cannot_go_back_in_time');
    if (targetMs > current) await service.unlockTimeSkippingWithSleep({ duration: msToTs(targetMs - current) });
    return now();
  };
  return {
    now,
    // One advance at a time: two overlapping jumps would race each other's targets.
    advanceTo: (targetMs) => {
      const next = queue.then(() => advanceTo(targetMs));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}

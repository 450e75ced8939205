/**
 * What the end-to-end tests, the global set-up and the benches need to run real processes: a free
 * TCP port, whether something listens on one, and a wait for a condition that names what it waited
 * for and shows the processes' output when it gives up.
 */
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

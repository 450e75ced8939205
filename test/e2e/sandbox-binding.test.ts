/**
 * The sandbox's time-skipping test server listens on 127.0.0.1 only (`npm start -- --sandbox`),
 * where the stock server listens on every interface. Read from the kernel's socket table
 * (/proc/net/tcp{,6}), so nothing is sent to any address.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { startTimeSkippingServer, stopChild, testServerPath, waitForPort } from '../../src/bootstrap/temporal-server';
import { freePort } from '../support/processes';
import { logger } from '../../src/runtime/logger';
import { connectToSandbox } from '../../src/bootstrap/sandbox-clock';

const LISTEN = '0A';

/** The local addresses of the sockets listening on `port`, as the kernel writes them (0100007F is 127.0.0.1). */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) => fs.readFileSync(file, 'utf8').split('\n').slice(1))
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[3] === LISTEN && fields[1]?.endsWith(`:${hexPort}`))
    .map((fields) => fields[1]!.split(':')[0]!);
}

const portOf = (address: string) => Number(address.split(':').pop());
const cacheDir = path.join(os.homedir(), '.cache', 'billow');
const stock = testServerPath(cacheDir);

(stock ? it : it.skip)('the sandbox server listens on 127.0.0.1 alone; the stock one on every interface', async () => {
  const sandbox = await startTimeSkippingServer({ cacheDir, log: logger });
  try {
    expect(sandbox.address).toMatch(/^127\.0\.0\.1:\d+$/);
    // Java opens an IPv6 socket bound to ::ffff:127.0.0.1 (the same loopback address, as the kernel writes it in tcp6).
    const addresses = listeners(portOf(sandbox.address));
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((address) => ['0100007F', '0000000000000000FFFF00000100007F'].includes(address))).toBe(true);
    // And it answers over gRPC, as a time-skipping server.
    const connection = await connectToSandbox(sandbox.address);
    try {
      expect(await connection.testService!.getCurrentTime({})).toHaveProperty('time');
    } finally {
      await connection.close();
    }
  } finally {
    await sandbox.stop();
  }

  // The same check on the stock server finds the wildcard address: the check can tell them apart.
  const port = await freePort();
  const open = spawn(stock!, [String(port)], { stdio: 'ignore' });
  try {
    await waitForPort(port, 60_000, open);
    const addresses = listeners(port);
    expect(addresses.length).toBeGreaterThan(0);
    expect(addresses.every((address) => /^0+$/.test(address))).toBe(true);
  } finally {
    await stopChild(open);
  }
});

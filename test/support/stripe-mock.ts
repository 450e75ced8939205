/**
 * stripe-mock (Stripe's own API double, v0.203.0), started per test file on a free port. Built and
 * cached by scripts/lib.sh (`ensure_stripe_mock`, run by scripts/test.sh) into
 * $BILLOW_CACHE/bin/stripe-mock; STRIPE_MOCK_PATH names another binary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestDatabase, type TestDatabase } from './database';
import { createTimeSkippingEnv, startTestWorker } from './temporal';

export interface StripeMock {
  url: string;
  stop(): Promise<void>;
}

export function stripeMockPath(): string {
  const cache = process.env.BILLOW_CACHE ?? path.join(os.homedir(), '.cache', 'billow');
  return process.env.STRIPE_MOCK_PATH ?? path.join(cache, 'bin', 'stripe-mock');
}

export async function startStripeMock(): Promise<StripeMock> {
  const binary = stripeMockPath();
  if (!fs.existsSync(binary)) {
    throw new Error(`stripe-mock is not installed at ${binary}: run scripts/test.sh (or: bash -c 'source scripts/lib.sh && ensure_stripe_mock').`);
  }
  const child: ChildProcess = spawn(binary, ['-http-addr', '127.0.0.1:0', '-https-addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`stripe-mock did not start within 30 s:\n${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Listening for HTTP at address: (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(`http://${match[1]}`);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`stripe-mock exited (${code}):\n${output}`)));
  });
  return {
    url,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

export interface StripeTestbed {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  stop(): Promise<void>;
}

/**
 * What a Stripe test file runs against: stripe-mock with Billow's Stripe client pointed at it, a
 * time-skipping server, a fresh database and a worker on `taskQueue`.
 */
export async function startStripeTestbed(taskQueue: string): Promise<StripeTestbed> {
  const stripeMock = await startStripeMock();
  process.env.BILLOW_STRIPE_API_URL = stripeMock.url;
  const env = await createTimeSkippingEnv();
  const database = await createTestDatabase();
  const stopWorker = await startTestWorker(env, database.db, taskQueue);
  return {
    env, database,
    async stop() {
      await stopWorker();
      await env.teardown();
      await database.drop();
      await stripeMock.stop();
      delete process.env.BILLOW_STRIPE_API_URL;
    },
  };
}

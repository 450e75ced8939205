/**
 * `npm run bench:auth`: what looking the API key up on every request costs (no cache, so that a
 * revoked key is refused at once in every API process). Prints:
 * - the lookup alone (one indexed join of api_keys and organizations), sequential, in µs;
 * - over HTTP, sequential: `/health` (no key, no query) beside an authenticated request that does
 *   nothing else (an unknown route: authentication, then 404), p50/p95 in ms: the difference is
 *   the lookup's cost per request;
 * - the same two with BENCH_AUTH_CONCURRENCY clients at once, in requests/s.
 *
 * Knobs (environment): BENCH_AUTH_REQUESTS (default 3000), BENCH_AUTH_CONCURRENCY (8).
 */
import http from 'node:http';
import { percentile, startBenchStack } from './support/stack';
import { findOrganizationByApiKey } from '../src/db/organizations';

const REQUESTS = Number(process.env.BENCH_AUTH_REQUESTS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_AUTH_CONCURRENCY ?? 8);

function call(agent: http.Agent, base: URL, path: string, apiKey?: string): Promise<{ status: number; ms: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, hostname: base.hostname, port: base.port, path, headers: apiKey ? { Authorization: `Bearer ${apiKey}` } : {} }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function sequential(agent: http.Agent, base: URL, path: string, expected: number, apiKey?: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const { status, ms } = await call(agent, base, path, apiKey);
    if (status !== expected) throw new Error(`${path} answered ${status}, expected ${expected}`);
    times.push(ms);
  }
  return times;
}

async function concurrent(agent: http.Agent, base: URL, path: string, apiKey?: string): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < REQUESTS) await call(agent, base, path, apiKey);
  }));
  return REQUESTS / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function main() {
  const stack = await startBenchStack();
  try {
    const base = new URL(stack.baseUrl);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

    for (let i = 0; i < 500; i++) await findOrganizationByApiKey(stack.db, stack.apiKey); // warm
    const lookups: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const started = process.hrtime.bigint();
      await findOrganizationByApiKey(stack.db, stack.apiKey);
      lookups.push(Number(process.hrtime.bigint() - started) / 1e3);
    }

    await sequential(agent, base, '/health', 200); // warm both paths
    await sequential(agent, base, '/api/v1/nowhere', 404, stack.apiKey);
    const health = await sequential(agent, base, '/health', 200);
    const authenticated = await sequential(agent, base, '/api/v1/nowhere', 404, stack.apiKey);
    const healthRate = await concurrent(agent, base, '/health');
    const authenticatedRate = await concurrent(agent, base, '/api/v1/nowhere', stack.apiKey);
    agent.destroy();

    const ms = (values: number[], p: number) => percentile(values, p).toFixed(3);
    const lines = [
      `API key lookup alone (${REQUESTS} sequential): p50 ${percentile(lookups, 50).toFixed(0)} µs, p95 ${percentile(lookups, 95).toFixed(0)} µs`,
      `HTTP sequential, ${REQUESTS} each:  /health p50 ${ms(health, 50)} ms p95 ${ms(health, 95)} ms · authenticated (lookup + 404) p50 ${ms(authenticated, 50)} ms p95 ${ms(authenticated, 95)} ms`,
      `  → the lookup adds ${(percentile(authenticated, 50) - percentile(health, 50)).toFixed(3)} ms per request at p50`,
      `HTTP, ${CONCURRENCY} clients: /health ${healthRate.toFixed(0)} req/s · authenticated ${authenticatedRate.toFixed(0)} req/s`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

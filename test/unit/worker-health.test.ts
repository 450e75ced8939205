/**
 * The worker's health endpoint (`BILLOW_WORKER_HEALTH_PORT`, probed by deploy/kubernetes/worker.yaml
 * on 9464): `/health` is liveness, `/ready` follows the readiness report.
 */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { startWorkerHealth } from '../../src/bootstrap/worker-health';
import type { ReadinessReport } from '../../src/bootstrap/readiness';

it('answers /health 200 while alive, /ready 200 or 503 with the checks, anything else 404', async () => {
  let report: ReadinessReport = { ready: true, checks: { postgres: 'ok', temporal: 'ok', worker: 'ok' } };
  const health = await startWorkerHealth({ port: 0, host: '127.0.0.1', readiness: async () => report, log: pino({ level: 'silent' }) });
  try {
    const base = `http://127.0.0.1:${health.port}`;
    const get = async (route: string, method = 'GET') => {
      const response = await fetch(`${base}${route}`, { method });
      return { status: response.status, body: (await response.json()) as unknown };
    };
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'alive' } });
    expect(await get('/ready')).toEqual({ status: 200, body: { status: 'ready', checks: { postgres: 'ok', temporal: 'ok', worker: 'ok' } } });
    report = { ready: false, checks: { postgres: 'connect ECONNREFUSED 127.0.0.1:5432', temporal: 'ok', worker: 'this worker is not polling the task queue' } };
    expect(await get('/ready')).toEqual({ status: 503, body: { status: 'not_ready', checks: report.checks } });
    expect(await get('/health')).toEqual({ status: 200, body: { status: 'alive' } }); // liveness does not follow readiness
    expect((await get('/metrics')).status).toBe(404);
    expect((await get('/ready', 'POST')).status).toBe(404);
  } finally {
    await health.stop();
  }
});

it('is what deploy/kubernetes/worker.yaml probes: port 9464 set for the worker, /ready and /health on it', () => {
  const manifest = fs.readFileSync(path.resolve(__dirname, '../../deploy/kubernetes/worker.yaml'), 'utf8');
  expect(manifest).toContain('{ name: BILLOW_WORKER_HEALTH_PORT, value: "9464" }');
  expect(manifest).toContain('{ name: health, containerPort: 9464 }');
  expect(manifest).toMatch(/readinessProbe:\s*\n\s*httpGet: \{ path: \/ready, port: health \}/);
  expect(manifest).toMatch(/livenessProbe:\s*\n\s*httpGet: \{ path: \/health, port: health \}/);
});

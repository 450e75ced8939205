/**
 * The worker's health endpoint (`BILLOW_WORKER_HEALTH_PORT`, for Kubernetes probes:
 * deploy/kubernetes/worker.yaml): `GET /health` answers 200 while the process lives; `GET /ready`
 * answers 200 when this worker runs and polls the task queue (Temporal's DescribeTaskQueue lists
 * it among the pollers) and PostgreSQL answers, else 503 with what is missing. It listens on every
 * interface (a probe comes from the node), and says nothing but these states.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../runtime/logger';
import type { ReadinessReport } from './readiness';

export async function startWorkerHealth(options: { port: number; host?: string; readiness: () => Promise<ReadinessReport>; log: Logger }): Promise<{ port: number; stop(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || (path !== '/health' && path !== '/ready')) return answer(404, { status: 404, error: 'Not Found' });
    if (path === '/health') return answer(200, { status: 'alive' });
    options.readiness().then(
      (report) => answer(report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not_ready', checks: report.checks }),
      (error: Error) => answer(503, { status: 'not_ready', error: error.message }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  options.log.info({ port }, 'worker health endpoint listening (/health, /ready)');
  return {
    port,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections(); // a probe's kept-alive connection would hold the close
    }),
  };
}

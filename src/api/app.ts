/**
 * Builds the Express app: security headers, JSON body limits, request ids, auth, the per-key rate
 * limit, Lago routes, Lago-shaped errors.
 */
import express, { type Express, type Router } from 'express';
import { randomUUID } from 'node:crypto';
import type { AppContext } from './context';
import { authenticateKeyOrSession } from './auth';
import { rateLimitPerKey } from './rate-limit';
import { refuseNulInUrl, renderErrors, unknownRoute } from './errors';
import { resourceRouters } from './routes';
import { sandboxRouter } from './routes/sandbox';
import { apiReferenceRouter } from './openapi';
import { logger } from '../runtime/logger';
import { pingDatabase } from '../services/deps';

/** `mounts.console`: the Billow Console's router (src/console), mounted by the API process (src/server.ts). */
export function buildApp(ctx: AppContext, mounts: { console?: Router } = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  // Every answer: never stored by a cache on the way (bodies hold billing data), never content-sniffed.
  app.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use((req, res, next) => {
    const requestId = String(req.headers['x-request-id'] ?? randomUUID());
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      logger.info({ requestId, method: req.method, path: req.path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
    });
    next();
  });
  // Liveness: the process answers. Cheap, touches nothing (Lago's shape).
  app.get('/health', (_req, res) => {
    res.json({ version: '0.1.0', github_url: 'https://github.com/billow/billow', message: 'Success' });
  });
  // Readiness: PostgreSQL and Temporal answer and a worker polls; 503 in Lago's error shape with what is missing.
  app.get('/ready', async (_req, res) => {
    const report = ctx.readiness
      ? await ctx.readiness()
      : await pingDatabase(ctx.db).then(() => ({ ready: true, checks: { postgres: 'ok' } }), (error: Error) => ({ ready: false, checks: { postgres: error.message } }));
    if (report.ready) {
      res.json({ version: '0.1.0', github_url: 'https://github.com/billow/billow', message: 'Success', checks: report.checks });
      return;
    }
    const missing = Object.entries(report.checks).filter(([, value]) => value !== 'ok').map(([name, value]) => `${name}: ${value}`).join('; ');
    res.status(503).json({ status: 503, error: 'Service Unavailable', code: 'not_ready', message: missing, checks: report.checks });
  });
  app.use(apiReferenceRouter({ publicUrl: ctx.publicUrl, sandbox: Boolean(ctx.sandbox) }));
  app.use(express.json({ limit: '1mb' }));

  const api = express.Router();
  api.use(refuseNulInUrl);
  api.use(authenticateKeyOrSession(ctx.db));
  if (ctx.rateLimit) api.use(rateLimitPerKey(ctx.rateLimit));
  for (const [path, build] of resourceRouters) api.use(path, build(ctx));
  if (ctx.sandbox) api.use('/sandbox', sandboxRouter(ctx.sandbox));
  app.use('/api/v1', api);
  if (mounts.console) app.use(mounts.console);

  app.use(unknownRoute);
  app.use(renderErrors);
  return app;
}

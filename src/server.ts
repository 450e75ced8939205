/** The API process: serves the Express app and shuts down gracefully, finishing in-flight requests. */
import type { Server } from 'node:http';
import { buildApp } from './api/app';
import type { AppContext } from './api/context';

export async function startApiServer(ctx: AppContext, options: { host: string; port: number }): Promise<{ server: Server; stop(): Promise<void> }> {
  const app = buildApp(ctx);
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port, options.host, () => resolve(listening));
    listening.once('error', reject);
  });
  server.keepAliveTimeout = 5_000;
  return {
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      }),
  };
}

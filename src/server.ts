/** The API process: serves the Express app and shuts down gracefully, finishing in-flight requests. */
import type { Server } from 'node:http';
import { buildApp } from './api/app';
import type { AppContext } from './api/context';
import { consoleRouter, type ConsoleOptions } from './console';

export async function startApiServer(
  ctx: AppContext,
  options: { host: string; port: number; console?: Omit<ConsoleOptions, 'sandbox' | 'secure'> },
): Promise<{ server: Server; stop(): Promise<void> }> {
  const consoleOptions = options.console ?? { temporalUiUrl: null, temporalNamespace: 'default' };
  const app = buildApp(ctx, {
    console: consoleRouter(ctx.db, { ...consoleOptions, sandbox: Boolean(ctx.sandbox), secure: ctx.publicUrl.startsWith('https:') }),
  });
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

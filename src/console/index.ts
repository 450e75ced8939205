/**
 * The Billow Console (issue 13): a web app served by the API process at `/console`, a client of
 * Billow's own public API. This floor serves its built files and the session routes; the app's
 * source is `console/` at the top of the repository.
 */
import { Router } from 'express';
import type { Db } from '../services/deps';
import { sessionRouter, type ConsoleSessionOptions } from './session';
import { defaultConsoleDir, staticRouter } from './static';

export type ConsoleOptions = ConsoleSessionOptions & {
  /** The built app (default: `console/dist`). */
  distDir?: string;
};

export function consoleRouter(db: Db, options: ConsoleOptions): Router {
  const router = Router();
  router.use(sessionRouter(db, options));
  router.use(staticRouter(options.distDir ?? defaultConsoleDir()));
  return router;
}

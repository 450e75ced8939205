/**
 * The console's built files (`console/dist`, made by `scripts/lib.sh`'s ensure_console): hashed
 * assets cached for a year, the page itself never cached, and every `/console/...` path answered
 * with the page so the browser's router can take it (deep links, reloads).
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';

/** `console/dist` from the source tree (tsx) or the compiled one (`dist/src/console`). */
export function defaultConsoleDir(): string {
  const candidates = [path.resolve(__dirname, '../../console/dist'), path.resolve(__dirname, '../../../console/dist')];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? candidates[0]!;
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

export function staticRouter(distDir: string): Router {
  const router = Router();
  const indexFile = path.join(distDir, 'index.html');
  const sendPage = (res: Response) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (!fs.existsSync(indexFile)) {
      res.status(503).type('text').send('The Billow Console is not built. `npm start` builds it (scripts/lib.sh: ensure_console).');
      return;
    }
    res.sendFile(indexFile);
  };
  router.get('/', (_req, res) => res.redirect(302, '/console/'));
  router.use('/console/assets', express.static(path.join(distDir, 'assets'), { immutable: true, maxAge: '365d', index: false, fallthrough: false }));
  router.get(['/console', '/console/*splat'], (_req, res) => sendPage(res));
  return router;
}

/**
 * Per-key rate limiting (express-rate-limit): at most `limit` requests per API key per window, in
 * this API process (its memory store: no write to Postgres on the hot path; with N API processes
 * behind a balancer a key gets up to N × limit). Past it: 429 in Lago's error shape, with the
 * `x-ratelimit-limit/remaining/reset` headers Lago's clients read (reset in seconds) and `Retry-After`.
 */
import type { Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { wallClockMs } from '../runtime/clock';

export interface RateLimitSettings {
  /** Requests per key per window; 0 turns the limit off. */
  limit: number;
  windowMs: number;
}

export const tooManyRequests = { status: 429, error: 'Too Many Requests', code: 'too_many_requests' } as const;

/** Seconds until the key's window resets (what Lago's clients wait before retrying). */
function setRateLimitHeaders(req: Request, res: Response, windowMs: number): number | null {
  const info = (req as Request & { rateLimit?: { limit: number; remaining: number; resetTime?: Date } }).rateLimit;
  if (!info) return null;
  const resetSeconds = info.resetTime ? Math.max(1, Math.ceil((info.resetTime.getTime() - wallClockMs()) / 1000)) : Math.ceil(windowMs / 1000);
  res.setHeader('x-ratelimit-limit', String(info.limit));
  res.setHeader('x-ratelimit-remaining', String(info.remaining));
  res.setHeader('x-ratelimit-reset', String(resetSeconds));
  return resetSeconds;
}

/** Mounted after authentication; none when the limit is 0. */
export function rateLimitPerKey(settings: RateLimitSettings): RequestHandler[] {
  if (settings.limit <= 0) return [];
  const limiter = rateLimit({
    windowMs: settings.windowMs,
    limit: settings.limit,
    // Authentication runs first, so every request here has a key id (an id, not the key).
    keyGenerator: (req) => `key:${req.apiKeyId ?? 'none'}`,
    legacyHeaders: false,
    standardHeaders: false,
    validate: { xForwardedForHeader: false, trustProxy: false },
    handler: (req, res) => {
      const resetSeconds = setRateLimitHeaders(req, res, settings.windowMs);
      if (resetSeconds !== null) res.setHeader('Retry-After', String(resetSeconds));
      res.status(429).json(tooManyRequests);
    },
  });
  const headers: RequestHandler = (req, res, next) => {
    setRateLimitHeaders(req, res, settings.windowMs);
    next();
  };
  return [limiter, headers];
}

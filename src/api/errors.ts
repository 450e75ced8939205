/**
 * Lago's error bodies (reference §0) and the middleware that renders every error in that shape:
 * the one place a domain error (runtime/errors.ts) becomes an HTTP status.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { logger } from '../runtime/logger';
import { isDatabaseUnavailable, throttledLog } from '../runtime/outages';
import { MoneyError } from '../billing/money';
import { DomainError, notFound, NotFoundError, ValidationError, NotAllowedError, ForbiddenError, UnavailableError } from '../runtime/errors';

export type ErrorDetails = Record<string, unknown>;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.error));
  }
}

export const badRequest = (message: string) => new ApiError(400, { status: 400, error: `BadRequest: ${message}` });
export const unauthorized = () => new ApiError(401, { status: 401, error: 'Unauthorized' });
export const payloadTooLarge = () => new ApiError(413, { status: 413, error: 'Payload Too Large' });
export { notFound, invalidField, validationErrors, methodNotAllowed, forbidden } from '../runtime/errors';

/** The Lago body and status of a domain error. */
export function httpOf(error: DomainError): ApiError {
  if (error instanceof NotFoundError) return new ApiError(404, { status: 404, error: 'Not Found', code: error.code });
  if (error instanceof ValidationError) return new ApiError(422, { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: error.details });
  if (error instanceof NotAllowedError) return new ApiError(405, { status: 405, error: 'Method Not Allowed', code: error.code });
  if (error instanceof ForbiddenError) return new ApiError(403, { status: 403, error: 'Forbidden', code: error.code });
  if (error instanceof UnavailableError) return new ApiError(503, { status: 503, error: 'Service Unavailable', code: error.code, message: error.message });
  throw new Error(`No HTTP status for ${error.name}`);
}

export const unknownRoute: RequestHandler = (_req, _res, next) => next(notFound('resource'));

/** A NUL character in the URL (`%00`) can name nothing Postgres stores: a 400 before any query. */
export const refuseNulInUrl: RequestHandler = (req, _res, next) => {
  next(/%00/.test(req.originalUrl) ? badRequest('the URL contains a NUL character') : undefined);
};

/** Postgres "data exception" errors (SQLSTATE class 22: bad text, numeric overflow, bad date…) come from client data. */
function isDataException(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code);
}

/** A lost database fails every request the same way: logged once per interval (issue 12), each answered 503. */
const databaseOutage = throttledLog(logger.child({ component: 'api' }), { intervalMs: 10_000 });

export const renderErrors: ErrorRequestHandler = (err, req, res, _next) => {
  if (err instanceof ApiError || err instanceof DomainError) {
    const api = err instanceof ApiError ? err : httpOf(err);
    res.status(api.status).json(api.body);
    return;
  }
  const bodyParserError = err as { type?: string; status?: number };
  if (bodyParserError.type === 'entity.parse.failed') {
    res.status(400).json({ status: 400, error: 'BadRequest: the request body is not valid JSON' });
    return;
  }
  if (bodyParserError.type === 'entity.too.large') {
    res.status(413).json({ status: 413, error: 'Payload Too Large' });
    return;
  }
  if (bodyParserError.status && bodyParserError.status >= 400 && bodyParserError.status < 500) {
    res.status(bodyParserError.status).json({ status: bodyParserError.status, error: `BadRequest: ${(err as Error).message}` });
    return;
  }
  if (err instanceof MoneyError) {
    // An amount out of what Billow can compute or print exactly (e.g. credits × rate beyond 2^53 cents).
    logger.warn({ err, requestId: req.headers['x-request-id'], path: req.path }, 'amount out of range');
    res.status(422).json({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { base: [err.code] } });
    return;
  }
  if (isDataException(err)) {
    // A safety net: validation should have caught it. The value was the client's, so a 422.
    logger.warn({ err, requestId: req.headers['x-request-id'], path: req.path }, 'data exception from the database');
    res.status(422).json({ status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { base: ['value_is_invalid'] } });
    return;
  }
  if (isDatabaseUnavailable(err)) {
    databaseOutage.failure('database', { err, path: req.path }, 'the database cannot be reached: answering 503 (logged once per 10 s)');
    res.status(503).json({ status: 503, error: 'Service Unavailable', code: 'database_unavailable', message: 'The database cannot be reached now; retry the request.' });
    return;
  }
  logger.error({ err, requestId: req.headers['x-request-id'], path: req.path }, 'unhandled error');
  res.status(500).json({ status: 500, error: 'Internal Server Error' });
};

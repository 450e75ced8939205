/** Wraps async route handlers so thrown errors reach the error middleware. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export function handle(fn: (req: Request, res: Response) => Promise<unknown>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };
}

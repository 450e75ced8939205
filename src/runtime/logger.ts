/** Structured logs (pino): JSON lines, one logger per process, children per component. */
import pino from 'pino';

export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: { service: 'billow' },
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type Logger = pino.Logger;

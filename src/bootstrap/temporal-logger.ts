/** Routes the Temporal SDK's logs (worker, activities, workflows) into Billow's structured pino logs. */
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import type { Logger } from '../runtime/logger';

const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** The SDK's warning for an activity-only worker (the documents worker, src/worker.ts): that is its design, not a fault. */
const ACTIVITY_ONLY = 'No workflows registered, not polling for workflow tasks';

export function temporalLogger(log: Logger): DefaultLogger {
  return new DefaultLogger('INFO', (entry: LogEntry) => {
    const level = entry.message === ACTIVITY_ONLY ? 'debug' : LEVELS[entry.level as keyof typeof LEVELS] ?? 'info';
    log[level]({ ...(entry.meta ?? {}) }, entry.message);
  });
}

/** The workflow bundler's chatter (webpack's module list) only matters when something goes wrong. */
export function bundlerLogger(log: Logger) {
  return {
    trace: () => undefined,
    debug: () => undefined,
    info: () => undefined,
    log: () => undefined,
    warn: (message: string, meta?: Record<string, unknown>) => log.warn(meta ?? {}, message),
    error: (message: string, meta?: Record<string, unknown>) => log.error(meta ?? {}, message),
  };
}

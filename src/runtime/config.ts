/** Configuration from environment variables, validated once at start with errors that name the fix. */
import path from 'node:path';
import os from 'node:os';
import { z } from 'zod';
import { parseEncryptionKey } from './secrets';

const port = z.coerce.number().int().min(1).max(65535);
/** An empty variable (`DATABASE_URL=`) means "not set", as shells and compose files use it. */
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

const schema = z.object({
  PORT: port.default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z.preprocess(unsetIfEmpty, z.string().url().optional()),
  EMBEDDED_POSTGRES_PORT: port.default(5433),
  TEMPORAL_ADDRESS: z.preprocess(unsetIfEmpty, z.string().optional()),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('billow-subscriptions'),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  BILLOW_DATA_DIR: z.string().default(path.resolve(process.cwd(), '.data')),
  BILLOW_CACHE: z.string().default(path.join(os.homedir(), '.cache', 'billow')),
  BILLOW_API_KEY: z.preprocess(unsetIfEmpty, z.string().min(16).optional()),
  BILLOW_ENCRYPTION_KEY: z.preprocess(unsetIfEmpty, z.string().optional()).refine((value) => value === undefined || validKey(value), {
    message: 'must be 32 random bytes as 64 hex digits or base64 (e.g. `openssl rand -base64 32`)',
  }),
  BILLOW_RATE_LIMIT: z.coerce.number().int().min(0).default(6000),
  BILLOW_RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  BILLOW_PUBLIC_URL: z.string().url().optional(),
  BILLOW_DOCUMENTS_DIR: z.string().optional(),
  CHROMIUM_PATH: z.preprocess(unsetIfEmpty, z.string().optional()),
  /** Chromium's headless shell for PDFs (documents/pdf-browser.ts); found at Debian's path when unset. */
  CHROMIUM_HEADLESS_SHELL_PATH: z.preprocess(unsetIfEmpty, z.string().optional()),
  /** Stripe's API base, for a double (stripe-mock); Stripe's own when unset. */
  BILLOW_STRIPE_API_URL: z.preprocess(unsetIfEmpty, z.string().url().optional()),
  /** The worker's health endpoint (`/health` alive, `/ready` polling), for Kubernetes probes; none when unset. */
  BILLOW_WORKER_HEALTH_PORT: z.preprocess(unsetIfEmpty, port.optional()),
  /** How often a worker looks for live subscriptions whose workflow is missing (0: only at start). */
  BILLOW_RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(300),
  /**
   * Workflows a worker keeps in memory between tasks: its memory is bounded by this, not by the number of subscriptions.
   * At least 2 (the SDK's least cache): a period close runs as a local activity, whose workflow stays cached while it runs.
   */
  BILLOW_WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int()
    .min(2, 'must be at least 2: a period close runs inside its workflow task (a local activity), which needs the workflow cached')
    .default(1000),
  /** The V8 heap of each of a worker's workflow threads, in MB; unset: 256 + 0.5 per cached workflow (src/bootstrap/workflow-heap.ts). */
  BILLOW_WORKER_WORKFLOW_HEAP_MB: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(128).optional()),
  /** A worker's main pool, and so the main queue's activities it runs at once (the process opens WORKER_SIDE_CONNECTIONS more: src/worker.ts). */
  BILLOW_WORKER_DB_POOL_SIZE: z.coerce.number().int().min(1).default(10),
  /**
   * PostgreSQL's statement_timeout on a worker's connections (0: none, the default). A statement it
   * cancels fails its activity, and the retry runs it again: set it above the longest usage
   * aggregation a close may run, or that customer is never invoiced.
   */
  BILLOW_WORKER_STATEMENT_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(86_400).default(0),
  /**
   * When invoices' and credit notes' PDFs are rendered: at finalization (`on_finalize`, Lago's way)
   * or only when one is downloaded (`on_demand`: a close spends nothing on Chromium).
   */
  BILLOW_PDF_GENERATION: z.enum(['on_finalize', 'on_demand']).default('on_finalize'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

function validKey(value: string): boolean {
  try {
    parseEncryptionKey(value);
    return true;
  } catch {
    return false;
  }
}

export type Config = z.infer<typeof schema> & {
  documentsDir: string;
  publicUrl: string;
  /** Per API key per window, in each API process; null when BILLOW_RATE_LIMIT=0. */
  rateLimit: { limit: number; windowMs: number } | null;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n');
    throw new Error(`Invalid configuration. Fix these environment variables:\n${problems}`);
  }
  const config = parsed.data;
  return {
    ...config,
    documentsDir: config.BILLOW_DOCUMENTS_DIR ?? path.join(config.BILLOW_DATA_DIR, 'documents'),
    publicUrl: config.BILLOW_PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`,
    rateLimit: config.BILLOW_RATE_LIMIT > 0 ? { limit: config.BILLOW_RATE_LIMIT, windowMs: config.BILLOW_RATE_LIMIT_WINDOW_SECONDS * 1000 } : null,
  };
}

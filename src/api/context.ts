/** What every route handler may use: the database, the workflow gateway and the clock. */
import type { DocumentServices, SandboxClock, ServiceDeps } from '../services/deps';
import type { RateLimitSettings } from './rate-limit';

export interface AppContext extends ServiceDeps {
  publicUrl: string;
  /** PDF rendering and storage; the process default (from the configuration) when absent. */
  documents?: DocumentServices;
  /** Present in sandbox mode (`npm start -- --sandbox`): the clock users can advance. */
  sandbox?: SandboxClock;
  /** Requests per API key per window in this process; none when absent (`npm start` and `api` pass the configured one). */
  rateLimit?: RateLimitSettings;
  /**
   * `GET /ready`: whether PostgreSQL and Temporal answer and a worker polls the task queue, each
   * check `ok` or what is wrong (src/bootstrap/readiness.ts). Absent: `/ready` checks PostgreSQL only.
   */
  readiness?: () => Promise<{ ready: boolean; checks: Record<string, string> }>;
}

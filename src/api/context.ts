/** What every route handler may use: the database, the workflow gateway and the clock. */
import type { DocumentServices, SandboxClock, ServiceDeps } from '../services/deps';

export interface AppContext extends ServiceDeps {
  publicUrl: string;
  /** PDF rendering and storage; the process default (from the configuration) when absent. */
  documents?: DocumentServices;
  /** Present in sandbox mode (`npm start -- --sandbox`): the clock users can advance. */
  sandbox?: SandboxClock;
}

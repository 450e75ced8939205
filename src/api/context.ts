/** What every route handler may use: the database, the workflow gateway and the clock. */
import type { Db } from '../db/knex';
import type { Clock } from '../runtime/clock';
import type { SubscriptionWorkflows } from '../workflows/client';
import type { DocumentServices } from '../documents';
import type { SandboxClock } from '../bootstrap/sandbox-clock';

export interface AppContext {
  db: Db;
  workflows: SubscriptionWorkflows;
  clock: Clock;
  publicUrl: string;
  /** PDF rendering and storage; the process default (from the configuration) when absent. */
  documents?: DocumentServices;
  /** Present in sandbox mode (`npm start -- --sandbox`): the clock users can advance. */
  sandbox?: SandboxClock;
}

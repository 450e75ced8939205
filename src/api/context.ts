/** What every route handler may use: the database, the workflow gateway and the clock. */
import type { Db } from '../db/knex';
import type { Clock } from '../runtime/clock';
import type { SubscriptionWorkflows } from '../services/subscription-workflows';

export interface AppContext {
  db: Db;
  workflows: SubscriptionWorkflows;
  clock: Clock;
  publicUrl: string;
}

/**
 * What the doors (the API, the activities) hand to use cases: the database, the clock and the
 * subscriptions' workflows, and the renderer of documents. Re-exported here so that the doors
 * name these types without reaching below the services.
 */
import type { Db } from '../db/knex';
import type { Clock, SandboxClock } from '../runtime/clock';
import type { SubscriptionWorkflows } from '../workflows/client';
import type { DocumentServices } from '../documents';

export type { Db, Clock, SandboxClock, SubscriptionWorkflows, DocumentServices };
export { defaultDocumentServices, closeDefaultDocumentServices } from '../documents';
/** One round trip to the database: what `/ready` checks when no fuller probe is wired. */
export { pingDatabase } from '../db/databases';

export interface ServiceDeps {
  db: Db;
  clock: Clock;
  workflows: SubscriptionWorkflows;
}

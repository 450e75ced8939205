/**
 * The activities the worker registers, built around their dependencies. Workflows import only
 * the type (`import type`), as in Temporal's samples.
 */
import type { Db } from '../db/knex';
import { invoicingActivities } from './invoicing';
import { documentActivities } from './documents';
import { webhookActivities } from './webhooks';

export interface ActivityDeps {
  db: Db;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...invoicingActivities(deps),
    ...documentActivities(deps),
    ...webhookActivities(deps),
  };
}

export type BillingActivities = ReturnType<typeof createActivities>;

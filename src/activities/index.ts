/**
 * The activities the worker registers, built around their dependencies. Workflows import only
 * the type (`import type`), as in Temporal's samples.
 */
import type { Db } from '../db/knex';
import { invoicingActivities } from './invoicing';

export interface ActivityDeps {
  db: Db;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...invoicingActivities(deps),
  };
}

export type BillingActivities = ReturnType<typeof createActivities>;

/** What activities are built around. */
import type { Db } from '../db/knex';

export interface ActivityDeps {
  db: Db;
}

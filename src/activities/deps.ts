/** What activities are built around. */
import type { Db } from '../services/deps';

export interface ActivityDeps {
  db: Db;
}

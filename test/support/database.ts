/** A fresh database per test file, cloned from the run's migrated template. */
import { createDb, type Db } from '../../src/db/knex';
import { dropDatabase, ensureDatabase } from '../../src/db/databases';
import { createOrganization, type OrganizationRow } from '../../src/db/organizations';

let counter = 0;

export interface TestDatabase {
  db: Db;
  url: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.BILLOW_TEST_SERVER_URL;
  const template = process.env.BILLOW_TEST_TEMPLATE;
  if (!serverUrl || !template) throw new Error('Run integration tests through jest (its global setup prepares Postgres).');
  const name = `billow_t_${process.env.BILLOW_TEST_RUN_ID}_${process.pid}_${++counter}`;
  const url = await ensureDatabase(serverUrl, name, template);
  const db = createDb(url, { max: 10 });
  return {
    db,
    url,
    drop: async () => {
      await db.destroy();
      await dropDatabase(serverUrl, name);
    },
  };
}

export async function createTestOrganization(db: Db, name = 'Billow Test Org'): Promise<{ organization: OrganizationRow; apiKey: string }> {
  return createOrganization(db, { name, legalName: `${name} SAS`, addressLine1: '5 rue de la Paix', city: 'Paris', zipcode: '75002', country: 'FR', invoiceFooter: 'Billow test footer' });
}

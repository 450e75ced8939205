/**
 * The organization `npm start` creates on first run, with an API key kept in the git-ignored data
 * directory so later starts can print it again (the database only stores its hash).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/knex';
import { createOrganization, findOrganizationByApiKey, firstOrganization } from '../db/organizations';

export async function ensureDefaultOrganization(db: Db, options: { dataDir: string; apiKey?: string; name?: string }): Promise<{ organizationId: string; apiKey: string | null }> {
  const keyFile = path.join(options.dataDir, 'api-key');
  const remembered = options.apiKey ?? (fs.existsSync(keyFile) ? fs.readFileSync(keyFile, 'utf8').trim() : undefined);
  if (remembered) {
    const organization = await findOrganizationByApiKey(db, remembered);
    if (organization) return { organizationId: organization.id, apiKey: remembered };
  }
  const existing = await firstOrganization(db);
  if (existing && !options.apiKey) return { organizationId: existing.id, apiKey: null };
  const { organization, apiKey } = await createOrganization(db, {
    name: options.name ?? 'Billow Demo',
    legalName: 'Billow Demo Ltd',
    addressLine1: '1 Example Street',
    city: 'Paris',
    zipcode: '75001',
    country: 'FR',
    invoiceFooter: 'Thank you for your business.',
    apiKey: options.apiKey,
  });
  fs.mkdirSync(options.dataDir, { recursive: true });
  fs.writeFileSync(keyFile, `${apiKey}\n`, { mode: 0o600 });
  return { organizationId: organization.id, apiKey };
}

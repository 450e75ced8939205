/**
 * The organization `npm start` (and docker-compose's `bootstrap`) creates on first run, and its
 * API key, which exists in clear only once: in the answer of the start that created it. Later
 * starts know its mask only (the database stores hashes).
 *
 * - No organization yet: the default one is created with `BILLOW_API_KEY`, or a generated key that
 *   the banner shows once.
 * - `BILLOW_API_KEY` on an existing installation: when it is not already the default organization's
 *   key, it becomes its key and the previous default key is revoked (rotation). A key of another
 *   organization, or a revoked one, stops the start with an error that says so.
 * - `<data dir>/api-key`, where earlier versions kept the key in clear, is shown one last time if
 *   it still opens the organization, then deleted.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/knex';
import { createOrganization, findApiKey, firstOrganization, insertApiKey, listApiKeys, maskApiKey, revokeApiKey } from '../db/organizations';
import type { Logger } from '../runtime/logger';

/** Keys `npm start` manages: the first one, and those set with BILLOW_API_KEY. */
const DEFAULT_KEY_NAME = 'default';

export interface DefaultOrganization {
  organizationId: string;
  /** The key in clear, only on the start that created it (never a key the operator gave in BILLOW_API_KEY). */
  newKey: string | null;
  /** Why `newKey` is shown, or where the key came from. */
  origin: 'created' | 'retired_key_file' | 'environment' | 'existing';
  /** The masks of the organization's active keys (`blw_…x7Qz`). */
  masks: string[];
}

export async function ensureDefaultOrganization(
  db: Db,
  options: { dataDir: string; apiKey?: string; name?: string; log?: Logger },
): Promise<DefaultOrganization> {
  const retiredFile = path.join(options.dataDir, 'api-key');
  const retiredKey = fs.existsSync(retiredFile) ? fs.readFileSync(retiredFile, 'utf8').trim() : null;
  const forgetRetiredFile = () => {
    if (retiredKey !== null) fs.rmSync(retiredFile, { force: true });
  };
  const existing = await firstOrganization(db);

  if (!existing) {
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
    forgetRetiredFile(); // a key file of a database that is gone
    return { organizationId: organization.id, newKey: options.apiKey ? null : apiKey, origin: options.apiKey ? 'environment' : 'created', masks: [maskApiKey(apiKey)] };
  }

  const masks = async () => (await listApiKeys(db, { organizationId: existing.id })).map((key) => key.mask ?? '(created before masks were kept)');

  if (options.apiKey) {
    forgetRetiredFile();
    const known = await findApiKey(db, options.apiKey);
    if (known && known.organization_id !== existing.id) {
      throw new Error(`BILLOW_API_KEY is a key of organization ${known.organization_id}, not of the default organization ${existing.id}. `
        + 'Unset it, or set it to a new key to make that the default organization\'s key.');
    }
    if (known?.revoked_at) {
      throw new Error(`BILLOW_API_KEY was revoked on ${known.revoked_at.toISOString()}. Set a new key (16 characters or more), or unset it and create one with \`npm run api-key -- create\`.`);
    }
    if (!known) {
      // Rotation: the given key becomes the default key, the previous default key stops working now.
      const revoked = await db.transaction(async (trx) => {
        const previous = (await listApiKeys(trx, { organizationId: existing.id })).filter((key) => key.name === DEFAULT_KEY_NAME);
        for (const key of previous) await revokeApiKey(trx, key.id);
        await insertApiKey(trx, existing.id, { name: DEFAULT_KEY_NAME, apiKey: options.apiKey });
        return previous.map((key) => key.mask);
      });
      options.log?.warn({ organizationId: existing.id, revoked, key: maskApiKey(options.apiKey) },
        'BILLOW_API_KEY is now the default organization\'s key; the previous default key is revoked');
    }
    return { organizationId: existing.id, newKey: null, origin: 'environment', masks: await masks() };
  }

  if (retiredKey !== null) {
    forgetRetiredFile();
    const known = await findApiKey(db, retiredKey);
    if (known && !known.revoked_at && known.organization_id === existing.id) {
      options.log?.warn({ file: retiredFile }, 'the API key file is deleted: Billow no longer keeps API keys in clear; its key is shown one last time');
      return { organizationId: existing.id, newKey: retiredKey, origin: 'retired_key_file', masks: await masks() };
    }
  }
  return { organizationId: existing.id, newKey: null, origin: 'existing', masks: await masks() };
}

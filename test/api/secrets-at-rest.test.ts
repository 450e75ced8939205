/**
 * Secrets at rest and the default organization's key at start-up: HMAC keys and the webhook
 * signing key are stored sealed; a start refuses to serve without the key (or with another one),
 * and seals what an older installation stored in clear. `BILLOW_API_KEY` on an existing
 * installation rotates the default organization's key instead of creating a second organization;
 * the retired `.data/api-key` file is shown once and deleted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase, createTestOrganization, type TestDatabase } from '../support/database';
import { prepareSecretsAtRest, ensureEncryptionKey } from '../../src/bootstrap/secrets';
import { ensureDefaultOrganization } from '../../src/bootstrap/default-organization';
import { findOrganizationByApiKey, organizationHmacKey, listApiKeys } from '../../src/db/organizations';
import { webhookSigningKey } from '../../src/webhooks/signing';
import { generateEncryptionKey, createSecretBox } from '../../src/runtime/secrets';
import { logger } from '../../src/runtime/logger';

const saved = process.env.BILLOW_ENCRYPTION_KEY;
afterEach(() => {
  process.env.BILLOW_ENCRYPTION_KEY = saved;
});

describe('secrets at rest', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.drop());

  const stored = async () => ({
    hmac: (await database.db('organizations').select('id', 'hmac_key')) as { id: string; hmac_key: string }[],
    rsa: (await database.db('instance_keys').select('private_key')) as { private_key: string }[],
  });

  it('an older installation\'s clear secrets are sealed by the first start with a key; each still opens', async () => {
    delete process.env.BILLOW_ENCRYPTION_KEY;
    const { organization } = await createTestOrganization(database.db, 'Clear Org');
    const pair = await webhookSigningKey(database.db);
    const before = await stored();
    expect(before.hmac[0]!.hmac_key).toMatch(/^[0-9a-f]{64}$/); // stored in clear without a key
    expect(before.rsa[0]!.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const clearHmac = before.hmac[0]!.hmac_key;

    await prepareSecretsAtRest(database.db, logger); // no key: warns, changes nothing
    expect(await stored()).toEqual(before);

    process.env.BILLOW_ENCRYPTION_KEY = saved; // the run's key, which the next tests use too
    const box = createSecretBox(saved!);
    await prepareSecretsAtRest(database.db, logger);
    const after = await stored();
    expect(after.hmac[0]!.hmac_key).toMatch(new RegExp(`^blwenc:v1:${box.fingerprint}:`));
    expect(after.rsa[0]!.private_key).toMatch(new RegExp(`^blwenc:v1:${box.fingerprint}:`));
    expect(JSON.stringify(after)).not.toContain(clearHmac);
    expect(JSON.stringify(after)).not.toContain(pair.privateKey.split('\n')[1]);
    expect(await organizationHmacKey(database.db, organization.id)).toBe(clearHmac);

    // A second start (or a second process) seals nothing twice.
    await prepareSecretsAtRest(database.db, logger);
    expect(await stored()).toEqual(after);
  });

  it('refuses to start with encrypted secrets and no key, or another key, saying what to set', async () => {
    const key = process.env.BILLOW_ENCRYPTION_KEY!;
    delete process.env.BILLOW_ENCRYPTION_KEY;
    await expect(prepareSecretsAtRest(database.db, logger)).rejects.toThrow(/BILLOW_ENCRYPTION_KEY is not set\. Set BILLOW_ENCRYPTION_KEY to the key it was encrypted with/);
    process.env.BILLOW_ENCRYPTION_KEY = generateEncryptionKey();
    await expect(prepareSecretsAtRest(database.db, logger)).rejects.toThrow(/BILLOW_ENCRYPTION_KEY is not the key the stored secrets were encrypted with/);
    process.env.BILLOW_ENCRYPTION_KEY = key;
    await prepareSecretsAtRest(database.db, logger);
  });

  it('a new organization\'s HMAC key is sealed from the start', async () => {
    const { organization } = await createTestOrganization(database.db, 'Sealed Org');
    const row = await database.db('organizations').where({ id: organization.id }).first('hmac_key');
    expect(row.hmac_key).toMatch(/^blwenc:v1:/);
    expect(await organizationHmacKey(database.db, organization.id)).toMatch(/^[0-9a-f]{64}$/);
    expect(Object.keys(organization)).not.toContain('hmac_key'); // never part of the row the code passes around
  });

  it('npm start keeps a generated key in the data directory, mode 0600, and reads it back', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-key-'));
    try {
      const env: NodeJS.ProcessEnv = {};
      expect(ensureEncryptionKey(dir, env)).toBe('generated');
      const file = path.join(dir, 'encryption-key');
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const generated = env.BILLOW_ENCRYPTION_KEY;
      expect(Buffer.from(generated!, 'base64')).toHaveLength(32);
      const again: NodeJS.ProcessEnv = {};
      expect(ensureEncryptionKey(dir, again)).toBe('file');
      expect(again.BILLOW_ENCRYPTION_KEY).toBe(generated);
      expect(ensureEncryptionKey(dir, { BILLOW_ENCRYPTION_KEY: 'given' })).toBe('environment');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the default organization and BILLOW_API_KEY', () => {
  let database: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'billow-default-org-'));
  });
  afterAll(async () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  });
  const organizations = async () => Number((await database.db('organizations').count({ n: '*' }))[0]!.n);
  const opens = async (key: string) => (await findOrganizationByApiKey(database.db, key))?.organization.id;

  let defaultId: string;
  let generated: string;

  it('the first start creates the organization and shows its key once; later starts show its mask', async () => {
    const first = await ensureDefaultOrganization(database.db, { dataDir });
    expect(first.origin).toBe('created');
    generated = first.newKey!;
    expect(generated).toMatch(/^blw_/);
    defaultId = first.organizationId;
    expect(await opens(generated)).toBe(defaultId);
    expect(fs.existsSync(path.join(dataDir, 'api-key'))).toBe(false); // never kept in clear

    const later = await ensureDefaultOrganization(database.db, { dataDir });
    expect(later).toEqual({ organizationId: defaultId, newKey: null, origin: 'existing', masks: [`blw_…${generated.slice(-4)}`] });
  });

  it('BILLOW_API_KEY on an existing installation rotates the default key: no second organization', async () => {
    const given = 'my-own-key-0123456789';
    const rotated = await ensureDefaultOrganization(database.db, { dataDir, apiKey: given });
    expect(rotated).toEqual({ organizationId: defaultId, newKey: null, origin: 'environment', masks: ['…6789'] });
    expect(await organizations()).toBe(1);
    expect(await opens(given)).toBe(defaultId);
    expect(await opens(generated)).toBeUndefined(); // the previous default key is revoked
    // The same variable on the next start changes nothing.
    await ensureDefaultOrganization(database.db, { dataDir, apiKey: given });
    expect((await listApiKeys(database.db, { organizationId: defaultId })).map((key) => key.mask)).toEqual(['…6789']);
  });

  it('a key of another organization, or a revoked one, stops the start', async () => {
    const { apiKey: foreign } = await createTestOrganization(database.db, 'Someone Else');
    await expect(ensureDefaultOrganization(database.db, { dataDir, apiKey: foreign })).rejects.toThrow(/BILLOW_API_KEY is a key of organization .* not of the default organization/);
    await expect(ensureDefaultOrganization(database.db, { dataDir, apiKey: generated })).rejects.toThrow(/BILLOW_API_KEY was revoked on/);
    expect(await opens(generated)).toBeUndefined();
  });

  it('the api-key file of earlier versions: its key is shown one last time, then the file is deleted', async () => {
    fs.writeFileSync(path.join(dataDir, 'api-key'), 'my-own-key-0123456789\n');
    const shown = await ensureDefaultOrganization(database.db, { dataDir });
    expect(shown).toMatchObject({ organizationId: defaultId, newKey: 'my-own-key-0123456789', origin: 'retired_key_file' });
    expect(fs.existsSync(path.join(dataDir, 'api-key'))).toBe(false);
    expect((await ensureDefaultOrganization(database.db, { dataDir })).newKey).toBeNull();
  });
});

/**
 * Secrets at rest at start-up: where the encryption key comes from, and the check every process
 * makes before serving (refuse to start when the database holds encrypted secrets and no key, or
 * another key, is given; encrypt the secrets still stored in clear once a key is there).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/knex';
import { hmacKeysAtRest, sealClearHmacKeys } from '../db/organizations';
import { instanceKeysAtRest, sealClearInstanceKeys } from '../db/instance-keys';
import { providerSecretsAtRest, sealClearProviderSecrets } from '../db/payment-providers';
import type { Logger } from '../runtime/logger';
import {
  ENCRYPTION_KEY_VARIABLE, SecretKeyMismatchError, SecretKeyMissingError, configuredSecretBox, generateEncryptionKey, parseEncryptionKey,
} from '../runtime/secrets';

export const encryptionKeyFile = (dataDir: string) => path.join(dataDir, 'encryption-key');

/**
 * `npm start`'s embedded default: `BILLOW_ENCRYPTION_KEY` when set, else the key kept in
 * `<data dir>/encryption-key`, generated there (mode 0600) on first use. Sets the variable in this
 * process's environment, which the API and worker inherit.
 */
export function ensureEncryptionKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): 'environment' | 'file' | 'generated' {
  if (env[ENCRYPTION_KEY_VARIABLE]) return 'environment';
  const file = encryptionKeyFile(dataDir);
  if (fs.existsSync(file)) {
    const key = fs.readFileSync(file, 'utf8').trim();
    parseEncryptionKey(key); // a damaged file stops the start here, with the variable's rules
    env[ENCRYPTION_KEY_VARIABLE] = key;
    return 'file';
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const key = generateEncryptionKey();
  fs.writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  env[ENCRYPTION_KEY_VARIABLE] = key;
  return 'generated';
}

/** The key file's key when the variable is not set (commands that read secrets but never create a key). */
export function readEncryptionKeyFile(dataDir: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = encryptionKeyFile(dataDir);
  if (!env[ENCRYPTION_KEY_VARIABLE] && fs.existsSync(file)) env[ENCRYPTION_KEY_VARIABLE] = fs.readFileSync(file, 'utf8').trim();
}

/**
 * Before serving: the stored secrets must open with the configured key. Throws (the process does
 * not start) when encrypted secrets exist and no key, or another key, is given; encrypts the ones
 * still stored in clear (an installation from before encryption) when a key is given; warns when
 * there is no key at all.
 */
export async function prepareSecretsAtRest(db: Db, log: Logger): Promise<void> {
  const box = configuredSecretBox();
  const [organizations, instanceKeys, providers] = await Promise.all([hmacKeysAtRest(db), instanceKeysAtRest(db), providerSecretsAtRest(db)]);
  const sealedWith = new Set([...organizations.sealedWith, ...instanceKeys.sealedWith, ...providers.sealedWith]);
  if (!box) {
    // Payment providers' secrets are never kept in clear: with providers configured, no key means no start.
    if (sealedWith.size > 0 || providers.count > 0) throw new SecretKeyMissingError();
    log.warn(`${ENCRYPTION_KEY_VARIABLE} is not set: organizations' HMAC keys and the webhook signing key are stored in clear. `
      + `Set it on every API and worker process (generate one with \`openssl rand -base64 32\`); the next start encrypts them.`);
    return;
  }
  const foreign = [...sealedWith].find((fingerprint) => fingerprint !== box.fingerprint);
  if (foreign) throw new SecretKeyMismatchError(foreign, box.fingerprint);
  const sealed = (await sealClearHmacKeys(db)) + (await sealClearInstanceKeys(db)) + (await sealClearProviderSecrets(db));
  if (sealed > 0) log.info({ sealed }, `secrets stored in clear are now encrypted with ${ENCRYPTION_KEY_VARIABLE}`);
}

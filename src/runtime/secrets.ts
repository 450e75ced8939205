/**
 * Secrets at rest: AES-256-GCM with one installation key from the environment
 * (`BILLOW_ENCRYPTION_KEY`: 32 random bytes, base64 or hex; `npm start` generates one into the
 * data directory). Use it for any column holding a secret Billow must read back in clear: an
 * organization's HMAC key, the webhook signing key, a payment provider's API key.
 *
 * ```ts
 * const stored = sealSecret(stripeKey, `payment_providers.secret_key:${providerId}`);  // write this
 * const clear = openSecret(row.secret_key, `payment_providers.secret_key:${row.id}`);   // read it back
 * ```
 *
 * A sealed value is `blwenc:v1:<key fingerprint>:<base64url(iv ‖ tag ‖ ciphertext)>`. The context
 * (table, column and row id) is authenticated with it, so a ciphertext copied to another row or
 * column does not open. Without a key, `sealSecret` keeps the value in clear (start-up refuses to
 * run when sealed values exist and no key is given, and warns otherwise: `src/bootstrap/secrets.ts`),
 * and `openSecret` of a sealed value throws `SecretKeyMissingError`, whose message says what to set.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'blwenc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const ENCRYPTION_KEY_VARIABLE = 'BILLOW_ENCRYPTION_KEY';

export class SecretKeyMissingError extends Error {
  constructor() {
    super(`A secret in the database is encrypted, and ${ENCRYPTION_KEY_VARIABLE} is not set. Set ${ENCRYPTION_KEY_VARIABLE} to the key it was `
      + 'encrypted with (npm start keeps it in <BILLOW_DATA_DIR>/encryption-key).');
    this.name = 'SecretKeyMissingError';
  }
}

export class SecretKeyMismatchError extends Error {
  constructor(stored: string, given: string) {
    super(`${ENCRYPTION_KEY_VARIABLE} is not the key the stored secrets were encrypted with (stored with key ${stored}, `
      + `${ENCRYPTION_KEY_VARIABLE} is key ${given}). Set it to the original key.`);
    this.name = 'SecretKeyMismatchError';
  }
}

export interface SecretBox {
  /** First 8 hex digits of SHA-256 of the key: names the key in sealed values and errors, reveals nothing of it. */
  readonly fingerprint: string;
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

/** 32 random bytes, base64: a value for `BILLOW_ENCRYPTION_KEY`. */
export function generateEncryptionKey(): string {
  return randomBytes(32).toString('base64');
}

/** The 32 key bytes of a `BILLOW_ENCRYPTION_KEY` value (64 hex digits or base64 of 32 bytes). */
export function parseEncryptionKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed) ? Buffer.from(trimmed, 'base64')
    : null;
  if (!key || key.length !== 32) {
    throw new Error(`${ENCRYPTION_KEY_VARIABLE} must be 32 random bytes, as 64 hex digits or base64 (e.g. the output of \`openssl rand -base64 32\`).`);
  }
  return key;
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** The fingerprint of the key a sealed value was sealed with; null for a clear value. */
export function sealedWith(value: string): string | null {
  return isSealed(value) ? value.slice(PREFIX.length).split(':', 1)[0]! : null;
}

export function createSecretBox(keyText: string): SecretBox {
  const key = parseEncryptionKey(keyText);
  const fingerprint = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return {
    fingerprint,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${PREFIX}${fingerprint}:${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
    },
    open(sealed, context) {
      const stored = sealedWith(sealed);
      if (stored === null) throw new Error('Not a sealed secret');
      if (stored !== fingerprint) throw new SecretKeyMismatchError(stored, fingerprint);
      const bytes = Buffer.from(sealed.slice(PREFIX.length + fingerprint.length + 1), 'base64url');
      if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error(`A sealed secret (${context}) is truncated`);
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        // Wrong context (a value copied from another row) or altered bytes: never a partial plaintext.
        throw new Error(`A sealed secret (${context}) does not authenticate: it was altered or belongs to another row`);
      }
    },
  };
}

let cached: { keyText: string; box: SecretBox } | null = null;

/** The installation's box, from `BILLOW_ENCRYPTION_KEY`; null when it is not set. */
export function configuredSecretBox(env: NodeJS.ProcessEnv = process.env): SecretBox | null {
  const keyText = env[ENCRYPTION_KEY_VARIABLE]?.trim();
  if (!keyText) return null;
  if (cached?.keyText !== keyText) cached = { keyText, box: createSecretBox(keyText) };
  return cached.box;
}

/** The value to store: sealed with the configured key, or the clear value when no key is set. */
export function sealSecret(plaintext: string, context: string): string {
  const box = configuredSecretBox();
  return box ? box.seal(plaintext, context) : plaintext;
}

/** The clear value of a stored secret (a clear value stored before encryption is returned as is). */
export function openSecret(stored: string, context: string): string {
  if (!isSealed(stored)) return stored;
  const box = configuredSecretBox();
  if (!box) throw new SecretKeyMissingError();
  return box.open(stored, context);
}

/** Secrets at rest (src/runtime/secrets.ts): AES-256-GCM, bound to the row they belong to, named by key. */
import { createSecretBox, generateEncryptionKey, isSealed, openSecret, parseEncryptionKey, sealSecret, sealedWith, SecretKeyMissingError } from '../../src/runtime/secrets';

const KEY = Buffer.alloc(32, 7).toString('base64');

it('seals and opens; the same value seals differently every time (fresh IV)', () => {
  const box = createSecretBox(KEY);
  const a = box.seal('whsec_123', 'organizations.hmac_key:o1');
  const b = box.seal('whsec_123', 'organizations.hmac_key:o1');
  expect(a).not.toBe(b);
  expect(a).not.toContain('whsec_123');
  expect(isSealed(a)).toBe(true);
  expect(box.open(a, 'organizations.hmac_key:o1')).toBe('whsec_123');
  expect(box.open(b, 'organizations.hmac_key:o1')).toBe('whsec_123');
});

it('refuses a value copied to another row, an altered value, and another key', () => {
  const box = createSecretBox(KEY);
  const sealed = box.seal('secret', 'organizations.hmac_key:o1');
  expect(() => box.open(sealed, 'organizations.hmac_key:o2')).toThrow(/does not authenticate/);
  const last = sealed.at(-2) === 'A' ? 'B' : 'A';
  expect(() => box.open(`${sealed.slice(0, -2)}${last}${sealed.at(-1)}`, 'organizations.hmac_key:o1')).toThrow(/does not authenticate/);
  const other = createSecretBox(generateEncryptionKey());
  expect(sealedWith(sealed)).toBe(box.fingerprint);
  expect(() => other.open(sealed, 'organizations.hmac_key:o1')).toThrow(`stored with key ${box.fingerprint}, BILLOW_ENCRYPTION_KEY is key ${other.fingerprint}`);
});

it('takes 32 bytes as hex or base64 and names the variable otherwise, without echoing the value', () => {
  expect(parseEncryptionKey('07'.repeat(32))).toEqual(Buffer.alloc(32, 7));
  expect(parseEncryptionKey(KEY)).toEqual(Buffer.alloc(32, 7));
  for (const bad of ['short', 'ab'.repeat(31), Buffer.alloc(16).toString('base64')]) {
    expect(() => parseEncryptionKey(bad)).toThrow(/^BILLOW_ENCRYPTION_KEY must be 32 random bytes/);
    try { parseEncryptionKey(bad); } catch (error) { expect((error as Error).message).not.toContain(bad); }
  }
});

describe('with the key from the environment', () => {
  const saved = process.env.BILLOW_ENCRYPTION_KEY;
  afterEach(() => {
    if (saved === undefined) delete process.env.BILLOW_ENCRYPTION_KEY;
    else process.env.BILLOW_ENCRYPTION_KEY = saved;
  });

  it('seals with it, and a value stored in clear before encryption still opens', () => {
    process.env.BILLOW_ENCRYPTION_KEY = KEY;
    const stored = sealSecret('abc', 'instance_keys.private_key:webhooks_rsa');
    expect(isSealed(stored)).toBe(true);
    expect(openSecret(stored, 'instance_keys.private_key:webhooks_rsa')).toBe('abc');
    expect(openSecret('legacy-clear', 'x')).toBe('legacy-clear');
  });

  it('without a key: stores in clear, and a sealed value says what to set', () => {
    process.env.BILLOW_ENCRYPTION_KEY = KEY;
    const stored = sealSecret('abc', 'c');
    delete process.env.BILLOW_ENCRYPTION_KEY;
    expect(sealSecret('abc', 'c')).toBe('abc');
    expect(() => openSecret(stored, 'c')).toThrow(SecretKeyMissingError);
    expect(() => openSecret(stored, 'c')).toThrow(/Set BILLOW_ENCRYPTION_KEY to the key it was encrypted with/);
  });
});

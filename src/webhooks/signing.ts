/**
 * Webhook signatures (reference §8): `hmac` = base64(HMAC-SHA256(organization.hmac_key, body));
 * `jwt` = an RS256 JWT whose claims are `{ data: body, iss: public URL }`, signed with the
 * instance's RSA key. The key pair is generated once per installation and kept in
 * `instance_keys` (the private key sealed with BILLOW_ENCRYPTION_KEY), so the API and every worker
 * sign and publish the same key.
 */
import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import type { Db } from '../db/knex';
import { findInstanceKey, findInstancePublicKey, insertInstanceKeyOnce, type KeyPair } from '../db/instance-keys';

const KEY_NAME = 'webhooks_rsa';

export type SigningKey = KeyPair;

let cached: Promise<SigningKey> | null = null;
let cachedFor: Db | null = null;

/** The instance's RSA key pair, created on first use (race-safe: the first insert wins). */
export function webhookSigningKey(db: Db): Promise<SigningKey> {
  if (!cached || cachedFor !== db) {
    cachedFor = db;
    cached = loadOrCreateKey(db).catch((error) => {
      cached = null;
      throw error;
    });
  }
  return cached;
}

async function loadOrCreateKey(db: Db): Promise<SigningKey> {
  const existing = await findInstanceKey(db, KEY_NAME);
  if (existing) return existing;
  const pair = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return insertInstanceKeyOnce(db, KEY_NAME, pair);
}

/** The public key's PEM: read without opening the private key (created with the pair on first use). */
export async function webhookPublicKeyPem(db: Db): Promise<string> {
  return (await findInstancePublicKey(db, KEY_NAME)) ?? (await webhookSigningKey(db)).publicKey;
}

/** What `GET /webhooks/json_public_key` publishes: the PEM, base64-encoded. */
export function publicKeyBase64(publicKeyPem: string): string {
  return Buffer.from(publicKeyPem).toString('base64');
}

export function hmacSignature(hmacKey: string, body: string): string {
  return createHmac('sha256', hmacKey).update(body).digest('base64');
}

const base64url = (input: string | Buffer) => Buffer.from(input).toString('base64url');

export function jwtSignature(privateKey: string, body: string, issuer: string): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = base64url(JSON.stringify({ data: body, iss: issuer }));
  const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(privateKey);
  return `${header}.${claims}.${base64url(signature)}`;
}

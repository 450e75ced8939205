/**
 * Keys generated once per installation (`instance_keys`), shared by the API and every worker. The
 * private key is sealed at rest (runtime/secrets.ts); the public key is public.
 */
import type { Conn } from './knex';
import { isSealed, openSecret, sealSecret, sealedWith } from '../runtime/secrets';

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

interface InstanceKeyRow {
  name: string;
  private_key: string;
  public_key: string;
}

const privateKeyContext = (name: string) => `instance_keys.private_key:${name}`;

export async function findInstanceKey(conn: Conn, name: string): Promise<KeyPair | undefined> {
  const row = await conn<InstanceKeyRow>('instance_keys').where({ name }).first();
  return row ? { privateKey: openSecret(row.private_key, privateKeyContext(name)), publicKey: row.public_key } : undefined;
}

/** The public half alone: needs no encryption key. */
export async function findInstancePublicKey(conn: Conn, name: string): Promise<string | undefined> {
  return (await conn<InstanceKeyRow>('instance_keys').where({ name }).first('public_key'))?.public_key;
}

/** Stores a key unless one of that name exists; returns the stored key (the first insert wins a race). */
export async function insertInstanceKeyOnce(conn: Conn, name: string, pair: KeyPair): Promise<KeyPair> {
  await conn('instance_keys')
    .insert({ name, private_key: sealSecret(pair.privateKey, privateKeyContext(name)), public_key: pair.publicKey })
    .onConflict('name').ignore();
  return (await findInstanceKey(conn, name))!;
}

/** How the private keys are stored: how many in clear, and the fingerprints of the keys that sealed the rest. */
export async function instanceKeysAtRest(conn: Conn): Promise<{ clear: number; sealedWith: string[] }> {
  const rows = await conn<InstanceKeyRow>('instance_keys').select('private_key');
  const fingerprints = new Set<string>();
  let clear = 0;
  for (const { private_key: value } of rows) {
    if (isSealed(value)) fingerprints.add(sealedWith(value)!);
    else clear++;
  }
  return { clear, sealedWith: [...fingerprints] };
}

/** Seals every private key still in clear (compare-and-set per row). */
export async function sealClearInstanceKeys(conn: Conn): Promise<number> {
  const rows = await conn<InstanceKeyRow>('instance_keys').whereNot('private_key', 'like', 'blwenc:%').select('name', 'private_key');
  let sealed = 0;
  for (const row of rows) {
    sealed += await conn('instance_keys').where({ name: row.name, private_key: row.private_key })
      .update({ private_key: sealSecret(row.private_key, privateKeyContext(row.name)) });
  }
  return sealed;
}

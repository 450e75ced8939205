/** Keys generated once per installation (`instance_keys`), shared by the API and every worker. */
import type { Conn } from './knex';

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

interface InstanceKeyRow {
  name: string;
  private_key: string;
  public_key: string;
}

export async function findInstanceKey(conn: Conn, name: string): Promise<KeyPair | undefined> {
  const row = await conn<InstanceKeyRow>('instance_keys').where({ name }).first();
  return row ? { privateKey: row.private_key, publicKey: row.public_key } : undefined;
}

/** Stores a key unless one of that name exists; returns the stored key (the first insert wins a race). */
export async function insertInstanceKeyOnce(conn: Conn, name: string, pair: KeyPair): Promise<KeyPair> {
  await conn('instance_keys').insert({ name, private_key: pair.privateKey, public_key: pair.publicKey }).onConflict('name').ignore();
  return (await findInstanceKey(conn, name))!;
}

/**
 * `{"metadata": {...}}` of the metadata routes of plans, wallets and credit notes (Lago's
 * MetadataObject): at most 50 keys of up to 100 characters, each value a string of up to 255
 * characters or null. An empty object is refused like a missing one (400): clearing is a DELETE.
 */
import { z } from 'zod';
import { parseEnvelope, parseInput } from '../validation';
import { withContract } from '../contract';

export const MAX_METADATA_KEYS = 50;

/**
 * Lago's MetadataObject defines no named property (any key, a string or null each): every key sent
 * is honoured (stored and answered as sent), so the contract has nothing to list.
 */
export const metadataSchema = withContract(z.record(z.string().min(1).max(100), z.string().max(255).nullable())
  .refine((value) => Object.keys(value).length <= MAX_METADATA_KEYS, { message: 'value_is_out_of_range' }), { honoured: {}, refused: {} });

/** The `metadata` of a body: 400 when missing or empty, problems named under `metadata` (`metadata.<key>`). */
export function parseMetadataBody(body: unknown): z.infer<typeof metadataSchema> {
  const metadata = parseEnvelope(body, 'metadata', z.unknown());
  return parseInput({ metadata }, z.object({ metadata: metadataSchema })).metadata;
}

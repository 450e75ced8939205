/**
 * Lago's MetadataObject, as the metadata routes of plans, wallets and credit notes answer it
 * (`{"metadata": {...} | null}`): keys to strings or null, null when there is none.
 */
import { z } from 'zod';
import { responseSchemas } from './common';

export const metadataObjectSchema = z.record(z.string(), z.string().nullable()).nullable()
  .register(responseSchemas, { id: 'MetadataObject', description: 'Key → string or null; null when the object has no metadata.' });
export type MetadataJson = z.output<typeof metadataObjectSchema>;

/** Stored metadata as Lago shows it: a value that is not a string (stored before values were checked) as its text. */
export function serializeMetadata(metadata: Record<string, unknown> | null | undefined): MetadataJson {
  if (metadata === null || metadata === undefined) return null;
  return Object.fromEntries(Object.entries(metadata).map(([key, value]) => [key, value === null || typeof value === 'string' ? value : JSON.stringify(value)]));
}

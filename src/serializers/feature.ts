/** Lago's feature (`/features`): its code, name, description and privileges. */
import { z } from 'zod';
import type { FeatureView, PrivilegeRow } from '../db/features';
import { isoSeconds, responseSchemas, wire } from './common';

export const privilegeConfigSchema = z.object({
  select_options: z.array(z.string()).optional().describe('The values a `select` privilege may take.'),
}).register(responseSchemas, { id: 'PrivilegeConfig' });

export const privilegeSchema = z.object({
  code: z.string(),
  name: z.string().nullable(),
  value_type: z.enum(['integer', 'string', 'boolean', 'select']),
  config: privilegeConfigSchema,
}).register(responseSchemas, { id: 'FeaturePrivilege' });

export const featureSchema = z.object({
  code: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  privileges: z.array(privilegeSchema),
  created_at: wire.dateTime,
}).register(responseSchemas, { id: 'Feature' });
export type FeatureJson = z.output<typeof featureSchema>;

export function serializePrivilege(privilege: PrivilegeRow): z.output<typeof privilegeSchema> {
  return { code: privilege.code, name: privilege.name, value_type: privilege.value_type, config: privilege.config };
}

export function serializeFeature({ feature, privileges }: FeatureView): FeatureJson {
  return {
    code: feature.code,
    name: feature.name,
    description: feature.description,
    privileges: privileges.map(serializePrivilege),
    created_at: isoSeconds(feature.created_at),
  };
}

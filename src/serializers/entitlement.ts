/**
 * Lago's entitlements: a plan's (`PlanEntitlementObject`: the feature and each privilege with its
 * value) and a subscription's (`SubscriptionEntitlementObject`: each privilege's applicable value,
 * its plan value and its override, and the overrides by privilege code).
 */
import { z } from 'zod';
import type { PrivilegeRow, PrivilegeValueType } from '../db/features';
import type { EffectiveEntitlement, EntitlementView } from '../db/entitlements';
import { responseSchemas } from './common';
import { privilegeConfigSchema, serializePrivilege } from './feature';

/** A privilege's value: an integer, a boolean, or a string (string and select). */
export type PrivilegeValue = number | boolean | string;
const valueSchema = z.union([z.number().int(), z.boolean(), z.string()]);

/** A stored value (text) as its privilege's type shows it: Lago's `cast_value`. */
export function castPrivilegeValue(value: string, type: PrivilegeValueType): PrivilegeValue;
export function castPrivilegeValue(value: string | null, type: PrivilegeValueType): PrivilegeValue | null;
export function castPrivilegeValue(value: string | null, type: PrivilegeValueType): PrivilegeValue | null {
  if (value === null) return null;
  if (type === 'integer') return Number.parseInt(value, 10);
  if (type === 'boolean') return value === 'true';
  return value;
}

const privilegeFields = {
  code: z.string(),
  name: z.string().nullable(),
  value_type: z.enum(['integer', 'string', 'boolean', 'select']),
  config: privilegeConfigSchema,
};

export const planEntitlementSchema = z.object({
  code: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  privileges: z.array(z.object({ ...privilegeFields, value: valueSchema })),
}).register(responseSchemas, { id: 'PlanEntitlement' });
export type PlanEntitlementJson = z.output<typeof planEntitlementSchema>;

export const subscriptionEntitlementSchema = z.object({
  code: z.string(),
  name: z.string().nullable(),
  description: z.string().nullable(),
  privileges: z.array(z.object({
    ...privilegeFields,
    value: valueSchema.describe('The override when there is one, else the plan\'s value.'),
    plan_value: valueSchema.nullable(),
    override_value: valueSchema.nullable(),
  })),
  overrides: z.record(z.string(), valueSchema).describe('The subscription\'s own values, by privilege code.'),
}).register(responseSchemas, { id: 'SubscriptionEntitlement' });
export type SubscriptionEntitlementJson = z.output<typeof subscriptionEntitlementSchema>;

function withValue(privilege: PrivilegeRow, value: string) {
  return { ...serializePrivilege(privilege), value: castPrivilegeValue(value, privilege.value_type) };
}

export function serializePlanEntitlement({ feature, values }: EntitlementView): PlanEntitlementJson {
  return {
    code: feature.code,
    name: feature.name,
    description: feature.description,
    privileges: values.map(({ privilege, value }) => withValue(privilege, value.value)),
  };
}

export function serializeSubscriptionEntitlement({ feature, privileges }: EffectiveEntitlement): SubscriptionEntitlementJson {
  const overrides: Record<string, PrivilegeValue> = {};
  for (const { privilege, overrideValue } of privileges) {
    if (overrideValue !== null) overrides[privilege.code] = castPrivilegeValue(overrideValue, privilege.value_type);
  }
  return {
    code: feature.code,
    name: feature.name,
    description: feature.description,
    privileges: privileges.map(({ privilege, planValue, overrideValue }) => ({
      ...serializePrivilege(privilege),
      value: castPrivilegeValue((overrideValue ?? planValue)!, privilege.value_type),
      plan_value: castPrivilegeValue(planValue, privilege.value_type),
      override_value: castPrivilegeValue(overrideValue, privilege.value_type),
    })),
    overrides,
  };
}

/** Bodies of `/features` (Lago's FeatureCreateInput / FeatureUpdateInput). */
import { z } from 'zod';
import { SHOWN, withContract } from '../contract';
import { issue } from '../validation';
import type { CreateFeatureInput, UpdateFeatureInput } from '../../services/entitlements';

/** Lago's length limits answer `value_is_too_long`. */
const text = (max: number) => z.string().superRefine((value, ctx) => {
  if (value.length > max) issue(ctx, [], 'value_is_too_long');
});

const privilegeSchema = z.object({
  code: text(255).transform((code) => code.trim()).pipe(z.string().min(1)),
  name: text(255).nullable().optional(),
  // Checked by the service (`privilege.value_type: value_is_invalid`, Lago's key).
  value_type: z.string().optional(),
  // Checked by the service against the value type (`privilege.config: invalid_format`).
  config: z.record(z.string(), z.unknown()).nullable().optional(),
});

const fields = {
  name: text(255).nullable().optional(),
  description: text(600).nullable().optional(),
  privileges: z.array(privilegeSchema).nullable().optional(),
};

const honoured = {
  name: SHOWN,
  description: SHOWN,
  'privileges.*.code': SHOWN,
  'privileges.*.name': SHOWN,
  'privileges.*.value_type': SHOWN,
  'privileges.*.config.select_options': SHOWN,
};

export const createFeatureSchema = withContract(
  z.object({ code: text(255).transform((code) => code.trim()).pipe(z.string().min(1)), ...fields }),
  { honoured: { code: SHOWN, ...honoured }, refused: {} },
) satisfies z.ZodType<CreateFeatureInput>;

export const updateFeatureSchema = withContract(z.object(fields), { honoured, refused: {} }) satisfies z.ZodType<UpdateFeatureInput>;

/**
 * `{"entitlements": {"<feature code>": {"<privilege code>": value}}}` (Lago's EntitlementUpdateInput):
 * each value an integer, a boolean or a string, checked against its privilege by the service.
 */
export const entitlementsSchema = withContract(
  z.record(z.string(), z.record(z.string(), z.unknown())),
  { honoured: {}, refused: {} },
);

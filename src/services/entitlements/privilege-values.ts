/**
 * A privilege's value as Lago checks it (`CreateOrUpdateConcern#validate_value`) and stores it (text):
 * - integer: a JSON integer, or a string spelling one (`"10"`; not `"010"`, `"1.0"`, `"+1"`);
 * - boolean: `true`, `false`, `"true"` or `"false"`;
 * - string: any non-empty string;
 * - select: one of the privilege's `select_options` (else `value_not_in_select_options`).
 * Anything else is `value_is_invalid`, and a missing or empty value `value_is_mandatory`, each under
 * Lago's key `<privilege code>_privilege_value`.
 */
import type { PrivilegeRow } from '../../db/features';
import { castPrivilegeValue } from '../../serializers/entitlement';

export type Checked = { ok: true; stored: string } | { ok: false; code: 'value_is_mandatory' | 'value_is_invalid' | 'value_not_in_select_options' };

const INTEGER = /^(0|-?[1-9]\d*)$/;

export function checkPrivilegeValue(privilege: Pick<PrivilegeRow, 'value_type' | 'config'>, value: unknown): Checked {
  if (value === null || value === undefined || value === '') return { ok: false, code: 'value_is_mandatory' };
  switch (privilege.value_type) {
    case 'select':
      return typeof value === 'string' && (privilege.config.select_options ?? []).includes(value)
        ? { ok: true, stored: value }
        : { ok: false, code: 'value_not_in_select_options' };
    case 'boolean':
      if (value === true || value === 'true') return { ok: true, stored: 'true' };
      if (value === false || value === 'false') return { ok: true, stored: 'false' };
      return { ok: false, code: 'value_is_invalid' };
    case 'integer':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { ok: true, stored: String(value) };
      if (typeof value === 'string' && INTEGER.test(value) && Number.isSafeInteger(Number(value))) return { ok: true, stored: value };
      return { ok: false, code: 'value_is_invalid' };
    case 'string':
      return typeof value === 'string' ? { ok: true, stored: value } : { ok: false, code: 'value_is_invalid' };
  }
}

/** Lago's error key for a privilege's value. */
export const valueField = (privilegeCode: string) => `${privilegeCode}_privilege_value`;

/** Whether two stored values mean the same for the privilege's type (`"10"` and `"10"`, `"true"` and `"true"`). */
export function sameValue(privilege: Pick<PrivilegeRow, 'value_type'>, a: string, b: string): boolean {
  return castPrivilegeValue(a, privilege.value_type) === castPrivilegeValue(b, privilege.value_type);
}

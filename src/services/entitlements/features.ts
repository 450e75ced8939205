/**
 * Features and their privileges (Lago's `Entitlement::Feature*Service`):
 * - a feature's code is unique in its organization (`code: value_already_exist`); its privileges'
 *   codes are unique in the feature (`privilege.code: value_is_duplicated`);
 * - a privilege's `value_type` is integer, string (the default), boolean or select
 *   (`privilege.value_type: value_is_invalid`); a select has a non-empty `select_options` list of
 *   strings and nothing else in its config, other types an empty config (`privilege.config: invalid_format`);
 * - `PUT` is partial, as Lago's: name and description when sent; each privilege sent is created when
 *   new, else its name changes and its select options gain those sent (options are never removed,
 *   Lago's rule). An existing privilege keeps its value type: another one is refused
 *   (`privilege.value_type: value_is_invalid`) where Lago ignores it silently;
 * - deleting a feature removes it from every plan and subscription; deleting a privilege removes
 *   its values everywhere. Plans that granted it get `plan.updated`;
 * - `feature.created`, `feature.updated` and `feature.deleted` are recorded in the change's transaction.
 */
import type { Conn, Db, Tx } from '../../db/knex';
import {
  deleteFeature, deletePrivilege, findFeatureByCode, insertFeature, insertPrivilege, listFeatures as listFeatureRows, loadFeatureViews, lockFeature,
  PRIVILEGE_VALUE_TYPES, updateFeature, updatePrivilege, type FeatureRow, type FeatureView, type PrivilegeConfig, type PrivilegeValueType,
} from '../../db/features';
import { plansWithFeature } from '../../db/entitlements';
import { isUniqueViolation } from '../../db/errors';
import { invalidField, notFound, Problems } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { serializeFeature } from '../../serializers/feature';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { recordPlansUpdated } from './plan-events';

export interface PrivilegeInput {
  code: string;
  name?: string | null;
  /** integer, string (default), boolean or select. */
  value_type?: string;
  /** `{"select_options": [...]}` for a select. */
  config?: Record<string, unknown> | null;
}

export interface CreateFeatureInput {
  code: string;
  name?: string | null;
  description?: string | null;
  privileges?: PrivilegeInput[] | null;
}

export type UpdateFeatureInput = Omit<CreateFeatureInput, 'code'>;

function duplicatedCodes(privileges: readonly PrivilegeInput[]): boolean {
  return new Set(privileges.map((p) => p.code)).size !== privileges.length;
}

/** Lago's `config_valid?`: a select's options (non-empty strings list, nothing else); an empty config otherwise. */
function configProblem(valueType: PrivilegeValueType, config: object): boolean {
  const keys = Object.keys(config);
  if (valueType !== 'select') return keys.length > 0;
  const options = (config as { select_options?: unknown }).select_options;
  return keys.length !== 1 || !Array.isArray(options) || options.length === 0 || !options.every((o) => typeof o === 'string');
}

function checkNewPrivilege(input: PrivilegeInput, problems: Problems): { value_type: PrivilegeValueType; config: PrivilegeConfig } | undefined {
  const valueType = (input.value_type ?? 'string') as PrivilegeValueType;
  if (!PRIVILEGE_VALUE_TYPES.includes(valueType)) {
    problems.add('privilege.value_type', 'value_is_invalid');
    return undefined;
  }
  const config = input.config ?? {};
  if (configProblem(valueType, config)) {
    problems.add('privilege.config', 'invalid_format');
    return undefined;
  }
  return { value_type: valueType, config: valueType === 'select' ? { select_options: config.select_options as string[] } : {} };
}

async function view(db: Conn, feature: FeatureRow): Promise<FeatureView> {
  return (await loadFeatureViews(db, [feature]))[0]!;
}

async function recordFeatureEvent(trx: Tx, type: 'feature.created' | 'feature.updated' | 'feature.deleted', feature: FeatureView): Promise<void> {
  await recordWebhookEvent(trx, { organizationId: feature.feature.organization_id, webhookType: type, objectType: 'feature', object: serializeFeature(feature) });
}

async function getFeatureRow(db: Conn, organizationId: string, code: string): Promise<FeatureRow> {
  const feature = await findFeatureByCode(db, organizationId, code);
  if (!feature) throw notFound('feature');
  return feature;
}

export async function createFeature(db: Db, organizationId: string, input: CreateFeatureInput): Promise<FeatureView> {
  const privileges = input.privileges ?? [];
  if (duplicatedCodes(privileges)) throw invalidField('privilege.code', 'value_is_duplicated');
  const problems = new Problems();
  const checked = privileges.map((privilege) => checkNewPrivilege(privilege, problems));
  problems.throwIfAny();
  try {
    return await db.transaction(async (trx) => {
      if (await findFeatureByCode(trx, organizationId, input.code)) throw invalidField('code', 'value_already_exist');
      const feature = await insertFeature(trx, organizationId, { code: input.code, name: input.name ?? null, description: input.description ?? null });
      for (const [i, privilege] of privileges.entries()) {
        await insertPrivilege(trx, organizationId, feature.id, { code: privilege.code, name: privilege.name ?? null, ...checked[i]! });
      }
      const created = await view(trx, feature);
      await recordFeatureEvent(trx, 'feature.created', created);
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'features_code')) throw invalidField('code', 'value_already_exist');
    throw error;
  }
}

export async function getFeature(db: Db, organizationId: string, code: string): Promise<FeatureView> {
  return view(db, await getFeatureRow(db, organizationId, code));
}

export async function listFeatures(db: Db, organizationId: string, page: Page, searchTerm?: string): Promise<Paginated<FeatureView>> {
  const { rows, meta } = await listFeatureRows(db, organizationId, page, searchTerm);
  return { rows: await loadFeatureViews(db, rows), meta };
}

export async function updateFeatureByCode(db: Db, organizationId: string, code: string, input: UpdateFeatureInput): Promise<FeatureView> {
  const privileges = input.privileges ?? [];
  if (duplicatedCodes(privileges)) throw invalidField('privilege.code', 'value_is_duplicated');
  return db.transaction(async (trx) => {
    const feature = await getFeatureRow(trx, organizationId, code);
    await lockFeature(trx, feature.id);
    const before = await view(trx, feature);
    const problems = new Problems();
    const writes: (() => Promise<unknown>)[] = [];
    for (const input of privileges) {
      const existing = before.privileges.find((p) => p.code === input.code);
      if (!existing) {
        const checked = checkNewPrivilege(input, problems);
        if (checked) writes.push(() => insertPrivilege(trx, organizationId, feature.id, { code: input.code, name: input.name ?? null, ...checked }));
        continue;
      }
      if (input.value_type !== undefined && input.value_type !== existing.value_type) {
        problems.add('privilege.value_type', 'value_is_invalid');
        continue;
      }
      let config: PrivilegeConfig | undefined;
      const options = input.config?.select_options;
      if (options !== undefined && options !== null) {
        const union = [...(existing.config.select_options ?? [])];
        if (Array.isArray(options)) for (const option of options) if (!union.includes(option as string)) union.push(option as string);
        config = { ...existing.config, select_options: union };
        if (!Array.isArray(options) || configProblem(existing.value_type, config)) {
          problems.add('privilege.config', 'invalid_format');
          continue;
        }
      }
      const name = input.name === undefined ? undefined : input.name;
      writes.push(() => updatePrivilege(trx, existing.id, { ...(name !== undefined ? { name } : {}), ...(config ? { config } : {}) }));
    }
    problems.throwIfAny();
    const fields = {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
    };
    const updated = await updateFeature(trx, feature.id, fields);
    for (const write of writes) await write();
    const after = await view(trx, updated);
    await recordFeatureEvent(trx, 'feature.updated', after);
    await recordPlansUpdated(trx, organizationId, await plansWithFeature(trx, feature.id));
    return after;
  });
}

/** Deletes the feature and everything granting it; answers it as it was. */
export async function deleteFeatureByCode(db: Db, organizationId: string, code: string): Promise<FeatureView> {
  return db.transaction(async (trx) => {
    const feature = await getFeatureRow(trx, organizationId, code);
    await lockFeature(trx, feature.id);
    const before = await view(trx, feature);
    const plans = await plansWithFeature(trx, feature.id);
    await deleteFeature(trx, feature.id);
    await recordFeatureEvent(trx, 'feature.deleted', before);
    await recordPlansUpdated(trx, organizationId, plans);
    return before;
  });
}

/** Deletes one privilege of a feature and its values everywhere; answers the feature without it. */
export async function deleteFeaturePrivilege(db: Db, organizationId: string, code: string, privilegeCode: string): Promise<FeatureView> {
  return db.transaction(async (trx) => {
    const feature = await getFeatureRow(trx, organizationId, code);
    await lockFeature(trx, feature.id);
    const privilege = (await view(trx, feature)).privileges.find((p) => p.code === privilegeCode);
    if (!privilege) throw notFound('privilege');
    await deletePrivilege(trx, privilege.id);
    const after = await view(trx, feature);
    await recordFeatureEvent(trx, 'feature.updated', after);
    await recordPlansUpdated(trx, organizationId, await plansWithFeature(trx, feature.id));
    return after;
  });
}

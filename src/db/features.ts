/** Features (what an application grants) and their privileges (the typed values a plan sets). */
import type { Conn } from './knex';
import type { Page, Paginated } from '../runtime/pagination';
import { paginate } from './pagination';

export type PrivilegeValueType = 'integer' | 'string' | 'boolean' | 'select';
export const PRIVILEGE_VALUE_TYPES: readonly PrivilegeValueType[] = ['integer', 'string', 'boolean', 'select'];

export interface FeatureRow {
  id: string;
  organization_id: string;
  code: string;
  name: string | null;
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface PrivilegeConfig {
  select_options?: string[];
}

export interface PrivilegeRow {
  id: string;
  organization_id: string;
  feature_id: string;
  code: string;
  name: string | null;
  value_type: PrivilegeValueType;
  config: PrivilegeConfig;
  created_at: Date;
  updated_at: Date;
}

/** A feature with its privileges, oldest first. */
export interface FeatureView {
  feature: FeatureRow;
  privileges: PrivilegeRow[];
}

export type FeatureFields = Pick<FeatureRow, 'name' | 'description'>;
export type PrivilegeFields = Pick<PrivilegeRow, 'code' | 'name' | 'value_type' | 'config'>;

// Rows made in one transaction keep the order they were written in (now() is the transaction's start).
const WRITTEN_AT = 'clock_timestamp()';

export async function insertFeature(db: Conn, organizationId: string, fields: FeatureFields & { code: string }): Promise<FeatureRow> {
  const [row] = await db<FeatureRow>('features').insert({ ...fields, organization_id: organizationId, created_at: db.raw(WRITTEN_AT) } as never).returning('*');
  return row!;
}

export async function updateFeature(db: Conn, id: string, fields: Partial<FeatureFields>): Promise<FeatureRow> {
  const [row] = await db<FeatureRow>('features').where({ id }).update({ ...fields, updated_at: db.fn.now() } as never).returning('*');
  return row!;
}

/** Deletes the feature, its privileges and every entitlement, value and removal naming them (cascades). */
export async function deleteFeature(db: Conn, id: string): Promise<void> {
  await db('features').where({ id }).delete();
}

export async function findFeatureByCode(db: Conn, organizationId: string, code: string): Promise<FeatureRow | undefined> {
  return db<FeatureRow>('features').where({ organization_id: organizationId, code }).first();
}

/** Holds the feature's row until the transaction ends, so concurrent changes apply one after the other. */
export async function lockFeature(db: Conn, id: string): Promise<void> {
  await db.raw('SELECT id FROM features WHERE id = ? FOR UPDATE', [id]);
}

export async function findFeaturesByCodes(db: Conn, organizationId: string, codes: readonly string[]): Promise<FeatureRow[]> {
  if (codes.length === 0) return [];
  return db<FeatureRow>('features').where({ organization_id: organizationId }).whereIn('code', [...new Set(codes)]);
}

/** One page of the organization's features, newest first (Lago's order), optionally matching a term in name, code or description. */
export async function listFeatures(db: Conn, organizationId: string, page: Page, searchTerm?: string): Promise<Paginated<FeatureRow>> {
  const query = db<FeatureRow>('features').where({ organization_id: organizationId });
  if (searchTerm) {
    const pattern = `%${searchTerm.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query.where((q) => q.whereILike('name', pattern).orWhereILike('code', pattern).orWhereILike('description', pattern));
  }
  return paginate<FeatureRow>(query.orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]), page);
}

export async function privilegesOfFeatures(db: Conn, featureIds: readonly string[]): Promise<PrivilegeRow[]> {
  if (featureIds.length === 0) return [];
  return db<PrivilegeRow>('privileges').whereIn('feature_id', [...new Set(featureIds)]).orderBy([{ column: 'created_at' }, { column: 'id' }]);
}

export async function loadFeatureViews(db: Conn, features: readonly FeatureRow[]): Promise<FeatureView[]> {
  const privileges = await privilegesOfFeatures(db, features.map((feature) => feature.id));
  return features.map((feature) => ({ feature, privileges: privileges.filter((privilege) => privilege.feature_id === feature.id) }));
}

export async function insertPrivilege(db: Conn, organizationId: string, featureId: string, fields: PrivilegeFields): Promise<PrivilegeRow> {
  const [row] = await db<PrivilegeRow>('privileges')
    .insert({ ...fields, config: JSON.stringify(fields.config), organization_id: organizationId, feature_id: featureId, created_at: db.raw(WRITTEN_AT) } as never)
    .returning('*');
  return row!;
}

export async function updatePrivilege(db: Conn, id: string, fields: Partial<Pick<PrivilegeRow, 'name' | 'config'>>): Promise<PrivilegeRow> {
  const update: Record<string, unknown> = { updated_at: db.fn.now() };
  if (fields.name !== undefined) update.name = fields.name;
  if (fields.config !== undefined) update.config = JSON.stringify(fields.config);
  const [row] = await db<PrivilegeRow>('privileges').where({ id }).update(update as never).returning('*');
  return row!;
}

/** Deletes the privilege and every value and removal naming it (cascades). */
export async function deletePrivilege(db: Conn, id: string): Promise<void> {
  await db('privileges').where({ id }).delete();
}

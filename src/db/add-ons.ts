/** Add-ons: one-off charges billed through one-off invoices, looked up by code (live ones only). */
import type { Conn } from './knex';
import type { Page, Paginated } from '../runtime/pagination';
import { paginate } from './pagination';
import { taxesOfOwners, type TaxWithCounts } from './taxes';

export interface AddOnRow {
  id: string;
  organization_id: string;
  code: string;
  name: string;
  invoice_display_name: string | null;
  description: string | null;
  amount_cents: bigint;
  amount_currency: string;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

/** An add-on with its taxes. */
export interface AddOnView {
  addOn: AddOnRow;
  taxes: TaxWithCounts[];
}

export type AddOnFields = Pick<AddOnRow, 'code' | 'name' | 'invoice_display_name' | 'description' | 'amount_cents' | 'amount_currency'>;

export function liveAddOns(db: Conn, organizationId: string) {
  return db<AddOnRow>('add_ons').where({ organization_id: organizationId }).whereNull('deleted_at');
}

/** One page of the organization's live add-ons, newest first. */
export async function listLiveAddOns(db: Conn, organizationId: string, page: Page): Promise<Paginated<AddOnRow>> {
  return paginate<AddOnRow>(liveAddOns(db, organizationId).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }]), page);
}

export async function findAddOnByCode(db: Conn, organizationId: string, code: string): Promise<AddOnRow | undefined> {
  return liveAddOns(db, organizationId).where({ code }).first();
}

/** Add-ons with their taxes. */
export async function loadAddOnViews(db: Conn, organizationId: string, addOns: readonly AddOnRow[]): Promise<AddOnView[]> {
  const taxes = await taxesOfOwners(db, organizationId, 'add_on_taxes', addOns.map((addOn) => addOn.id));
  return addOns.map((addOn) => ({ addOn, taxes: taxes.get(addOn.id) ?? [] }));
}

export async function insertAddOn(db: Conn, organizationId: string, fields: AddOnFields): Promise<AddOnRow> {
  const [row] = await db<AddOnRow>('add_ons').insert({ ...fields, organization_id: organizationId } as never).returning('*');
  return row!;
}

export async function updateAddOn(db: Conn, id: string, fields: Partial<AddOnFields>): Promise<AddOnRow> {
  const [row] = await db<AddOnRow>('add_ons').where({ id }).update({ ...fields, updated_at: db.fn.now() } as never).returning('*');
  return row!;
}

export async function softDeleteAddOn(db: Conn, id: string): Promise<AddOnRow> {
  const [row] = await db<AddOnRow>('add_ons').where({ id }).update({ deleted_at: db.fn.now(), updated_at: db.fn.now() } as never).returning('*');
  return row!;
}

/** The live add-ons with these codes (fewer when some code is unknown). */
export async function findAddOnsByCodes(db: Conn, organizationId: string, codes: readonly string[]): Promise<AddOnRow[]> {
  if (codes.length === 0) return [];
  return liveAddOns(db, organizationId).whereIn('code', [...new Set(codes)]);
}

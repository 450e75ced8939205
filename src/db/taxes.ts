/** Taxes and their links to customers, plans, charges and add-ons (`<owner>_taxes` tables). */
import type { Conn } from './knex';
import type { Page, Paginated } from '../runtime/pagination';
import { paginate } from './pagination';

export interface TaxRow {
  id: string;
  organization_id: string;
  code: string;
  name: string;
  /** Percent, exact numeric string ("12.50000"). */
  rate: string;
  description: string | null;
  applied_to_organization: boolean;
  created_at: Date;
  updated_at: Date;
}

/** A tax with how many live objects use it (Lago's `*_count` output fields). */
export interface TaxWithCounts extends TaxRow {
  add_ons_count: number;
  customers_count: number;
  plans_count: number;
  charges_count: number;
}

export type TaxLinkTable = 'customer_taxes' | 'plan_taxes' | 'charge_taxes' | 'add_on_taxes' | 'fixed_charge_taxes' | 'commitment_taxes';

export type TaxFields = Pick<TaxRow, 'code' | 'name' | 'rate' | 'description' | 'applied_to_organization'>;

const USERS: [column: keyof TaxWithCounts, link: TaxLinkTable, owners: string][] = [
  ['add_ons_count', 'add_on_taxes', 'add_ons'],
  ['customers_count', 'customer_taxes', 'customers'],
  ['plans_count', 'plan_taxes', 'plans'],
  ['charges_count', 'charge_taxes', 'charges'],
];

/** The organization's taxes with their usage counts (live owners only). */
export function taxesWithCounts(db: Conn, organizationId: string) {
  return db('taxes')
    .where('taxes.organization_id', organizationId)
    .select(
      'taxes.*',
      ...USERS.map(([column, link, owners]) =>
        db.raw(
          `(SELECT count(*) FROM ${link} l JOIN ${owners} o ON o.id = l.owner_id WHERE l.tax_id = taxes.id AND o.deleted_at IS NULL)::int AS ${column}`,
        ),
      ),
    );
}

/** One page of the organization's taxes with their counts, newest first. */
export async function listTaxesWithCounts(db: Conn, organizationId: string, page: Page): Promise<Paginated<TaxWithCounts>> {
  return paginate<TaxWithCounts>(taxesWithCounts(db, organizationId).orderBy([{ column: 'taxes.created_at', order: 'desc' }, { column: 'taxes.id' }]), page);
}

export async function findTaxByCode(db: Conn, organizationId: string, code: string): Promise<TaxWithCounts | undefined> {
  return taxesWithCounts(db, organizationId).where('taxes.code', code).first();
}

export async function findTaxById(db: Conn, organizationId: string, id: string): Promise<TaxWithCounts | undefined> {
  return taxesWithCounts(db, organizationId).where('taxes.id', id).first();
}

export async function findTaxesByCodes(db: Conn, organizationId: string, codes: readonly string[]): Promise<TaxRow[]> {
  if (codes.length === 0) return [];
  return db<TaxRow>('taxes').where({ organization_id: organizationId }).whereIn('code', [...new Set(codes)]);
}

export async function insertTax(db: Conn, organizationId: string, fields: TaxFields): Promise<TaxRow> {
  const [row] = await db<TaxRow>('taxes').insert({ ...fields, organization_id: organizationId }).returning('*');
  return row!;
}

export async function updateTax(db: Conn, id: string, fields: Partial<TaxFields>): Promise<void> {
  await db('taxes').where({ id }).update({ ...fields, updated_at: db.fn.now() });
}

/** Deletes the tax and (by cascade) its links; issued invoices keep their own copy of it. */
export async function deleteTax(db: Conn, id: string): Promise<void> {
  await db('taxes').where({ id }).delete();
}

/** The taxes of each owner (customer, plan, charge, add-on), ordered by code. */
export async function taxesOfOwners(db: Conn, organizationId: string, link: TaxLinkTable, ownerIds: readonly string[]): Promise<Map<string, TaxWithCounts[]>> {
  const byOwner = new Map<string, TaxWithCounts[]>(ownerIds.map((id) => [id, []]));
  if (ownerIds.length === 0) return byOwner;
  const rows = (await taxesWithCounts(db, organizationId)
    .join(`${link} as link`, 'link.tax_id', 'taxes.id')
    .whereIn('link.owner_id', [...new Set(ownerIds)])
    .select('link.owner_id as link_owner_id')
    .orderBy('taxes.code')) as (TaxWithCounts & { link_owner_id: string })[];
  for (const { link_owner_id: ownerId, ...tax } of rows) byOwner.get(ownerId)?.push(tax);
  return byOwner;
}

export async function replaceTaxLinks(db: Conn, link: TaxLinkTable, ownerId: string, taxIds: readonly string[]): Promise<void> {
  await db(link).where({ owner_id: ownerId }).delete();
  const unique = [...new Set(taxIds)];
  if (unique.length > 0) await db(link).insert(unique.map((taxId) => ({ owner_id: ownerId, tax_id: taxId })));
}

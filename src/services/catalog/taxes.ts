/** Taxes: created, changed and deleted by code; the rate is a percent kept as an exact decimal. */
import type { Db } from '../../db/knex';
import { deleteTax, findTaxByCode, findTaxById, insertTax, listTaxesWithCounts, updateTax, type TaxWithCounts } from '../../db/taxes';
import { notFound } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { uniqueCode } from './unique-code';

export interface CreateTaxInput {
  name: string;
  code: string;
  /** Percent as an exact decimal string, 0 to 100 ("12.5" is 12.5 %). */
  rate: string;
  description?: string | null;
  applied_to_organization?: boolean | null;
}

export type UpdateTaxInput = Partial<CreateTaxInput>;

export async function createTax(db: Db, organizationId: string, input: CreateTaxInput): Promise<TaxWithCounts> {
  const tax = await uniqueCode(() =>
    insertTax(db, organizationId, {
      code: input.code,
      name: input.name,
      rate: input.rate,
      description: input.description ?? null,
      applied_to_organization: input.applied_to_organization ?? false,
    }),
  );
  return (await findTaxById(db, organizationId, tax.id))!;
}

export async function getTax(db: Db, organizationId: string, code: string): Promise<TaxWithCounts> {
  const tax = await findTaxByCode(db, organizationId, code);
  if (!tax) throw notFound('tax');
  return tax;
}

export async function listTaxes(db: Db, organizationId: string, page: Page): Promise<Paginated<TaxWithCounts>> {
  return listTaxesWithCounts(db, organizationId, page);
}

export async function updateTaxByCode(db: Db, organizationId: string, code: string, input: UpdateTaxInput): Promise<TaxWithCounts> {
  const tax = await getTax(db, organizationId, code);
  const fields = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  if ('applied_to_organization' in fields) fields.applied_to_organization ??= false;
  if (Object.keys(fields).length > 0) await uniqueCode(() => updateTax(db, tax.id, fields));
  return (await findTaxById(db, organizationId, tax.id))!;
}

/** Deletes the tax (and its links); the answer is the tax as it was, with its counts before deletion. */
export async function deleteTaxByCode(db: Db, organizationId: string, code: string): Promise<TaxWithCounts> {
  const tax = await getTax(db, organizationId, code);
  await deleteTax(db, tax.id);
  return tax;
}

/** Add-ons: created, changed and (softly) deleted by code, with their taxes. */
import type { Knex } from 'knex';
import type { Db } from '../../db/knex';
import { findAddOnByCode, insertAddOn, softDeleteAddOn, updateAddOn, type AddOnRow } from '../../db/add-ons';
import { replaceTaxLinks, taxesOfOwners, type TaxWithCounts } from '../../db/taxes';
import { invalidField, notFound } from '../../runtime/errors';
import type { CreateAddOnInput, UpdateAddOnInput } from '../../api/schemas/add-ons';
import { isUniqueViolation } from '../../db/errors';
import { resolveTaxCodes } from './tax-codes';

export interface AddOnView {
  addOn: AddOnRow;
  taxes: TaxWithCounts[];
}

export async function addOnViews(db: Db | Knex.Transaction, organizationId: string, addOns: readonly AddOnRow[]): Promise<AddOnView[]> {
  const taxes = await taxesOfOwners(db, organizationId, 'add_on_taxes', addOns.map((addOn) => addOn.id));
  return addOns.map((addOn) => ({ addOn, taxes: taxes.get(addOn.id) ?? [] }));
}

async function view(db: Db | Knex.Transaction, organizationId: string, addOn: AddOnRow): Promise<AddOnView> {
  return (await addOnViews(db, organizationId, [addOn]))[0]!;
}

async function uniqueCode<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw invalidField('code', 'value_already_exist');
    throw error;
  }
}

async function getAddOn(db: Db | Knex.Transaction, organizationId: string, code: string): Promise<AddOnRow> {
  const addOn = await findAddOnByCode(db, organizationId, code);
  if (!addOn) throw notFound('add_on');
  return addOn;
}

export async function createAddOn(db: Db, organizationId: string, input: CreateAddOnInput): Promise<AddOnView> {
  return uniqueCode(() =>
    db.transaction(async (trx) => {
      const taxIds = await resolveTaxCodes(trx, organizationId, input.tax_codes ?? []);
      const addOn = await insertAddOn(trx, organizationId, {
        code: input.code,
        name: input.name,
        invoice_display_name: input.invoice_display_name ?? null,
        description: input.description ?? null,
        amount_cents: input.amount_cents,
        amount_currency: input.amount_currency,
      });
      await replaceTaxLinks(trx, 'add_on_taxes', addOn.id, taxIds);
      return view(trx, organizationId, addOn);
    }),
  );
}

export async function getAddOnView(db: Db, organizationId: string, code: string): Promise<AddOnView> {
  return view(db, organizationId, await getAddOn(db, organizationId, code));
}

export async function updateAddOnByCode(db: Db, organizationId: string, code: string, input: UpdateAddOnInput): Promise<AddOnView> {
  return uniqueCode(() =>
    db.transaction(async (trx) => {
      const current = await getAddOn(trx, organizationId, code);
      const taxIds = input.tax_codes !== undefined ? await resolveTaxCodes(trx, organizationId, input.tax_codes ?? []) : undefined;
      const { tax_codes: _taxCodes, ...rest } = input;
      const fields = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
      const addOn = Object.keys(fields).length > 0 ? await updateAddOn(trx, current.id, fields) : current;
      if (taxIds) await replaceTaxLinks(trx, 'add_on_taxes', addOn.id, taxIds);
      return view(trx, organizationId, addOn);
    }),
  );
}

export async function deleteAddOnByCode(db: Db, organizationId: string, code: string): Promise<AddOnView> {
  return db.transaction(async (trx) => {
    const addOn = await getAddOn(trx, organizationId, code);
    const taxes = await view(trx, organizationId, addOn);
    return { addOn: await softDeleteAddOn(trx, addOn.id), taxes: taxes.taxes };
  });
}

/** Add-ons: created, changed and (softly) deleted by code, with their taxes. */
import type { Conn, Db } from '../../db/knex';
import {
  findAddOnByCode,
  insertAddOn,
  listLiveAddOns,
  loadAddOnViews,
  softDeleteAddOn,
  updateAddOn,
  type AddOnRow,
  type AddOnView,
} from '../../db/add-ons';
import { replaceTaxLinks } from '../../db/taxes';
import { notFound } from '../../runtime/errors';
import type { Page, Paginated } from '../../runtime/pagination';
import { resolveTaxCodes } from './tax-codes';
import { uniqueCode } from './unique-code';

export interface CreateAddOnInput {
  name: string;
  code: string;
  invoice_display_name?: string | null;
  description?: string | null;
  amount_cents: bigint;
  amount_currency: string;
  tax_codes?: string[] | null;
}

export type UpdateAddOnInput = Partial<CreateAddOnInput>;

async function view(db: Conn, organizationId: string, addOn: AddOnRow): Promise<AddOnView> {
  return (await loadAddOnViews(db, organizationId, [addOn]))[0]!;
}

async function getAddOn(db: Conn, organizationId: string, code: string): Promise<AddOnRow> {
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

export async function listAddOns(db: Db, organizationId: string, page: Page): Promise<Paginated<AddOnView>> {
  const { rows, meta } = await listLiveAddOns(db, organizationId, page);
  return { rows: await loadAddOnViews(db, organizationId, rows), meta };
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

/** Soft-deletes the add-on; the answer shows the taxes it had. */
export async function deleteAddOnByCode(db: Db, organizationId: string, code: string): Promise<AddOnView> {
  return db.transaction(async (trx) => {
    const addOn = await getAddOn(trx, organizationId, code);
    const { taxes } = await view(trx, organizationId, addOn);
    return { addOn: await softDeleteAddOn(trx, addOn.id), taxes };
  });
}

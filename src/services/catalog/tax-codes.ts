/** Turns `tax_codes` into tax ids; an unknown code is a 422 on the field that named it. */
import type { Conn } from '../../db/knex';
import { findTaxesByCodes } from '../../db/taxes';
import { invalidField } from '../../runtime/errors';

export async function resolveTaxCodes(db: Conn, organizationId: string, codes: readonly string[], field = 'tax_codes'): Promise<string[]> {
  const unique = [...new Set(codes)];
  const taxes = await findTaxesByCodes(db, organizationId, unique);
  if (taxes.length !== unique.length) throw invalidField(field, 'tax_not_found');
  return taxes.map((tax) => tax.id);
}

import { z } from 'zod';
import type { TaxWithCounts } from '../db/taxes';
import { isoSeconds, responseSchemas, wire } from './common';

export const taxSchema = z.object({
  lago_id: wire.uuid,
  name: z.string(),
  code: z.string(),
  /** A JSON number, as Lago's TaxObject (and the client's types) declare it. */
  rate: z.number(),
  description: z.string().nullable(),
  applied_to_organization: z.boolean(),
  add_ons_count: z.number().int(),
  customers_count: z.number().int(),
  plans_count: z.number().int(),
  charges_count: z.number().int(),
  /** Billow has no commitments. */
  commitments_count: z.number().int(),
  created_at: wire.dateTime,
}).register(responseSchemas, { id: 'Tax' });
export type TaxJson = z.output<typeof taxSchema>;

/** A tax, alone or embedded in a customer, plan, charge or add-on (`taxes: [...]`). */
export function serializeTax(tax: TaxWithCounts): TaxJson {
  return {
    lago_id: tax.id,
    name: tax.name,
    code: tax.code,
    rate: Number(tax.rate),
    description: tax.description,
    applied_to_organization: tax.applied_to_organization,
    add_ons_count: tax.add_ons_count,
    customers_count: tax.customers_count,
    plans_count: tax.plans_count,
    charges_count: tax.charges_count,
    commitments_count: 0,
    created_at: isoSeconds(tax.created_at),
  };
}

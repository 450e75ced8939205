import type { TaxWithCounts } from '../db/taxes';
import { isoSeconds } from './common';

/** A tax, alone or embedded in a customer, plan, charge or add-on (`taxes: [...]`). */
export function serializeTax(tax: TaxWithCounts) {
  return {
    lago_id: tax.id,
    name: tax.name,
    code: tax.code,
    rate: Number(tax.rate), // a JSON number, as Lago's TaxObject (the client's types) declares it
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

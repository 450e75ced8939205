import type { AddOnView } from '../db/add-ons';
import { cents, isoSeconds } from './common';
import { serializeTax } from './tax';

export function serializeAddOn({ addOn, taxes }: AddOnView) {
  return {
    lago_id: addOn.id,
    name: addOn.name,
    invoice_display_name: addOn.invoice_display_name,
    code: addOn.code,
    amount_cents: cents(addOn.amount_cents),
    amount_currency: addOn.amount_currency,
    description: addOn.description,
    created_at: isoSeconds(addOn.created_at),
    taxes: taxes.map(serializeTax),
  };
}

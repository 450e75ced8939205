import { z } from 'zod';
import type { AddOnView } from '../db/add-ons';
import { cents, isoSeconds, responseSchemas, wire } from './common';
import { serializeTax, taxSchema } from './tax';

export const addOnSchema = z.object({
  lago_id: wire.uuid,
  name: z.string(),
  invoice_display_name: z.string().nullable(),
  code: z.string(),
  amount_cents: wire.cents,
  amount_currency: wire.currency,
  description: z.string().nullable(),
  created_at: wire.dateTime,
  taxes: z.array(taxSchema),
}).register(responseSchemas, { id: 'AddOn' });
export type AddOnJson = z.output<typeof addOnSchema>;

export function serializeAddOn({ addOn, taxes }: AddOnView): AddOnJson {
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

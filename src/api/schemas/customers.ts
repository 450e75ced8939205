import { z } from 'zod';
import type { CustomerInput } from '../../services/customers';
import { currency, optionalText, timezone } from './common';

export const customerSchema = z.object({
  external_id: z.string().trim().min(1).max(255),
  name: optionalText,
  firstname: optionalText,
  lastname: optionalText,
  customer_type: z.enum(['company', 'individual']).nullish(),
  email: optionalText,
  phone: optionalText,
  url: optionalText,
  legal_name: optionalText,
  legal_number: optionalText,
  tax_identification_number: optionalText,
  address_line1: optionalText,
  address_line2: optionalText,
  city: optionalText,
  state: optionalText,
  zipcode: optionalText,
  country: z.string().regex(/^[A-Za-z]{2}$/).transform((c) => c.toUpperCase()).nullish(),
  currency: currency.nullish(),
  timezone: timezone.nullish(),
  net_payment_term: z.number().int().min(0).max(3650).nullish(),
  tax_codes: z.array(z.string()).optional(),
  billing_configuration: z
    .object({
      payment_provider: z.enum(['stripe', 'gocardless', 'adyen', 'moneyhash', 'cashfree', 'flutterwave']).nullish(),
      payment_provider_code: optionalText,
      provider_customer_id: optionalText,
      invoice_grace_period: z.number().int().min(0).nullish(),
      document_locale: optionalText,
      sync: z.boolean().nullish(),
      sync_with_provider: z.boolean().nullish(),
    })
    .passthrough()
    .optional(),
  metadata: z.array(z.object({ key: z.string(), value: z.string(), display_in_invoice: z.boolean().optional() })).optional(),
}) satisfies z.ZodType<CustomerInput>;

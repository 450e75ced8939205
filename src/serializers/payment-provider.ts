/**
 * An organization's connection to a payment provider, as Billow's own route shows it
 * (`/api/v1/payment_providers/stripe`; Lago has no public route for this): never a secret, only a
 * mask of the secret key (`sk_test_…4242`) and whether a webhook signing secret is set.
 */
import { z } from 'zod';
import { isoSeconds, responseSchemas, wire } from './common';

export const paymentProviderSchema = z.object({
  lago_id: wire.uuid,
  payment_provider_type: z.literal('stripe'),
  code: z.string(),
  name: z.string(),
  /** The secret key's prefix and last four characters: enough to tell two keys apart, never the key. */
  secret_key_mask: z.string(),
  /** Always true for a connection (a signing secret is required); the secret itself is never shown. */
  webhook_secret_set: z.boolean(),
  /** Give Stripe this URL for the organization's webhooks. */
  webhook_url: z.string(),
  success_redirect_url: z.string().nullable(),
  created_at: wire.dateTime,
  updated_at: wire.dateTime,
}).register(responseSchemas, { id: 'PaymentProvider' });

export type PaymentProviderJson = z.output<typeof paymentProviderSchema>;

export interface PaymentProviderView {
  id: string;
  providerType: 'stripe';
  code: string;
  name: string;
  secretKeyMask: string;
  successRedirectUrl: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function serializePaymentProvider(view: PaymentProviderView, context: { publicUrl: string; organizationId: string }): PaymentProviderJson {
  return {
    lago_id: view.id,
    payment_provider_type: view.providerType,
    code: view.code,
    name: view.name,
    secret_key_mask: view.secretKeyMask,
    webhook_secret_set: true,
    webhook_url: `${context.publicUrl.replace(/\/+$/, '')}/webhooks/stripe/${context.organizationId}`,
    success_redirect_url: view.successRedirectUrl,
    created_at: isoSeconds(view.createdAt),
    updated_at: isoSeconds(view.updatedAt),
  };
}

/** Lago's CustomerCheckoutUrl (`POST /customers/:external_id/checkout_url`, root `customer`). */
export const customerCheckoutUrlSchema = z.object({
  lago_customer_id: wire.uuid,
  external_customer_id: z.string(),
  payment_provider: z.literal('stripe'),
  payment_provider_code: z.string(),
  checkout_url: z.string(),
}).register(responseSchemas, { id: 'CustomerCheckoutUrl' });

/** Lago's InvoicePaymentUrl (`POST /invoices/:id/payment_url`, root `invoice_payment_details`). */
export const invoicePaymentUrlSchema = z.object({
  lago_customer_id: wire.uuid,
  lago_invoice_id: wire.uuid,
  external_customer_id: z.string(),
  payment_provider: z.literal('stripe'),
  payment_url: z.string(),
}).register(responseSchemas, { id: 'InvoicePaymentDetails' });

/**
 * An organization's connection to Stripe: its secret key and webhook signing secret, stored sealed
 * (src/db/payment-providers.ts, AES-256-GCM with BILLOW_ENCRYPTION_KEY) and never shown again: what
 * this module answers has the code, the name and a mask of the key, never a secret.
 */
import type { Db } from '../../db/knex';
import { deletePaymentProvider, findPaymentProvider, savePaymentProvider, type PaymentProviderRow } from '../../db/payment-providers';
import { configuredSecretBox } from '../../runtime/secrets';
import { notFound, Problems } from '../../runtime/errors';
import type { PaymentProviderView } from '../../serializers/payment-provider';

export interface StripeConnectionInput {
  secretKey: string;
  webhookSecret: string;
  code?: string;
  name?: string;
  successRedirectUrl?: string | null;
}

/** What may be shown of a connection: never the secret, only its mask (`sk_test_…4242`). */
export type ConnectionView = PaymentProviderView;

const mask = (secret: string) => `${secret.slice(0, secret.indexOf('_', 3) + 1 || 3)}…${secret.slice(-4)}`;

function viewOf(row: PaymentProviderRow): ConnectionView {
  return {
    id: row.id, providerType: row.provider_type, code: row.code, name: row.name, secretKeyMask: mask(row.secret_key), successRedirectUrl: row.success_redirect_url,
    createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

/**
 * Connects (or reconnects) the organization to Stripe. Refused without BILLOW_ENCRYPTION_KEY: a
 * provider's secret key is never stored in clear.
 */
export async function connectStripe(db: Db, organizationId: string, input: StripeConnectionInput): Promise<ConnectionView> {
  const problems = new Problems();
  if (!/^(sk|rk)_[A-Za-z0-9_]{8,}$/.test(input.secretKey)) problems.add('secret_key', 'invalid_value');
  if (!/^whsec_[A-Za-z0-9+/=_]{8,}$/.test(input.webhookSecret)) problems.add('webhook_secret', 'invalid_value');
  if (input.code !== undefined && (input.code.trim() === '' || input.code.length > 255)) problems.add('code', 'invalid_value');
  if (input.name !== undefined && (input.name.trim() === '' || input.name.length > 255)) problems.add('name', 'invalid_value');
  if (input.successRedirectUrl != null && !/^https?:\/\/\S{1,1024}$/.test(input.successRedirectUrl)) problems.add('success_redirect_url', 'url_invalid');
  if (!configuredSecretBox()) problems.add('secret_key', 'encryption_key_missing');
  problems.throwIfAny();
  const row = await savePaymentProvider(db, organizationId, 'stripe', {
    code: input.code ?? 'stripe', name: input.name ?? 'Stripe', secretKey: input.secretKey, webhookSecret: input.webhookSecret,
    successRedirectUrl: input.successRedirectUrl ?? null,
  });
  return viewOf(row);
}

export async function stripeConnection(db: Db, organizationId: string): Promise<ConnectionView | undefined> {
  const row = await findPaymentProvider(db, organizationId, 'stripe');
  return row ? viewOf(row) : undefined;
}

export async function disconnectStripe(db: Db, organizationId: string): Promise<boolean> {
  return deletePaymentProvider(db, organizationId, 'stripe');
}

/** `GET /api/v1/payment_providers/stripe`: the connection as it may be shown (404 `payment_provider_not_found` without one). */
export async function getStripeConnection(db: Db, organizationId: string): Promise<ConnectionView> {
  const view = await stripeConnection(db, organizationId);
  if (!view) throw notFound('payment_provider');
  return view;
}

/**
 * `DELETE /api/v1/payment_providers/stripe`: the connection removed (its secrets with it); answers
 * what it was. Payments keep their Stripe ids; nothing more is collected at Stripe, and Stripe's
 * webhooks for the organization are answered 404.
 */
export async function removeStripeConnection(db: Db, organizationId: string): Promise<ConnectionView> {
  return db.transaction(async (trx) => {
    const row = await findPaymentProvider(trx, organizationId, 'stripe');
    if (!row) throw notFound('payment_provider');
    await deletePaymentProvider(trx, organizationId, 'stripe');
    return viewOf(row);
  });
}

/**
 * Customers at the provider (Lago's `billing_configuration.sync_with_provider`): a customer saved
 * with `payment_provider: "stripe"` and `sync_with_provider: true` and no `provider_customer_id`
 * gets its Stripe customer, created during the request (Lago's `sync: true`; Billow never defers
 * it), whose id becomes its `provider_customer_id` (`customer.payment_provider_created`).
 *
 * - Refused before anything is written (422): `sync_with_provider: true` for a customer whose
 *   payment provider is not Stripe (`billing_configuration.payment_provider: invalid_payment_provider`),
 *   or for an organization not connected to Stripe (`payment_provider_not_connected`).
 * - Exactly once: Stripe's idempotency key is the customer's id (`billow:<org>:customer:<id>:create`),
 *   so the same request again (a retry after a lost answer) gets the same Stripe customer.
 * - Stripe refusing or not answering does not undo the customer (as in Lago, where the sync is a
 *   job after the customer is saved): it is answered without a `provider_customer_id`, with
 *   `customer.payment_provider_error`, and the same request again tries again.
 */
import type { Db } from '../../db/knex';
import { findCustomerByExternalId, upsertCustomer, type CustomerRow } from '../../db/customers';
import { findPaymentProvider, type PaymentProviderRow } from '../../db/payment-providers';
import { recordWebhookEvent } from '../../webhooks/outbox';
import { logger } from '../../runtime/logger';
import { Problems } from '../../runtime/errors';
import { customerWebhookObject, saveCustomer, type CustomerInput, type CustomerWithTaxes } from '../customers';
import { ProviderRefusal, type ProviderErrorDetails, type ProviderFactory } from './providers';

const log = logger.child({ module: 'payments.provider-customers' });

/** The customer's Stripe customer id, when it has one. */
export function providerCustomerIdOf(customer: Pick<CustomerRow, 'billing_configuration'>): string | null {
  const id = (customer.billing_configuration ?? {}).provider_customer_id;
  return typeof id === 'string' && id !== '' ? id : null;
}

/** `POST /customers`, with Lago's `sync_with_provider` honoured (see the module's comment). */
export async function saveCustomerWithProvider(
  db: Db, providers: ProviderFactory, organizationId: string, input: CustomerInput, nowMs: number,
): Promise<CustomerWithTaxes> {
  let connection: PaymentProviderRow | undefined;
  if ((input.billing_configuration ?? {}).sync_with_provider === true) {
    const existing = await findCustomerByExternalId(db, organizationId, input.external_id);
    const billing = { ...(existing?.billing_configuration ?? {}), ...(input.billing_configuration ?? {}) };
    // Lago: only for a customer without a provider_customer_id (one given or stored is the customer's).
    if (providerCustomerIdOf({ billing_configuration: billing }) === null) {
      const problems = new Problems();
      if (billing.payment_provider !== 'stripe') problems.add('billing_configuration.payment_provider', 'invalid_payment_provider');
      else if (!(connection = await findPaymentProvider(db, organizationId, 'stripe'))) problems.add('billing_configuration.payment_provider', 'payment_provider_not_connected');
      problems.throwIfAny();
    }
  }
  const saved = await saveCustomer(db, organizationId, input, nowMs);
  if (!connection || providerCustomerIdOf(saved.customer)) return saved;
  return createProviderCustomer(db, providers, connection, saved);
}

async function createProviderCustomer(db: Db, providers: ProviderFactory, connection: PaymentProviderRow, saved: CustomerWithTaxes): Promise<CustomerWithTaxes> {
  const { customer } = saved;
  const organizationId = customer.organization_id;
  let providerCustomerId: string;
  try {
    ({ providerCustomerId } = await providers({ type: 'stripe', secretKey: connection.secret_key }).createCustomer({
      name: customer.name ?? customer.legal_name ?? ([customer.firstname, customer.lastname].filter(Boolean).join(' ') || null),
      email: customer.email,
      metadata: { billow_organization_id: organizationId, billow_customer_id: customer.id, external_customer_id: customer.external_id },
      idempotencyKey: `billow:${organizationId}:customer:${customer.id}:create`,
    }));
  } catch (error) {
    const details: ProviderErrorDetails = error instanceof ProviderRefusal ? error.details : { message: 'Stripe did not answer.', error_code: null };
    log.warn({ organizationId, customerId: customer.id, errorCode: details.error_code, refused: error instanceof ProviderRefusal }, 'stripe customer not created');
    await db.transaction((trx) => recordWebhookEvent(trx, {
      organizationId, webhookType: 'customer.payment_provider_error', objectType: 'payment_provider_customer_error',
      object: {
        lago_customer_id: customer.id, external_customer_id: customer.external_id, payment_provider: 'stripe', payment_provider_code: connection.code,
        provider_error: { message: details.message, error_code: details.error_code },
      },
    }));
    return saved;
  }
  return db.transaction(async (trx) => {
    const billing = customer.billing_configuration ?? {};
    const { customer: updated } = await upsertCustomer(trx, organizationId, customer.external_id, {
      billing_configuration: { provider_customer_id: providerCustomerId, ...(billing.payment_provider_code ? {} : { payment_provider_code: connection.code }) },
    });
    await recordWebhookEvent(trx, {
      organizationId, webhookType: 'customer.payment_provider_created', objectType: 'customer',
      object: await customerWebhookObject(trx, organizationId, updated), idempotencyKey: `customer.payment_provider_created:${customer.id}:${providerCustomerId}`,
    });
    return { customer: updated, taxes: saved.taxes };
  });
}

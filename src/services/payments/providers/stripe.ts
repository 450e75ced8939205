/**
 * Stripe, through its official Node library: the only file of Billow that imports `stripe`.
 *
 * - Charges are off-session PaymentIntents, confirmed at once on the customer's default payment
 *   method, created with the caller's idempotency key: Stripe answers a repeated request with the
 *   first one's PaymentIntent, so a retried activity charges once.
 * - A PaymentIntent's status maps to Lago's as Lago maps it: `succeeded`; `canceled` is failed;
 *   every `requires_*` and `processing` is pending (the outcome comes by webhook). A declined card,
 *   an invalid request or a bad key is a `ProviderRefusal`; anything else is thrown as is (retried).
 * - Webhooks are checked with `Stripe-Signature` over the raw body (`stripe.webhooks.constructEvent`,
 *   Stripe's default 5-minute tolerance), then read into the provider-neutral `ProviderEvent`.
 *
 * The API version is the one the library pins (2026-08-26.dahlia for stripe 22.x).
 */
import Stripe from 'stripe';
import {
  ProviderRefusal, ProviderSignatureError,
  type NormalizedStatus, type PaymentProvider, type ProviderErrorDetails, type ProviderEvent, type ProviderPayment, type ProviderRefund,
} from './provider';

export interface StripeOptions {
  secretKey: string;
  /** Another API base (`http://127.0.0.1:12111` for stripe-mock); Stripe's own when absent. */
  apiUrl?: string | null;
  timeoutMs?: number;
}

function clientOf(options: StripeOptions): Stripe {
  const config: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: options.timeoutMs ?? 30_000, appInfo: { name: 'Billow' } };
  if (options.apiUrl) {
    const url = new URL(options.apiUrl);
    config.host = url.hostname;
    config.port = url.port || (url.protocol === 'https:' ? 443 : 80);
    config.protocol = url.protocol === 'https:' ? 'https' : 'http';
  }
  return new Stripe(options.secretKey, config);
}

const PENDING = new Set(['requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture']);

function normalized(status: string): NormalizedStatus {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'canceled') return 'failed';
  if (status === 'processing') return 'processing';
  if (PENDING.has(status)) return 'pending';
  return 'pending';
}

function errorOf(error: { message?: string | null; code?: string | null; decline_code?: string | null } | null | undefined): ProviderErrorDetails | null {
  if (!error) return null;
  return { message: error.message ?? 'The payment failed.', error_code: error.code ?? null, decline_code: error.decline_code ?? null };
}

function paymentOf(intent: Stripe.PaymentIntent, eventType?: string): ProviderPayment {
  // A failure event reports the intent as it is afterwards (requires_payment_method): the event says it failed.
  const paymentStatus = eventType === 'payment_intent.payment_failed' ? 'failed' : normalized(intent.status);
  return {
    providerPaymentId: intent.id,
    status: eventType === 'payment_intent.payment_failed' ? 'failed' : intent.status,
    paymentStatus,
    nextAction: intent.status === 'requires_action' && intent.next_action ? (intent.next_action as unknown as Record<string, unknown>) : null,
    error: paymentStatus === 'failed' ? errorOf(intent.last_payment_error) ?? { message: `The payment is ${intent.status}.`, error_code: intent.status } : null,
    amountCents: BigInt(intent.amount),
    currency: intent.currency.toUpperCase(),
  };
}

function refundStatus(status: string | null | undefined): ProviderRefund['status'] {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'failed' || status === 'canceled') return 'failed';
  return 'pending';
}

/** A Stripe error that repeating the request would not cure, as a `ProviderRefusal`; others are rethrown. */
function refusing(error: unknown): never {
  if (error instanceof Stripe.errors.StripeCardError) throw new ProviderRefusal(errorOf(error)!, 'card');
  if (error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeIdempotencyError) {
    throw new ProviderRefusal(errorOf(error)!, 'request');
  }
  if (error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError) {
    throw new ProviderRefusal(errorOf(error)!, 'authentication');
  }
  throw error;
}

const metadataOf = (value: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries((value ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>;

export function stripeProvider(options: StripeOptions): PaymentProvider {
  const stripe = clientOf(options);

  /** The payment method to charge: the customer's default, else the first one saved. */
  async function defaultPaymentMethod(customerId: string): Promise<string | null> {
    const customer = await stripe.customers.retrieve(customerId);
    if (!('deleted' in customer && customer.deleted)) {
      const active = customer as Stripe.Customer;
      const chosen = active.invoice_settings?.default_payment_method ?? active.default_source;
      if (chosen) return typeof chosen === 'string' ? chosen : chosen.id;
    }
    const listed = await stripe.paymentMethods.list({ customer: customerId, limit: 1 });
    return listed.data[0]?.id ?? null;
  }

  return {
    type: 'stripe',

    async createCustomer(input) {
      try {
        const customer = await stripe.customers.create(
          { name: input.name ?? undefined, email: input.email ?? undefined, metadata: input.metadata },
          { idempotencyKey: input.idempotencyKey },
        );
        return { providerCustomerId: customer.id };
      } catch (error) {
        return refusing(error);
      }
    },

    async charge(input) {
      try {
        const paymentMethod = await defaultPaymentMethod(input.providerCustomerId);
        const intent = await stripe.paymentIntents.create({
          amount: Number(input.amountCents),
          currency: input.currency.toLowerCase(),
          customer: input.providerCustomerId,
          ...(paymentMethod ? { payment_method: paymentMethod } : {}),
          confirm: true,
          off_session: true,
          description: input.description,
          metadata: input.metadata,
        }, { idempotencyKey: input.idempotencyKey });
        return paymentOf(intent);
      } catch (error) {
        return refusing(error);
      }
    },

    async refund(input) {
      try {
        const refund = await stripe.refunds.create(
          { payment_intent: input.providerPaymentId, amount: Number(input.amountCents), metadata: input.metadata },
          { idempotencyKey: input.idempotencyKey },
        );
        const status = refundStatus(refund.status);
        return { providerRefundId: refund.id, status, error: status === 'failed' ? { message: refund.failure_reason ?? 'The refund failed.', error_code: refund.failure_reason ?? null } : null };
      } catch (error) {
        return refusing(error);
      }
    },

    async setupCheckout(input) {
      try {
        const session = await stripe.checkout.sessions.create({
          mode: 'setup',
          customer: input.providerCustomerId,
          payment_method_types: ['card'],
          success_url: input.successUrl,
        }, { idempotencyKey: input.idempotencyKey });
        if (!session.url) throw new Error(`Stripe gave checkout session ${session.id} no URL`);
        return { url: session.url };
      } catch (error) {
        return refusing(error);
      }
    },

    async paymentCheckout(input) {
      try {
        const session = await stripe.checkout.sessions.create({
          mode: 'payment',
          customer: input.providerCustomerId,
          success_url: input.successUrl,
          line_items: [{ quantity: 1, price_data: { currency: input.currency.toLowerCase(), unit_amount: Number(input.amountCents), product_data: { name: input.name } } }],
          payment_intent_data: { description: input.description, metadata: input.metadata },
          metadata: input.metadata,
        }, { idempotencyKey: input.idempotencyKey });
        if (!session.url) throw new Error(`Stripe gave checkout session ${session.id} no URL`);
        return { url: session.url };
      } catch (error) {
        return refusing(error);
      }
    },

    async useSetupPaymentMethod(input) {
      const setupIntent = await stripe.setupIntents.retrieve(input.setupIntentId);
      const method = setupIntent.payment_method;
      if (!method) return;
      await stripe.customers.update(input.providerCustomerId, { invoice_settings: { default_payment_method: typeof method === 'string' ? method : method.id } });
    },

    readWebhook(rawBody, signatureHeader, webhookSecret) {
      if (!signatureHeader) throw new ProviderSignatureError('The Stripe-Signature header is missing.');
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(rawBody, signatureHeader, webhookSecret);
      } catch (error) {
        throw new ProviderSignatureError(error instanceof Error ? error.message : 'The signature does not match.');
      }
      return eventOf(event);
    },
  };
}

function eventOf(event: Stripe.Event): ProviderEvent {
  const base = { eventId: event.id, eventType: event.type };
  const object = event.data.object as unknown as Record<string, unknown>;
  switch (event.type) {
    case 'payment_intent.succeeded':
    case 'payment_intent.payment_failed':
    case 'payment_intent.requires_action':
    case 'payment_intent.processing':
    case 'payment_intent.canceled': {
      const intent = object as unknown as Stripe.PaymentIntent;
      return { kind: 'payment', ...base, payment: paymentOf(intent, event.type), metadata: metadataOf(intent.metadata) };
    }
    case 'checkout.session.completed': {
      const session = object as unknown as Stripe.Checkout.Session;
      const customer = typeof session.customer === 'string' ? session.customer : session.customer?.id ?? null;
      if (session.mode === 'setup') {
        const setupIntent = typeof session.setup_intent === 'string' ? session.setup_intent : session.setup_intent?.id ?? null;
        return { kind: 'checkout_setup', ...base, sessionId: session.id, providerCustomerId: customer, setupIntentId: setupIntent };
      }
      const intentId = typeof session.payment_intent === 'string' ? session.payment_intent : session.payment_intent?.id ?? null;
      const paid = session.payment_status === 'paid' && intentId !== null && session.amount_total !== null;
      return {
        kind: 'checkout_payment', ...base, sessionId: session.id, metadata: metadataOf(session.metadata),
        payment: paid ? {
          providerPaymentId: intentId!, status: 'succeeded', paymentStatus: 'succeeded', nextAction: null, error: null,
          amountCents: BigInt(session.amount_total!), currency: (session.currency ?? '').toUpperCase(),
        } : null,
      };
    }
    case 'charge.refunded': {
      const charge = object as unknown as Stripe.Charge;
      const refunds = charge.refunds?.data ?? [];
      return {
        kind: 'refunds', ...base,
        refunds: refunds.map((refund) => ({
          providerRefundId: refund.id, status: refundStatus(refund.status), metadata: metadataOf(refund.metadata),
          error: refundStatus(refund.status) === 'failed' ? { message: refund.failure_reason ?? 'The refund failed.', error_code: refund.failure_reason ?? null } : null,
        })),
      };
    }
    case 'charge.refund.updated':
    case 'refund.updated':
    case 'refund.failed': {
      const refund = object as unknown as Stripe.Refund;
      const status = refundStatus(refund.status);
      return {
        kind: 'refunds', ...base,
        refunds: [{ providerRefundId: refund.id, status, metadata: metadataOf(refund.metadata), error: status === 'failed' ? { message: refund.failure_reason ?? 'The refund failed.', error_code: refund.failure_reason ?? null } : null }],
      };
    }
    default:
      return { kind: 'ignored', ...base };
  }
}

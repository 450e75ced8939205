/**
 * A payment provider, as the payments domain sees it: create a customer, charge a saved payment
 * method off-session, refund, open a hosted checkout, and read its signed webhooks. Stripe is the
 * first (`stripe.ts`, the only file that imports the provider's SDK); GoCardless or Adyen would
 * implement the same interface. Card data never reaches Billow: the provider holds the payment
 * methods, Billow holds their ids.
 */

/** Lago's normalized payment statuses. */
export type NormalizedStatus = 'pending' | 'processing' | 'succeeded' | 'failed';

/** What a provider answered about a payment: its id, its own status and Lago's, and what the payer must do. */
export interface ProviderPayment {
  providerPaymentId: string;
  /** The provider's own status (Stripe: `requires_action`, `succeeded`, …). */
  status: string;
  paymentStatus: NormalizedStatus;
  /** The next action the payer must take (3-D Secure, …), as the provider describes it. */
  nextAction: Record<string, unknown> | null;
  /** Why it failed, as the provider says it (`{ message, error_code }`). */
  error: ProviderErrorDetails | null;
  amountCents: bigint;
  currency: string;
}

export interface ProviderErrorDetails {
  message: string;
  error_code: string | null;
  decline_code?: string | null;
}

/**
 * A provider refused a request for good (a declined card, an invalid request, a revoked key): the
 * same request would be refused again. Anything else thrown (a network error, a rate limit, the
 * provider's own outage) is worth retrying.
 */
export class ProviderRefusal extends Error {
  constructor(readonly details: ProviderErrorDetails, readonly kind: 'card' | 'request' | 'authentication') {
    super(details.message);
    this.name = 'ProviderRefusal';
  }
}

/** A webhook whose signature does not check out (or is missing): nothing in it is believed. */
export class ProviderSignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderSignatureError';
  }
}

export interface ChargeInput {
  amountCents: bigint;
  currency: string;
  providerCustomerId: string;
  /** The same key on a retried call: the provider creates (and charges) once. */
  idempotencyKey: string;
  description: string;
  metadata: Record<string, string>;
  /** Where the payer comes back after an action (3-D Secure). */
  returnUrl: string;
}

export interface RefundInput {
  providerPaymentId: string;
  amountCents: bigint;
  idempotencyKey: string;
  metadata: Record<string, string>;
}

export interface ProviderRefund {
  providerRefundId: string;
  status: 'pending' | 'succeeded' | 'failed';
  error: ProviderErrorDetails | null;
}

export interface CheckoutInput {
  providerCustomerId: string;
  successUrl: string;
  idempotencyKey: string;
}

export interface PaymentCheckoutInput extends CheckoutInput {
  amountCents: bigint;
  currency: string;
  /** The line the payer sees (the invoice number). */
  name: string;
  description: string;
  metadata: Record<string, string>;
}

export interface CustomerInput {
  name: string | null;
  email: string | null;
  metadata: Record<string, string>;
  idempotencyKey: string;
}

/**
 * What a verified webhook says, in the provider's neutral terms. Unknown events are `ignored`
 * (still verified and recorded, so a replay is recognized).
 */
export type ProviderEvent =
  | { kind: 'payment'; eventId: string; eventType: string; payment: ProviderPayment; metadata: Record<string, string> }
  | { kind: 'checkout_payment'; eventId: string; eventType: string; sessionId: string; payment: ProviderPayment | null; metadata: Record<string, string> }
  | { kind: 'checkout_setup'; eventId: string; eventType: string; sessionId: string; providerCustomerId: string | null; setupIntentId: string | null }
  | { kind: 'refunds'; eventId: string; eventType: string; refunds: (ProviderRefund & { metadata: Record<string, string> })[] }
  | { kind: 'ignored'; eventId: string; eventType: string };

export interface PaymentProvider {
  readonly type: 'stripe';
  createCustomer(input: CustomerInput): Promise<{ providerCustomerId: string }>;
  /** Charges the customer's default payment method without them present. Throws `ProviderRefusal` on a refusal. */
  charge(input: ChargeInput): Promise<ProviderPayment>;
  refund(input: RefundInput): Promise<ProviderRefund>;
  /** A hosted page where the customer saves a payment method. */
  setupCheckout(input: CheckoutInput): Promise<{ url: string }>;
  /** A hosted page where the customer pays an amount once. */
  paymentCheckout(input: PaymentCheckoutInput): Promise<{ url: string }>;
  /** Makes the setup's payment method the customer's default for later charges. */
  useSetupPaymentMethod(input: { providerCustomerId: string; setupIntentId: string }): Promise<void>;
  /** Verifies a webhook's signature over its raw body and reads it. Throws `ProviderSignatureError`. */
  readWebhook(rawBody: Buffer, signatureHeader: string | undefined, webhookSecret: string): ProviderEvent;
}

/** A connection's credentials: what a provider is built with. */
export interface ProviderCredentials {
  type: 'stripe';
  secretKey: string;
}

/** Builds the provider of a connection (tests point it at a double). */
export type ProviderFactory = (credentials: ProviderCredentials) => PaymentProvider;

import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { pageFrom } from '../pagination';
import { stringParam } from '../query';
import { dunningCampaignSchema, manualPaymentSchema, paymentRequestQuerySchema, paymentRequestSchema, retryPaymentSchema, stripeConnectionSchema } from '../schemas/payments';
import { parseQuery } from '../schemas/query';
import { parseInput } from '../validation';
import { serializePayment } from '../../serializers/payment';
import { serializePaymentProvider } from '../../serializers/payment-provider';
import { serializeDunningCampaign } from '../../serializers/dunning-campaign';
import {
  configuredProviders, connectStripe, createManualPayment, customerCheckoutUrl, getDunningCampaign, getPayment, getStripeConnection, invoicePaymentUrl,
  listPayments, removeDunningCampaign, removeStripeConnection, retryInvoicePayment, saveDunningCampaign,
  createPaymentRequest, getPaymentRequest, listPaymentRequests, type ConnectionView, type PresentedPayment,
} from '../../services/payments';

const present = ({ payment, context }: PresentedPayment) => serializePayment(payment, context);

export function paymentsRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'payment', manualPaymentSchema);
    res.json({ payment: present(await createManualPayment(db, organizationOf(req).id, input, await clock.now())) });
  }));
  router.get('/:id', handle(async (req, res) => {
    res.json({ payment: present(await getPayment(db, organizationOf(req).id, String(req.params.id))) });
  }));
  router.get('/', handle(async (req, res) => {
    const filters = { externalCustomerId: stringParam(req.query, 'external_customer_id'), invoiceId: stringParam(req.query, 'invoice_id') };
    const { rows, meta } = await listPayments(db, organizationOf(req).id, filters, pageFrom(req.query));
    res.json({ payments: rows.map(present), meta });
  }));
  return router;
}

/** `GET /customers/:externalId/payments`: the customer's payments (404 for an unknown customer). */
export function customerPaymentsRouter({ db }: AppContext): Router {
  const router = Router();
  router.get('/:externalId/payments', handle(async (req, res) => {
    const filters = { externalCustomerId: String(req.params.externalId), invoiceId: stringParam(req.query, 'invoice_id') };
    const { rows, meta } = await listPayments(db, organizationOf(req).id, filters, pageFrom(req.query), { customerScoped: true });
    res.json({ payments: rows.map(present), meta });
  }));
  return router;
}

/** `POST /invoices/:id/retry_payment`: the invoice sent for collection again; 200 without a body, as Lago (`head :ok`). */
export function retryPaymentRouter({ db }: AppContext): Router {
  const router = Router();
  router.post('/:id/retry_payment', handle(async (req, res) => {
    parseInput(req.body ?? {}, retryPaymentSchema);
    await retryInvoicePayment(db, organizationOf(req).id, String(req.params.id));
    res.status(200).end();
  }));
  return router;
}

/**
 * Billow's own route to connect the organization to Stripe (Lago does it in its UI, with no public
 * route): `PUT /api/v1/payment_providers/stripe` with the secret key and the webhook signing secret
 * (stored sealed, never answered), `GET` to see the connection (a mask of the key, the webhook URL
 * to give Stripe), `DELETE` to remove it.
 */
export function paymentProvidersRouter({ db, publicUrl }: AppContext): Router {
  const router = Router();
  const present = (req: Parameters<typeof organizationOf>[0], view: ConnectionView) =>
    ({ payment_provider: serializePaymentProvider(view, { publicUrl, organizationId: organizationOf(req).id }) });
  router.put('/stripe', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'payment_provider', stripeConnectionSchema);
    res.json(present(req, await connectStripe(db, organizationOf(req).id, {
      secretKey: input.secret_key, webhookSecret: input.webhook_secret, code: input.code, name: input.name, successRedirectUrl: input.success_redirect_url ?? null,
    })));
  }));
  router.get('/stripe', handle(async (req, res) => {
    res.json(present(req, await getStripeConnection(db, organizationOf(req).id)));
  }));
  router.delete('/stripe', handle(async (req, res) => {
    res.json(present(req, await removeStripeConnection(db, organizationOf(req).id)));
  }));
  return router;
}

/** `POST /customers/:externalId/checkout_url`: a Stripe Checkout session (setup mode) where the customer saves a payment method. */
export function customerCheckoutRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.post('/:externalId/checkout_url', handle(async (req, res) => {
    res.json({ customer: await customerCheckoutUrl(db, configuredProviders(), organizationOf(req).id, String(req.params.externalId), await clock.now()) });
  }));
  return router;
}

/** `POST /invoices/:id/payment_url`: a Stripe Checkout session for what is still due on the invoice. */
export function invoicePaymentUrlRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.post('/:id/payment_url', handle(async (req, res) => {
    res.json({ invoice_payment_details: await invoicePaymentUrl(db, configuredProviders(), organizationOf(req).id, String(req.params.id), await clock.now()) });
  }));
  return router;
}

/** Billow's own route for the organization's dunning campaign (services/payments/dunning.ts): `PUT`, `GET`, `DELETE /api/v1/dunning_campaign`. */
export function dunningCampaignRouter({ db }: AppContext): Router {
  const router = Router();
  router.put('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'dunning_campaign', dunningCampaignSchema);
    res.json({ dunning_campaign: serializeDunningCampaign(await saveDunningCampaign(db, organizationOf(req).id, input)) });
  }));
  router.get('/', handle(async (req, res) => {
    res.json({ dunning_campaign: serializeDunningCampaign(await getDunningCampaign(db, organizationOf(req).id)) });
  }));
  router.delete('/', handle(async (req, res) => {
    res.json({ dunning_campaign: serializeDunningCampaign(await removeDunningCampaign(db, organizationOf(req).id)) });
  }));
  return router;
}

/** Lago's payment requests: `POST /payment_requests`, `GET /payment_requests`, `GET /payment_requests/:id` (services/payments/payment-requests.ts). */
export function paymentRequestsRouter({ db, clock, publicUrl }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'payment_request', paymentRequestSchema);
    res.json({ payment_request: await createPaymentRequest(db, organizationOf(req), input, { nowMs: await clock.now(), publicUrl }) });
  }));
  router.get('/:id', handle(async (req, res) => {
    res.json({ payment_request: await getPaymentRequest(db, organizationOf(req), String(req.params.id), { nowMs: await clock.now(), publicUrl }) });
  }));
  router.get('/', handle(async (req, res) => {
    const query = parseQuery(req.query, paymentRequestQuerySchema);
    const filters = { externalCustomerId: query.external_customer_id, paymentStatus: query.payment_status, currency: query.currency };
    const { rows, meta } = await listPaymentRequests(db, organizationOf(req), filters, pageFrom(req.query), { nowMs: await clock.now(), publicUrl });
    res.json({ payment_requests: rows, meta });
  }));
  return router;
}

/** `GET /customers/:externalId/payment_requests`: the customer's (404 for an unknown customer). */
export function customerPaymentRequestsRouter({ db, clock, publicUrl }: AppContext): Router {
  const router = Router();
  router.get('/:externalId/payment_requests', handle(async (req, res) => {
    const query = parseQuery(req.query, paymentRequestQuerySchema.omit({ external_customer_id: true }));
    const filters = { externalCustomerId: String(req.params.externalId), paymentStatus: query.payment_status, currency: query.currency };
    const { rows, meta } = await listPaymentRequests(db, organizationOf(req), filters, pageFrom(req.query), { nowMs: await clock.now(), publicUrl, customerScoped: true });
    res.json({ payment_requests: rows, meta });
  }));
  return router;
}

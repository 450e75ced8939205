/**
 * `POST /webhooks/stripe/:organizationId`: Stripe's webhooks for an organization (outside
 * `/api/v1`, as Lago has it; no API key: Stripe signs them). The body is read raw, since the
 * `Stripe-Signature` header signs its exact bytes: a missing or bad signature is a 400 and changes
 * nothing; a replayed event is answered 200 and handled once.
 */
import { Router, raw as rawBodyParser } from 'express';
import type { AppContext } from '../context';
import { handle } from '../handler';
import { badRequest } from '../errors';
import { configuredProviders, handleProviderWebhook } from '../../services/payments';

export function providerWebhooksRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.post('/stripe/:organizationId', rawBodyParser({ type: () => true, limit: '1mb' }), handle(async (req, res) => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = req.headers['stripe-signature'];
    const handled = await handleProviderWebhook(db, configuredProviders(), {
      organizationId: String(req.params.organizationId), rawBody, signature: typeof signature === 'string' ? signature : undefined, nowMs: await clock.now(),
    });
    if (handled === 'bad_signature') throw badRequest('the Stripe-Signature header does not sign this body');
    if (handled === 'unknown_organization') {
      res.status(404).json({ status: 404, error: 'Not Found', code: 'payment_provider_not_found' });
      return;
    }
    res.json({ received: true, handled: handled === 'handled' });
  }));
  return router;
}

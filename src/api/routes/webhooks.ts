/**
 * `/webhooks`: the instance's public key (reference §1.10), the webhooks sent (one event to one
 * endpoint, filterable by status, type and endpoint), and a manual retry.
 */
import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { pageFrom } from '../pagination';
import { serializeWebhook } from '../../serializers/webhook';
import { listWebhooks, retryWebhook, showWebhook, webhookPublicKey } from '../../services/webhooks';

/** A query parameter as given (an empty one is a value, checked by the service). */
const param = (value: unknown): string | undefined => (value === undefined ? undefined : String(value));

export function webhooksRouter({ db, publicUrl }: AppContext): Router {
  const router = Router();
  router.get('/json_public_key', handle(async (_req, res) => {
    res.json({ webhook: { public_key: await webhookPublicKey(db) } });
  }));
  router.get('/public_key', handle(async (_req, res) => {
    res.type('text/plain').send(await webhookPublicKey(db));
  }));
  router.get('/', handle(async (req, res) => {
    const filters = { status: param(req.query.status), webhook_type: param(req.query.webhook_type), webhook_endpoint_id: param(req.query.webhook_endpoint_id) };
    const { rows, meta } = await listWebhooks(db, organizationOf(req).id, filters, pageFrom(req.query));
    res.json({ webhooks: rows.map((row) => serializeWebhook(row)), meta });
  }));
  router.get('/:id', handle(async (req, res) => {
    const { webhook, payload, deliveries } = await showWebhook(db, organizationOf(req).id, String(req.params.id));
    res.json({ webhook: serializeWebhook(webhook, { payload, deliveries }) });
  }));
  /** One more attempt, now, whatever the webhook's state; the answer shows how it went. */
  router.post('/:id/retry', handle(async (req, res) => {
    const { webhook, deliveries } = await retryWebhook(db, publicUrl, organizationOf(req).id, String(req.params.id));
    res.json({ webhook: serializeWebhook(webhook, { deliveries }) });
  }));
  return router;
}

/**
 * `/webhooks`: the instance's public key (reference §1.10), the webhooks sent (one event to one
 * endpoint, filterable by status, type and endpoint), and a manual retry.
 */
import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { invalidField, notFound } from '../errors';
import { pageFrom, paginate } from '../pagination';
import { serializeWebhook } from '../../serializers/webhook';
import { deliveriesOf, findEvent, findWebhook, isUuid, webhooksOf, type WebhookRow } from '../../db/webhooks';
import { publicKeyBase64, webhookSigningKey } from '../../webhooks/signing';
import { attemptDelivery } from '../../webhooks/delivery';

const STATUSES = ['pending', 'retrying', 'succeeded', 'failed'];

export function webhooksRouter({ db, publicUrl }: AppContext): Router {
  const router = Router();
  router.get('/json_public_key', handle(async (_req, res) => {
    res.json({ webhook: { public_key: publicKeyBase64(await webhookSigningKey(db)) } });
  }));
  router.get('/public_key', handle(async (_req, res) => {
    res.type('text/plain').send(publicKeyBase64(await webhookSigningKey(db)));
  }));
  router.get('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    let query = webhooksOf(db, organization.id).orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]);
    if (req.query.status !== undefined) {
      const status = String(req.query.status);
      if (!STATUSES.includes(status)) throw invalidField('status', 'value_is_invalid');
      query = query.where('status', status);
    }
    if (req.query.webhook_type !== undefined) query = query.where('webhook_type', String(req.query.webhook_type));
    if (req.query.webhook_endpoint_id !== undefined) {
      const endpointId = String(req.query.webhook_endpoint_id);
      if (!isUuid(endpointId)) throw invalidField('webhook_endpoint_id', 'value_is_invalid');
      query = query.where('endpoint_id', endpointId);
    }
    const { rows, meta } = await paginate<WebhookRow>(query, pageFrom(req.query));
    res.json({ webhooks: rows.map((row) => serializeWebhook(row)), meta });
  }));
  router.get('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    const webhook = await findWebhook(db, organization.id, String(req.params.id));
    if (!webhook) throw notFound('webhook');
    const [event, deliveries] = await Promise.all([
      findEvent(db, organization.id, webhook.event_id),
      deliveriesOf(db, organization.id).where({ webhook_id: webhook.id }).orderBy('attempt'),
    ]);
    res.json({ webhook: serializeWebhook(webhook, { payload: event?.payload ?? null, deliveries }) });
  }));
  /** One more attempt, now, whatever the webhook's state; the answer shows how it went. */
  router.post('/:id/retry', handle(async (req, res) => {
    const organization = organizationOf(req);
    const webhook = await findWebhook(db, organization.id, String(req.params.id));
    if (!webhook) throw notFound('webhook');
    await attemptDelivery(db, { publicUrl, timeoutMs: 30_000 }, { organizationId: organization.id, webhookId: webhook.id, trigger: 'manual' });
    const [updated, deliveries] = await Promise.all([
      findWebhook(db, organization.id, webhook.id),
      deliveriesOf(db, organization.id).where({ webhook_id: webhook.id }).orderBy('attempt'),
    ]);
    res.json({ webhook: serializeWebhook(updated!, { deliveries }) });
  }));
  return router;
}

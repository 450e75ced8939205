/** `/webhook_endpoints` (reference §1.10) and each endpoint's delivery log. */
import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { notFound } from '../errors';
import { parseEnvelope } from '../validation';
import { pageFrom, paginate } from '../pagination';
import { createWebhookEndpointSchema, updateWebhookEndpointSchema } from '../schemas/webhook-endpoints';
import { serializeDelivery, serializeWebhookEndpoint } from '../../serializers/webhook';
import { deliveriesOf, endpointsOf, findEndpoint, type WebhookDeliveryRow, type WebhookEndpointRow } from '../../db/webhooks';
import { createWebhookEndpoint, destroyWebhookEndpoint, updateWebhookEndpoint } from '../../services/webhooks/webhook-endpoints';

export function webhookEndpointsRouter({ db }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'webhook_endpoint', createWebhookEndpointSchema);
    res.json({ webhook_endpoint: serializeWebhookEndpoint(await createWebhookEndpoint(db, organization.id, input)) });
  }));
  router.get('/', handle(async (req, res) => {
    const organization = organizationOf(req);
    const { rows, meta } = await paginate<WebhookEndpointRow>(endpointsOf(db, organization.id).orderBy('created_at', 'desc'), pageFrom(req.query));
    res.json({ webhook_endpoints: rows.map(serializeWebhookEndpoint), meta });
  }));
  router.get('/:id', handle(async (req, res) => {
    const endpoint = await findEndpoint(db, organizationOf(req).id, String(req.params.id));
    if (!endpoint) throw notFound('webhook_endpoint');
    res.json({ webhook_endpoint: serializeWebhookEndpoint(endpoint) });
  }));
  router.put('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    const input = parseEnvelope(req.body, 'webhook_endpoint', updateWebhookEndpointSchema);
    res.json({ webhook_endpoint: serializeWebhookEndpoint(await updateWebhookEndpoint(db, organization.id, String(req.params.id), input)) });
  }));
  router.delete('/:id', handle(async (req, res) => {
    const organization = organizationOf(req);
    res.json({ webhook_endpoint: serializeWebhookEndpoint(await destroyWebhookEndpoint(db, organization.id, String(req.params.id))) });
  }));
  /** Every delivery attempt to this endpoint, newest first. */
  router.get('/:id/deliveries', handle(async (req, res) => {
    const organization = organizationOf(req);
    const endpoint = await findEndpoint(db, organization.id, String(req.params.id));
    if (!endpoint) throw notFound('webhook_endpoint');
    const query = deliveriesOf(db, organization.id).where({ endpoint_id: endpoint.id })
      .orderBy([{ column: 'started_at', order: 'desc' }, { column: 'attempt', order: 'desc' }]);
    const { rows, meta } = await paginate<WebhookDeliveryRow>(query, pageFrom(req.query));
    res.json({ webhook_deliveries: rows.map(serializeDelivery), meta });
  }));
  return router;
}

/** `/webhook_endpoints` (reference §1.10) and each endpoint's delivery log. */
import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { pageFrom } from '../pagination';
import { createWebhookEndpointSchema, updateWebhookEndpointSchema } from '../schemas/webhook-endpoints';
import { serializeDelivery, serializeWebhookEndpoint } from '../../serializers/webhook';
import {
  createWebhookEndpoint, destroyWebhookEndpoint, findWebhookEndpoint, listWebhookEndpointDeliveries, listWebhookEndpoints, updateWebhookEndpoint,
} from '../../services/webhooks';

export function webhookEndpointsRouter({ db }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'webhook_endpoint', createWebhookEndpointSchema);
    res.json({ webhook_endpoint: serializeWebhookEndpoint(await createWebhookEndpoint(db, organizationOf(req).id, input)) });
  }));
  router.get('/', handle(async (req, res) => {
    const { rows, meta } = await listWebhookEndpoints(db, organizationOf(req).id, pageFrom(req.query));
    res.json({ webhook_endpoints: rows.map(serializeWebhookEndpoint), meta });
  }));
  router.get('/:id', handle(async (req, res) => {
    res.json({ webhook_endpoint: serializeWebhookEndpoint(await findWebhookEndpoint(db, organizationOf(req).id, String(req.params.id))) });
  }));
  router.put('/:id', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'webhook_endpoint', updateWebhookEndpointSchema);
    res.json({ webhook_endpoint: serializeWebhookEndpoint(await updateWebhookEndpoint(db, organizationOf(req).id, String(req.params.id), input)) });
  }));
  router.delete('/:id', handle(async (req, res) => {
    res.json({ webhook_endpoint: serializeWebhookEndpoint(await destroyWebhookEndpoint(db, organizationOf(req).id, String(req.params.id))) });
  }));
  /** Every delivery attempt to this endpoint, newest first. */
  router.get('/:id/deliveries', handle(async (req, res) => {
    const { rows, meta } = await listWebhookEndpointDeliveries(db, organizationOf(req).id, String(req.params.id), pageFrom(req.query));
    res.json({ webhook_deliveries: rows.map(serializeDelivery), meta });
  }));
  return router;
}

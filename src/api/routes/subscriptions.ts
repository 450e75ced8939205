import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { pageFrom } from '../pagination';
import { stringParam } from '../query';
import { createSubscriptionSchema, updateSubscriptionSchema } from '../schemas/subscriptions';
import {
  createSubscription, getSubscription, listSubscriptions, presentSubscription, terminateSubscription, updateSubscription,
} from '../../services/subscriptions';

export function subscriptionsRouter(ctx: AppContext): Router {
  const { db, clock } = ctx;
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'subscription', createSubscriptionSchema);
    const subscription = await createSubscription(ctx, organizationOf(req), input);
    res.json({ subscription: await presentSubscription(db, subscription, await clock.now()) });
  }));
  router.put('/:externalId', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'subscription', updateSubscriptionSchema);
    // Which one of that external id: `status` in the query or beside the envelope (Lago takes both).
    const besideStatus = typeof req.body?.status === 'string' ? (req.body.status as string) : undefined;
    const subscription = await updateSubscription(ctx, organizationOf(req), String(req.params.externalId), stringParam(req.query, 'status') ?? besideStatus, input);
    res.json({ subscription: await presentSubscription(db, subscription, await clock.now()) });
  }));
  router.delete('/:externalId', handle(async (req, res) => {
    const subscription = await terminateSubscription(ctx, organizationOf(req), String(req.params.externalId), stringParam(req.query, 'status'), {
      on_termination_credit_note: stringParam(req.query, 'on_termination_credit_note'),
      on_termination_invoice: stringParam(req.query, 'on_termination_invoice'),
    });
    res.json({ subscription: await presentSubscription(db, subscription, await clock.now()) });
  }));
  router.get('/:externalId', handle(async (req, res) => {
    const subscription = await getSubscription(db, organizationOf(req).id, String(req.params.externalId), stringParam(req.query, 'status'));
    res.json({ subscription: await presentSubscription(db, subscription, await clock.now()) });
  }));
  router.get('/', handle(async (req, res) => {
    const statuses = [req.query.status ?? req.query['status[]'] ?? 'active'].flat().map(String);
    const { rows, meta } = await listSubscriptions(db, organizationOf(req).id, {
      statuses,
      externalCustomerId: req.query.external_customer_id ? String(req.query.external_customer_id) : undefined,
      planCode: req.query.plan_code ? String(req.query.plan_code) : undefined,
    }, pageFrom(req.query));
    const now = await clock.now();
    res.json({ subscriptions: await Promise.all(rows.map((row) => presentSubscription(db, row, now))), meta });
  }));
  return router;
}

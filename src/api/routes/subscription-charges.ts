/**
 * A subscription's charges (issue 16 point 6, Lago's `/subscriptions/:external_id/charges[/:charge_code[/filters[/:filter_id]]]`):
 * read from its effective plan (its child plan when it has overrides), overridden by PUT and by
 * the filter routes (services/subscriptions/subscription-charges.ts). `subscription_status` in the
 * query picks which subscription of that external id (active unless given), as Lago does.
 */
import { Router, type Request } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope, parseOptionalEnvelope } from '../validation';
import { pageFrom } from '../pagination';
import { stringParam } from '../query';
import {
  createSubscriptionChargeFilterSchema, deleteSubscriptionChargeFilterSchema, subscriptionChargeSchema, updateSubscriptionChargeFilterSchema,
} from '../schemas/plan-overrides';
import { serializeCharge, serializeChargeFilter } from '../../serializers/plan';
import {
  createSubscriptionChargeFilter, deleteSubscriptionChargeFilter, getSubscriptionCharge, getSubscriptionChargeFilter, listSubscriptionChargeFilters,
  listSubscriptionCharges, overrideSubscriptionCharge, updateSubscriptionChargeFilter, type SubscriptionChargeFilterView,
} from '../../services/subscriptions';

const external = (req: Request) => String(req.params.externalId);
const chargeCode = (req: Request) => String(req.params.chargeCode);
const filterId = (req: Request) => String(req.params.filterId);
const status = (req: Request) => stringParam(req.query, 'subscription_status');
const presentFilter = ({ charge, filter }: SubscriptionChargeFilterView) => serializeChargeFilter(charge, filter);

export function subscriptionChargesRouter({ db }: AppContext): Router {
  const router = Router();
  router.get('/:externalId/charges', handle(async (req, res) => {
    const { rows, meta } = await listSubscriptionCharges(db, organizationOf(req).id, external(req), status(req), pageFrom(req.query));
    res.json({ charges: rows.map(serializeCharge), meta });
  }));
  router.get('/:externalId/charges/:chargeCode', handle(async (req, res) => {
    res.json({ charge: serializeCharge(await getSubscriptionCharge(db, organizationOf(req).id, external(req), status(req), chargeCode(req))) });
  }));
  router.put('/:externalId/charges/:chargeCode', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'charge', subscriptionChargeSchema);
    res.json({ charge: serializeCharge(await overrideSubscriptionCharge(db, organizationOf(req).id, external(req), status(req), chargeCode(req), input)) });
  }));
  router.get('/:externalId/charges/:chargeCode/filters', handle(async (req, res) => {
    const { rows, meta } = await listSubscriptionChargeFilters(db, organizationOf(req).id, external(req), status(req), chargeCode(req), pageFrom(req.query));
    res.json({ filters: rows.map(presentFilter), meta });
  }));
  router.post('/:externalId/charges/:chargeCode/filters', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'filter', createSubscriptionChargeFilterSchema);
    res.json({ filter: presentFilter(await createSubscriptionChargeFilter(db, organizationOf(req).id, external(req), status(req), chargeCode(req), input)) });
  }));
  router.get('/:externalId/charges/:chargeCode/filters/:filterId', handle(async (req, res) => {
    res.json({ filter: presentFilter(await getSubscriptionChargeFilter(db, organizationOf(req).id, external(req), status(req), chargeCode(req), filterId(req))) });
  }));
  router.put('/:externalId/charges/:chargeCode/filters/:filterId', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'filter', updateSubscriptionChargeFilterSchema);
    res.json({ filter: presentFilter(await updateSubscriptionChargeFilter(db, organizationOf(req).id, external(req), status(req), chargeCode(req), filterId(req), input)) });
  }));
  router.delete('/:externalId/charges/:chargeCode/filters/:filterId', handle(async (req, res) => {
    parseOptionalEnvelope(req.body, 'filter', deleteSubscriptionChargeFilterSchema);
    res.json({ filter: presentFilter(await deleteSubscriptionChargeFilter(db, organizationOf(req).id, external(req), status(req), chargeCode(req), filterId(req))) });
  }));
  return router;
}

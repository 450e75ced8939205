/**
 * Fixed charges (issue 16 point 5): a plan's (`/plans/:code/fixed_charges[/:fixedChargeCode]`, each
 * change a `PUT /plans` of the fixed-charge list: services/catalog/fixed-charge-resources.ts) and a
 * subscription's, with its units (`/subscriptions/:externalId/fixed_charges[/:fixedChargeCode]`,
 * services/subscriptions/fixed-charges.ts). `subscription_status` in the query picks which
 * subscription of that external id (active unless given), as Lago does.
 */
import { Router, type Request } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope, parseOptionalEnvelope } from '../validation';
import { pageFrom } from '../pagination';
import { stringParam } from '../query';
import { deletePlanFixedChargeSchema, planFixedChargeSchema, subscriptionFixedChargeSchema } from '../schemas/fixed-charges';
import { serializeFixedCharge } from '../../serializers/plan';
import { createPlanFixedCharge, deletePlanFixedCharge, getPlanFixedCharge, listPlanFixedCharges, updatePlanFixedCharge } from '../../services/catalog';
import {
  changeSubscriptionFixedChargeUnits, getSubscriptionFixedCharge, listSubscriptionFixedCharges, type SubscriptionFixedChargeView,
} from '../../services/subscriptions';

const plan = (req: Request) => String(req.params.code);
const fixedCharge = (req: Request) => String(req.params.fixedChargeCode);
const present = ({ view, units }: SubscriptionFixedChargeView) => serializeFixedCharge(view, units);

export function planFixedChargesRouter({ db }: AppContext): Router {
  const router = Router();
  router.get('/:code/fixed_charges', handle(async (req, res) => {
    const { rows, meta } = await listPlanFixedCharges(db, organizationOf(req).id, plan(req), pageFrom(req.query));
    res.json({ fixed_charges: rows.map((row) => serializeFixedCharge(row)), meta });
  }));
  router.post('/:code/fixed_charges', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'fixed_charge', planFixedChargeSchema);
    res.json({ fixed_charge: serializeFixedCharge(await createPlanFixedCharge(db, organizationOf(req).id, plan(req), input)) });
  }));
  router.get('/:code/fixed_charges/:fixedChargeCode', handle(async (req, res) => {
    res.json({ fixed_charge: serializeFixedCharge(await getPlanFixedCharge(db, organizationOf(req).id, plan(req), fixedCharge(req))) });
  }));
  router.put('/:code/fixed_charges/:fixedChargeCode', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'fixed_charge', planFixedChargeSchema);
    res.json({ fixed_charge: serializeFixedCharge(await updatePlanFixedCharge(db, organizationOf(req).id, plan(req), fixedCharge(req), input)) });
  }));
  router.delete('/:code/fixed_charges/:fixedChargeCode', handle(async (req, res) => {
    parseOptionalEnvelope(req.body, 'fixed_charge', deletePlanFixedChargeSchema);
    res.json({ fixed_charge: serializeFixedCharge(await deletePlanFixedCharge(db, organizationOf(req).id, plan(req), fixedCharge(req))) });
  }));
  return router;
}

export function subscriptionFixedChargesRouter({ db, clock }: AppContext): Router {
  const router = Router();
  const external = (req: Request) => String(req.params.externalId);
  const status = (req: Request) => stringParam(req.query, 'subscription_status');
  router.get('/:externalId/fixed_charges', handle(async (req, res) => {
    const { rows, meta } = await listSubscriptionFixedCharges(db, organizationOf(req).id, external(req), status(req), pageFrom(req.query), await clock.now());
    res.json({ fixed_charges: rows.map(present), meta });
  }));
  router.get('/:externalId/fixed_charges/:fixedChargeCode', handle(async (req, res) => {
    res.json({ fixed_charge: present(await getSubscriptionFixedCharge(db, organizationOf(req).id, external(req), status(req), fixedCharge(req), await clock.now())) });
  }));
  router.put('/:externalId/fixed_charges/:fixedChargeCode', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'fixed_charge', subscriptionFixedChargeSchema);
    res.json({ fixed_charge: present(await changeSubscriptionFixedChargeUnits(db, organizationOf(req).id, external(req), status(req), fixedCharge(req), input, await clock.now())) });
  }));
  return router;
}

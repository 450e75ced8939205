import { Router, type Request } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { customerSchema } from '../schemas/customers';
import { customerView } from '../../serializers/customer';
import { serializeAppliedCoupon } from '../../serializers/coupon';
import {
  getCustomerWithTaxes,
  listCustomerAppliedCoupons,
  listCustomers,
  removeAppliedCoupon,
  type CustomerWithTaxes,
} from '../../services/customers';
import { configuredProviders, saveCustomerWithProvider } from '../../services/payments';
import { deleteCustomerWithSubscriptions } from '../../services/subscriptions';
import { pageFrom } from '../pagination';
import { listParam, stringParam } from '../query';

/** The customer's JSON in the organization making the request. */
function customerJson(req: Request, { customer, taxes }: CustomerWithTaxes) {
  return customerView(organizationOf(req), taxes)(customer);
}

export function customersRouter(ctx: AppContext): Router {
  const { db, clock } = ctx;
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'customer', customerSchema);
    // `billing_configuration.sync_with_provider` creates the Stripe customer (services/payments/provider-customers.ts).
    res.json({ customer: customerJson(req, await saveCustomerWithProvider(db, configuredProviders(), organizationOf(req).id, input, await clock.now())) });
  }));
  router.get('/:externalId/applied_coupons', handle(async (req, res) => {
    const filters = { status: stringParam(req.query, 'status') };
    const { rows, meta } = await listCustomerAppliedCoupons(db, organizationOf(req).id, String(req.params.externalId), filters, pageFrom(req.query));
    res.json({ applied_coupons: rows.map(serializeAppliedCoupon), meta });
  }));
  router.delete('/:externalId/applied_coupons/:id', handle(async (req, res) => {
    const applied = await removeAppliedCoupon(db, organizationOf(req).id, String(req.params.externalId), String(req.params.id), await clock.now());
    res.json({ applied_coupon: serializeAppliedCoupon(applied) });
  }));
  router.get('/:externalId', handle(async (req, res) => {
    res.json({ customer: customerJson(req, await getCustomerWithTaxes(db, organizationOf(req).id, String(req.params.externalId))) });
  }));
  router.delete('/:externalId', handle(async (req, res) => {
    res.json({ customer: customerJson(req, await deleteCustomerWithSubscriptions(ctx, organizationOf(req), String(req.params.externalId))) });
  }));
  router.get('/', handle(async (req, res) => {
    const filters = {
      searchTerm: stringParam(req.query, 'search_term'),
      currencies: listParam(req.query, 'currencies'),
      countries: listParam(req.query, 'countries'),
    };
    const { rows, meta, taxes } = await listCustomers(db, organizationOf(req).id, filters, pageFrom(req.query));
    res.json({ customers: rows.map(customerView(organizationOf(req), taxes)), meta });
  }));
  return router;
}

import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { applyCouponSchema } from '../schemas/applied-coupons';
import { serializeAppliedCoupon } from '../../serializers/coupon';
import { applyCoupon, listAppliedCoupons } from '../../services/customers';
import { pageFrom } from '../pagination';
import { listParam, stringParam } from '../query';

/** `/applied_coupons`; removing one is `DELETE /customers/:external_id/applied_coupons/:id` (customers router). */
export function appliedCouponsRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'applied_coupon', applyCouponSchema);
    res.json({ applied_coupon: serializeAppliedCoupon(await applyCoupon(db, organizationOf(req).id, input, await clock.now())) });
  }));
  router.get('/', handle(async (req, res) => {
    const filters = {
      externalCustomerId: stringParam(req.query, 'external_customer_id'),
      status: stringParam(req.query, 'status'),
      couponCodes: listParam(req.query, 'coupon_code'),
    };
    const { rows, meta } = await listAppliedCoupons(db, organizationOf(req).id, filters, pageFrom(req.query));
    res.json({ applied_coupons: rows.map(serializeAppliedCoupon), meta });
  }));
  return router;
}

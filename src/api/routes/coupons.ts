import { Router } from 'express';
import type { AppContext } from '../context';
import { organizationOf } from '../auth';
import { handle } from '../handler';
import { parseEnvelope } from '../validation';
import { createCouponSchema, updateCouponSchema } from '../schemas/coupons';
import { serializeCoupon } from '../../serializers/coupon';
import { createCoupon, deleteCouponByCode, getCouponView, listCoupons, updateCouponByCode } from '../../services/catalog';
import { pageFrom } from '../pagination';

export function couponsRouter({ db, clock }: AppContext): Router {
  const router = Router();
  router.post('/', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'coupon', createCouponSchema);
    res.json({ coupon: serializeCoupon(await createCoupon(db, organizationOf(req).id, input, await clock.now())) });
  }));
  router.put('/:code', handle(async (req, res) => {
    const input = parseEnvelope(req.body, 'coupon', updateCouponSchema);
    res.json({ coupon: serializeCoupon(await updateCouponByCode(db, organizationOf(req).id, String(req.params.code), input, await clock.now())) });
  }));
  router.get('/:code', handle(async (req, res) => {
    res.json({ coupon: serializeCoupon(await getCouponView(db, organizationOf(req).id, String(req.params.code))) });
  }));
  router.get('/', handle(async (req, res) => {
    const { rows, meta } = await listCoupons(db, organizationOf(req).id, pageFrom(req.query));
    res.json({ coupons: rows.map(serializeCoupon), meta });
  }));
  router.delete('/:code', handle(async (req, res) => {
    res.json({ coupon: serializeCoupon(await deleteCouponByCode(db, organizationOf(req).id, String(req.params.code), await clock.now())) });
  }));
  return router;
}
